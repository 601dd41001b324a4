/*
 * scenario.h — the scenario file of `coopvm process` (docs/scenarios.md),
 * read and checked completely before anything runs:
 *
 *   {"accounts":  {NAME: {"reputation": INT, "admin": BOOL}},
 *    "contracts": {NAME: "path.asm" | "path.cvm"},
 *    "blocks":    [[TX, ...], ...],
 *    "queries":   [TX, ...]}
 *
 *   TX = {"signer": NAME, "contract": NAME, "method": NAME, "args": [...]}
 *
 * Every member is optional. Paths are relative to the scenario file. Args
 * are the codec's scenario arguments (codec/json.h: 5 is an int64, "text" a
 * string, {"uint64": 7} an explicit type, ...). A query's signer is
 * optional (an unsigned local call). Unknown members, wrong types, unknown
 * accounts or contracts, contracts that do not assemble and names that
 * _Deployments would refuse are errors naming the file and the JSON path:
 *
 *   scenario.json: blocks[1][0].signer: unknown account "carol"
 *
 * The members of a TX are one table in scenario.c (tx_fields): a new
 * member is one row there and one field in scn_tx.
 */
#ifndef CVM_CLI_SCENARIO_H
#define CVM_CLI_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/arena.h"
#include "coopvm.h"
#include "play.h"

typedef struct scn_account {
    const char *name;   /* borrowed from the scenario's JSON */
    int64_t reputation; /* 0 when absent */
    bool admin;
} scn_account;

typedef struct scn_contract {
    const char *name;   /* borrowed from the scenario's JSON: the deployed service name */
    const char *path;   /* arena: the file, relative to the working directory */
    const uint8_t *code; /* arena: the binary module, as deployed */
    size_t len;
} scn_contract;

/* One transaction (in a block) or local call (a query). */
typedef struct scn_tx {
    const char *signer;   /* borrowed: an account name; NULL = unsigned (queries only) */
    const char *contract; /* borrowed: a scenario contract or a native service */
    const char *method;   /* borrowed */
    const cvm_arg *args;  /* arena */
    size_t nargs;
    play_faults faults;   /* "protocol", "chain", "timestamp", "scheme", "tamper" */
} scn_tx;

typedef struct scn_block {
    const scn_tx *txs; /* arena */
    size_t n;
} scn_block;

typedef struct scenario {
    json_t *root;          /* owned: the names above point into it */
    cvm_arena arena;       /* owned: everything else */
    const scn_account *accounts;
    size_t naccounts;
    const scn_contract *contracts;
    size_t ncontracts;
    const scn_block *blocks;
    size_t nblocks;
    const scn_tx *queries;
    size_t nqueries;
} scenario;

/* Reads and checks the scenario at path. CVM_EINPUT with err = "PATH:
 * WHERE: WHAT" when it is bad (a contract's assembler diagnostics are
 * printed to stderr as they come), CVM_ENOMEM when memory ran out. On
 * failure s holds nothing to free. */
cvm_status scenario_load(const char *path, scenario *s, char *err, size_t errcap);

/* The same for a scenario already in memory, text[0..len) (borrowed; need
 * not be NUL-terminated): path is only its name, used in messages and to
 * resolve contract paths against its directory (which are then read from
 * disk); the file path itself is not read. scenario_load is this after
 * reading the file, at most CLI_LIMIT_SCENARIO bytes (cli.h), checked while
 * reading (fuzz/fuzz_scenario.c feeds arbitrary bytes). */
cvm_status scenario_parse(const char *path, const char *text, size_t len, scenario *s, char *err, size_t errcap);

void scenario_free(scenario *s);

/* The account named name, or NULL. */
const scn_account *scenario_account(const scenario *s, const char *name);

#endif
