/*
 * vm.c — the entry points of the execution layer (coopvm.h):
 * ProcessTransactionSet, RunLocalMethod, genesis and commit, over one
 * context each (context.h) and the call path of sdk.c.
 *
 * A transaction set runs in one read-write context: each transaction under
 * an overlay checkpoint, released on success and rolled back on failure
 * (with its events; its logs stay in its receipt). The result owns its
 * memory through an arena; the state diff is the overlay's, sorted, with
 * its SHA-256. The block limits (block_fill) decide which transactions of
 * a set run at all (docs/vm.md, "Block limits").
 *
 * Replay protection: before a transaction of a set runs, its hash is looked
 * up in the store's transaction index and among the set's earlier
 * transactions; a duplicate gets a NOT_EXECUTED receipt and does not run.
 * The hashes of the transactions that ran go into the block result, and
 * cvm_vm_commit writes them into the index with the state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/arena.h"
#include "base/hex.h"
#include "base/map.h"
#include "codec/block.h"
#include "codec/event.h"
#include "codec/receipt.h"
#include "codec/tx.h"
#include "crypto/hash.h"
#include "native/native.h"
#include "state/diff.h"
#include "vm/bytecode.h"
#include "vm/sdk.h"

/* What lies behind a cvm_block_result's pointers. */
typedef struct block_internal {
    cvm_arena arena;     /* receipts, outputs, events, logs, changes */
    cvm_state_diff diff; /* owned: the entries the changes point into */
    cvm_store_tx *txs;   /* in the arena: the transaction index entries of what ran */
    size_t ntxs;
    /* the block's records for the store (codec/block.h, codec/receipt.h):
     * record i of each is bytes [off[i], off[i + 1]) of its buffer */
    cvm_buf txrecs, receipts; /* owned */
    size_t *txoff, *rcoff;    /* in the arena; nreceipts + 1 each */
} block_internal;

/* What lies behind a cvm_local_result's pointers. */
typedef struct local_internal {
    cvm_arena arena;
} local_internal;

cvm_status cvm_vm_new(const cvm_vm_options *opts, cvm_store *store, cvm_vm **out)
{
    if (!out)
        return CVM_EINPUT;
    *out = NULL;
    if (!store)
        return CVM_EINPUT;
    const cvm_allocator *al = opts ? opts->al : NULL;
    cvm_vm *vm = cvm_calloc(al, 1, sizeof *vm);
    if (!vm)
        return CVM_ENOMEM;
    vm->al = al;
    vm->store = store;
    vm->gas_limit = opts && opts->gas_limit > 0 ? opts->gas_limit : CVM_DEFAULT_GAS_LIMIT;
    /* by default a block holds at least one transaction at its full limit */
    vm->block_gas_limit = opts && opts->block_gas_limit > 0 ? opts->block_gas_limit
                          : vm->gas_limit > CVM_DEFAULT_BLOCK_GAS_LIMIT ? vm->gas_limit
                                                                        : CVM_DEFAULT_BLOCK_GAS_LIMIT;
    vm->block_tx_limit = opts && opts->block_tx_limit > 0 ? opts->block_tx_limit : CVM_DEFAULT_BLOCK_TX_LIMIT;
    vm->virtual_chain_id = opts ? opts->virtual_chain_id : 0;
    vm->trace = opts ? opts->trace : NULL;
    vm->trace_ud = opts ? opts->trace_ud : NULL;
    vm->dispatch = opts ? opts->dispatch : CVM_DISPATCH_AUTO;
    cvm_chain_identity id;
    if (cvm_store_identity(store, &id) &&
        (id.virtual_chain_id != vm->virtual_chain_id || id.protocol_version != CVM_PROTOCOL_VERSION)) {
        /* no VM to carry the message: it goes on the store */
        char where[300], gh[2 * CVM_HASH_BYTES + 1];
        cvm_hex_write(gh, id.genesis_hash, CVM_HASH_BYTES);
        cvm_store_fail(store, CVM_ESTATE,
                       "%s belongs to virtual chain %u (protocol %u, genesis %.16s…); this VM runs virtual chain %u, "
                       "protocol %d",
                       cvm_store_where(store, where, sizeof where), (unsigned)id.virtual_chain_id,
                       (unsigned)id.protocol_version, gh, (unsigned)vm->virtual_chain_id, CVM_PROTOCOL_VERSION);
        cvm_free(al, vm);
        return CVM_ESTATE;
    }
    cvm_map_init(&vm->modules, al);
    cvm_map_init(&vm->prehash, al);
    cvm_arena_init(&vm->prehash_arena, al);
    cvm_status st = cvm_pool_new(al, opts ? opts->threads : 0, &vm->pool);
    if (st != CVM_OK) {
        cvm_free(al, vm);
        return st;
    }
    *out = vm;
    return CVM_OK;
}

