/* util.c — helpers shared by the subcommands (see cli.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/count.h"
#include "base/hex.h"
#include "bytecode/module.h"
#include "codec/args.h"
#include "cli.h"
#include "crypto/sign.h"

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

/* The caps of cli.h's table, with the words a message uses for each. */
static const struct {
    size_t limit;
    const char *what;
} file_kinds[] = {
    [CLI_FILE_CONTRACT] = {CLI_LIMIT_CONTRACT, "a contract (.asm or .cvm)"},
    [CLI_FILE_SCENARIO] = {CLI_LIMIT_SCENARIO, "a scenario"},
    [CLI_FILE_TX] = {CLI_LIMIT_TX, "a transaction"},
    [CLI_FILE_KEY] = {CLI_LIMIT_KEY, "a key file"},
};

size_t cli_file_limit(cli_file kind) { return file_kinds[kind].limit; }

/* Reads from f until EOF or more than limit bytes. Memory grows with what
 * was read (never past limit + 1), so /dev/zero, a FIFO that never closes
 * or a file that grows as it is read all end at the cap. */
static uint8_t *read_capped(FILE *f, size_t hint, size_t limit, size_t *len, bool *too_big)
{
    size_t cap = hint < 4096 ? 4096 : hint + 2, n = 0;
    if (cap > limit + 2)
        cap = limit + 2;
    uint8_t *data = malloc(cap);
    while (data) {
        if (n + 1 >= cap) {
            size_t next = cap > (limit + 2) / 2 ? limit + 2 : cap * 2;
            uint8_t *d = next > cap ? realloc(data, next) : NULL;
            if (!d) {
                free(data);
                return NULL;
            }
            data = d;
            cap = next;
        }
        size_t got = fread(data + n, 1, cap - n - 1, f);
        n += got;
        if (n > limit) {
            *too_big = true;
            free(data);
            return NULL;
        }
        if (got == 0)
            break;
    }
    if (data)
        *len = n;
    return data;
}

uint8_t *cli_read_file_err(const char *path, cli_file kind, size_t *len, char *err, size_t errcap)
{
    size_t limit = file_kinds[kind].limit;
    char n1[CVM_COUNT_BUF];
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    size_t hint = 0;
    bool too_big = false;
    if (fstat(fileno(f), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, errcap, "%s: is a directory, not a file", path);
            fclose(f);
            return NULL;
        }
        /* A regular file's size is known before reading it (a huge sparse
         * file is refused at once); anything else is counted as it comes. */
        if (S_ISREG(st.st_mode) && st.st_size > 0)
            hint = (uint64_t)st.st_size > limit ? limit + 1 : (size_t)st.st_size;
        too_big = hint > limit;
    }
    uint8_t *data = too_big ? NULL : read_capped(f, hint, limit, len, &too_big);
    bool rerr = !too_big && data && ferror(f);
    fclose(f);
    if (too_big)
        snprintf(err, errcap, "%s: the file is larger than %s bytes, the limit for %s", path,
                 cvm_count(limit, n1), file_kinds[kind].what);
    else if (!data || rerr)
        snprintf(err, errcap, "%s: %s", path, data ? "read error" : "out of memory");
    if (too_big || rerr) {
        free(data);
        return NULL;
    }
    data[*len] = 0;
    return data;
}

