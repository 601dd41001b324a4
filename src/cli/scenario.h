/*
 * scenario.h — the scenario file of `coopvm process` (docs/scenarios.md),
 * read and checked completely before anything runs:
 *
 *   {"accounts":  {NAME: {"reputation": INT, "admin": BOOL}},
 *    "contracts": {NAME: "path.asm" | "path.cvm"},
 *    "blocks":    [[TX, ...], ...],
 *    "queries":   [TX, ...],
 *    "block_gas_limit": INT, "block_tx_limit": INT}
 *
 *   TX = {"signer": NAME, "contract": NAME, "method": NAME, "args": [...]}
 *
 * Every member is optional. Paths are relative to the scenario file. Args
 * are the codec's scenario arguments (codec/json.h: 5 is an int64, "text" a
 * string, {"uint64": 7} an explicit type, ...). A query's signer is
 * optional (an unsigned local call). Unknown members, wrong types, unknown
 * accounts, contracts that do not assemble, names that _Deployments would
 * refuse and transactions the codec could not encode are errors naming the
 * file and the JSON path:
 *
 *   scenario.json: blocks[1][0].signer: unknown account "carol"
 *
 * A TX's contract that is neither a scenario contract nor a native service
 * but a valid service name is an "undeclared" contract (scenario.undeclared):
 * it must already be deployed in the store a run continues, which only the
 * caller can check (cmd_process.c).
 *
 * Bounded memory: the blocks are checked completely here, but not kept.
 * scenario_block reads block i again from the JSON (into an arena the
 * caller frees after the block), so what `process` builds per block does
 * not add up over a run; only jansson's tree of the file stays.
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
    const scn_tx *txs; /* the arena passed to scenario_block */
    size_t n;
} scn_block;

/* A contract the scenario calls without declaring it (see above). */
typedef struct scn_undeclared {
    const char *name;  /* borrowed from the scenario's JSON */
    const char *where; /* arena: the JSON path of its first use, "blocks[0][1].contract" */
} scn_undeclared;

typedef struct scenario {
    json_t *root;          /* owned: the names above point into it */
    cvm_arena arena;       /* owned: everything else */
    const scn_account *accounts;
    size_t naccounts;
    const scn_contract *contracts;
    size_t ncontracts;
    const json_t *blocks;  /* borrowed from root: the "blocks" array, NULL when absent */
    size_t nblocks;
    size_t ntxs;           /* transactions in all blocks */
    const scn_tx *queries;
    size_t nqueries;
    const scn_undeclared *undeclared; /* in order of first use */
    size_t nundeclared;
    const char *file;      /* arena: the path, for scenario_block's messages */
    int64_t block_gas_limit; /* the VM's limits of a block (docs/vm.md); 0 = the default */
    int64_t block_tx_limit;
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

/* Block i (< s->nblocks) of a scenario that scenario_load accepted, read
 * into arena (the caller's: out->txs and the arguments live there until the
 * caller frees it). CVM_ENOMEM (err says so) is the only failure. */
cvm_status scenario_block(const scenario *s, size_t i, cvm_arena *arena, scn_block *out, char *err, size_t errcap);

/* The account named name, or NULL. */
const scn_account *scenario_account(const scenario *s, const char *name);

#endif