void cvm_vm_free(cvm_vm *vm)
{
    if (!vm)
        return;
    cvm_vm_modules_free(vm);
    cvm_map_free(&vm->prehash);
    cvm_arena_free(&vm->prehash_arena);
    cvm_pool_free(vm->pool);
    cvm_free(vm->al, vm);
}

const char *cvm_vm_errmsg(const cvm_vm *vm) { return vm ? vm->err : "no VM"; }

void cvm_block_result_free(cvm_block_result *b)
{
    if (!b)
        return;
    block_internal *in = b->internal;
    const cvm_allocator *al = in ? in->arena.al : NULL;
    if (in) {
        cvm_buf_free(&in->txrecs);
        cvm_buf_free(&in->receipts);
        cvm_state_diff_free(&in->diff);
        cvm_arena_free(&in->arena);
        cvm_free(al, in);
    }
    cvm_free(al, b);
}

void cvm_local_result_free(cvm_local_result *r)
{
    if (!r)
        return;
    local_internal *in = r->internal;
    const cvm_allocator *al = in ? in->arena.al : NULL;
    if (in) {
        cvm_arena_free(&in->arena);
        cvm_free(al, in);
    }
    cvm_free(al, r);
}

/* ------------------------------------------------------- one transaction */

/* What run_tx checks of a transaction beyond what every one gets. */
typedef enum tx_mode {
    TX_PLAIN,     /* a transaction of a set: its signature is pre-order's business */
    TX_LOCAL,     /* RunLocalMethod: a signed call's signature is checked here */
    TX_SYSTEM     /* a system call (cvm_vm_process_system_set): no signer allowed */
} tx_mode;

/* Checks a local call's signature when it has one: false with e filled when
 * it must not run. A library failure (out of memory) sets *st. */
static bool local_signature_ok(cvm_context *ctx, const cvm_transaction *tx, cvm_error *e, cvm_status *st)
{
    if (tx->signer_scheme != CVM_SCHEME_ED25519)
        return true; /* unsigned: allowed, with a zero signer */
    if (!tx->signature) {
        cvm_error_set(e, CVM_CODE_INVALID_SIGNATURE, "the call names an Ed25519 signer but carries no signature");
        return false;
    }
    cvm_errmsg msg;
    cvm_tx_verdict v;
    cvm_status s = cvm_tx_verify(ctx->al, tx, &v, &msg);
    if (s == CVM_ENOMEM) {
        *st = cvm_vm_fail(ctx->vm, s, "out of memory hashing a local call");
        return false;
    }
    if (s != CVM_OK) {
        cvm_error_set(e, CVM_CODE_INVALID_SIGNATURE, "the call has no canonical encoding to verify: %s", msg.text);
        return false;
    }
    if (v != CVM_TX_VALID) {
        cvm_error_set(e, CVM_CODE_INVALID_SIGNATURE, CVM_MSG_SIGNATURE_MISMATCH);
        return false;
    }
    return true;
}

/* Runs tx in ctx with gas and fills r (memory in ctx's arena). Under a
 * checkpoint in a read-write context. Returns a library failure, else
 * CVM_OK. */
