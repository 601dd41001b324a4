/* run_host.c — the one-call chain behind `coopvm run` (see run_host.h). */
#include "run_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytecode/module.h"
#include "state/memstore.h"
#include "state/overlay.h"
#include "state/value.h"

typedef struct call_ctx {
    cvm_overlay *overlay; /* borrowed */
    const char *service;  /* borrowed */
    size_t service_len;
    run_receipt *receipt; /* borrowed */
    bool oom;
} call_ctx;

static cvm_code host_load(void *ud, const uint8_t *key, size_t keylen, int64_t *value, cvm_error *err)
{
    call_ctx *c = ud;
    if (cvm_state_load_i64(c->overlay, (const uint8_t *)c->service, c->service_len, key, keylen, value, err->message,
                           sizeof err->message) != CVM_OK)
        return CVM_CODE_HOST_ERROR;
    return CVM_CODE_NONE;
}

static cvm_code host_store(void *ud, const uint8_t *key, size_t keylen, int64_t value, cvm_error *err)
{
    call_ctx *c = ud;
    if (cvm_state_store_i64(c->overlay, (const uint8_t *)c->service, c->service_len, key, keylen, value,
                            err->message, sizeof err->message) != CVM_OK)
        return CVM_CODE_HOST_ERROR;
    return CVM_CODE_NONE;
}

/* Grows *arr (of *cap elements of size sz) to hold one more; false on OOM. */
static bool grow(void **arr, size_t *cap, size_t count, size_t sz)
{
    if (count < *cap)
        return true;
    size_t n = *cap ? *cap * 2 : 8;
    void *p = realloc(*arr, n * sz);
    if (!p)
        return false;
    *arr = p;
    *cap = n;
    return true;
}

static cvm_code host_emit(void *ud, const uint8_t *name, size_t namelen, int64_t value, cvm_error *err)
{
    call_ctx *c = ud;
    run_receipt *r = c->receipt;
    uint8_t *copy = malloc(namelen + 1);
    if (!copy || !grow((void **)&r->events, &r->capevents, r->nevents, sizeof *r->events)) {
        free(copy);
        c->oom = true;
        snprintf(err->message, sizeof err->message, "out of memory recording event");
        return CVM_CODE_HOST_ERROR;
    }
    memcpy(copy, name, namelen);
    copy[namelen] = 0;
    r->events[r->nevents++] = (run_event){copy, namelen, value};
    return CVM_CODE_NONE;
}

static cvm_code host_log(void *ud, int64_t value, cvm_error *err)
{
    call_ctx *c = ud;
    run_receipt *r = c->receipt;
    if (!grow((void **)&r->logs, &r->caplogs, r->nlogs, sizeof *r->logs)) {
        c->oom = true;
        snprintf(err->message, sizeof err->message, "out of memory recording the log");
        return CVM_CODE_HOST_ERROR;
    }
    r->logs[r->nlogs++] = value;
    return CVM_CODE_NONE;
}

static cvm_status fail(cvm_status st, char *err, size_t errcap, const char *what, const char *why)
{
    snprintf(err, errcap, "%s: %s", what, why && *why ? why : cvm_status_name(st));
    return st;
}

cvm_status run_chain_open(run_chain *c, const cvm_module *m, const run_state_kv *kvs, size_t nkvs, char *err,
                          size_t errcap)
{
    memset(c, 0, sizeof *c);
    c->module = m;
    cvm_status st = cvm_memstore_open(NULL, &c->store);
    if (st != CVM_OK)
        return fail(st, err, errcap, "opening the in-memory state", NULL);
    cvm_overlay *o = NULL;
    if ((st = cvm_overlay_new(NULL, c->store, false, &o)) != CVM_OK)
        return fail(st, err, errcap, "deploying", NULL);
    const uint8_t *svc = (const uint8_t *)m->name;
    size_t svclen = strlen(m->name);
    char msg[200] = "";
    for (size_t i = 0; st == CVM_OK && i < m->nstate; i++)
        st = cvm_state_store_i64(o, svc, svclen, m->state[i].key, m->state[i].keylen, m->state[i].value, msg,
                                 sizeof msg);
    for (size_t i = 0; st == CVM_OK && i < nkvs; i++)
        st = cvm_state_store_i64(o, svc, svclen, (const uint8_t *)kvs[i].key, kvs[i].keylen, kvs[i].value, msg,
                                 sizeof msg);
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    if (st == CVM_OK && (st = cvm_overlay_diff(o, &d)) != CVM_OK)
        snprintf(msg, sizeof msg, "%s", cvm_overlay_errmsg(o));
    uint8_t hash[CVM_SHA256_BYTES];
    if (st == CVM_OK && (st = cvm_state_diff_commit(c->store, &d, NULL, 0, hash)) != CVM_OK)
        snprintf(msg, sizeof msg, "%s", cvm_store_errmsg(c->store));
    cvm_state_diff_free(&d);
    cvm_overlay_free(o);
    if (st != CVM_OK) {
        run_chain_close(c);
        return fail(st, err, errcap, "writing the initial state", msg);
    }
    return CVM_OK;
}

cvm_status run_chain_call(run_chain *c, const char *method, const int64_t *args, size_t nargs, int64_t reputation,
                          const cvm_exec_options *opts, void (*trace)(void *, const cvm_trace_step *),
                          void *trace_ud, cvm_exec_result *res, run_receipt *receipt, char *err, size_t errcap)
{
    memset(receipt, 0, sizeof *receipt);
    receipt->service = c->module->name;
    cvm_state_diff_init(&receipt->diff, NULL);
    cvm_overlay *o = NULL;
    cvm_status st = cvm_overlay_new(NULL, c->store, false, &o);
    if (st != CVM_OK)
        return fail(st, err, errcap, "opening the transaction's state", NULL);
    call_ctx ctx = {o, c->module->name, strlen(c->module->name), receipt, false};
    cvm_host host = {
        .ud = &ctx,
        .load = host_load,
        .store = host_store,
        .emit = host_emit,
        .log = host_log,
        .trace = trace,
        .reputation = reputation,
        .block_height = RUN_CALL_HEIGHT,
        .block_time = RUN_BLOCK_TIME,
    };
    (void)trace_ud; /* the trace callback receives host.ud; run's printer needs no state */
    st = cvm_exec(c->module, method, args, nargs, &host, opts, res);
    if (st == CVM_OK && ctx.oom)
        st = CVM_ENOMEM;
    if (st == CVM_OK && res->status == CVM_SUCCESS && (st = cvm_overlay_diff(o, &receipt->diff)) != CVM_OK)
        fail(st, err, errcap, "computing the state diff", cvm_overlay_errmsg(o));
    else if (st != CVM_OK)
        fail(st, err, errcap, "running the method", NULL);
    if (res->status != CVM_SUCCESS) {
        /* a failed call leaves no trace in state or events; its log stays */
        for (size_t i = 0; i < receipt->nevents; i++)
            free(receipt->events[i].name);
        receipt->nevents = 0;
    }
    cvm_overlay_free(o);
    return st;
}

void run_receipt_free(run_receipt *r)
{
    for (size_t i = 0; i < r->nevents; i++)
        free(r->events[i].name);
    free(r->events);
    free(r->logs);
    cvm_state_diff_free(&r->diff);
    memset(r, 0, sizeof *r);
}

void run_chain_close(run_chain *c)
{
    cvm_store_close(c->store);
    c->store = NULL;
}
