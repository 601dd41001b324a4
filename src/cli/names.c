/* names.c — accounts named in the text outputs (see names.h). */
#include "names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "cli.h"
#include "play.h"

void cli_names_free(cli_names *a)
{
    json_decref(a->root);
    free(a->name);
    free(a->address);
    memset(a, 0, sizeof *a);
}

bool cli_names_load(const char *cmd, const char *path, cli_names *a)
{
    memset(a, 0, sizeof *a);
    char err[1280];
    size_t len;
    char *text = (char *)cli_read_file_err(path, CLI_FILE_SCENARIO, &len, err, sizeof err);
    if (!text) {
        fprintf(stderr, "coopvm %s: %s\n", cmd, err);
        return false;
    }
    json_error_t je;
    a->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!a->root) {
        fprintf(stderr, "coopvm %s: %s:%d:%d: malformed JSON: %s\n", cmd, path, je.line, je.column, je.text);
        return false;
    }
    const json_t *acc = json_is_object(a->root) ? json_object_get(a->root, "accounts") : NULL;
    const char *why = !json_is_object(a->root) ? "expected a scenario or a genesis file (an object with accounts)"
                      : acc && !json_is_object(acc) ? "accounts: expected an object of accounts"
                                                    : NULL;
    if (why) {
        fprintf(stderr, "coopvm %s: %s: %s\n", cmd, path, why);
        cli_names_free(a);
        return false;
    }
    size_t n = json_object_size(acc) + 1;
    a->name = calloc(n, sizeof *a->name);
    a->address = calloc(n, sizeof *a->address);
    if (!a->name || !a->address) {
        fprintf(stderr, "coopvm %s: out of memory\n", cmd);
        cli_names_free(a);
        return false;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)acc, key, v) a->name[a->n++] = key;
    a->name[a->n++] = PLAY_DEPLOYER;
    for (size_t i = 0; i < a->n; i++)
        play_address(a->name[i], a->address[i]);
    return true;
}

const char *cli_names_of_arg(const cli_names *a, const cvm_arg *v)
{
    for (size_t i = 0; a && v->type == CVM_ARG_BYTES && v->v.bytes.len == CVM_ADDRESS_BYTES && i < a->n; i++)
        if (memcmp(v->v.bytes.ptr, a->address[i], CVM_ADDRESS_BYTES) == 0)
            return a->name[i];
    return NULL;
}

const char *cli_names_of_hex(const cli_names *a, const char *hex)
{
    uint8_t addr[CVM_ADDRESS_BYTES];
    if (!a || !hex || strlen(hex) != 2 + 2 * CVM_ADDRESS_BYTES || hex[0] != '0' || hex[1] != 'x' ||
        !cvm_hex_decode(hex + 2, 2 * CVM_ADDRESS_BYTES, addr, sizeof addr))
        return NULL;
    cvm_arg v = cvm_arg_bytes(addr, sizeof addr);
    return cli_names_of_arg(a, &v);
}