static cvm_status run_tx(cvm_context *ctx, const cvm_transaction *tx, tx_mode mode, int64_t gas, cvm_receipt *r)
{
    uint8_t signer[CVM_ADDRESS_BYTES];
    cvm_ctx_signer_of(ctx, tx, signer);
    cvm_ctx_begin(ctx, signer);
    ctx->gas_left = gas;
    cvm_call_out out;
    memset(&out, 0, sizeof out);
    memset(r, 0, sizeof *r);
    size_t mark = 0;
    cvm_status st = CVM_OK;
    cvm_error bad; /* a local call's signature failure */
    if (tx->protocol_version != CVM_PROTOCOL_VERSION || tx->virtual_chain_id != ctx->vm->virtual_chain_id) {
        cvm_error e;
        cvm_error_set(&e, CVM_CODE_INVALID_TRANSACTION,
                      "protocol version %u, virtual chain %u; this VM runs version %d, virtual chain %u",
                      (unsigned)tx->protocol_version, (unsigned)tx->virtual_chain_id, CVM_PROTOCOL_VERSION,
                      (unsigned)ctx->vm->virtual_chain_id);
        cvm_out_fail(&out, CVM_ERROR_INPUT, &e);
    } else if (tx->signer_scheme != CVM_SCHEME_NONE && tx->signer_scheme != CVM_SCHEME_ED25519) {
        cvm_error e;
        cvm_error_set(&e, CVM_CODE_INVALID_TRANSACTION, "unknown signer scheme %u", (unsigned)tx->signer_scheme);
        cvm_out_fail(&out, CVM_ERROR_INPUT, &e);
    } else if (!tx->service || !tx->method || (tx->nargs && !tx->args) || tx->nargs > CVM_MAX_ARGS) {
        cvm_error e;
        cvm_error_set(&e, CVM_CODE_WRONG_ARGUMENTS, "a transaction needs a service, a method and at most %d arguments",
                      CVM_MAX_ARGS);
        cvm_out_fail(&out, CVM_ERROR_INPUT, &e);
    } else if (mode == TX_SYSTEM && tx->signer_scheme != CVM_SCHEME_NONE) {
        cvm_error e;
        cvm_error_set(&e, CVM_CODE_INVALID_TRANSACTION, "a system call has no signer (scheme %u given)",
                      (unsigned)tx->signer_scheme);
        cvm_out_fail(&out, CVM_ERROR_INPUT, &e);
    } else if (mode == TX_LOCAL && !local_signature_ok(ctx, tx, &bad, &st)) {
        if (st != CVM_OK)
            return st;
        cvm_out_fail(&out, CVM_ERROR_INPUT, &bad);
    } else {
        if (!ctx->read_only && cvm_overlay_checkpoint(ctx->ov, &mark) != CVM_OK)
            return cvm_vm_fail(ctx->vm, CVM_ENOMEM, "opening a checkpoint: %s", cvm_overlay_errmsg(ctx->ov));
        cvm_call(ctx, CVM_CALL_TX, tx->service, tx->method, tx->args, tx->nargs, &out);
        if (ctx->fatal != CVM_OK)
            return ctx->fatal;
        if (!ctx->read_only) {
            st = out.status == CVM_SUCCESS ? cvm_overlay_release(ctx->ov, mark) : cvm_overlay_rollback(ctx->ov, mark);
            if (st != CVM_OK)
                return cvm_vm_fail(ctx->vm, st, "closing a checkpoint: %s", cvm_overlay_errmsg(ctx->ov));
            if (out.status != CVM_SUCCESS) {
                /* it may have deployed what is now undone */
                cvm_ctx_memo_clear(ctx);
            }
        }
    }
    r->status = out.status;
    r->error = out.error;
    if (out.status == CVM_SUCCESS) {
        memset(&r->error, 0, sizeof r->error);
        r->error.pc = -1;
        cvm_arg *o = cvm_arena_memdup(ctx->arena, out.outputs, out.noutputs * sizeof *o);
        cvm_event *ev = cvm_arena_memdup(ctx->arena, ctx->events, ctx->nevents * sizeof *ev);
        if (!o || !ev)
            return cvm_vm_fail(ctx->vm, CVM_ENOMEM, "out of memory for a receipt");
        r->outputs = o;
        r->noutputs = out.noutputs;
        r->events = ev;
        r->nevents = ctx->nevents;
    } else {
        r->events = NULL;
        r->nevents = 0;
    }
    int64_t *logs = cvm_arena_memdup(ctx->arena, ctx->logs, ctx->nlogs * sizeof *logs);
    if (!logs)
        return cvm_vm_fail(ctx->vm, CVM_ENOMEM, "out of memory for a receipt");
    r->logs = logs;
    r->nlogs = ctx->nlogs;
    r->gas_used = gas - ctx->gas_left;
    return CVM_OK;
}

/* ---------------------------------------------------------- block results */

static cvm_status block_new(cvm_vm *vm, uint64_t height, uint64_t timestamp, size_t n, cvm_block_result **out,
                            block_internal **inp)
{
    cvm_block_result *b = cvm_calloc(vm->al, 1, sizeof *b);
    block_internal *in = cvm_calloc(vm->al, 1, sizeof *in);
    if (!b || !in) {
        cvm_free(vm->al, b);
        cvm_free(vm->al, in);
        return cvm_vm_fail(vm, CVM_ENOMEM, "out of memory for a block result");
    }
    cvm_arena_init(&in->arena, vm->al);
    cvm_state_diff_init(&in->diff, vm->al);
    cvm_buf_init(&in->txrecs, vm->al);
    cvm_buf_init(&in->receipts, vm->al);
    b->internal = in;
    b->height = height;
    b->timestamp = timestamp;
    b->receipts = n ? cvm_arena_calloc(&in->arena, n, sizeof(cvm_receipt)) : NULL;
    if (n && !b->receipts) {
        cvm_block_result_free(b);
        return cvm_vm_fail(vm, CVM_ENOMEM, "out of memory for receipts");
    }
    b->nreceipts = n;
    *out = b;
    *inp = in;
    return CVM_OK;
}

