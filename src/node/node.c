/*
 * node.c — a running chain (node.h): opening the chain (genesis on first
 * start, the genesis check on later ones), admission into the durable
 * mempool, the producer thread that builds and commits blocks, and the
 * reads the HTTP layer answers with.
 *
 * Locks (docs/node.md, "Threads"):
 *   chain_mu  the VM and its store, which are single-threaded: pre-order at
 *             admission, a block's build and commit (and the mempool's
 *             removal of its transactions, so that nothing sees a committed
 *             transaction still pending), reads of the store.
 *   state_mu  the height, the last block time, the stop flag and the
 *             metrics; state_cv wakes waiters on each block and on stop.
 *   the mempool's own mutex (mempool.c), never held while taking the others.
 * Order: chain_mu, then state_mu or the mempool's; never the reverse.
 */
#include "node/node.h"

#include <inttypes.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/hex.h"
#include "codec/json.h"
#include "codec/tx.h"
#include "codec/tx_json.h"
#include "codec/utf8.h"
#include "native/native.h"
#include "node/mempool.h"
#include "node/node_internal.h"
#include "node/node_json.h"
#include "node/producer.h"
#include "state/store.h"

static const char *const admit_names[] = {"ACCEPTED", "MALFORMED", "PREORDER", "DUPLICATE",
                                          "FULL", "UNAVAILABLE", "FAILED"};

const char *cvm_admit_result_name(cvm_admit_result r)
{
    return (unsigned)r < NADMIT ? admit_names[r] : "UNKNOWN";
}

const cvm_node_options *cvm_node_get_options(const cvm_node *n) { return &n->o; }

