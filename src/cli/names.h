/*
 * names.h — the accounts a text output names: with `--scenario FILE`, an
 * address that is the development key's address of one of FILE's accounts
 * (or of process's deployer) prints as that name, as `coopvm process`
 * prints it: bob, not 0x2e12.... Only FILE's "accounts" are read (a
 * scenario or a node's genesis file), so none of its contracts is needed.
 */
#ifndef CVM_CLI_NAMES_H
#define CVM_CLI_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "coopvm.h"

typedef struct cli_names {
    json_t *root;      /* owned: the file's JSON, which holds the names */
    const char **name; /* owned array; the names borrowed from root (or static) */
    uint8_t (*address)[CVM_ADDRESS_BYTES]; /* owned, n */
    size_t n;
} cli_names;

/* Reads the names of path's "accounts" (capped as a scenario), with
 * process's deployer; prints "coopvm CMD: PATH: why" and returns false
 * when it cannot. */
bool cli_names_load(const char *cmd, const char *path, cli_names *a);
void cli_names_free(cli_names *a);

/* The name of the account whose address is v (20 bytes), or NULL; a may
 * be NULL (no names). */
const char *cli_names_of_arg(const cli_names *a, const cvm_arg *v);

/* The same for an address as the JSON views write it ("0x" + 40 hex
 * digits); NULL for anything else. */
const char *cli_names_of_hex(const cli_names *a, const char *hex);

#endif