/* The context's diff into the result: sorted changes and their hash. */
static cvm_status block_finish(cvm_context *ctx, cvm_block_result *b, block_internal *in)
{
    cvm_status st = cvm_overlay_diff(ctx->ov, &in->diff);
    if (st != CVM_OK)
        return cvm_vm_fail(ctx->vm, st, "computing the state diff: %s", cvm_overlay_errmsg(ctx->ov));
    if ((st = cvm_state_diff_hash(&in->diff, b->diff_hash)) != CVM_OK)
        return cvm_vm_fail(ctx->vm, st, "hashing the state diff");
    st = cvm_overlay_commitment(ctx->ov, cvm_store_last_commitment(ctx->vm->store), b->state_commitment);
    if (st != CVM_OK)
        return cvm_vm_fail(ctx->vm, st, "the state commitment: %s", cvm_overlay_errmsg(ctx->ov));
    size_t n = in->diff.count;
    cvm_state_change *ch = cvm_arena_calloc(&in->arena, n ? n : 1, sizeof *ch);
    if (!ch)
        return cvm_vm_fail(ctx->vm, CVM_ENOMEM, "out of memory for the state diff");
    for (size_t i = 0; i < n; i++) {
        const cvm_diff_entry *e = &in->diff.entries[i];
        ch[i] = (cvm_state_change){e->service, e->service_len, e->key, e->key_len, e->value, e->value_len};
    }
    b->diff = ch;
    b->ndiff = n;
    return CVM_OK;
}

/* Room for the block's record offsets (n transactions). */
static cvm_status records_init(cvm_vm *vm, block_internal *in, size_t n)
{
    in->txoff = cvm_arena_calloc(&in->arena, n + 1, sizeof *in->txoff);
    in->rcoff = cvm_arena_calloc(&in->arena, n + 1, sizeof *in->rcoff);
    if (!in->txoff || !in->rcoff)
        return cvm_vm_fail(vm, CVM_ENOMEM, "out of memory for the block's records");
    return CVM_OK;
}

/* Appends transaction i's record (codec/block.h) to the block's and
 * writes its hash (zeros, !*encodable, when it has no canonical encoding):
 * one encoding and one SHA-256 per transaction, for the block, the tx root
 * and the replay check. */
static cvm_status tx_record(cvm_vm *vm, block_internal *in, const cvm_transaction *tx, size_t i,
                            uint8_t hash[CVM_HASH_BYTES], bool *encodable)
{
    size_t at = in->txrecs.len;
    if (cvm_block_tx_record(&in->txrecs, tx, hash, cvm_vm_prehash_find, vm) != CVM_OK || !cvm_buf_ok(&in->txrecs))
        return cvm_vm_fail(vm, CVM_ENOMEM, "out of memory encoding transaction %zu", i);
    *encodable = in->txrecs.data[at] != CVM_TX_FORM_NONE;
    in->txoff[i + 1] = in->txrecs.len;
    return CVM_OK;
}

/* The block's header (docs/blocks.md), its transactions' records made
 * (tx_record) and their hashes fed to tx_root: encodes each receipt for
 * the commit, hashing them into receipts_root, and hashes the header. */
static cvm_status block_header(cvm_vm *vm, cvm_block_result *b, block_internal *in, cvm_sha256_ctx *tx_root)
{
    size_t n = b->nreceipts;
    cvm_block_header *h = &b->header;
    h->height = b->height;
    h->timestamp = b->timestamp;
    h->ntxs = n;
    memcpy(h->prev_hash, cvm_store_last_block_hash(vm->store), CVM_HASH_BYTES);
    memcpy(h->state_diff_hash, b->diff_hash, CVM_HASH_BYTES);
    memcpy(h->state_commitment, b->state_commitment, CVM_HASH_BYTES);
    cvm_sha256_ctx rc_root;
    cvm_sha256_init(&rc_root);
    for (size_t i = 0; i < n; i++) {
        char why[200];
        cvm_status st = cvm_receipt_encode(&b->receipts[i], &in->receipts, why, sizeof why);
        if (st != CVM_OK)
            return cvm_vm_fail(vm, st, "the receipt of transaction %zu: %s", i, why);
        cvm_sha256_update(&rc_root, in->receipts.data + in->rcoff[i], in->receipts.len - in->rcoff[i]);
        in->rcoff[i + 1] = in->receipts.len;
    }
    cvm_sha256_final(tx_root, h->tx_root);
    cvm_sha256_final(&rc_root, h->receipts_root);
    cvm_block_hash(h, h->hash);
    return CVM_OK;
}

static cvm_status check_height(cvm_vm *vm, uint64_t height)
{
    uint64_t at = cvm_store_height(vm->store);
    if (height == 0 || height != at + 1)
        return cvm_vm_fail(vm, CVM_ESTATE, "block %llu cannot follow the store's height %llu (it must be %llu)",
                       (unsigned long long)height, (unsigned long long)at, (unsigned long long)(at + 1));
    return CVM_OK;
}

/* What process_set remembers to refuse replays within a set. */
typedef struct replay_guard {
    cvm_map seen; /* hash -> ival: the index in the set of the transaction that ran with it */
} replay_guard;

/* Fills r as a transaction that is not run (NOT_EXECUTED, gas 0). */
static void not_executed(cvm_receipt *r, cvm_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void not_executed(cvm_receipt *r, cvm_code code, const char *fmt, ...)
{
    memset(r, 0, sizeof *r);
    r->status = CVM_NOT_EXECUTED;
    r->error.code = code;
    r->error.pc = -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->error.message, sizeof r->error.message, fmt, ap);
    va_end(ap);
}

