/*
 * node_read.c — the node's reads (node.h): a transaction's status with its
 * long-poll, local calls, blocks, the event history in pages, status and
 * metrics. Each builds the JSON body the HTTP API answers with
 * (docs/node-api.md); reads of the store hold chain_mu.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/arena.h"
#include "base/buf.h"
#include "codec/event.h"
#include "codec/json.h"
#include "codec/tx.h"
#include "codec/tx_json.h"
#include "node/node_internal.h"
#include "node/node_json.h"
#include "node/producer.h"
#include "state/store.h"

void node_observe(histogram *h, double seconds)
{
    static const double buckets[NBUCKETS] = NODE_BUCKETS;
    for (size_t i = 0; i < NBUCKETS; i++)
        if (seconds <= buckets[i]) {
            h->counts[i]++;
            break;
        }
    h->count++;
    h->sum += seconds;
}

static void set_err(char *err, size_t errcap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errcap, const char *fmt, ...)
{
    if (!err || !errcap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errcap, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------ transactions */

typedef enum tx_state { TX_UNKNOWN, TX_PENDING, TX_COMMITTED, TX_REJECTED } tx_state;

/* The status JSON of hash right now, and its state. */
static cvm_status tx_status(cvm_node *n, const uint8_t hash[CVM_HASH_BYTES], json_t **out, tx_state *state, char *err,
                            size_t errcap)
{
    *out = NULL;
    *state = TX_UNKNOWN;
    json_t *o = json_object();
    if (!o || json_object_set_new(o, "tx_hash", node_hex(hash, CVM_HASH_BYTES)) != 0) {
        json_decref(o);
        set_err(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    cvm_status st = CVM_OK;
    bool ok = true;
    /* the order matters: a block commits before it leaves the mempool, so
     * a transaction not pending any more is found committed or rejected */
    if (mempool_has(n->mp, hash)) {
        *state = TX_PENDING;
        ok = json_object_set_new(o, "status", json_string("PENDING")) == 0;
    } else {
        cvm_store_tx at;
        bool found = false;
        pthread_mutex_lock(&n->chain_mu);
        if ((st = cvm_store_tx_find(n->store, hash, &at, &found)) != CVM_OK)
            set_err(err, errcap, "reading the transaction index: %s", cvm_store_errmsg(n->store));
        pthread_mutex_unlock(&n->chain_mu);
        cvm_tx_receipt *rc = NULL;
        if (st == CVM_OK && found) {
            pthread_mutex_lock(&n->chain_mu);
            if ((st = cvm_store_receipt_get(n->store, at.height, at.index, &rc)) != CVM_OK)
                set_err(err, errcap, "reading the receipt at height %" PRIu64 ", index %" PRIu64 ": %s", at.height,
                        at.index, cvm_store_errmsg(n->store));
            pthread_mutex_unlock(&n->chain_mu);
        }
        if (st == CVM_OK && found) {
            *state = TX_COMMITTED;
            ok = json_object_set_new(o, "status", json_string("COMMITTED")) == 0 &&
                 json_object_set_new(o, "height", cvm_json_uint64(at.height)) == 0 &&
                 json_object_set_new(o, "index", cvm_json_uint64(at.index)) == 0 &&
                 (!rc || json_object_set_new(o, "receipt", cvm_block_tx_receipt_to_json(&rc->tx, &rc->receipt)) == 0);
            cvm_tx_receipt_free(rc);
        } else if (st == CVM_OK) {
            uint64_t h = 0;
            cvm_preorder_status ps = CVM_PREORDER_VALID;
            char reason[512];
            if ((st = mempool_rejected(n->mp, hash, &found, &h, &ps, reason, sizeof reason, err, errcap)) == CVM_OK &&
                found) {
                *state = TX_REJECTED;
                const char *name = cvm_preorder_status_name(ps);
                char full[600];
                snprintf(full, sizeof full, "%s: %s", name ? name : "UNKNOWN", reason);
                ok = json_object_set_new(o, "status", json_string("REJECTED")) == 0 &&
                     json_object_set_new(o, "height", cvm_json_uint64(h)) == 0 &&
                     json_object_set_new(o, "reason", json_string(full)) == 0 &&
                     json_object_set_new(o, "preorder", json_string(name ? name : "UNKNOWN")) == 0;
            }
        }
    }
    if (st == CVM_OK && !ok) {
        set_err(err, errcap, "out of memory");
        st = CVM_ENOMEM;
    }
    if (st != CVM_OK) {
        json_decref(o);
        return st;
    }
    *out = o;
    return CVM_OK;
}

cvm_status cvm_node_tx_json(cvm_node *n, const uint8_t hash[CVM_HASH_BYTES], uint64_t wait_ms, char **json,
                            bool *found, char *err, size_t errcap)
{
    *json = NULL;
    *found = false;
    uint64_t deadline = node_mono_ns() + wait_ms * 1000000ull;
    for (;;) {
        json_t *o = NULL;
        tx_state state;
        /* read the height first: a block committed after it wakes the wait below */
        uint64_t h = cvm_node_height(n);
        cvm_status st = tx_status(n, hash, &o, &state, err, errcap);
        if (st != CVM_OK)
            return st;
        if (state != TX_PENDING || !wait_ms || node_mono_ns() >= deadline || cvm_node_stopping(n)) {
            if (state == TX_UNKNOWN) {
                json_decref(o);
                return CVM_OK;
            }
            *found = true;
            st = node_dump(o, json);
            if (st != CVM_OK)
                set_err(err, errcap, "out of memory");
            return st;
        }
        json_decref(o);
        uint64_t left_ms = (deadline - node_mono_ns()) / 1000000ull;
        cvm_node_wait_height(n, h, left_ms ? left_ms : 1);
    }
}

/* ------------------------------------------------------------- queries */

/* The call of a query body: {"contract", "method", "args"} or {"signer": TX}. */
static cvm_status parse_query(cvm_node *n, const json_t *root, cvm_arena *arena, cvm_transaction *call,
                              cvm_tx_decoded *signed_call, char *err, size_t errcap)
{
    if (!json_is_object(root)) {
        set_err(err, errcap, "query: expected a JSON object {\"contract\", \"method\", \"args\"}");
        return CVM_EINPUT;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)root, key, v)
    {
        if (strcmp(key, "contract") && strcmp(key, "method") && strcmp(key, "args") && strcmp(key, "signer")) {
            set_err(err, errcap, "query: unknown member \"%s\" (expected contract, method, args or signer)", key);
            return CVM_EINPUT;
        }
    }
    const json_t *signer = json_object_get(root, "signer");
    if (signer) {
        if (json_object_get(root, "contract") || json_object_get(root, "method") || json_object_get(root, "args")) {
            set_err(err, errcap, "query: \"signer\" is the whole signed call; leave out contract, method and args");
            return CVM_EINPUT;
        }
        cvm_errmsg why;
        cvm_status st = cvm_tx_from_json(NULL, signer, signed_call, why.text, sizeof why.text);
        if (st != CVM_OK)
            set_err(err, errcap, "query: signer: %s", why.text);
        else
            *call = signed_call->tx;
        return st;
    }
    const json_t *contract = json_object_get(root, "contract"), *method = json_object_get(root, "method");
    if (!json_is_string(contract) || !json_string_length(contract)) {
        set_err(err, errcap, "query: contract: expected a service name (a non-empty string)");
        return CVM_EINPUT;
    }
    if (!json_is_string(method) || !json_string_length(method)) {
        set_err(err, errcap, "query: method: expected a method name (a non-empty string)");
        return CVM_EINPUT;
    }
    const json_t *args = json_object_get(root, "args");
    if (args && !json_is_array(args)) {
        set_err(err, errcap, "query: args: expected an array");
        return CVM_EINPUT;
    }
    cvm_arg *a = NULL;
    size_t na = 0;
    cvm_errmsg why;
    cvm_status st = cvm_args_from_json(args, arena, &a, &na, why.text, sizeof why.text);
    if (st != CVM_OK) {
        set_err(err, errcap, "query: %s", why.text);
        return st;
    }
    memset(call, 0, sizeof *call);
    call->protocol_version = CVM_PROTOCOL_VERSION;
    call->virtual_chain_id = n->o.chain_id;
    pthread_mutex_lock(&n->state_mu);
    call->timestamp = n->last_ts;
    pthread_mutex_unlock(&n->state_mu);
    call->signer_scheme = CVM_SCHEME_NONE;
    call->service = cvm_arena_strndup(arena, json_string_value(contract), json_string_length(contract));
    call->method = cvm_arena_strndup(arena, json_string_value(method), json_string_length(method));
    call->args = a;
    call->nargs = na;
    if (!call->service || !call->method) {
        set_err(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    /* the codec refuses what has no canonical encoding (a NUL in a name, ...) */
    uint8_t h[CVM_HASH_BYTES];
    if ((st = cvm_tx_hash(NULL, call, h, &why)) != CVM_OK)
        set_err(err, errcap, "query: %s", why.text);
    return st;
}

cvm_status cvm_node_query_json(cvm_node *n, const uint8_t *body, size_t len, char **json, char *err, size_t errcap)
{
    *json = NULL;
    json_error_t je;
    json_t *root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        set_err(err, errcap, "query: not JSON: %s (line %d, column %d)", je.text, je.line, je.column);
        return CVM_EINPUT;
    }
    cvm_arena arena;
    cvm_arena_init(&arena, NULL);
    cvm_tx_decoded sc;
    memset(&sc, 0, sizeof sc);
    cvm_transaction call;
    cvm_status st = parse_query(n, root, &arena, &call, &sc, err, errcap);
    cvm_local_result *r = NULL;
    if (st == CVM_OK) {
        pthread_mutex_lock(&n->chain_mu);
        if ((st = cvm_vm_run_local_method(n->vm, &call, &r)) != CVM_OK)
            set_err(err, errcap, "local call %s.%s: %s", call.service, call.method, cvm_vm_errmsg(n->vm));
        pthread_mutex_unlock(&n->chain_mu);
    }
    if (st == CVM_OK) {
        uint8_t h[CVM_HASH_BYTES];
        cvm_errmsg why;
        bool has_hash = call.signer_scheme != CVM_SCHEME_NONE && cvm_tx_hash(NULL, &call, h, &why) == CVM_OK;
        json_t *o = json_object();
        if (!o || json_object_set_new(o, "height", cvm_json_uint64(r->reference_height)) != 0 ||
            json_object_set_new(o, "receipt", node_receipt_json(&call, has_hash ? h : NULL, &r->receipt)) != 0) {
            json_decref(o);
            o = NULL;
        }
        if ((st = node_dump(o, json)) != CVM_OK)
            set_err(err, errcap, "out of memory");
    }
    cvm_local_result_free(r);
    cvm_tx_decoded_free(&sc);
    cvm_arena_free(&arena);
    json_decref(root);
    return st;
}

/* ---------------------------------------------------------------- blocks */

/* Appends a block's rejections to arr. */
typedef struct rej_list {
    json_t *arr; /* borrowed */
    bool oom;
} rej_list;

static int add_rejected(void *ud, const uint8_t *hash, cvm_preorder_status status, const char *reason, size_t len)
{
    rej_list *l = ud;
    const char *name = cvm_preorder_status_name(status);
    json_t *o = json_object();
    if (!o || json_object_set_new(o, "tx_hash", node_hex(hash, CVM_HASH_BYTES)) != 0 ||
        json_object_set_new(o, "preorder", json_string(name ? name : "UNKNOWN")) != 0 ||
        json_object_set_new(o, "reason", json_stringn(reason, len)) != 0 || json_array_append_new(l->arr, o) != 0) {
        json_decref(o);
        l->oom = true;
        return 1;
    }
    return 0;
}

/* The stored block at height (0: the latest), read under the chain lock:
 * *b NULL when there is none. Clears *json and sets *found for the JSON
 * readers below; on success height holds the height read. */
static cvm_status block_read(cvm_node *n, uint64_t *height, cvm_block **b, char **json, bool *found, char *err,
                             size_t errcap)
{
    *json = NULL;
    *found = false;
    *b = NULL;
    pthread_mutex_lock(&n->chain_mu);
    if (!*height)
        *height = cvm_store_height(n->store);
    cvm_status st = cvm_store_block_get(n->store, *height, b);
    if (st != CVM_OK)
        set_err(err, errcap, "reading block %" PRIu64 ": %s", *height, cvm_store_errmsg(n->store));
    pthread_mutex_unlock(&n->chain_mu);
    *found = st == CVM_OK && *b;
    return st;
}

cvm_status cvm_node_block_json(cvm_node *n, uint64_t height, char **json, bool *found, char *err, size_t errcap)
{
    cvm_block *b;
    cvm_status st = block_read(n, &height, &b, json, found, err, errcap);
    if (st != CVM_OK || !b)
        return st;
    json_t *o = cvm_block_to_json(b);
    cvm_block_free(b);
    rej_list l = {json_array(), false};
    if (o && l.arr)
        st = mempool_rejected_at(n->mp, height, add_rejected, &l, err, errcap);
    if (st == CVM_OK && (!o || !l.arr || l.oom || json_object_set(o, "rejected", l.arr) != 0)) {
        set_err(err, errcap, "out of memory");
        st = CVM_ENOMEM;
    }
    json_decref(l.arr);
    if (st != CVM_OK) {
        json_decref(o);
        return st;
    }
    if ((st = node_dump(o, json)) != CVM_OK)
        set_err(err, errcap, "out of memory");
    return st;
}

cvm_status cvm_node_block_raw_json(cvm_node *n, uint64_t height, char **json, bool *found, char *err,
                                   size_t errcap)
{
    cvm_block *b;
    cvm_status st = block_read(n, &height, &b, json, found, err, errcap);
    if (st != CVM_OK || !b)
        return st;
    char ts[24];
    snprintf(ts, sizeof ts, "%" PRIu64, b->header.timestamp);
    const cvm_block_header *hd = &b->header;
    json_t *txs = json_array();
    json_t *o = json_pack("{s:I,s:s,s:o?,s:o?,s:o?,s:o?}", "height", (json_int_t)hd->height, "timestamp", ts,
                          "prev_hash", node_hex(hd->prev_hash, CVM_HASH_BYTES), "block_hash",
                          node_hex(hd->hash, CVM_HASH_BYTES), "tx_root", node_hex(hd->tx_root, CVM_HASH_BYTES),
                          "state_diff_hash", node_hex(hd->state_diff_hash, CVM_HASH_BYTES));
    bool ok = o && txs && json_object_set(o, "txs", txs) == 0;
    for (size_t i = 0; ok && i < b->ntxs; i++)
        ok = json_array_append_new(txs, node_hex(b->txs[i].bytes, b->txs[i].len)) == 0;
    json_decref(txs);
    cvm_block_free(b);
    if (!ok)
        json_decref(o);
    if (!ok || node_dump(o, json) != CVM_OK) { /* node_dump releases o */
        set_err(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    return CVM_OK;
}

cvm_status cvm_node_blocks_json(cvm_node *n, uint64_t from, size_t limit, char **json, char *err, size_t errcap)
{
    *json = NULL;
    limit = limit < 1 ? 1 : limit > 100 ? 100 : limit;
    json_t *o = json_object(), *arr = json_array();
    cvm_status st = o && arr && json_object_set(o, "blocks", arr) == 0 ? CVM_OK : CVM_ENOMEM;
    pthread_mutex_lock(&n->chain_mu);
    uint64_t top = cvm_store_height(n->store);
    uint64_t h = !from || from > top ? top : from;
    for (size_t k = 0; st == CVM_OK && k < limit && h >= 1; k++, h--) {
        cvm_block_header hd;
        int found = 0;
        if ((st = cvm_store_block_header(n->store, h, &hd, &found)) != CVM_OK)
            set_err(err, errcap, "reading block %" PRIu64 ": %s", h, cvm_store_errmsg(n->store));
        else if (found && json_array_append_new(arr, cvm_block_header_to_json(&hd)) != 0)
            st = CVM_ENOMEM;
    }
    pthread_mutex_unlock(&n->chain_mu);
    json_decref(arr);
    if (st == CVM_ENOMEM)
        set_err(err, errcap, "out of memory");
    if (st != CVM_OK) {
        json_decref(o);
        return st;
    }
    if ((st = node_dump(o, json)) != CVM_OK)
        set_err(err, errcap, "out of memory");
    return st;
}

/* ---------------------------------------------------------------- events */

typedef struct event_page {
    json_t *arr;              /* borrowed */
    bool oom;
    cvm_event_pos last;       /* the last event delivered */
} event_page;

/* One event of the page: the codec's record view, the shape of
 * `coopvm events --json` (the client compares them byte for byte); the
 * position of the last one makes next_cursor. */
static int page_event(void *ud, const cvm_event_pos *pos, const cvm_event *ev)
{
    event_page *p = ud;
    cvm_event_record r = {pos->height, pos->tx_index, *ev};
    json_t *j = cvm_event_record_to_json(&r);
    if (!j || json_array_append_new(p->arr, j) != 0) {
        p->oom = true;
        return 1;
    }
    p->last = *pos;
    return 0;
}

/* "H.T.I" into the three numbers; false when it is not that. */
static bool parse_cursor(const char *s, uint64_t *h, uint64_t *t, uint64_t *i)
{
    uint64_t v[3];
    const char *p = s;
    for (int k = 0; k < 3; k++) {
        if (*p < '0' || *p > '9')
            return false;
        uint64_t x = 0;
        while (*p >= '0' && *p <= '9') {
            if (x > (UINT64_MAX - 9) / 10)
                return false;
            x = x * 10 + (uint64_t)(*p++ - '0');
        }
        v[k] = x;
        if (k < 2 && *p++ != '.')
            return false;
    }
    if (*p)
        return false;
    *h = v[0];
    *t = v[1];
    *i = v[2];
    return true;
}

cvm_status cvm_node_events_json(cvm_node *n, const cvm_event_query *q, const char *cursor, size_t limit,
                                char **json, char *err, size_t errcap)
{
    *json = NULL;
    cvm_event_query query = {0};
    if (q)
        query = *q;
    query.limit = limit < 1 ? 1 : limit > 1000 ? 1000 : limit;
    query.after_height = query.after_tx = query.after_index = 0;
    if (cursor && *cursor &&
        (!parse_cursor(cursor, &query.after_height, &query.after_tx, &query.after_index) || !query.after_height)) {
        set_err(err, errcap, "cursor: expected HEIGHT.TX.INDEX (as next_cursor gives it), got \"%.64s\"", cursor);
        return CVM_EINPUT;
    }
    event_page p;
    memset(&p, 0, sizeof p);
    json_t *o = json_object();
    p.arr = json_array();
    if (!o || !p.arr || json_object_set(o, "events", p.arr) != 0) {
        json_decref(o);
        json_decref(p.arr);
        set_err(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    cvm_status st = CVM_OK;
    int more = 0;
    pthread_mutex_lock(&n->chain_mu);
    uint64_t top = cvm_store_height(n->store);
    /* a range beyond the chain is empty, not an error (a subscriber asks for what comes next) */
    if (!(query.to == 0 && query.from > top))
        if ((st = cvm_store_events_page(n->store, &query, page_event, &p, &more)) != CVM_OK)
            set_err(err, errcap, "%s", cvm_store_errmsg(n->store)); /* read while the store is ours */
    pthread_mutex_unlock(&n->chain_mu);
    if (st == CVM_OK && p.oom)
        st = CVM_ENOMEM;
    if (st == CVM_OK && more) {
        char c[80];
        snprintf(c, sizeof c, "%" PRIu64 ".%" PRIu64 ".%" PRIu64, p.last.height, p.last.tx_index, p.last.index);
        if (json_object_set_new(o, "next_cursor", json_string(c)) != 0)
            st = CVM_ENOMEM;
    }
    json_decref(p.arr);
    if (st == CVM_ENOMEM)
        set_err(err, errcap, "out of memory");
    if (st == CVM_OK)
        st = node_dump(o, json);
    else
        json_decref(o);
    return st;
}

/* ------------------------------------------------------- status, metrics */

cvm_status cvm_node_status_json(cvm_node *n, char **json)
{
    pthread_mutex_lock(&n->state_mu);
    uint64_t h = n->height, ts = n->last_ts;
    pthread_mutex_unlock(&n->state_mu);
    json_t *o = json_object();
    if (o && (json_object_set_new(o, "height", cvm_json_uint64(h)) != 0 ||
              json_object_set_new(o, "last_block_time", cvm_json_uint64(ts)) != 0 ||
              json_object_set_new(o, "mempool", cvm_json_uint64(mempool_count(n->mp))) != 0 ||
              json_object_set_new(o, "chain_id", json_integer(n->o.chain_id)) != 0 ||
              json_object_set_new(o, "version", json_string(cvm_version())) != 0 ||
              json_object_set_new(o, "block_interval_ms", cvm_json_uint64(n->o.block_interval_ms)) != 0 ||
              json_object_set_new(o, "max_block_txs", cvm_json_uint64(n->o.max_block_txs)) != 0 ||
              json_object_set_new(o, "producer", json_string(n->producer->name)) != 0)) {
        json_decref(o);
        o = NULL;
    }
    return node_dump(o, json);
}

static void histogram_text(cvm_buf *b, const char *name, const char *help, const histogram *h)
{
    static const double buckets[NBUCKETS] = NODE_BUCKETS;
    cvm_buf_printf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    uint64_t cum = 0;
    for (size_t i = 0; i < NBUCKETS; i++) {
        cum += h->counts[i];
        cvm_buf_printf(b, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name, buckets[i], cum);
    }
    cvm_buf_printf(b, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n%s_sum %.9f\n%s_count %" PRIu64 "\n", name, h->count,
                   name, h->sum, name, h->count);
}

cvm_status cvm_node_metrics_text(cvm_node *n, char **text)
{
    *text = NULL;
    pthread_mutex_lock(&n->state_mu);
    node_metrics m = n->m;
    uint64_t h = n->height;
    pthread_mutex_unlock(&n->state_mu);
    mp_stats ms;
    mempool_stats(n->mp, &ms);
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    cvm_buf_printf(&b,
                   "# HELP coopvm_height The latest committed height.\n# TYPE coopvm_height gauge\ncoopvm_height %" PRIu64
                   "\n",
                   h);
    cvm_buf_printf(&b,
                   "# HELP coopvm_blocks_total Blocks committed by this node since it started.\n"
                   "# TYPE coopvm_blocks_total counter\ncoopvm_blocks_total %" PRIu64 "\n",
                   m.blocks);
    cvm_buf_printf(&b,
                   "# HELP coopvm_transactions_committed_total Transactions run and committed in a block.\n"
                   "# TYPE coopvm_transactions_committed_total counter\ncoopvm_transactions_committed_total %" PRIu64
                   "\n",
                   m.committed);
    cvm_buf_printf(&b, "# HELP coopvm_transactions_rejected_total Transactions pre-order rejected at block time, by "
                       "reason.\n# TYPE coopvm_transactions_rejected_total counter\n");
    for (unsigned s = 1; s < NPREORDER; s++)
        cvm_buf_printf(&b, "coopvm_transactions_rejected_total{reason=\"%s\"} %" PRIu64 "\n",
                       cvm_preorder_status_name((cvm_preorder_status)s), m.rejected[s]);
    cvm_buf_printf(&b, "# HELP coopvm_admissions_total Submitted transactions, by admission result.\n"
                       "# TYPE coopvm_admissions_total counter\n");
    for (unsigned r = 0; r < NADMIT; r++)
        cvm_buf_printf(&b, "coopvm_admissions_total{result=\"%s\"} %" PRIu64 "\n",
                       cvm_admit_result_name((cvm_admit_result)r), m.admissions[r]);
    cvm_buf_printf(&b,
                   "# HELP coopvm_mempool_transactions Transactions pending in the mempool.\n"
                   "# TYPE coopvm_mempool_transactions gauge\ncoopvm_mempool_transactions %zu\n",
                   mempool_count(n->mp));
    cvm_buf_printf(&b,
                   "# HELP coopvm_mempool_fsyncs_total Mempool writes (one LMDB transaction and fsync each; group "
                   "commit).\n# TYPE coopvm_mempool_fsyncs_total counter\ncoopvm_mempool_fsyncs_total %" PRIu64 "\n",
                   ms.batches);
    cvm_buf_printf(&b,
                   "# HELP coopvm_mempool_writes_total Admissions those writes carried.\n"
                   "# TYPE coopvm_mempool_writes_total counter\ncoopvm_mempool_writes_total %" PRIu64 "\n",
                   ms.admissions);
    histogram_text(&b, "coopvm_block_build_seconds", "Time to pre-order and run a block's transactions.", &m.build);
    histogram_text(&b, "coopvm_block_commit_seconds", "Time to commit a block to the store.", &m.commit);
    cvm_buf_byte(&b, 0);
    if (!cvm_buf_ok(&b)) {
        cvm_buf_free(&b);
        return CVM_ENOMEM;
    }
    size_t len;
    uint8_t *p = cvm_buf_take(&b, &len);
    /* cvm_buf_take hands over memory of the default allocator: free() frees it */
    *text = (char *)p;
    return CVM_OK;
}