static void logf_node(cvm_node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_node(cvm_node *n, const char *fmt, ...)
{
    if (!n->o.log)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    n->o.log(n->o.log_ud, line);
}

/* The time of the next block: the clock, but never at or before the last
 * block's (a clock stepped back must not make time run backwards). */
uint64_t node_next_time(cvm_node *n, uint64_t proposed)
{
    uint64_t last;
    pthread_mutex_lock(&n->state_mu);
    last = n->last_ts;
    pthread_mutex_unlock(&n->state_mu);
    return proposed > last ? proposed : last + 1;
}

uint64_t node_clock(cvm_node *n) { return n->o.clock ? n->o.clock(n->o.clock_ud) : node_real_ns(); }

bool cvm_node_stopping(cvm_node *n)
{
    pthread_mutex_lock(&n->state_mu);
    bool s = n->stopping;
    pthread_mutex_unlock(&n->state_mu);
    return s;
}

void cvm_node_stop(cvm_node *n)
{
    if (!n)
        return;
    pthread_mutex_lock(&n->state_mu);
    n->stopping = true;
    pthread_cond_broadcast(&n->state_cv);
    pthread_mutex_unlock(&n->state_mu);
    if (n->mp)
        mempool_stop(n->mp);
}

void cvm_node_last_block_hash(cvm_node *n, uint8_t out[CVM_HASH_BYTES])
{
    pthread_mutex_lock(&n->chain_mu);
    memcpy(out, cvm_store_last_block_hash(n->store), CVM_HASH_BYTES);
    pthread_mutex_unlock(&n->chain_mu);
}

uint64_t cvm_node_height(cvm_node *n)
{
    pthread_mutex_lock(&n->state_mu);
    uint64_t h = n->height;
    pthread_mutex_unlock(&n->state_mu);
    return h;
}

/* Waits on state_cv until deadline (CLOCK_MONOTONIC ns); under state_mu. */
static void state_wait_until(cvm_node *n, uint64_t deadline)
{
    uint64_t now = node_mono_ns();
    if (now >= deadline)
        return;
    uint64_t wake = node_real_ns() + (deadline - now);
    struct timespec ts = {(time_t)(wake / 1000000000ull), (long)(wake % 1000000000ull)};
    pthread_cond_timedwait(&n->state_cv, &n->state_mu, &ts);
}

uint64_t cvm_node_wait_height(cvm_node *n, uint64_t after, uint64_t timeout_ms)
{
    uint64_t deadline = node_mono_ns() + timeout_ms * 1000000ull;
    pthread_mutex_lock(&n->state_mu);
    while (n->height <= after && !n->stopping && node_mono_ns() < deadline)
        state_wait_until(n, deadline);
    uint64_t h = n->height;
    pthread_mutex_unlock(&n->state_mu);
    return h;
}

/* --------------------------------------------------------- building blocks */

static void hexs(char *out, const uint8_t *p) { cvm_hex_write(out, p, CVM_HASH_BYTES); }

/* A block ordered elsewhere must chain onto this node's last block and come
 * out with the hashes its producer computed: otherwise this node diverged
 * (or was fed a bad block) and must not commit it. */
static cvm_status check_ordered(cvm_node *n, const cvm_block_proposal *p, const cvm_block_result *b, char *err,
                                size_t errcap)
{
    char mine[2 * CVM_HASH_BYTES + 1], theirs[2 * CVM_HASH_BYTES + 1];
    const cvm_block_header *hd = &b->header;
    if (!p->ordered)
        return CVM_OK;
    if (p->timestamp != hd->timestamp) {
        snprintf(err, errcap, "block %" PRIu64 ": its time %" PRIu64 " is not after this node's last block's (%" PRIu64
                 "); the node halts before committing it", hd->height, p->timestamp, n->last_ts);
        return CVM_ESTATE;
    }
    if (p->expect_prev_hash && memcmp(p->expect_prev_hash, hd->prev_hash, CVM_HASH_BYTES) != 0) {
        hexs(mine, hd->prev_hash);
        hexs(theirs, p->expect_prev_hash);
        snprintf(err, errcap, "block %" PRIu64 ": previous block hash %s here, the producer's %s; the node halts "
                 "before committing it", hd->height, mine, theirs);
        return CVM_ESTATE;
    }
    if (p->expect_diff_hash && memcmp(p->expect_diff_hash, hd->state_diff_hash, CVM_HASH_BYTES) != 0) {
        hexs(mine, hd->state_diff_hash);
        hexs(theirs, p->expect_diff_hash);
        snprintf(err, errcap, "block %" PRIu64 ": state diff hash %s here, the producer's %s; the node halts before "
                 "committing it", hd->height, mine, theirs);
        return CVM_ESTATE;
    }
    if (p->expect_hash && memcmp(p->expect_hash, hd->hash, CVM_HASH_BYTES) != 0) {
        hexs(mine, hd->hash);
        hexs(theirs, p->expect_hash);
        snprintf(err, errcap, "block %" PRIu64 ": block hash %s here, the producer's %s; the node halts before "
                 "committing it", hd->height, mine, theirs);
        return CVM_ESTATE;
    }
    return CVM_OK;
}

/* One block built from txs[0..k) (a proposal): pre-order again (with the
 * signatures verified at admission), the VALID ones run and committed, then
 * the mempool cleared of what the block settled. Under chain_mu. *height
 * gets the committed height. */
static cvm_status build_block(cvm_node *n, const cvm_block_proposal *p, uint64_t *height, char *err, size_t errcap)
{
    uint64_t h = cvm_store_height(n->store) + 1, ts = node_next_time(n, p->timestamp);
    uint64_t t0 = node_mono_ns();
    size_t k = p->n;
    cvm_transaction *set = calloc(k ? k : 1, sizeof *set);
    size_t *map = calloc(k ? k : 1, sizeof *map);                    /* set index -> proposal index */
    uint8_t(*settled)[CVM_HASH_BYTES] = calloc(k ? k : 1, sizeof *settled); /* leave the mempool */
    mp_rejection *rej = calloc(k ? k : 1, sizeof *rej);
    cvm_preorder_result *po = NULL;
    cvm_block_result *b = NULL;
    cvm_status st = set && map && settled && rej ? CVM_OK : CVM_ENOMEM;
    if (st != CVM_OK)
        snprintf(err, errcap, "block %" PRIu64 ": out of memory", h);
    cvm_preorder_options opts = {.verified = p->verified};
    if (st == CVM_OK && (st = cvm_vm_preorder_ex(n->vm, p->txs, k, h, ts, &opts, &po)) != CVM_OK)
        snprintf(err, errcap, "block %" PRIu64 ": pre-order: %s", h, cvm_vm_errmsg(n->vm));
    size_t m = 0, nrej = 0, nsettled = 0;
    for (size_t i = 0; st == CVM_OK && i < k; i++) {
        if (po->statuses[i] == CVM_PREORDER_VALID) {
            map[m] = i;
            set[m++] = p->txs[i];
        } else {
            rej[nrej].hash = p->hashes[i];
            rej[nrej].status = po->statuses[i];
            rej[nrej++].reason = po->reasons[i] ? po->reasons[i] : "";
            memcpy(settled[nsettled++], p->hashes[i], CVM_HASH_BYTES);
        }
    }
    if (st == CVM_OK && (st = cvm_vm_process_transaction_set(n->vm, h, ts, set, m, &b)) != CVM_OK)
        snprintf(err, errcap, "block %" PRIu64 ": %s", h, cvm_vm_errmsg(n->vm));
    if (st == CVM_OK)
        st = check_ordered(n, p, b, err, errcap);
    bool abandon = false;
    if (st == CVM_OK && n->producer->seal && !n->producer->seal(n->producer, n, p, &b->header)) {
        abandon = true; /* the producer may not write this height: nothing commits */
        st = CVM_EIO;    /* (a marker only: answered as CVM_OK below) */
    }
    uint64_t t1 = node_mono_ns();
    if (st == CVM_OK && (st = cvm_vm_commit(n->vm, b)) != CVM_OK)
        snprintf(err, errcap, "committing block %" PRIu64 ": %s", h, cvm_vm_errmsg(n->vm));
    uint64_t t2 = node_mono_ns();
    size_t kept = 0, committed = 0;
    for (size_t j = 0; st == CVM_OK && j < m; j++) {
        const cvm_receipt *r = &b->receipts[j];
        /* a transaction the block had no room for did not run and is not
         * indexed: it stays pending, at the front, for the next block */
        if (r->status == CVM_NOT_EXECUTED &&
            (r->error.code == CVM_CODE_BLOCK_GAS_LIMIT || r->error.code == CVM_CODE_BLOCK_TX_LIMIT)) {
            kept++;
            continue;
        }
        committed += r->status != CVM_NOT_EXECUTED;
        memcpy(settled[nsettled++], p->hashes[map[j]], CVM_HASH_BYTES);
    }
    /* the block is committed: a failure here leaves settled transactions in
     * the mempool, which the next open drops (the store's index has them)
     * and the next block refuses as DUPLICATE — nothing runs twice */
    cvm_status rs = st == CVM_OK ? mempool_remove(n->mp, (const uint8_t(*)[CVM_HASH_BYTES])settled, nsettled, rej,
                                                  nrej, h, err, errcap)
                                 : CVM_OK;
    if (st == CVM_OK) {
        pthread_mutex_lock(&n->state_mu);
        n->height = h;
        n->last_ts = ts;
        n->m.blocks++;
        n->m.committed += committed;
        for (size_t i = 0; i < nrej; i++)
            n->m.rejected[rej[i].status < NPREORDER ? rej[i].status : 0]++;
        node_observe(&n->m.build, (double)(t1 - t0) / 1e9);
        node_observe(&n->m.commit, (double)(t2 - t1) / 1e9);
        pthread_cond_broadcast(&n->state_cv);
        pthread_mutex_unlock(&n->state_mu);
        *height = h;
        char extra[96] = "";
        size_t el = 0;
        if (nrej)
            el += (size_t)snprintf(extra, sizeof extra, ", %zu rejected", nrej);
        if (kept && el < sizeof extra)
            snprintf(extra + el, sizeof extra - el, ", %zu left for the next block", kept);
        logf_node(n, "block %" PRIu64 ": %zu tx%s%s, %.1f ms", h, m - kept, m - kept == 1 ? "" : "s", extra,
                  (double)(t2 - t0) / 1e6);
        if (rs != CVM_OK)
            logf_node(n, "warning: %s (the next start repairs it)", err);
    }
    cvm_preorder_result_free(po);
    cvm_block_result_free(b);
    free(set);
    free(map);
    free(settled);
    free(rej);
    return abandon ? CVM_OK : st;
}

/* ------------------------------------------------ the producer's side */

size_t cvm_node_pending_wait(cvm_node *n, size_t want, uint64_t deadline) { return mempool_wait(n->mp, want, deadline); }

/* What a mempool proposal owns. */
typedef struct proposal_mem {
    cvm_transaction *txs;
    uint8_t (*hashes)[CVM_HASH_BYTES];
    uint8_t *verified;
} proposal_mem;

bool cvm_node_pending_proposal(cvm_node *n, size_t max, cvm_block_proposal *out)
{
    memset(out, 0, sizeof *out);
    proposal_mem *pm = calloc(1, sizeof *pm);
    mp_entry **e = calloc(max ? max : 1, sizeof *e);
    if (pm) {
        pm->txs = calloc(max ? max : 1, sizeof *pm->txs);
        pm->hashes = calloc(max ? max : 1, sizeof *pm->hashes);
        pm->verified = calloc(max ? max : 1, 1);
    }
    if (!pm || !e || !pm->txs || !pm->hashes || !pm->verified) {
        free(e);
        out->internal = pm;
        cvm_node_proposal_release(out);
        return false;
    }
    /* the entries stay valid until the block removes them (only the
     * producer's thread removes), so the transactions are borrowed */
    size_t k = mempool_peek(n->mp, max, e);
    for (size_t i = 0; i < k; i++) {
        pm->txs[i] = e[i]->tx->tx;
        memcpy(pm->hashes[i], e[i]->hash, CVM_HASH_BYTES);
        pm->verified[i] = e[i]->verified;
    }
    free(e);
    out->timestamp = node_clock(n);
    out->txs = pm->txs;
    out->hashes = (const uint8_t(*)[CVM_HASH_BYTES])pm->hashes;
    out->verified = pm->verified;
    out->n = k;
    out->internal = pm;
    return true;
}

void cvm_node_proposal_release(cvm_block_proposal *p)
{
    proposal_mem *pm = p->internal;
    if (pm) {
        free(pm->txs);
        free(pm->hashes);
        free(pm->verified);
        free(pm);
    }
    memset(p, 0, sizeof *p);
}

static void *producer_main(void *arg)
{
    cvm_node *n = arg;
    for (;;) {
        cvm_block_proposal p;
        memset(&p, 0, sizeof p);
        if (!n->producer->next_block(n->producer, n, cvm_node_height(n), &p))
            break;
        char err[512] = "";
        uint64_t h = 0;
        cvm_status st = CVM_OK;
        if (p.n > 0 || n->o.empty_blocks || p.ordered) {
            pthread_mutex_lock(&n->chain_mu);
            st = build_block(n, &p, &h, err, sizeof err);
            pthread_mutex_unlock(&n->chain_mu);
        }
        n->producer->release(n->producer, n, &p);
        if (st != CVM_OK) {
            /* the store or the VM failed: stop producing rather than retry
             * a block that fails the same way; reads and shutdown go on */
            logf_node(n, "error: %s; the node stops producing blocks", err);
            cvm_node_stop(n);
            break;
        }
    }
    return NULL;
}

cvm_status cvm_node_produce(cvm_node *n, bool allow_empty, uint64_t *height, char *err, size_t errcap)
{
    if (height)
        *height = 0;
    if (!n->o.manual) {
        /* the producer thread removes what it commits: a second producer
         * would build from entries it frees */
        snprintf(err, errcap,
                 "cvm_node_produce: the node runs a producer thread (only manual nodes cut blocks on request)");
        return CVM_EINPUT;
    }
    cvm_block_proposal p;
    if (!cvm_node_pending_proposal(n, n->o.max_block_txs, &p)) {
        snprintf(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    cvm_status st = CVM_OK;
    uint64_t h = 0;
    if (p.n > 0 || allow_empty) {
        pthread_mutex_lock(&n->chain_mu);
        st = build_block(n, &p, &h, err, errcap);
        pthread_mutex_unlock(&n->chain_mu);
    }
    cvm_node_proposal_release(&p);
    if (height)
        *height = h;
    return st;
}

/* ------------------------------------------------------------ admission */

static void admitted(cvm_node *n, cvm_admission *out)
{
    pthread_mutex_lock(&n->state_mu);
    n->m.admissions[(unsigned)out->result < NADMIT ? out->result : CVM_ADMIT_FAILED]++;
    pthread_mutex_unlock(&n->state_mu);
}

static void refuse(cvm_admission *out, cvm_admit_result r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void refuse(cvm_admission *out, cvm_admit_result r, const char *fmt, ...)
{
    out->result = r;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->reason, sizeof out->reason, fmt, ap);
    va_end(ap);
    /* a cut reason stays UTF-8: it goes into JSON */
    size_t len = strlen(out->reason);
    out->reason[cvm_utf8_clip((const uint8_t *)out->reason, len, len)] = '\0';
}

/* Pre-order of one transaction against the latest committed state, then
 * the reservation of its hash in the mempool; under chain_mu, so that no
 * block commits it between the two. true when reserved. */
static bool check_and_reserve(cvm_node *n, const cvm_transaction *tx, bool verified, size_t len, cvm_admission *out)
{
    pthread_mutex_lock(&n->chain_mu);
    uint64_t h = cvm_store_height(n->store) + 1, ts = node_next_time(n, node_clock(n));
    uint8_t flag = verified;
    cvm_preorder_options opts = {.verified = &flag};
    cvm_preorder_result *po = NULL;
    bool ok = false;
    cvm_status st = cvm_vm_preorder_ex(n->vm, tx, 1, h, ts, &opts, &po);
    if (st != CVM_OK) {
        refuse(out, CVM_ADMIT_FAILED, "pre-order: %s", cvm_vm_errmsg(n->vm));
    } else if (po->statuses[0] == CVM_PREORDER_DUPLICATE) {
        refuse(out, CVM_ADMIT_DUPLICATE, "committed: %s", po->reasons[0] ? po->reasons[0] : "");
    } else if (po->statuses[0] != CVM_PREORDER_VALID) {
        out->preorder = po->statuses[0];
        refuse(out, CVM_ADMIT_PREORDER, "%s: %s", cvm_preorder_status_name(po->statuses[0]),
               po->reasons[0] ? po->reasons[0] : "");
    } else {
        switch (mempool_reserve(n->mp, out->tx_hash, len)) {
        case MP_ADDED:
            ok = true;
            break;
        case MP_DUPLICATE:
            refuse(out, CVM_ADMIT_DUPLICATE, "pending: the transaction is already in the mempool");
            break;
        case MP_FULL: {
            size_t count = 0, bytes = 0;
            mempool_usage(n->mp, &count, &bytes);
            refuse(out, CVM_ADMIT_FULL,
                   "the mempool is full: %zu transactions of %zu bytes held, this one %zu bytes; the limits are %zu "
                   "transactions and %zu bytes",
                   count, bytes, len, n->o.mempool_limit, n->o.mempool_bytes);
            break;
        }
        case MP_STOPPING:
            refuse(out, CVM_ADMIT_UNAVAILABLE, "the node is stopping");
            break;
        default:
            refuse(out, CVM_ADMIT_FAILED, "out of memory reserving the transaction");
        }
    }
    cvm_preorder_result_free(po);
    pthread_mutex_unlock(&n->chain_mu);
    return ok;
}

cvm_status cvm_node_submit(cvm_node *n, const uint8_t *body, size_t len, bool binary, cvm_admission *out)
{
    memset(out, 0, sizeof *out);
    if (cvm_node_stopping(n)) {
        refuse(out, CVM_ADMIT_UNAVAILABLE, "the node is stopping");
        admitted(n, out);
        return CVM_OK;
    }
    cvm_errmsg why;
    cvm_tx_owned *tx = NULL;
    cvm_status st = binary ? cvm_tx_from_bytes(NULL, body, len, 1, &tx, &why)
                           : cvm_tx_from_json_text(NULL, (const char *)body, len, &tx, &why);
    if (st == CVM_ENOMEM) {
        refuse(out, CVM_ADMIT_FAILED, "out of memory decoding the transaction");
    } else if (st != CVM_OK) {
        refuse(out, CVM_ADMIT_MALFORMED, "%s", why.text);
    }
    uint8_t *bytes = NULL;
    size_t nbytes = 0;
    if (st == CVM_OK && (st = cvm_tx_hash(NULL, &tx->tx, out->tx_hash, &why)) != CVM_OK)
        refuse(out, st == CVM_ENOMEM ? CVM_ADMIT_FAILED : CVM_ADMIT_MALFORMED, "%s", why.text);
    if (st == CVM_OK) {
        out->has_hash = true;
        /* the signature checked here, outside every lock and on the
         * caller's thread (HTTP handlers run on several), once: pre-order,
         * now and at block time, takes it as verified */
        cvm_tx_verdict v = CVM_TX_INVALID_SIGNATURE;
        if (tx->tx.signature && cvm_tx_verify(NULL, &tx->tx, &v, &why) != CVM_OK)
            v = CVM_TX_INVALID_SIGNATURE;
        /* the signed encoding the mempool writes: the body itself when it
         * came as bytes (the decoder took only the canonical form) */
        if (binary) {
            bytes = (uint8_t *)body;
            nbytes = len;
        } else if ((st = cvm_tx_to_bytes(NULL, &tx->tx, 1, &bytes, &nbytes, &why)) != CVM_OK) {
            bytes = NULL;
            /* an unsigned or unencodable transaction: pre-order below says why */
        }
        if (check_and_reserve(n, &tx->tx, v == CVM_TX_VALID, nbytes, out)) {
            if (!bytes) {
                mempool_unreserve(n->mp, out->tx_hash, nbytes);
                refuse(out, CVM_ADMIT_FAILED, "encoding the transaction: %s", why.text);
            } else {
                char reason[300] = "";
                switch (mempool_commit_reserved(n->mp, out->tx_hash, tx, bytes, nbytes, reason, sizeof reason)) {
                case MP_ADDED:
                    tx = NULL; /* the mempool's now */
                    out->result = CVM_ADMIT_ACCEPTED;
                    break;
                case MP_STOPPING:
                    refuse(out, CVM_ADMIT_UNAVAILABLE, "the node is stopping");
                    break;
                default:
                    refuse(out, CVM_ADMIT_FAILED, "%s", reason);
                }
            }
        }
        if (!binary)
            cvm_free(NULL, bytes);
    }
    cvm_tx_owned_free(tx);
    admitted(n, out);
    return CVM_OK;
}

/* ------------------------------------------------------------- opening */

/* The development key's signed deployment of c at ts. */
typedef struct deploy_tx {
    cvm_transaction tx;
    cvm_arg args[3];
    uint8_t sig[CVM_SIGNATURE_BYTES];
    uint8_t hash[CVM_HASH_BYTES];
} deploy_tx;

static cvm_status make_deploy(const char *deployer, const cvm_node_contract *c, uint32_t chain, uint64_t ts,
                              deploy_tx *d, char *err, size_t errcap)
{
    memset(d, 0, sizeof *d);
    d->args[0] = cvm_arg_stringn(c->name, strlen(c->name));
    d->args[1] = cvm_arg_uint64(CVM_PROCESSOR_BYTECODE);
    d->args[2] = cvm_arg_bytes(c->code, c->len);
    d->tx.protocol_version = CVM_PROTOCOL_VERSION;
    d->tx.virtual_chain_id = chain;
    d->tx.timestamp = ts;
    d->tx.signer_scheme = CVM_SCHEME_ED25519;
    d->tx.service = CVM_DEPLOYMENTS;
    d->tx.method = "deployService";
    d->tx.args = d->args;
    d->tx.nargs = 3;
    uint8_t sk[CVM_SECRETKEY_BYTES];
    cvm_dev_keypair(deployer, d->tx.signer_key, sk);
    cvm_errmsg why;
    cvm_status st = cvm_tx_sign(NULL, &d->tx, sk, d->sig, &why);
    memset(sk, 0, sizeof sk);
    if (st == CVM_OK)
        st = cvm_tx_hash(NULL, &d->tx, d->hash, &why);
    if (st != CVM_OK)
        snprintf(err, errcap, "genesis contract %s: %s", c->name, why.text);
    d->tx.signature = d->sig;
    return st;
}

/* Deploys contracts[0..k) in one block (height 2 on a first start) and
 * checks that each deployment succeeded. Under chain_mu (or before the
 * node's threads start). */
static cvm_status deploy(cvm_node *n, const cvm_node_contract *const *todo, size_t k, char *err, size_t errcap)
{
    deploy_tx *d = calloc(k, sizeof *d);
    cvm_transaction *txs = calloc(k, sizeof *txs);
    uint8_t(*hashes)[CVM_HASH_BYTES] = calloc(k, sizeof *hashes);
    uint8_t *verified = calloc(k, 1);
    cvm_status st = d && txs && hashes && verified ? CVM_OK : CVM_ENOMEM;
    if (st != CVM_OK)
        snprintf(err, errcap, "out of memory");
    /* a given genesis time fixes the deployment's too (a cluster's nodes
     * must all build the same height 2), else the clock */
    uint64_t ts = node_next_time(n, n->o.genesis_timestamp ? n->o.genesis_timestamp + 1 : node_clock(n));
    for (size_t i = 0; st == CVM_OK && i < k; i++) {
        st = make_deploy(n->o.deployer, todo[i], n->o.chain_id, ts, &d[i], err, errcap);
        txs[i] = d[i].tx;
        memcpy(hashes[i], d[i].hash, CVM_HASH_BYTES);
        verified[i] = 1; /* signed here */
    }
    uint64_t h = cvm_store_height(n->store) + 1;
    cvm_preorder_result *po = NULL;
    cvm_block_result *b = NULL;
    cvm_preorder_options opts = {.verified = verified};
    if (st == CVM_OK && (st = cvm_vm_preorder_ex(n->vm, txs, k, h, ts, &opts, &po)) != CVM_OK)
        snprintf(err, errcap, "genesis contracts: pre-order: %s", cvm_vm_errmsg(n->vm));
    for (size_t i = 0; st == CVM_OK && i < k; i++)
        if (po->statuses[i] != CVM_PREORDER_VALID) {
            snprintf(err, errcap, "genesis contract %s: pre-order refused its deployment: %s: %s", todo[i]->name,
                     cvm_preorder_status_name(po->statuses[i]), po->reasons[i] ? po->reasons[i] : "");
            st = CVM_EINPUT;
        }
    if (st == CVM_OK && (st = cvm_vm_process_transaction_set(n->vm, h, ts, txs, k, &b)) != CVM_OK)
        snprintf(err, errcap, "genesis contracts: %s", cvm_vm_errmsg(n->vm));
    for (size_t i = 0; st == CVM_OK && i < k; i++)
        if (b->receipts[i].status != CVM_SUCCESS) {
            char e[400];
            cvm_error_format(&b->receipts[i].error, e, sizeof e);
            snprintf(err, errcap, "genesis contract %s: its deployment failed: %s", todo[i]->name, e);
            st = CVM_EINPUT;
        }
    if (st == CVM_OK && (st = cvm_vm_commit(n->vm, b)) != CVM_OK)
        snprintf(err, errcap, "committing the genesis contracts: %s", cvm_vm_errmsg(n->vm));
    if (st == CVM_OK) {
        n->height = h;
        n->last_ts = ts;
        logf_node(n, "block %" PRIu64 ": %zu genesis contract%s deployed", h, k, k == 1 ? "" : "s");
    }
    cvm_preorder_result_free(po);
    cvm_block_result_free(b);
    free(d);
    free(txs);
    free(hashes);
    free(verified);
    return st;
}

/* Whether contract c is deployed, and with exactly its code: asks
 * _Deployments.getCode with a local call, as `process` does. */
static cvm_status deployed_code(cvm_node *n, const cvm_node_contract *c, bool *deployed, bool *same, char *err,
                                size_t errcap)
{
    *deployed = *same = false;
    cvm_arg a = cvm_arg_stringn(c->name, strlen(c->name));
    cvm_transaction q;
    memset(&q, 0, sizeof q);
    q.protocol_version = CVM_PROTOCOL_VERSION;
    q.virtual_chain_id = n->o.chain_id;
    q.timestamp = n->last_ts;
    q.signer_scheme = CVM_SCHEME_NONE;
    q.service = CVM_DEPLOYMENTS;
    q.method = "getCode";
    q.args = &a;
    q.nargs = 1;
    cvm_local_result *r = NULL;
    cvm_status st = cvm_vm_run_local_method(n->vm, &q, &r);
    if (st != CVM_OK) {
        snprintf(err, errcap, "asking _Deployments about %s: %s", c->name, cvm_vm_errmsg(n->vm));
        return st;
    }
    const cvm_receipt *rc = &r->receipt;
    if (rc->status == CVM_SUCCESS && rc->noutputs == 1 && rc->outputs[0].type == CVM_ARG_BYTES) {
        *deployed = true;
        *same = rc->outputs[0].v.bytes.len == c->len &&
                (c->len == 0 || memcmp(rc->outputs[0].v.bytes.ptr, c->code, c->len) == 0);
    } else if (rc->error.code != CVM_CODE_CONTRACT_NOT_DEPLOYED) {
        snprintf(err, errcap, "asking _Deployments about %s: %s: %s", c->name, cvm_code_name(rc->error.code),
                 rc->error.message);
        st = CVM_ESTATE;
    }
    cvm_local_result_free(r);
    return st;
}

/* First start: genesis at height 1, the contracts at height 2. Later
 * starts: the same genesis (accounts at the recorded time, or the one the
 * options give) and the same contracts, else refused; a first start that
 * stopped between the two blocks deploys the contracts now. */
static cvm_status genesis(cvm_node *n, const cvm_node_options *o, char *err, size_t errcap)
{
    uint64_t height = cvm_store_height(n->store);
    cvm_status st = CVM_OK;
    if (height == 0) {
        uint64_t ts = o->genesis_timestamp ? o->genesis_timestamp : node_clock(n);
        cvm_block_result *b = NULL;
        st = cvm_vm_genesis(n->vm, ts, o->genesis_accounts, o->ngenesis_accounts, &b);
        if (st == CVM_OK && (st = cvm_vm_commit(n->vm, b)) != CVM_OK)
            snprintf(err, errcap, "committing genesis: %s", cvm_vm_errmsg(n->vm));
        else if (st != CVM_OK)
            snprintf(err, errcap, "genesis: %s", cvm_vm_errmsg(n->vm));
        cvm_block_result_free(b);
        if (st != CVM_OK)
            return st;
        n->height = 1;
        n->last_ts = ts;
        logf_node(n, "block 1: genesis, %zu account%s", o->ngenesis_accounts, o->ngenesis_accounts == 1 ? "" : "s");
    } else if (o->ngenesis_accounts || o->ngenesis_contracts) {
        cvm_chain_identity id;
        uint64_t ts = o->genesis_timestamp;
        if (!ts && cvm_store_identity(n->store, &id))
            ts = id.genesis_timestamp;
        if (cvm_vm_check_genesis(n->vm, ts, o->genesis_accounts, o->ngenesis_accounts) != CVM_OK) {
            snprintf(err, errcap, "a different genesis: %s", cvm_vm_errmsg(n->vm));
            return CVM_ESTATE;
        }
    }
    const cvm_node_contract **todo = calloc(o->ngenesis_contracts + 1, sizeof *todo);
    if (!todo) {
        snprintf(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; st == CVM_OK && i < o->ngenesis_contracts; i++) {
        const cvm_node_contract *c = &o->genesis_contracts[i];
        bool deployed = false, same = false;
        if (height > 0)
            st = deployed_code(n, c, &deployed, &same, err, errcap);
        if (st != CVM_OK)
            break;
        if (deployed && !same) {
            snprintf(err, errcap, "a different genesis: contract %s is deployed in %s with other code", c->name,
                     n->dir);
            st = CVM_ESTATE;
        } else if (!deployed && n->height > 1) {
            snprintf(err, errcap, "a different genesis: contract %s is not deployed in %s (at height %" PRIu64 ")",
                     c->name, n->dir, n->height);
            st = CVM_ESTATE;
        } else if (!deployed) {
            todo[k++] = c;
        }
    }
    if (st == CVM_OK && k)
        st = deploy(n, todo, k, err, errcap);
    free(todo);
    return st;
}

/* Drops from the mempool what the store committed: a crash after a block's
 * commit and before the mempool's removal of its transactions. */
static cvm_status drop_committed(cvm_node *n, char *err, size_t errcap)
{
    size_t count = mempool_count(n->mp);
    mp_entry **e = calloc(count ? count : 1, sizeof *e);
    uint8_t(*gone)[CVM_HASH_BYTES] = calloc(count ? count : 1, sizeof *gone);
    cvm_status st = e && gone ? CVM_OK : CVM_ENOMEM;
    size_t k = mempool_peek(n->mp, count, e), ng = 0;
    for (size_t i = 0; st == CVM_OK && i < k; i++) {
        cvm_store_tx at;
        bool found = false;
        if ((st = cvm_store_tx_find(n->store, e[i]->hash, &at, &found)) != CVM_OK)
            snprintf(err, errcap, "checking the mempool against the store: %s", cvm_store_errmsg(n->store));
        else if (found)
            memcpy(gone[ng++], e[i]->hash, CVM_HASH_BYTES);
    }
    if (st == CVM_ENOMEM)
        snprintf(err, errcap, "out of memory");
    if (st == CVM_OK && ng) {
        st = mempool_remove(n->mp, (const uint8_t(*)[CVM_HASH_BYTES])gone, ng, NULL, 0, 0, err, errcap);
        if (st == CVM_OK)
            logf_node(n, "mempool: %zu transaction%s already committed dropped", ng, ng == 1 ? "" : "s");
    }
    free(e);
    free(gone);
    return st;
}

cvm_status cvm_node_open(const cvm_node_options *opts, cvm_node **out, char *err, size_t errcap)
{
    *out = NULL;
    if (!opts || !opts->data_dir || !*opts->data_dir) {
        snprintf(err, errcap, "the node needs a data directory");
        return CVM_EINPUT;
    }
    cvm_node *n = calloc(1, sizeof *n);
    if (!n || !(n->dir = strdup(opts->data_dir))) {
        free(n);
        snprintf(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    n->o = *opts;
    n->o.data_dir = n->dir;
    if (!n->o.chain_id)
        n->o.chain_id = CVM_NODE_DEFAULT_CHAIN_ID;
    if (!n->o.block_interval_ms)
        n->o.block_interval_ms = CVM_NODE_DEFAULT_BLOCK_INTERVAL_MS;
    if (!n->o.max_block_txs)
        n->o.max_block_txs = CVM_NODE_DEFAULT_MAX_BLOCK_TXS;
    if (!n->o.mempool_limit)
        n->o.mempool_limit = CVM_NODE_DEFAULT_MEMPOOL_LIMIT;
    if (!n->o.mempool_bytes)
        n->o.mempool_bytes = CVM_NODE_DEFAULT_MEMPOOL_BYTES;
    if (!n->o.deployer)
        n->o.deployer = "deployer";
    /* borrowed for the call only */
    n->o.genesis_accounts = NULL;
    n->o.genesis_contracts = NULL;
    n->o.ngenesis_accounts = n->o.ngenesis_contracts = 0;
    n->producer = opts->producer ? opts->producer : cvm_solo_producer();
    n->o.producer = n->producer;
    pthread_mutex_init(&n->chain_mu, NULL);
    pthread_mutex_init(&n->state_mu, NULL);
    pthread_cond_init(&n->state_cv, NULL);

    cvm_errmsg why;
    cvm_status st = cvm_lmdbstore_open(NULL, n->dir, &n->store, &why);
    if (st != CVM_OK)
        snprintf(err, errcap, "%s", why.text);
    if (st == CVM_OK) {
        cvm_vm_options vo = {0};
        vo.virtual_chain_id = n->o.chain_id;
        vo.threads = n->o.threads;
        if ((st = cvm_vm_new(&vo, n->store, &n->vm)) == CVM_ESTATE)
            snprintf(err, errcap, "%s", cvm_store_errmsg(n->store));
        else if (st != CVM_OK)
            snprintf(err, errcap, "starting the VM: %s", cvm_status_name(st));
    }
    if (st == CVM_OK) {
        n->height = cvm_store_height(n->store);
        cvm_block_header hd;
        int found = 0;
        if (n->height && (st = cvm_store_block_header(n->store, n->height, &hd, &found)) != CVM_OK)
            snprintf(err, errcap, "reading the last block's time: %s", cvm_store_errmsg(n->store));
        n->last_ts = found ? hd.timestamp : 0;
    }
    if (st == CVM_OK)
        st = genesis(n, opts, err, errcap);
    if (st == CVM_OK) {
        char mpdir[4200];
        snprintf(mpdir, sizeof mpdir, "%s/mempool", n->dir);
        st = mempool_open(mpdir, n->o.mempool_limit, n->o.mempool_bytes, &n->mp, err, errcap);
    }
    if (st == CVM_OK)
        st = drop_committed(n, err, errcap);
    if (st == CVM_OK && !n->o.manual) {
        if (pthread_create(&n->thread, NULL, producer_main, n) != 0) {
            snprintf(err, errcap, "cannot start the producer thread");
            st = CVM_ENOMEM;
        } else {
            n->thread_started = true;
        }
    }
    if (st != CVM_OK) {
        cvm_node_close(n);
        return st;
    }
    *out = n;
    return CVM_OK;
}

void cvm_node_close(cvm_node *n)
{
    if (!n)
        return;
    cvm_node_stop(n);
    if (n->thread_started)
        pthread_join(n->thread, NULL); /* the block in progress commits first */
    mempool_close(n->mp);
    cvm_vm_free(n->vm);
    cvm_store_close(n->store);
    pthread_cond_destroy(&n->state_cv);
    pthread_mutex_destroy(&n->state_mu);
    pthread_mutex_destroy(&n->chain_mu);
    free(n->dir);
    free(n);
}
