/*
 * preorder.c — TransactionSetPreOrder (cvm_vm_preorder, docs/preorder.md):
 * one status per transaction, in three passes.
 *
 *  1. On the caller's thread: the cheap checks in their documented order
 *     (protocol version, virtual chain, timestamp window, address scheme,
 *     a signature present), then the transaction hash (SHA-256 of the
 *     canonical encoding, in one reused buffer) of every transaction still
 *     in the running, and the replay check against the store's transaction
 *     index (DUPLICATE before the signature: a replay of a committed
 *     transaction costs a lookup, not an Ed25519 check). This pass and the
 *     one after the pool are the only ones that allocate, through
 *     the VM's allocator, which need not be thread-safe. Hashing here
 *     rather than on the pool measured faster on 2 threads (docs/bench.md):
 *     it is about 1 % of a signature check.
 *  2. On the VM's pool (base/pool.h): the Ed25519 check of each hash, by
 *     the one rule of crypto/sign.h (cvm_tx_verify_hash, what
 *     cvm_tx_verify does), and the signer's address of each that verifies.
 *     A transaction the host marked verified (cvm_preorder_options, e.g. a
 *     node's mempool, which verified it at admission) skips the check.
 *     Each item writes only its own slots, and
 *     a status depends only on its transaction, so the statuses are the
 *     same whatever the number of threads.
 *  Then, on the caller's thread: a transaction whose hash an earlier one
 *     of the set has, among those whose signature verified, is DUPLICATE.
 *     Only verified copies count, so that a copy with a forged signature
 *     placed first cannot push the genuine one out of the block.
 *  3. On the caller's thread again: _GlobalPreOrder.approve(service,
 *     method) through the ordinary call path, in one read-only context at
 *     the latest committed state, as each remaining transaction's signer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/hex.h"
#include "base/map.h"
#include "codec/tx.h"
#include "codec/utf8.h"
#include "crypto/hash.h"
#include "native/native.h"
#include "state/store.h"
#include "vm/sdk.h"

/* Signature checks handed out at once to a thread: each is about 50 µs,
 * so a chunk of 4 keeps the hand-over cost negligible and the threads
 * evenly loaded. */
#define SIG_CHUNK 4

static const char *const status_names[] = {
    "VALID", "INVALID_SIGNATURE", "INVALID_ADDRESS_SCHEME", "NOT_APPROVED", "WRONG_VIRTUAL_CHAIN",
    "WRONG_PROTOCOL_VERSION", "TIMESTAMP_OUT_OF_WINDOW", "DUPLICATE",
};

const char *cvm_preorder_status_name(cvm_preorder_status s)
{
    return (unsigned)s < sizeof status_names / sizeof status_names[0] ? status_names[s] : NULL;
}

/* What lies behind a cvm_preorder_result's pointers. */
typedef struct preorder_internal {
    cvm_arena arena; /* statuses, reasons, and the approve context's results */
} preorder_internal;

void cvm_preorder_result_free(cvm_preorder_result *r)
{
    if (!r)
        return;
    preorder_internal *in = r->internal;
    const cvm_allocator *al = in ? in->arena.al : NULL;
    if (in) {
        cvm_arena_free(&in->arena);
        cvm_free(al, in);
    }
    cvm_free(al, r);
}

/* One pre-order call's working state. */
typedef struct preorder_run {
    cvm_vm *vm;                     /* borrowed */
    const cvm_transaction *txs;     /* borrowed */
    const uint8_t *verified;        /* borrowed, may be NULL: the host's verified flags (cvm_preorder_options) */
    cvm_preorder_status *statuses;  /* in the result's arena */
    const char **reasons;           /* in the result's arena */
    cvm_arena *arena;               /* borrowed: the result's */
    /* pass 2's items: transaction idx[k], whose hash is hashes[k] */
    size_t *idx;                    /* owned */
    uint8_t (*hashes)[CVM_HASH_BYTES]; /* owned */
    uint8_t (*signers)[CVM_ADDRESS_BYTES]; /* owned: item k's signer address, once its signature verified */
    size_t nsig;
    cvm_buf enc;                    /* owned: the encoding being hashed */
} preorder_run;

