/*
 * run_host.h — the chain behind `coopvm run`: an in-memory store where the
 * module is deployed (its .state and the --state values committed at
 * height 1), and one call run as a transaction at height 2 in a read-write
 * overlay. The receipt collects the events, the execution log and, when the
 * call succeeds, the state diff.
 *
 * (The execution-layer issue replaces this with a one-transaction set
 * through the VM's ProcessTransactionSet.)
 */
#ifndef CVM_CLI_RUN_HOST_H
#define CVM_CLI_RUN_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coopvm.h"
#include "state/diff.h"
#include "state/store.h"

#define RUN_DEPLOY_HEIGHT 1
#define RUN_CALL_HEIGHT 2
#define RUN_BLOCK_TIME 0 /* ns; fixed, so that a run is reproducible */

typedef struct run_state_kv {
    const char *key; /* borrowed: key bytes (not NUL-terminated at keylen) */
    size_t keylen;
    int64_t value;
} run_state_kv;

typedef struct run_event {
    uint8_t *name; /* owned */
    size_t namelen;
    int64_t value;
} run_event;

typedef struct run_receipt {
    const char *service;  /* borrowed from the module */
    run_event *events;    /* owned; nevents; empty when the call failed */
    size_t nevents, capevents;
    int64_t *logs;        /* owned; nlogs, kept when the call failed too */
    size_t nlogs, caplogs;
    cvm_state_diff diff;  /* sorted; empty when the call failed */
} run_receipt;

typedef struct run_chain {
    const cvm_module *module; /* borrowed */
    cvm_store *store;         /* owned */
} run_chain;

/* Opens the chain and deploys m with its initial state, then kvs (borrowed)
 * on top. On failure err says why. */
cvm_status run_chain_open(run_chain *c, const cvm_module *m, const run_state_kv *kvs, size_t nkvs, char *err,
                          size_t errcap);

/* Runs method with args as a signer of the given reputation. Fills res and
 * receipt (the caller frees it with run_receipt_free, also on failure).
 * trace (may be NULL) receives every executed instruction. A non-OK status
 * is a failure of the chain itself (out of memory, state error), in err. */
cvm_status run_chain_call(run_chain *c, const char *method, const int64_t *args, size_t nargs, int64_t reputation,
                          const cvm_exec_options *opts, void (*trace)(void *, const cvm_trace_step *),
                          void *trace_ud, cvm_exec_result *res, run_receipt *receipt, char *err, size_t errcap);

void run_receipt_free(run_receipt *r);
void run_chain_close(run_chain *c);

#endif