/* Where a set stands against the block limits (docs/vm.md, "Block
 * limits"): once full, every later transaction is NOT_EXECUTED with the
 * code and message of the stop. */
typedef struct block_fill {
    size_t run;         /* transactions run */
    int64_t gas;        /* their gas */
    bool full;
    size_t stopped_at;  /* the first transaction not run for the limits */
    cvm_code code;      /* BLOCK_GAS_LIMIT or BLOCK_TX_LIMIT */
} block_fill;

/* Before transaction i runs: false with r filled when the block is full
 * (now, by the transaction limit, or before); else the gas it runs with. */
static bool fill_admit(const cvm_vm *vm, block_fill *f, size_t i, cvm_receipt *r, int64_t *gas)
{
    if (!f->full && f->run == vm->block_tx_limit) {
        f->full = true;
        f->stopped_at = i;
        f->code = CVM_CODE_BLOCK_TX_LIMIT;
    }
    if (f->full) {
        if (i == f->stopped_at && f->code == CVM_CODE_BLOCK_TX_LIMIT)
            not_executed(r, f->code, "the block's transaction limit (%zu) is reached: %zu ran before this one",
                         vm->block_tx_limit, f->run);
        else
            not_executed(r, f->code, "the block stopped filling at transaction %zu: its %s limit (%lld gas, %zu "
                         "transactions) was reached with %lld gas used by %zu transactions", f->stopped_at,
                         f->code == CVM_CODE_BLOCK_GAS_LIMIT ? "gas" : "transaction", (long long)vm->block_gas_limit,
                         vm->block_tx_limit, (long long)f->gas, f->run);
        return false;
    }
    int64_t left = vm->block_gas_limit - f->gas;
    *gas = left < vm->gas_limit ? left : vm->gas_limit;
    return true;
}

/* After transaction i ran with gas: counts it, or, when it ran out of the
 * block's gas (less than its own limit, and OUT_OF_GAS), makes it the
 * first that did not fit (run_tx already rolled it back). */
static void fill_count(const cvm_vm *vm, block_fill *f, size_t i, int64_t gas, cvm_receipt *r)
{
    if (gas < vm->gas_limit && r->status != CVM_SUCCESS && r->error.code == CVM_CODE_OUT_OF_GAS) {
        f->full = true;
        f->stopped_at = i;
        f->code = CVM_CODE_BLOCK_GAS_LIMIT;
        not_executed(r, f->code, "the block's gas limit (%lld) is reached: %lld used by the %zu transactions "
                     "before this one, which needs more than the %lld left", (long long)vm->block_gas_limit,
                     (long long)f->gas, f->run, (long long)gas);
        return;
    }
    f->run++;
    f->gas += r->gas_used;
}

/* Decides whether transaction i of a set is a replay: *dup true (r filled)
 * when its hash is in the store's transaction index or was run earlier in
 * the set; otherwise *hashed says whether hash holds its hash, for its
 * index entry once it has run. hash is the one its block record computed
 * (tx_record). A transaction with no canonical encoding (!encodable) has
 * no hash: it runs (and fails, as run_tx says why) and has no entry. */
static cvm_status replay_check(cvm_vm *vm, replay_guard *g, const uint8_t hash[CVM_HASH_BYTES], bool encodable,
                               size_t i, cvm_receipt *r, bool *hashed, bool *dup)
{
    *dup = *hashed = false;
    if (!encodable)
        return CVM_OK;
    cvm_status st;
    char hex[2 * CVM_HASH_BYTES + 1];
    cvm_store_tx at;
    bool found = false;
    if ((st = cvm_store_tx_find(vm->store, hash, &at, &found)) != CVM_OK)
        return cvm_vm_fail(vm, st, "transaction %zu: %s", i, cvm_store_errmsg(vm->store));
    if (found) {
        cvm_hex_write(hex, hash, CVM_HASH_BYTES);
        not_executed(r, CVM_CODE_DUPLICATE_TRANSACTION, "transaction %s was committed at height %llu, index %llu",
                     hex, (unsigned long long)at.height, (unsigned long long)at.index);
        *dup = true;
        return CVM_OK;
    }
    bool created = false;
    cvm_map_entry *e = cvm_map_put(&g->seen, hash, CVM_HASH_BYTES, &created);
    if (!e)
        return cvm_vm_fail(vm, CVM_ENOMEM, "out of memory comparing transaction hashes");
    if (!created) {
        cvm_hex_write(hex, hash, CVM_HASH_BYTES);
        not_executed(r, CVM_CODE_DUPLICATE_TRANSACTION, "transaction %s repeats transaction %lld of this set", hex,
                     (long long)e->ival);
        *dup = true;
        return CVM_OK;
    }
    e->ival = (int64_t)i;
    *hashed = true;
    return CVM_OK;
}

