/* util.c — helpers shared by the subcommands (see cli.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bytecode/module.h"
#include "cli.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "coopvm %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see 'coopvm %s --help')\n", cmd);
    va_end(ap);
    return CLI_USAGE;
}

bool cli_is_help(const char *arg) { return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0; }

bool cli_parse_i64(const char *s, int64_t *out)
{
    bool neg = false;
    const char *p = s;
    if (*p == '-') {
        neg = true;
        p++;
    } else if (*p == '+') {
        p++;
    }
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (!*p)
        return false;
    uint64_t v = 0;
    for (; *p; p++) {
        int d;
        if (*p >= '0' && *p <= '9')
            d = *p - '0';
        else if (base == 16 && *p >= 'a' && *p <= 'f')
            d = *p - 'a' + 10;
        else if (base == 16 && *p >= 'A' && *p <= 'F')
            d = *p - 'A' + 10;
        else
            return false;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return false;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return false;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)v;
    }
    return true;
}

uint8_t *cli_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "coopvm: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "coopvm: %s: is a directory, not a file\n", path);
        fclose(f);
        return NULL;
    }
    size_t cap = 4096, n = 0;
    uint8_t *data = malloc(cap);
    while (data) {
        if (n + 1 >= cap) {
            uint8_t *d = realloc(data, cap * 2);
            if (!d) {
                free(data);
                data = NULL;
                break;
            }
            data = d;
            cap *= 2;
        }
        size_t got = fread(data + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    bool err = ferror(f);
    fclose(f);
    if (!data || err) {
        fprintf(stderr, "coopvm: %s: %s\n", path, data ? "read error" : "out of memory");
        free(data);
        return NULL;
    }
    data[n] = 0;
    *len = n;
    return data;
}

bool cli_write_file(const char *path, const void *data, size_t len)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 8);
    if (!tmp) {
        fprintf(stderr, "coopvm: %s: out of memory\n", path);
        return false;
    }
    snprintf(tmp, plen + 8, "%s.tmp~", path);
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = false;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        fprintf(stderr, "coopvm: %s: %s\n", path, strerror(errno));
        remove(tmp);
    }
    free(tmp);
    return ok;
}

static void print_diag(void *ud, const char *file, int line, int col, const char *message)
{
    (void)ud;
    fprintf(stderr, "%s:%d:%d: error: %s\n", file, line, col, message);
}

cvm_module *cli_load_module(const char *path)
{
    size_t len;
    uint8_t *data = cli_read_file(path, &len);
    if (!data)
        return NULL;
    cvm_module *m = NULL;
    cvm_status st;
    size_t plen = strlen(path);
    bool binary = (len >= 4 && memcmp(data, CVM_MODULE_MAGIC, 4) == 0) ||
                  (plen >= 4 && strcmp(path + plen - 4, ".cvm") == 0);
    if (binary) {
        char err[256] = "";
        st = cvm_module_load(NULL, data, len, &m, err, sizeof err);
        if (st != CVM_OK)
            fprintf(stderr, "%s: error: %s\n", path, st == CVM_ENOMEM ? "out of memory" : err);
    } else {
        st = cvm_assemble(NULL, (const char *)data, len, path, print_diag, NULL, &m);
        if (st == CVM_ENOMEM)
            fprintf(stderr, "%s: error: out of memory\n", path);
    }
    free(data);
    return st == CVM_OK ? m : NULL;
}