/* Sets transaction i's status and its reason (formatted into the arena). */
static cvm_status refuse(preorder_run *r, size_t i, cvm_preorder_status s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static cvm_status refuse(preorder_run *r, size_t i, cvm_preorder_status s, const char *fmt, ...)
{
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n >= sizeof msg ? sizeof msg - 1 : (size_t)n;
    len = cvm_utf8_clip((const uint8_t *)msg, strlen(msg), len); /* a cut reason stays UTF-8 */
    r->statuses[i] = s;
    r->reasons[i] = cvm_arena_strndup(r->arena, msg, len);
    return r->reasons[i] ? CVM_OK : cvm_vm_fail(r->vm, CVM_ENOMEM, "out of memory for a pre-order reason");
}

static uint64_t distance(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

/* Pass 1: the checks before the signature, and the encodings to verify. */
static cvm_status first_pass(preorder_run *r, size_t n, uint64_t timestamp)
{
    const cvm_vm *vm = r->vm;
    cvm_status st = CVM_OK;
    for (size_t i = 0; i < n && st == CVM_OK; i++) {
        const cvm_transaction *tx = &r->txs[i];
        if (tx->protocol_version != CVM_PROTOCOL_VERSION) {
            st = refuse(r, i, CVM_PREORDER_WRONG_PROTOCOL_VERSION, "protocol version %u; this VM runs version %d",
                        (unsigned)tx->protocol_version, CVM_PROTOCOL_VERSION);
        } else if (tx->virtual_chain_id != vm->virtual_chain_id) {
            st = refuse(r, i, CVM_PREORDER_WRONG_VIRTUAL_CHAIN, "virtual chain %u; this VM runs virtual chain %u",
                        (unsigned)tx->virtual_chain_id, (unsigned)vm->virtual_chain_id);
        } else if (distance(tx->timestamp, timestamp) > CVM_PREORDER_WINDOW_NS) {
            st = refuse(r, i, CVM_PREORDER_TIMESTAMP_OUT_OF_WINDOW,
                        "timestamp %llu is %llu ns %s the block's %llu; the window is %llu ns either way",
                        (unsigned long long)tx->timestamp, (unsigned long long)distance(tx->timestamp, timestamp),
                        tx->timestamp > timestamp ? "after" : "before", (unsigned long long)timestamp,
                        (unsigned long long)CVM_PREORDER_WINDOW_NS);
        } else if (tx->signer_scheme != CVM_SCHEME_ED25519) {
            st = refuse(r, i, CVM_PREORDER_INVALID_ADDRESS_SCHEME, "signer scheme %u%s; pre-order accepts %d (Ed25519)",
                        (unsigned)tx->signer_scheme, tx->signer_scheme == CVM_SCHEME_NONE ? " (unsigned)" : "",
                        CVM_SCHEME_ED25519);
        } else if (!tx->signature) {
            st = refuse(r, i, CVM_PREORDER_INVALID_SIGNATURE, "no signature");
        } else {
            char msg[200];
            r->enc.len = 0;
            cvm_status e = cvm_tx_encode(&r->enc, tx, msg, sizeof msg);
            if (e == CVM_ENOMEM)
                return cvm_vm_fail(r->vm, e, "out of memory encoding transaction %zu", i);
            if (e != CVM_OK) {
                st = refuse(r, i, CVM_PREORDER_INVALID_SIGNATURE, "no canonical encoding to verify: %s", msg);
            } else {
                cvm_sha256(r->enc.data, r->enc.len, r->hashes[r->nsig]);
                /* for the block's record, if the set is processed next */
                cvm_vm_prehash_put(r->vm, r->enc.data, r->enc.len, r->hashes[r->nsig]);
                cvm_store_tx at;
                bool found = false;
                cvm_status fs = cvm_store_tx_find(vm->store, r->hashes[r->nsig], &at, &found);
                if (fs != CVM_OK)
                    return cvm_vm_fail(r->vm, fs, "pre-order of transaction %zu: %s", i, cvm_store_errmsg(vm->store));
                if (found) {
                    char hex[2 * CVM_HASH_BYTES + 1];
                    cvm_hex_write(hex, r->hashes[r->nsig], CVM_HASH_BYTES);
                    st = refuse(r, i, CVM_PREORDER_DUPLICATE, "transaction %s was committed at height %llu, index %llu",
                                hex, (unsigned long long)at.height, (unsigned long long)at.index);
                } else {
                    r->statuses[i] = CVM_PREORDER_VALID; /* so far */
                    r->idx[r->nsig++] = i;
                }
            }
        }
    }
    return st;
}

/* Pass 2, on any thread: items [from, to) of the signature checks. Reads
 * only what pass 1 wrote; writes only its own items' statuses and addresses. */
static void check_signatures(void *ud, size_t from, size_t to)
{
    preorder_run *r = ud;
    for (size_t k = from; k < to; k++) {
        const cvm_transaction *tx = &r->txs[r->idx[k]];
        bool known = r->verified && r->verified[r->idx[k]]; /* the host checked it already */
        if (!known && cvm_tx_verify_hash(tx, r->hashes[k]) != CVM_TX_VALID)
            r->statuses[r->idx[k]] = CVM_PREORDER_INVALID_SIGNATURE;
        else /* pass 3 calls approve as the signer: its address is a hash too */
            cvm_address_of_key(tx->signer_key, r->signers[k]);
    }
}

/* After pass 2: the second and later transactions of the set with one hash
 * and a signature that verifies are DUPLICATE of the first. */
static cvm_status refuse_repeats(preorder_run *r)
{
    cvm_map seen; /* hash -> ival: the index in the set of its first verified transaction */
    cvm_map_init(&seen, r->vm->al);
    cvm_status st = CVM_OK;
    for (size_t k = 0; k < r->nsig && st == CVM_OK; k++) {
        size_t i = r->idx[k];
        if (r->statuses[i] != CVM_PREORDER_VALID)
            continue;
        bool created = false;
        cvm_map_entry *e = cvm_map_put(&seen, r->hashes[k], CVM_HASH_BYTES, &created);
        if (!e) {
            st = cvm_vm_fail(r->vm, CVM_ENOMEM, "out of memory comparing transaction hashes");
        } else if (created) {
            e->ival = (int64_t)i;
        } else {
            char hex[2 * CVM_HASH_BYTES + 1];
            cvm_hex_write(hex, r->hashes[k], CVM_HASH_BYTES);
            st = refuse(r, i, CVM_PREORDER_DUPLICATE, "transaction %s repeats transaction %lld of this set", hex,
                        (long long)e->ival);
        }
    }
    cvm_map_free(&seen);
    return st;
}

/* Pass 3: _GlobalPreOrder.approve for each transaction still VALID (all
 * of them are among pass 2's items, in order). */
static cvm_status approve_all(preorder_run *r, uint64_t height, uint64_t timestamp)
{
    size_t left = 0;
    for (size_t k = 0; k < r->nsig; k++)
        left += r->statuses[r->idx[k]] == CVM_PREORDER_VALID;
    if (!left)
        return CVM_OK;
    cvm_context ctx;
    cvm_status st = cvm_ctx_init(&ctx, r->vm, r->arena, true);
    if (st != CVM_OK) {
        cvm_ctx_free(&ctx);
        return cvm_vm_fail(r->vm, st, "opening the pre-order context: out of memory");
    }
    ctx.height = height;
    ctx.timestamp = timestamp;
    cvm_error err;
    uint64_t type;
    bool deployed = false;
    if (cvm_deployments_processor(&ctx, CVM_GLOBAL_PREORDER, &type, &deployed, &err) != CVM_CODE_NONE)
        st = ctx.fatal != CVM_OK ? ctx.fatal : CVM_ESTATE;
    for (size_t k = 0; deployed && st == CVM_OK && k < r->nsig; k++) {
        size_t i = r->idx[k];
        const cvm_transaction *tx = &r->txs[i];
        if (r->statuses[i] != CVM_PREORDER_VALID)
            continue;
        cvm_ctx_begin(&ctx, r->signers[k]);
        /* admission is the chain's own check, not the transaction's work:
         * it is not metered, whatever the per-transaction limit */
        ctx.gas_left = INT64_MAX / 2;
        ctx.tx_index = i;
        cvm_arg a[2] = {cvm_arg_stringn(tx->service, strlen(tx->service)),
                        cvm_arg_stringn(tx->method, strlen(tx->method))};
        cvm_call_out out;
        cvm_call(&ctx, CVM_CALL_TX, CVM_GLOBAL_PREORDER, "approve", a, 2, &out);
        if (ctx.fatal != CVM_OK)
            st = ctx.fatal; /* the message is in vm->err */
        else if (out.status != CVM_SUCCESS && out.error.code == CVM_CODE_NOT_APPROVED)
            st = refuse(r, i, CVM_PREORDER_NOT_APPROVED, "%s", out.error.message);
        else if (out.status != CVM_SUCCESS)
            st = refuse(r, i, CVM_PREORDER_NOT_APPROVED, "%s.approve failed: %s: %s", CVM_GLOBAL_PREORDER,
                        cvm_code_name(out.error.code), out.error.message);
    }
    cvm_ctx_free(&ctx);
    return st;
}

cvm_status cvm_vm_preorder(cvm_vm *vm, const cvm_transaction *txs, size_t n, uint64_t height, uint64_t timestamp,
                           cvm_preorder_result **out)
{
    return cvm_vm_preorder_ex(vm, txs, n, height, timestamp, NULL, out);
}

cvm_status cvm_vm_preorder_ex(cvm_vm *vm, const cvm_transaction *txs, size_t n, uint64_t height, uint64_t timestamp,
                              const cvm_preorder_options *opts, cvm_preorder_result **out)
{
    if (out)
        *out = NULL;
    if (!vm || !out || (n && !txs))
        return CVM_EINPUT;
    cvm_preorder_result *res = cvm_calloc(vm->al, 1, sizeof *res);
    preorder_internal *in = cvm_calloc(vm->al, 1, sizeof *in);
    if (!res || !in) {
        cvm_free(vm->al, res);
        cvm_free(vm->al, in);
        return cvm_vm_fail(vm, CVM_ENOMEM, "out of memory for a pre-order result");
    }
    cvm_arena_init(&in->arena, vm->al);
    res->internal = in;
    preorder_run r;
    memset(&r, 0, sizeof r);
    r.vm = vm;
    r.txs = txs;
    r.verified = opts ? opts->verified : NULL;
    r.arena = &in->arena;
    cvm_buf_init(&r.enc, vm->al);
    r.statuses = cvm_arena_calloc(&in->arena, n, sizeof *r.statuses);
    r.reasons = cvm_arena_calloc(&in->arena, n, sizeof *r.reasons);
    r.idx = n ? cvm_malloc(vm->al, n * sizeof *r.idx) : NULL;
    r.hashes = n ? cvm_malloc(vm->al, n * sizeof *r.hashes) : NULL;
    r.signers = n ? cvm_malloc(vm->al, n * sizeof *r.signers) : NULL;
    cvm_status st = CVM_OK;
    if (!r.statuses || !r.reasons || (n && (!r.idx || !r.hashes || !r.signers)))
        st = cvm_vm_fail(vm, CVM_ENOMEM, "out of memory for %zu pre-order statuses", n);
    cvm_vm_prehash_clear(vm); /* an earlier pre-order's, whose set was not processed */
    if (st == CVM_OK)
        st = first_pass(&r, n, timestamp);
    if (st == CVM_OK && !cvm_buf_ok(&r.enc))
        st = cvm_vm_fail(vm, CVM_ENOMEM, "out of memory encoding the transactions");
    if (st == CVM_OK)
        cvm_pool_run(vm->pool, r.nsig, SIG_CHUNK, check_signatures, &r);
    /* the addresses the threads computed, for ProcessTransactionSet to find
     * in the VM's signer cache rather than hash them again */
    for (size_t k = 0; st == CVM_OK && k < r.nsig; k++)
        if (r.statuses[r.idx[k]] == CVM_PREORDER_VALID)
            cvm_vm_signer_remember(vm, r.txs[r.idx[k]].signer_key, r.signers[k]);
    for (size_t k = 0; st == CVM_OK && k < r.nsig; k++)
        if (r.statuses[r.idx[k]] == CVM_PREORDER_INVALID_SIGNATURE)
            st = refuse(&r, r.idx[k], CVM_PREORDER_INVALID_SIGNATURE, CVM_MSG_SIGNATURE_MISMATCH);
    if (st == CVM_OK)
        st = refuse_repeats(&r);
    if (st == CVM_OK)
        st = approve_all(&r, height, timestamp);
    cvm_buf_free(&r.enc);
    cvm_free(vm->al, r.idx);
    cvm_free(vm->al, r.hashes);
    cvm_free(vm->al, r.signers);
    if (st != CVM_OK) {
        cvm_vm_prehash_clear(vm);
        cvm_preorder_result_free(res);
        return st;
    }
    res->statuses = r.statuses;
    res->reasons = r.reasons;
    res->n = n;
    vm->err[0] = '\0';
    *out = res;
    return CVM_OK;
}
