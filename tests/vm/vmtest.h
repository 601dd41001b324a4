/*
 * vmtest.h — helpers of the execution-layer tests: a chain (store + VM),
 * contracts assembled from text, transactions signed by a test key, and
 * blocks processed and committed with the outcome asserted.
 */
#ifndef CVM_TESTS_VMTEST_H
#define CVM_TESTS_VMTEST_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/tx.h"
#include "coopvm.h"
#include "crypto/sign.h"
#include "state/store.h"
#include "support/failing.h"

typedef struct chain {
    cvm_store *store; /* owned */
    cvm_vm *vm;       /* owned */
} chain;

static inline void chain_open_store(chain *c, cvm_store *s)
{
    c->store = s;
    cvm_vm_options o = {0};
    assert_int_equal(cvm_vm_new(&o, s, &c->vm), CVM_OK);
}

static inline void chain_open(chain *c)
{
    cvm_store *s;
    assert_int_equal(cvm_memstore_open(NULL, &s), CVM_OK);
    chain_open_store(c, s);
}

static inline void chain_close(chain *c)
{
    cvm_vm_free(c->vm);
    cvm_store_close(c->store);
}

/* The Ed25519 key pair of test account k (1..255): the development key of
 * the name "account<k>" (crypto/sign.h), so its signatures are real. */
static inline void keypair_of(uint8_t k, uint8_t pk[CVM_PUBKEY_BYTES], uint8_t sk[CVM_SECRETKEY_BYTES])
{
    char name[16];
    snprintf(name, sizeof name, "account%u", (unsigned)k);
    cvm_dev_keypair(name, pk, sk);
}

/* The public key of account k; zeros for 0 (no signer). */
static inline void key_of(uint8_t k, uint8_t key[CVM_PUBKEY_BYTES])
{
    uint8_t sk[CVM_SECRETKEY_BYTES];
    if (!k) {
        memset(key, 0, CVM_PUBKEY_BYTES);
        return;
    }
    keypair_of(k, key, sk);
}

static inline void address_of(uint8_t k, uint8_t addr[CVM_ADDRESS_BYTES])
{
    uint8_t key[CVM_PUBKEY_BYTES];
    key_of(k, key);
    cvm_address_of_key(key, addr);
}

/* A transaction of account k (0: unsigned) to service.method. Its
 * signature is left NULL: sign_as signs it (RunLocalMethod and pre-order
 * check signatures; ProcessTransactionSet leaves that to pre-order). Each
 * gets the next timestamp from 1000 (within the window of the blocks'
 * 5000), so that two calls alike are two transactions, not a replay. */
static inline cvm_transaction tx_of(uint8_t k, const char *service, const char *method, const cvm_arg *args,
                                    size_t nargs)
{
    cvm_transaction t;
    memset(&t, 0, sizeof t);
    t.protocol_version = CVM_PROTOCOL_VERSION;
    static uint64_t next_timestamp = 1000; /* this test program's: tests are not threaded */
    t.timestamp = next_timestamp++;
    t.signer_scheme = k ? CVM_SCHEME_ED25519 : CVM_SCHEME_NONE;
    key_of(k, t.signer_key);
    t.service = service;
    t.method = method;
    t.args = args;
    t.nargs = nargs;
    return t;
}

/* Signs t with account k's key; t->signature points at sig afterwards. */
static inline void sign_as(uint8_t k, cvm_transaction *t, uint8_t sig[CVM_SIGNATURE_BYTES])
{
    uint8_t pk[CVM_PUBKEY_BYTES], sk[CVM_SECRETKEY_BYTES];
    keypair_of(k, pk, sk);
    assert_int_equal(cvm_tx_sign(NULL, t, sk, sig, NULL), CVM_OK);
    t->signature = sig;
}

/* The binary module of assembly text; free with free_code. */
static inline uint8_t *code_of(const char *src, size_t *len)
{
    cvm_module *m = NULL;
    assert_int_equal(cvm_assemble(NULL, src, strlen(src), "test.asm", NULL, NULL, &m, NULL), CVM_OK);
    uint8_t *p = NULL;
    assert_int_equal(cvm_module_encode(m, &p, len), CVM_OK);
    cvm_module_free(m);
    return p;
}

static inline void free_code(uint8_t *p) { cvm_free(NULL, p); }

/* Processes txs as the next height; asserts the VM worked. */
static inline cvm_block_result *run_block(chain *c, const cvm_transaction *txs, size_t n)
{
    cvm_block_result *b = NULL;
    cvm_status st = cvm_vm_process_transaction_set(c->vm, cvm_store_height(c->store) + 1, 5000, txs, n, &b);
    if (st != CVM_OK)
        fail_msg("process: %s", cvm_vm_errmsg(c->vm));
    return b;
}