uint8_t *cli_read_file(const char *path, cli_file kind, size_t *len)
{
    char err[1024 + 256];
    uint8_t *data = cli_read_file_err(path, kind, len, err, sizeof err);
    if (!data)
        fprintf(stderr, "coopvm: %s\n", err);
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

bool cli_module_fits_deployment(size_t len, char *why, size_t cap)
{
    if (len <= CVM_ARG_BYTES_MAX) /* the deployment's code argument */
        return true;
    char n1[CVM_COUNT_BUF], n2[CVM_COUNT_BUF];
    snprintf(why, cap, "the module is %s bytes; a deployment carries at most %s", cvm_count(len, n1),
             cvm_count(CVM_ARG_BYTES_MAX, n2));
    return false;
}

static void print_diag(void *ud, const char *file, int line, int col, const char *message)
{
    (void)ud;
    fprintf(stderr, "%s:%d:%d: error: %s\n", file, line, col, message);
}

cvm_module *cli_load_module(const char *path)
{
    size_t len;
    uint8_t *data = cli_read_file(path, CLI_FILE_CONTRACT, &len);
    if (!data)
        return NULL;
    cvm_module *m = NULL;
    cvm_status st;
    size_t plen = strlen(path);
    bool binary = (len >= 4 && memcmp(data, CVM_MODULE_MAGIC, 4) == 0) ||
                  (plen >= 4 && strcmp(path + plen - 4, ".cvm") == 0);
    if (binary) {
        cvm_errmsg err;
        st = cvm_module_load(NULL, data, len, &m, &err);
        if (st != CVM_OK)
            fprintf(stderr, "%s: error: %s\n", path, err.text);
    } else {
        /* every diagnostic is printed by print_diag; err holds only the first */
        cvm_errmsg err;
        st = cvm_assemble(NULL, (const char *)data, len, path, print_diag, NULL, &m, &err);
        if (st == CVM_ENOMEM)
            fprintf(stderr, "%s: error: %s\n", path, err.text);
    }
    free(data);
    return st == CVM_OK ? m : NULL;
}

json_t *cli_load_json(const char *cmd, const char *path, cli_file kind)
{
    char err[1280];
    size_t len;
    char *text = (char *)cli_read_file_err(path, kind, &len, err, sizeof err);
    if (!text) {
        fprintf(stderr, "coopvm %s: %s\n", cmd, err);
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    free(text);
    if (!j)
        fprintf(stderr, "coopvm %s: %s:%d:%d: %s\n", cmd, path, je.line, je.column, je.text);
    return j;
}

/* "secret_key" (the seed) is required; "public_key" and "address", when
 * present, must match it, so a damaged file is caught. */
bool cli_load_key(const char *cmd, const char *path, uint8_t pk[CVM_PUBKEY_BYTES], uint8_t sk[CVM_SECRETKEY_BYTES])
{
    json_t *j = cli_load_json(cmd, path, CLI_FILE_KEY);
    if (!j)
        return false;
    const char *why = NULL;
    uint8_t seed[CVM_SEED_BYTES], want[CVM_PUBKEY_BYTES], addr[CVM_ADDRESS_BYTES], want_addr[CVM_ADDRESS_BYTES];
    const json_t *s = json_object_get(j, "secret_key"), *p = json_object_get(j, "public_key"),
                 *a = json_object_get(j, "address");
    if (!json_is_object(j))
        why = "a key file must be a JSON object";
    else if (!json_is_string(s) || !cvm_hex_decode(json_string_value(s), json_string_length(s), seed, sizeof seed))
        why = "\"secret_key\" must be 64 hex digits (the seed)";
    if (!why) {
        cvm_keypair_from_seed(seed, pk, sk);
        cvm_address_of_key(pk, addr);
        if (p && (!json_is_string(p) ||
                  !cvm_hex_decode(json_string_value(p), json_string_length(p), want, sizeof want) ||
                  memcmp(want, pk, sizeof want) != 0))
            why = "\"public_key\" does not belong to \"secret_key\"";
        else if (a && (!json_is_string(a) ||
                       !cvm_hex_decode(json_string_value(a), json_string_length(a), want_addr, sizeof want_addr) ||
                       memcmp(want_addr, addr, sizeof addr) != 0))
            why = "\"address\" is not the address of \"secret_key\"";
    }
    json_decref(j);
    if (why)
        fprintf(stderr, "coopvm %s: %s: %s\n", cmd, path, why);
    return !why;
}

uint64_t cli_now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}