/* ProcessTransactionSet, or a set of system calls (mode TX_SYSTEM). */
static cvm_status process_set(cvm_vm *vm, uint64_t height, uint64_t timestamp, const cvm_transaction *txs, size_t n,
                              tx_mode mode, cvm_block_result **out)
{
    if (!vm || !out || (n && !txs))
        return CVM_EINPUT;
    *out = NULL;
    cvm_status st = check_height(vm, height);
    if (st != CVM_OK)
        return st;
    cvm_block_result *b;
    block_internal *in;
    if ((st = block_new(vm, height, timestamp, n, &b, &in)) != CVM_OK)
        return st;
    /* replay protection is for signed transactions, the only ones pre-order
     * admits: an unsigned one (a host's or a test's; system calls always)
     * carries no one's authorization to replay, and is neither checked nor
     * indexed */
    bool guard = mode == TX_PLAIN;
    replay_guard g;
    cvm_map_init(&g.seen, vm->al);
    cvm_sha256_ctx tx_root;
    cvm_sha256_init(&tx_root);
    cvm_context ctx;
    st = cvm_ctx_init(&ctx, vm, &in->arena, false);
    if (st == CVM_OK && guard && n && !(in->txs = cvm_arena_calloc(&in->arena, n, sizeof *in->txs)))
        st = cvm_vm_fail(vm, CVM_ENOMEM, "out of memory for the transaction index entries");
    ctx.height = height;
    ctx.timestamp = timestamp;
    ctx.system = mode == TX_SYSTEM;
    /* the block limits are the chain's, for the transactions it is given;
     * a system set is the host's own and is not limited */
    bool limited = mode == TX_PLAIN;
    block_fill fill = {0, 0, false, 0, CVM_CODE_NONE};
    if (st == CVM_OK)
        st = records_init(vm, in, n);
    for (size_t i = 0; i < n && st == CVM_OK; i++) {
        cvm_receipt *r = (cvm_receipt *)&b->receipts[i];
        /* every transaction of the set is in the block, run or not: its
         * record and hash first (the hash serves the replay check too) */
        uint8_t hash[CVM_HASH_BYTES];
        bool encodable = false;
        if ((st = tx_record(vm, in, &txs[i], i, hash, &encodable)) != CVM_OK)
            continue;
        cvm_sha256_update(&tx_root, hash, sizeof hash);
        int64_t gas = vm->gas_limit;
        if (limited && !fill_admit(vm, &fill, i, r, &gas))
            continue;
        /* after the limits: a block that is full is full for replays too */
        bool hashed = false, dup = false;
        if (guard && txs[i].signer_scheme == CVM_SCHEME_ED25519 &&
            ((st = replay_check(vm, &g, hash, encodable, i, r, &hashed, &dup)) != CVM_OK || dup))
            continue;
        ctx.tx_index = i;
        st = run_tx(&ctx, &txs[i], mode, gas, r);
        if (st == CVM_OK && limited)
            fill_count(vm, &fill, i, gas, r);
        /* it ran (not undone as the one that did not fit): into the index */
        if (st == CVM_OK && hashed && r->status != CVM_NOT_EXECUTED) {
            cvm_store_tx *t = &in->txs[in->ntxs++];
            memcpy(t->hash, hash, sizeof hash);
            t->height = 0; /* the block's: set by the store */
            t->index = i;
            t->timestamp = txs[i].timestamp;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (b->receipts[i].status != CVM_NOT_EXECUTED) {
            b->nrun++;
            b->gas_used += b->receipts[i].gas_used;
        }
    if (st == CVM_OK)
        st = block_finish(&ctx, b, in);
    if (st == CVM_OK)
        st = block_header(vm, b, in, &tx_root);
    cvm_vm_prehash_clear(vm); /* this set's: the next pre-order fills it again */
    cvm_ctx_free(&ctx);
    cvm_map_free(&g.seen);
    if (st != CVM_OK) {
        cvm_block_result_free(b);
        return st;
    }
    vm->err[0] = '\0';
    *out = b;
    return CVM_OK;
}

cvm_status cvm_vm_process_transaction_set(cvm_vm *vm, uint64_t height, uint64_t timestamp,
                                          const cvm_transaction *txs, size_t n, cvm_block_result **out)
{
    return process_set(vm, height, timestamp, txs, n, TX_PLAIN, out);
}

cvm_status cvm_vm_process_system_set(cvm_vm *vm, uint64_t height, uint64_t timestamp, const cvm_transaction *calls,
                                     size_t n, cvm_block_result **out)
{
    return process_set(vm, height, timestamp, calls, n, TX_SYSTEM, out);
}

cvm_status cvm_vm_genesis(cvm_vm *vm, uint64_t timestamp, const cvm_genesis_account *accounts, size_t n,
                          cvm_block_result **out)
{
    if (!vm || !out || (n && !accounts))
        return CVM_EINPUT;
    *out = NULL;
    cvm_status st = check_height(vm, 1);
    if (st != CVM_OK)
        return st;
    cvm_block_result *b;
    block_internal *in;
    if ((st = block_new(vm, 1, timestamp, 0, &b, &in)) != CVM_OK)
        return st;
    cvm_context ctx;
    st = cvm_ctx_init(&ctx, vm, &in->arena, false);
    ctx.height = 1;
    ctx.timestamp = timestamp;
    ctx.system = true;
    cvm_error err;
    /* every native service is deployed from the start */
    for (size_t i = 0; st == CVM_OK && cvm_native_at(i); i++)
        if (cvm_deployments_record(&ctx, cvm_native_at(i)->name, CVM_PROCESSOR_NATIVE, NULL, 0, &err) !=
            CVM_CODE_NONE)
            st = ctx.fatal;
    for (size_t i = 0; st == CVM_OK && i < n; i++)
        if (cvm_reputation_genesis(&ctx, accounts[i].address, accounts[i].reputation, accounts[i].admin != 0, &err) !=
            CVM_CODE_NONE)
            st = ctx.fatal;
    if (st == CVM_OK)
        st = block_finish(&ctx, b, in);
    cvm_sha256_ctx no_txs;
    cvm_sha256_init(&no_txs);
    if (st == CVM_OK)
        st = records_init(vm, in, 0);
    if (st == CVM_OK)
        st = block_header(vm, b, in, &no_txs);
    cvm_ctx_free(&ctx);
    if (st != CVM_OK) {
        cvm_block_result_free(b);
        return st;
    }
    vm->err[0] = '\0';
    *out = b;
    return CVM_OK;
}

cvm_status cvm_vm_check_genesis(cvm_vm *vm, uint64_t timestamp, const cvm_genesis_account *accounts, size_t n)
{
    if (!vm || (n && !accounts))
        return CVM_EINPUT;
    if (cvm_store_height(vm->store) == 0) {
        vm->err[0] = '\0';
        return CVM_OK; /* no genesis yet: nothing to compare */
    }
    char where[300];
    cvm_store_where(vm->store, where, sizeof where);
    cvm_chain_identity id;
    if (!cvm_store_identity(vm->store, &id))
        return cvm_vm_fail(vm, CVM_ESTATE, "%s recorded no identity at genesis: there is nothing to compare with",
                           where);
    /* the genesis block as it would be on an empty chain: built over an
     * empty in-memory store that stands in for vm's for the call */
    cvm_store *empty = NULL;
    cvm_status st = cvm_memstore_open(vm->al, &empty);
    if (st != CVM_OK)
        return cvm_vm_fail(vm, st, "out of memory for the genesis check");
    cvm_store *store = vm->store;
    vm->store = empty;
    cvm_block_result *b = NULL;
    st = cvm_vm_genesis(vm, timestamp, accounts, n, &b);
    vm->store = store;
    cvm_store_close(empty);
    if (st != CVM_OK)
        return st; /* vm's message says why */
    uint8_t h[CVM_HASH_BYTES];
    cvm_genesis_hash(vm->virtual_chain_id, CVM_PROTOCOL_VERSION, timestamp, b->diff_hash, h);
    cvm_block_result_free(b);
    if (memcmp(h, id.genesis_hash, CVM_HASH_BYTES) != 0) {
        char stored[2 * CVM_HASH_BYTES + 1], mine[2 * CVM_HASH_BYTES + 1];
        cvm_hex_write(stored, id.genesis_hash, CVM_HASH_BYTES);
        cvm_hex_write(mine, h, CVM_HASH_BYTES);
        return cvm_vm_fail(vm, CVM_ESTATE,
                           "%s belongs to chain %u with genesis %.16s…, this genesis is %.16s… (other accounts, "
                           "reputations, admin flags or genesis time)",
                           where, (unsigned)id.virtual_chain_id, stored, mine);
    }
    vm->err[0] = '\0';
    return CVM_OK;
}

/* ---------------------------------------------------------------- commit */

/* The event records of b's successful transactions, encoded into one
 * buffer (codec/event.h); offs[i] is where record i ends. */
static cvm_status encode_events(cvm_vm *vm, const cvm_block_result *b, cvm_buf *buf, size_t **offs, size_t *count)
{
    size_t n = 0;
    for (size_t i = 0; i < b->nreceipts; i++)
        if (b->receipts[i].status == CVM_SUCCESS)
            n += b->receipts[i].nevents;
    *count = n;
    *offs = n ? cvm_malloc(vm->al, n * sizeof **offs) : NULL;
    if (n && !*offs)
        return cvm_vm_fail(vm, CVM_ENOMEM, "out of memory for the event records");
    size_t k = 0;
    for (size_t i = 0; i < b->nreceipts; i++) {
        const cvm_receipt *r = &b->receipts[i];
        if (r->status != CVM_SUCCESS)
            continue;
        for (size_t j = 0; j < r->nevents; j++) {
            char err[200];
            cvm_status st = cvm_event_record_encode(b->height, i, &r->events[j], buf, err, sizeof err);
            if (st != CVM_OK)
                return cvm_vm_fail(vm, st, "event %zu of transaction %zu: %s", j, i, err);
            (*offs)[k++] = buf->len;
        }
    }
    return CVM_OK;
}

cvm_status cvm_vm_commit(cvm_vm *vm, const cvm_block_result *b)
{
    if (!vm || !b || !b->internal)
        return CVM_EINPUT;
    cvm_status st = check_height(vm, b->height);
    if (st != CVM_OK)
        return st;
    block_internal *in = b->internal;
    cvm_buf buf;
    cvm_buf_init(&buf, vm->al);
    size_t *offs = NULL, n = 0;
    cvm_store_record *recs = NULL;
    st = encode_events(vm, b, &buf, &offs, &n);
    if (st == CVM_OK && n) {
        recs = cvm_malloc(vm->al, n * sizeof *recs);
        if (!recs || !cvm_buf_ok(&buf))
            st = cvm_vm_fail(vm, CVM_ENOMEM, "out of memory for the event records");
        for (size_t i = 0; st == CVM_OK && i < n; i++) {
            size_t from = i ? offs[i - 1] : 0;
            recs[i] = (cvm_store_record){buf.data + from, offs[i] - from};
        }
    }
    size_t nb = b->nreceipts;
    cvm_store_record *brecs = nb ? cvm_malloc(vm->al, 2 * nb * sizeof *brecs) : NULL;
    if (nb && (!brecs || !in->txoff || !cvm_buf_ok(&in->txrecs) || !cvm_buf_ok(&in->receipts)))
        st = cvm_vm_fail(vm, CVM_ENOMEM, "out of memory for the block's records");
    for (size_t i = 0; st == CVM_OK && i < nb; i++) {
        brecs[i] = (cvm_store_record){in->txrecs.data + in->txoff[i], in->txoff[i + 1] - in->txoff[i]};
        brecs[nb + i] = (cvm_store_record){in->receipts.data + in->rcoff[i], in->rcoff[i + 1] - in->rcoff[i]};
    }
    cvm_store_block sb = {.height = b->height, .diff = &in->diff, .events = recs, .nevents = n,
                          .txs = in->txs, .ntxs = in->ntxs, .timestamp = b->timestamp, .header = &b->header,
                          .block_txs = brecs, .receipts = nb ? brecs + nb : NULL};
    memcpy(sb.commitment, b->state_commitment, sizeof sb.commitment);
    /* height 1 is the genesis block, whatever made it: the chain's identity
     * goes into the store with it */
    cvm_chain_identity id;
    if (b->height == 1) {
        id.virtual_chain_id = vm->virtual_chain_id;
        id.protocol_version = CVM_PROTOCOL_VERSION;
        id.genesis_timestamp = b->timestamp;
        cvm_genesis_hash(id.virtual_chain_id, id.protocol_version, b->timestamp, b->diff_hash, id.genesis_hash);
        sb.identity = &id;
    }
    if (st == CVM_OK && cvm_state_diff_hash(&in->diff, sb.diff_hash) != CVM_OK)
        st = cvm_vm_fail(vm, CVM_ENOMEM, "commit of block %llu: out of memory hashing the state diff",
                         (unsigned long long)b->height);
    if (st == CVM_OK) {
        st = cvm_store_commit(vm->store, &sb);
        if (st != CVM_OK)
            cvm_vm_fail(vm, st, "commit of block %llu: %s", (unsigned long long)b->height, cvm_store_errmsg(vm->store));
        else
            vm->err[0] = '\0';
    }
    cvm_free(vm->al, recs);
    cvm_free(vm->al, brecs);
    cvm_free(vm->al, offs);
    cvm_buf_free(&buf);
    return st;
}

/* ------------------------------------------------------- RunLocalMethod */

cvm_status cvm_vm_run_local_method(cvm_vm *vm, const cvm_transaction *call, cvm_local_result **out)
{
    if (!vm || !call || !out)
        return CVM_EINPUT;
    *out = NULL;
    cvm_local_result *r = cvm_calloc(vm->al, 1, sizeof *r);
    local_internal *in = cvm_calloc(vm->al, 1, sizeof *in);
    if (!r || !in) {
        cvm_free(vm->al, r);
        cvm_free(vm->al, in);
        return cvm_vm_fail(vm, CVM_ENOMEM, "out of memory for a local result");
    }
    cvm_arena_init(&in->arena, vm->al);
    r->internal = in;
    cvm_context ctx;
    cvm_status st = cvm_ctx_init(&ctx, vm, &in->arena, true);
    ctx.timestamp = call->timestamp;
    r->reference_height = ctx.height;
    if (st == CVM_OK)
        st = run_tx(&ctx, call, TX_LOCAL, vm->gas_limit, &r->receipt);
    cvm_ctx_free(&ctx);
    if (st != CVM_OK) {
        cvm_local_result_free(r);
        return st;
    }
    vm->err[0] = '\0';
    *out = r;
    return CVM_OK;
}
