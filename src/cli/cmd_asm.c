/* cmd_asm.c — `coopvm asm` and `coopvm disasm`: source to module and back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char asm_help[] =
    "usage: coopvm asm IN.asm [-o OUT.cvm]\n\n"
    "Assembles IN.asm into a verified binary module. Without -o the output is IN\n"
    "with its extension replaced by .cvm. Every error in the file is reported as\n"
    "FILE:LINE:COL: error: MESSAGE, and the exit status is then 1. IN is at most\n"
    "4 MiB (4,194,304 bytes).\n";

static const char disasm_help[] =
    "usage: coopvm disasm IN.cvm [-o OUT.asm]\n\n"
    "Prints a module as assembly that `coopvm asm` turns back into the identical\n"
    "bytes. Without -o it prints to standard output. IN is at most 4 MiB.\n";

/* Parses "IN [-o OUT]" for asm and disasm; returns -1 when fine. */
static int parse_in_out(const char *cmd, const char *help, int argc, char **argv, const char **in,
                        const char **out)
{
    *in = *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(help, stdout);
            return CLI_OK;
        }
        if (strcmp(argv[i], "-o") == 0) {
            if (++i == argc)
                return cli_usage_error(cmd, "-o needs a file name");
            *out = argv[i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error(cmd, "unknown flag '%s'", argv[i]);
        } else if (*in) {
            return cli_usage_error(cmd, "one input file only ('%s' and '%s')", *in, argv[i]);
        } else {
            *in = argv[i];
        }
    }
    if (!*in)
        return cli_usage_error(cmd, "missing input file");
    return -1;
}

int cmd_asm(int argc, char **argv)
{
    const char *in, *out;
    int rc = parse_in_out("asm", asm_help, argc, argv, &in, &out);
    if (rc >= 0)
        return rc;
    char *def = NULL;
    if (!out) {
        size_t n = strlen(in);
        const char *dot = strrchr(in, '.'), *slash = strrchr(in, '/');
        if (dot && (!slash || dot > slash))
            n = (size_t)(dot - in);
        def = malloc(n + 5);
        if (!def) {
            fprintf(stderr, "coopvm: out of memory\n");
            return CLI_FAIL;
        }
        memcpy(def, in, n);
        memcpy(def + n, ".cvm", 5);
        out = def;
    }
    rc = CLI_FAIL;
    cvm_module *m = cli_load_module(in);
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (m) {
        if (cvm_module_encode(m, &bytes, &len) != CVM_OK)
            fprintf(stderr, "coopvm: out of memory\n");
        else if (cli_write_file(out, bytes, len))
            rc = CLI_OK;
    }
    cvm_free(NULL, bytes);
    cvm_module_free(m);
    free(def);
    return rc;
}

int cmd_disasm(int argc, char **argv)
{
    const char *in, *out;
    int rc = parse_in_out("disasm", disasm_help, argc, argv, &in, &out);
    if (rc >= 0)
        return rc;
    rc = CLI_FAIL;
    cvm_module *m = cli_load_module(in);
    char *text = NULL;
    size_t len = 0;
    if (m) {
        if (cvm_module_disasm(m, &text, &len) != CVM_OK)
            fprintf(stderr, "coopvm: out of memory\n");
        else if (out ? cli_write_file(out, text, len) : fwrite(text, 1, len, stdout) == len)
            rc = CLI_OK;
    }
    cvm_free(NULL, text);
    cvm_module_free(m);
    return rc;
}