static inline void commit_block(chain *c, cvm_block_result *b)
{
    if (cvm_vm_commit(c->vm, b) != CVM_OK)
        fail_msg("commit: %s", cvm_vm_errmsg(c->vm));
    cvm_block_result_free(b);
}

/* Asserts a receipt's status and error code. */
static inline void expect(const cvm_receipt *r, cvm_exec_status st, cvm_code code)
{
    if (r->status != st || r->error.code != code)
        fail_msg("expected %s/%s, got %s/%s: %s", cvm_exec_status_name(st), cvm_code_name(code),
                 cvm_exec_status_name(r->status), cvm_code_name(r->error.code), r->error.message);
}

/* Processes one transaction, commits, and returns a copy of its receipt's
 * status, code and first int64 output (through *out when not NULL). */
static inline void run1(chain *c, cvm_transaction t, cvm_exec_status st, cvm_code code, int64_t *out)
{
    cvm_block_result *b = run_block(c, &t, 1);
    expect(&b->receipts[0], st, code);
    if (out) {
        assert_int_equal(b->receipts[0].noutputs, 1);
        *out = b->receipts[0].outputs[0].v.i64;
    }
    commit_block(c, b);
}

/* Deploys src as service name in its own block. */
static inline void deploy(chain *c, const char *name, const char *src)
{
    size_t len;
    uint8_t *code = code_of(src, &len);
    cvm_arg a[3] = {cvm_arg_stringn(name, strlen(name)), cvm_arg_uint64(CVM_PROCESSOR_BYTECODE),
                    cvm_arg_bytes(code, len)};
    run1(c, tx_of(1, "_Deployments", "deployService", a, 3), CVM_SUCCESS, CVM_CODE_NONE, NULL);
    free_code(code);
}

/* Genesis with accounts 1..n of the given reputations; account 1 is admin. */
static inline void genesis(chain *c, const int64_t *reps, size_t n)
{
    cvm_genesis_account acc[8];
    for (size_t i = 0; i < n; i++) {
        address_of((uint8_t)(i + 1), acc[i].address);
        acc[i].reputation = reps[i];
        acc[i].admin = i == 0;
    }
    cvm_block_result *b = NULL;
    assert_int_equal(cvm_vm_genesis(c->vm, 1, acc, n, &b), CVM_OK);
    commit_block(c, b);
}

/* RunLocalMethod; the caller frees the result. */
static inline cvm_local_result *local(chain *c, cvm_transaction t)
{
    cvm_local_result *r = NULL;
    if (cvm_vm_run_local_method(c->vm, &t, &r) != CVM_OK)
        fail_msg("local: %s", cvm_vm_errmsg(c->vm));
    return r;
}

/* RunLocalMethod of a call by account k, signed with its key (0: an
 * unsigned call); the caller frees the result. */
static inline cvm_local_result *local_call(chain *c, uint8_t k, const char *service, const char *method,
                                           const cvm_arg *args, size_t nargs)
{
    uint8_t sig[CVM_SIGNATURE_BYTES];
    cvm_transaction t = tx_of(k, service, method, args, nargs);
    if (k)
        sign_as(k, &t, sig);
    return local(c, t);
}

/* The int64 result of a local call that must succeed. */
static inline int64_t local_i64(chain *c, const char *service, const char *method)
{
    cvm_local_result *r = local_call(c, 1, service, method, NULL, 0);
    expect(&r->receipt, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(r->receipt.noutputs, 1);
    int64_t v = r->receipt.outputs[0].v.i64;
    cvm_local_result_free(r);
    return v;
}

/* A scenario run under al: 1 when all of it succeeded. */
typedef int (*oom_scenario_fn)(const cvm_allocator *al, const uint8_t *code, size_t len);

/* Runs run under an allocator that allows n allocations, for n = 0, 1, ...
 * until it succeeds (below max), asserting after each run that it gave back
 * every block. Returns the n it succeeded with, max if it never did. */
static inline long every_allocation_failure(oom_scenario_fn run, const uint8_t *code, size_t len, long max)
{
    long n;
    for (n = 0; n < max; n++) {
        failing f = {.left = n};
        cvm_allocator al = failing_allocator(&f);
        int ok = run(&al, code, len);
        assert_int_equal(f.live, 0);
        if (ok)
            break;
    }
    return n;
}

#endif
