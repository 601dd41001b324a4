/*
 * producer_etcd.c — the etcd-ordered producer (producer_etcd.h): election
 * by a leased key, fenced block writes, and every node following the block
 * keys etcd holds. Runs on the node's producer thread only, except route
 * and set_url (HTTP threads), which read under mu.
 */
#include "node/producer_etcd.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/hex.h"
#include "crypto/hash.h"
#include "node/etcd.h"
#include "node/mempool.h"

#ifdef COOPVM_HAVE_CURL
#include <curl/curl.h>
#endif

typedef struct ep {
    cvm_producer base;            /* first: p->ud points back here */
    char *endpoints;              /* owned */
    char *node_id;                /* owned */
    char prefix[64];              /* "/coopvm/<chain>/" */
    unsigned ttl_s;
    uint64_t keep;
    cvm_node_log_fn log;
    void *log_ud;
    cvm_etcd *kv;                 /* owned; the producer thread's (opened on first use) */
    /* leadership (producer thread) */
    bool leader;
    int64_t lease, leader_rev;
    uint64_t keepalive_at, check_at, compact_at; /* CLOCK_MONOTONIC ns */
    uint64_t applied_put;         /* the height last recorded under applied/ */
    bool peer_put;                /* this node's URL is recorded under peers/ */
    bool from_peers;              /* catching up from peers (logged once) */
    /* shared with HTTP threads */
    pthread_mutex_t mu;
    char url[256];                /* this node's; "" until set */
    char leader_url[256];         /* "" = no leader known */
    bool is_leader;
    char forwarded_to[256];       /* the producer this node's own pending transactions went to */
    /* the block handed out by next_block (one at a time) */
    bool from_mempool;
    cvm_tx_owned **owned;         /* owned: the decoded transactions */
    cvm_transaction *txs;
    uint8_t (*hashes)[CVM_HASH_BYTES];
    uint8_t *verified;
    size_t ntx;
    uint8_t prev[CVM_HASH_BYTES], hash[CVM_HASH_BYTES], diff[CVM_HASH_BYTES];
} ep;

static void say(ep *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(ep *e, const char *fmt, ...)
{
    if (!e->log)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    e->log(e->log_ud, line);
}

static void key(const ep *e, char *out, size_t cap, const char *what) { snprintf(out, cap, "%s%s", e->prefix, what); }

static void block_key(const ep *e, char *out, size_t cap, uint64_t h)
{
    snprintf(out, cap, "%sblocks/%020" PRIu64, e->prefix, h);
}

static void set_leader_view(ep *e, bool me, const char *url)
{
    pthread_mutex_lock(&e->mu);
    e->is_leader = me;
    snprintf(e->leader_url, sizeof e->leader_url, "%s", url ? url : "");
    pthread_mutex_unlock(&e->mu);
}

/* Gives up leadership (the lease is revoked so another node need not wait
 * for its TTL). */
static void step_down(ep *e, const char *why)
{
    char err[512];
    if (e->leader)
        say(e, "etcd: no longer the producer: %s", why);
    if (e->lease)
        cvm_etcd_lease_revoke(e->kv, e->lease, err, sizeof err); /* best effort: the TTL ends it anyway */
    e->leader = false;
    e->lease = e->leader_rev = 0;
    e->check_at = 0;
    set_leader_view(e, false, NULL);
}

/* Keeps the lease alive (leader), or reads the leader key and campaigns
 * when it is absent (others). Errors are transient: logged by the caller's
 * next try, and a leader that cannot reach etcd loses the lease by TTL. */
static void maintain(ep *e, uint64_t now)
{
    char err[512], lk[128];
    key(e, lk, sizeof lk, "leader");
    uint64_t third = (uint64_t)e->ttl_s * 1000000000ull / 3;
    if (e->leader) {
        if (now < e->keepalive_at)
            return;
        int64_t ttl = 0;
        if (cvm_etcd_lease_keepalive(e->kv, e->lease, &ttl, err, sizeof err) != CVM_OK) {
            e->keepalive_at = now + third / 4; /* retry soon; the TTL decides */
            return;
        }
        if (ttl <= 0) {
            step_down(e, "its lease expired");
            return;
        }
        e->keepalive_at = now + third;
        return;
    }
    if (now < e->check_at)
        return;
    e->check_at = now + third / 2;
    cvm_etcd_kv kv;
    bool found = false;
    if (cvm_etcd_get(e->kv, lk, &kv, &found, err, sizeof err) != CVM_OK) {
        set_leader_view(e, false, NULL);
        return;
    }
    if (found) {
        json_t *j = json_loadb((const char *)kv.value, kv.len, 0, NULL);
        const char *u = json_string_value(json_object_get(j, "url"));
        set_leader_view(e, false, u);
        json_decref(j);
        free(kv.key);
        free(kv.value);
        return;
    }
    set_leader_view(e, false, NULL);
    pthread_mutex_lock(&e->mu);
    char url[256];
    snprintf(url, sizeof url, "%s", e->url);
    pthread_mutex_unlock(&e->mu);
    if (!url[0])
        return; /* not serving yet: nobody could forward to us */
    int64_t lease = 0, rev = 0;
    bool created = false;
    if (cvm_etcd_lease_grant(e->kv, e->ttl_s, &lease, err, sizeof err) != CVM_OK)
        return;
    json_t *v = json_pack("{s:s,s:s}", "node", e->node_id, "url", url);
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    cvm_status st = text ? cvm_etcd_create(e->kv, lk, (const uint8_t *)text, strlen(text), lease, &created, &rev,
                                           err, sizeof err)
                         : CVM_ENOMEM;
    free(text);
    if (st != CVM_OK || !created) {
        cvm_etcd_lease_revoke(e->kv, lease, err, sizeof err);
        return;
    }
    e->leader = true;
    e->lease = lease;
    e->leader_rev = rev;
    e->keepalive_at = now + third;
    set_leader_view(e, true, url);
    say(e, "etcd: this node (%s) is the producer (lease %" PRId64 ", TTL %u s)", e->node_id, lease, e->ttl_s);
}

static void free_block(ep *e)
{
    for (size_t i = 0; e->owned && i < e->ntx; i++)
        cvm_tx_owned_free(e->owned[i]);
    free(e->owned);
    free(e->txs);
    free(e->hashes);
    free(e->verified);
    e->owned = NULL;
    e->txs = NULL;
    e->hashes = NULL;
    e->verified = NULL;
    e->ntx = 0;
}

static bool hex32(json_t *j, uint8_t out[CVM_HASH_BYTES])
{
    const char *s = json_string_value(j);
    return s && cvm_hex_decode(s, strlen(s), out, CVM_HASH_BYTES);
}

/* Decodes a block value (blocks/<H>, or a peer's GET /v1/blocks/<H>?raw=1)
 * into e's block; err names what is wrong with it and where it came from
 * (src: "etcd" or the peer's URL). tx_root: NULL, or the header's claimed
 * tx_root is required and written there. */
static cvm_status decode_block(ep *e, const char *src, uint64_t h, const uint8_t *v, size_t len, uint64_t *ts,
                               uint8_t *tx_root, char *err, size_t errcap)
{
    json_error_t je;
    json_t *j = json_loadb((const char *)v, len, 0, &je);
    json_t *txs = json_object_get(j, "txs");
    const char *tss = json_string_value(json_object_get(j, "timestamp"));
    json_int_t hh = json_integer_value(json_object_get(j, "height"));
    if (!j || !json_is_array(txs) || !tss || hh != (json_int_t)h || !hex32(json_object_get(j, "prev_hash"), e->prev) ||
        !hex32(json_object_get(j, "block_hash"), e->hash) || !hex32(json_object_get(j, "state_diff_hash"), e->diff) ||
        (tx_root && !hex32(json_object_get(j, "tx_root"), tx_root))) {
        snprintf(err, errcap, "%s block %" PRIu64 ": not a block proposal (height, timestamp, prev_hash, "
                 "block_hash, state_diff_hash, %stxs)", src, h, tx_root ? "tx_root, " : "");
        json_decref(j);
        return CVM_EINPUT;
    }
    *ts = strtoull(tss, NULL, 10);
    size_t k = json_array_size(txs);
    e->owned = calloc(k ? k : 1, sizeof *e->owned);
    e->txs = calloc(k ? k : 1, sizeof *e->txs);
    e->hashes = calloc(k ? k : 1, sizeof *e->hashes);
    e->verified = calloc(k ? k : 1, 1);
    cvm_status st = e->owned && e->txs && e->hashes && e->verified ? CVM_OK : CVM_ENOMEM;
    if (st != CVM_OK)
        snprintf(err, errcap, "out of memory");
    for (size_t i = 0; st == CVM_OK && i < k; i++) {
        const char *hx = json_string_value(json_array_get(txs, i));
        size_t hl = hx ? strlen(hx) : 1, n = hl / 2;
        uint8_t *raw = malloc(n ? n : 1);
        cvm_errmsg why = {""};
        if (!raw) {
            st = CVM_ENOMEM;
        } else if (hl % 2 || !cvm_hex_decode(hx, hl, raw, n)) {
            snprintf(why.text, sizeof why.text, "not hex");
            st = CVM_EINPUT;
        } else {
            st = cvm_tx_from_bytes(NULL, raw, n, 1, &e->owned[i], &why);
        }
        free(raw);
        if (st == CVM_OK) {
            e->ntx = i + 1;
            e->txs[i] = e->owned[i]->tx;
            st = cvm_tx_hash(NULL, &e->txs[i], e->hashes[i], &why);
        }
        if (st != CVM_OK)
            snprintf(err, errcap, "%s block %" PRIu64 ": transaction %zu: %s", src, h, i,
                     why.text[0] ? why.text : "out of memory");
    }
    json_decref(j);
    if (st != CVM_OK)
        free_block(e);
    return st;
}

/* Lowest applied height of every node that recorded one (0 = none). */
static uint64_t min_applied(ep *e)
{
    char from[128], to[128], err[512];
    key(e, from, sizeof from, "applied/");
    key(e, to, sizeof to, "applied0"); /* '0' follows '/' */
    cvm_etcd_kv *kvs = NULL;
    size_t n = 0;
    uint64_t lo = 0;
    if (cvm_etcd_range(e->kv, from, to, 0, &kvs, &n, err, sizeof err) == CVM_OK)
        for (size_t i = 0; i < n; i++) {
            uint64_t h = strtoull((const char *)kvs[i].value, NULL, 10);
            if (i == 0 || h < lo)
                lo = h;
        }
    cvm_etcd_kv_free(kvs, n);
    return lo;
}

/* The leader deletes the blocks every node applied, but the last keep. */
static void compact(ep *e, uint64_t now)
{
    if (!e->leader || now < e->compact_at)
        return;
    e->compact_at = now + 10000000000ull; /* every 10 s */
    uint64_t lo = min_applied(e);
    if (lo <= e->keep)
        return;
    char from[128], to[128], err[512];
    block_key(e, from, sizeof from, 0);
    block_key(e, to, sizeof to, lo - e->keep);
    if (cvm_etcd_delete_range(e->kv, from, to, err, sizeof err) == CVM_OK)
        say(e, "etcd: blocks below %" PRIu64 " deleted (every node applied %" PRIu64 ")", lo - e->keep, lo);
}

#ifdef COOPVM_HAVE_CURL
static size_t discard(char *d, size_t size, size_t nmemb, void *ud)
{
    (void)d;
    (void)ud;
    return size * nmemb;
}
#endif

/* A follower's own pending transactions (admitted while it produced, e.g.
 * before a crash) go to the producer, once per producer: they would
 * otherwise wait until this node leads again. The producer's mempool admits
 * them (or says they are pending or committed there); the local entries
 * leave when a block commits them. */
static void forward_pending(ep *e, cvm_node *n)
{
    char url[300];
    pthread_mutex_lock(&e->mu);
    bool fresh = e->leader_url[0] && !e->is_leader && strcmp(e->leader_url, e->forwarded_to) != 0;
    snprintf(url, sizeof url, "%s/v1/transactions", e->leader_url);
    if (fresh)
        snprintf(e->forwarded_to, sizeof e->forwarded_to, "%s", e->leader_url);
    pthread_mutex_unlock(&e->mu);
    if (!fresh || cvm_node_pending_wait(n, SIZE_MAX, 0) == 0)
        return;
#ifdef COOPVM_HAVE_CURL
    cvm_block_proposal prop;
    if (!cvm_node_pending_proposal(n, 100000, &prop))
        return;
    size_t sent = 0;
    CURL *c = curl_easy_init();
    struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/octet-stream");
    for (size_t i = 0; c && i < prop.n && !cvm_node_stopping(n); i++) {
        uint8_t *raw = NULL;
        size_t len = 0;
        if (cvm_tx_to_bytes(NULL, &prop.txs[i], 1, &raw, &len, NULL) != CVM_OK)
            continue;
        curl_easy_reset(c);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)raw);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hd);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        long code = 0;
        if (curl_easy_perform(c) == CURLE_OK && curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK &&
            (code == 202 || code == 409))
            sent++;
        cvm_free(NULL, raw);
    }
    curl_slist_free_all(hd);
    if (c)
        curl_easy_cleanup(c);
    say(e, "etcd: %zu of %zu pending transaction%s handed to the producer at %s", sent, prop.n, prop.n == 1 ? "" : "s",
        url);
    cvm_node_proposal_release(&prop);
#endif
}

/* Records this node's URL under peers/<node> once it serves (a node
 * further behind than etcd keeps fetches blocks from the URLs there). */
static void record_peer(ep *e)
{
    char url[256], pk[192], err[512];
    if (e->peer_put)
        return;
    pthread_mutex_lock(&e->mu);
    snprintf(url, sizeof url, "%s", e->url);
    pthread_mutex_unlock(&e->mu);
    snprintf(pk, sizeof pk, "%speers/%s", e->prefix, e->node_id);
    if (url[0] && cvm_etcd_put(e->kv, pk, (const uint8_t *)url, strlen(url), 0, err, sizeof err) == CVM_OK)
        e->peer_put = true;
}

/* Whether blocks/<height+1> (absent) was compacted away: etcd holds a later
 * block. The leader deletes only below every recorded applied height less
 * keep, so this is a node that joined, or returned, after that. */
static bool compacted_past(ep *e, uint64_t height)
{
    char from[128], to[128], err[512];
    block_key(e, from, sizeof from, height + 1);
    key(e, to, sizeof to, "blocks0");
    cvm_etcd_kv *kvs = NULL;
    size_t n = 0;
    bool r = cvm_etcd_range(e->kv, from, to, 1, &kvs, &n, err, sizeof err) == CVM_OK && n == 1;
    cvm_etcd_kv_free(kvs, n);
    return r;
}

#ifdef COOPVM_HAVE_CURL
/* a peer's answer, bounded: a raw block is its transactions in hex */
#define PEER_BLOCK_MAX (256u << 20)
typedef struct peer_body {
    char *p; /* owned */
    size_t len, cap;
} peer_body;

static size_t collect(char *d, size_t size, size_t nmemb, void *ud)
{
    peer_body *b = ud;
    size_t n = size * nmemb;
    if (n > PEER_BLOCK_MAX - b->len - 1)
        return 0; /* curl fails the transfer */
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *q = realloc(b->p, cap);
        if (!q)
            return 0;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
    b->p[b->len] = 0;
    return n;
}
#endif

/* Block h from a peer (peers/ in key order, this node skipped), checked
 * against the hash chain before it is handed out: its prev_hash must be
 * this node's last block hash and its tx_root the one recomputed from its
 * transactions; executing it then checks the state diff hash and the block
 * hash it claims (node.c). A peer whose block does not link is refused,
 * logged naming the height and the peer, and the next one is tried. True
 * with e's block filled. */
static bool fetch_from_peer(ep *e, cvm_node *n, uint64_t h, uint64_t *ts)
{
#ifdef COOPVM_HAVE_CURL
    char from[128], to[128], err[768] = "";
    key(e, from, sizeof from, "peers/");
    key(e, to, sizeof to, "peers0");
    cvm_etcd_kv *kvs = NULL;
    size_t nk = 0;
    if (cvm_etcd_range(e->kv, from, to, 0, &kvs, &nk, err, sizeof err) != CVM_OK)
        return false;
    uint8_t last[CVM_HASH_BYTES];
    cvm_node_last_block_hash(n, last);
    CURL *c = curl_easy_init();
    bool ok = false;
    for (size_t i = 0; c && !ok && i < nk && !cvm_node_stopping(n); i++) {
        const char *id = strrchr(kvs[i].key, '/') + 1, *base = (const char *)kvs[i].value;
        if (strcmp(id, e->node_id) == 0)
            continue;
        char url[512], src[300];
        snprintf(url, sizeof url, "%s/v1/blocks/%" PRIu64 "?raw=1", base, h);
        snprintf(src, sizeof src, "peer %s", base);
        peer_body b = {NULL, 0, 0};
        curl_easy_reset(c);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        long code = 0;
        CURLcode cr = curl_easy_perform(c);
        uint8_t root[CVM_HASH_BYTES], mine[CVM_HASH_BYTES];
        char x[2 * CVM_HASH_BYTES + 1], y[2 * CVM_HASH_BYTES + 1];
        if (cr != CURLE_OK) {
            snprintf(err, sizeof err, "%s block %" PRIu64 ": %s", src, h, curl_easy_strerror(cr));
        } else if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK || code != 200) {
            snprintf(err, sizeof err, "%s block %" PRIu64 ": HTTP %ld", src, h, code);
        } else if (decode_block(e, src, h, (const uint8_t *)b.p, b.len, ts, root, err, sizeof err) == CVM_OK) {
            cvm_sha256_ctx sc;
            cvm_sha256_init(&sc);
            for (size_t k = 0; k < e->ntx; k++)
                cvm_sha256_update(&sc, e->hashes[k], CVM_HASH_BYTES);
            cvm_sha256_final(&sc, mine);
            if (memcmp(e->prev, last, CVM_HASH_BYTES) != 0) {
                cvm_hex_write(x, e->prev, CVM_HASH_BYTES);
                cvm_hex_write(y, last, CVM_HASH_BYTES);
                snprintf(err, sizeof err, "%s block %" PRIu64 ": previous block hash %s does not link to this "
                         "node's last block %s", src, h, x, y);
            } else if (memcmp(root, mine, CVM_HASH_BYTES) != 0) {
                cvm_hex_write(x, root, CVM_HASH_BYTES);
                cvm_hex_write(y, mine, CVM_HASH_BYTES);
                snprintf(err, sizeof err, "%s block %" PRIu64 ": tx_root %s, its transactions hash to %s", src, h,
                         x, y);
            } else {
                ok = true;
            }
            if (!ok)
                free_block(e);
        }
        free(b.p);
        if (!ok)
            say(e, "error: %s; block refused, trying another peer", err);
    }
    if (c)
        curl_easy_cleanup(c);
    cvm_etcd_kv_free(kvs, nk);
    return ok;
#else
    (void)e;
    (void)n;
    (void)h;
    (void)ts;
    return false;
#endif
}

/* Hands e's decoded block out as an ordered one: the node executes it and
 * compares prev, diff and block hashes with those it claims. */
static void hand_out(ep *e, uint64_t ts, cvm_block_proposal *out)
{
    e->from_mempool = false;
    out->timestamp = ts;
    out->txs = e->txs;
    out->hashes = (const uint8_t(*)[CVM_HASH_BYTES])e->hashes;
    out->verified = e->verified;
    out->n = e->ntx;
    out->ordered = true;
    out->expect_prev_hash = e->prev;
    out->expect_hash = e->hash;
    out->expect_diff_hash = e->diff;
}

static bool etcd_next(const cvm_producer *p, cvm_node *n, uint64_t height, cvm_block_proposal *out)
{
    ep *e = p->ud;
    const cvm_node_options *o = cvm_node_get_options(n);
    char err[768] = "", bk[128], last_err[768] = "";
    memset(out, 0, sizeof *out);
    if (!e->kv && cvm_etcd_open(e->endpoints, 1000, &e->kv, err, sizeof err) != CVM_OK) {
        say(e, "etcd: %s", err);
        cvm_node_stop(n);
        return false;
    }
    uint64_t interval = o->block_interval_ms * 1000000ull;
    uint64_t cut_at = node_mono_ns() + interval;
    for (;;) {
        if (cvm_node_stopping(n)) {
            if (e->leader)
                step_down(e, "the node stops");
            return false;
        }
        uint64_t now = node_mono_ns();
        maintain(e, now);
        if (height > e->applied_put) {
            char ak[192], v[32];
            snprintf(ak, sizeof ak, "%sapplied/%s", e->prefix, e->node_id);
            snprintf(v, sizeof v, "%" PRIu64, height);
            if (cvm_etcd_put(e->kv, ak, (const uint8_t *)v, strlen(v), 0, err, sizeof err) == CVM_OK)
                e->applied_put = height;
        }
        compact(e, now);
        record_peer(e);
        /* the block etcd ordered next, if any: every node runs it */
        block_key(e, bk, sizeof bk, height + 1);
        cvm_etcd_kv kv;
        bool found = false;
        if (cvm_etcd_get(e->kv, bk, &kv, &found, err, sizeof err) != CVM_OK) {
            if (strcmp(err, last_err) != 0)
                say(e, "%s (retrying)", err);
            snprintf(last_err, sizeof last_err, "%s", err);
            cvm_node_pending_wait(n, SIZE_MAX, node_mono_ns() + 200000000ull);
            continue;
        }
        last_err[0] = 0;
        if (found) {
            uint64_t ts = 0;
            cvm_status st = decode_block(e, "etcd", height + 1, kv.value, kv.len, &ts, NULL, err, sizeof err);
            free(kv.key);
            free(kv.value);
            if (st != CVM_OK) {
                say(e, "error: %s; the node halts", err);
                cvm_node_stop(n);
                return false;
            }
            if (e->from_peers)
                say(e, "etcd: block %" PRIu64 " is in etcd again; caught up from peers", height + 1);
            e->from_peers = false;
            hand_out(e, ts, out);
            return true;
        }
        /* further behind than etcd keeps (the leader too: it must not write
         * a height etcd compacted): the block comes from a peer */
        if (compacted_past(e, height)) {
            if (!e->from_peers)
                say(e, "etcd: block %" PRIu64 " was compacted away; fetching blocks from peers", height + 1);
            e->from_peers = true;
            uint64_t ts = 0;
            if (fetch_from_peer(e, n, height + 1, &ts)) {
                hand_out(e, ts, out);
                return true;
            }
            cvm_node_pending_wait(n, SIZE_MAX, node_mono_ns() + 500000000ull);
            continue;
        }
        if (e->leader) {
            /* propose from the mempool: a full block now, else at the interval */
            uint64_t wake = e->keepalive_at < cut_at ? e->keepalive_at : cut_at;
            size_t pending = cvm_node_pending_wait(n, o->max_block_txs, wake);
            now = node_mono_ns();
            if (pending >= o->max_block_txs || (now >= cut_at && (pending > 0 || o->empty_blocks))) {
                if (!cvm_node_pending_proposal(n, o->max_block_txs, out))
                    return false;
                e->from_mempool = true;
                return true;
            }
            if (now >= cut_at)
                cut_at = now + interval;
            continue;
        }
        /* a follower, caught up: hand over what it holds, then wait for the
         * next block key (or a leader change) */
        forward_pending(e, n);
        char to[128];
        key(e, to, sizeof to, "blocks0");
        bool changed = false;
        uint64_t third = (uint64_t)e->ttl_s * 1000000000ull / 3;
        if (cvm_etcd_watch_once(e->kv, bk, to, cvm_etcd_revision(e->kv) + 1, (long)(third / 2000000ull), &changed, err, sizeof err) != CVM_OK)
            cvm_node_pending_wait(n, SIZE_MAX, node_mono_ns() + 100000000ull);
    }
}

static void etcd_release(const cvm_producer *p, cvm_node *n, cvm_block_proposal *out)
{
    ep *e = p->ud;
    (void)n;
    if (e->from_mempool)
        cvm_node_proposal_release(out);
    else
        free_block(e);
    e->from_mempool = false;
    memset(out, 0, sizeof *out);
}

/* The leader writes the block it built (not yet committed) to etcd, fenced:
 * only if blocks/<H> is absent and the leader key is still the one it
 * created (an expired lease deletes it; a new leader recreates it). */
static bool etcd_seal(const cvm_producer *p, cvm_node *n, const cvm_block_proposal *prop, const cvm_block_header *hd)
{
    ep *e = p->ud;
    (void)n;
    if (prop->ordered)
        return true; /* etcd holds it already */
    if (!e->leader)
        return false;
    char err[512] = "", bk[128], lk[128], hx[2 * CVM_HASH_BYTES + 1], ts[32];
    json_t *txs = json_array();
    for (size_t i = 0; txs && i < prop->n; i++) {
        uint8_t *raw = NULL;
        size_t len = 0;
        cvm_errmsg why = {""};
        if (cvm_tx_to_bytes(NULL, &prop->txs[i], 1, &raw, &len, &why) != CVM_OK) {
            snprintf(err, sizeof err, "%s", why.text);
            json_decref(txs);
            txs = NULL;
            break;
        }
        char *h = cvm_hex_encode(NULL, raw, len);
        cvm_free(NULL, raw);
        if (!h || json_array_append_new(txs, json_string(h)) != 0) {
            cvm_free(NULL, h);
            json_decref(txs);
            txs = NULL;
            break;
        }
        cvm_free(NULL, h);
    }
    snprintf(ts, sizeof ts, "%" PRIu64, hd->timestamp);
    json_t *v = txs ? json_pack("{s:I,s:s,s:s,s:o}", "height", (json_int_t)hd->height, "timestamp", ts, "producer",
                                e->node_id, "txs", txs)
                    : NULL;
    cvm_hex_write(hx, hd->prev_hash, CVM_HASH_BYTES);
    json_object_set_new(v, "prev_hash", json_string(hx));
    cvm_hex_write(hx, hd->hash, CVM_HASH_BYTES);
    json_object_set_new(v, "block_hash", json_string(hx));
    cvm_hex_write(hx, hd->state_diff_hash, CVM_HASH_BYTES);
    json_object_set_new(v, "state_diff_hash", json_string(hx));
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    if (!text) {
        say(e, "etcd: block %" PRIu64 ": cannot encode the proposal (%s)", hd->height, err[0] ? err : "out of memory");
        return false;
    }
    block_key(e, bk, sizeof bk, hd->height);
    key(e, lk, sizeof lk, "leader");
    bool written = false;
    cvm_status st = cvm_etcd_create_fenced(e->kv, bk, (const uint8_t *)text, strlen(text), lk, e->leader_rev,
                                           &written, err, sizeof err);
    free(text);
    if (st != CVM_OK) {
        say(e, "etcd: block %" PRIu64 " not written: %s", hd->height, err);
        return false; /* unknown outcome: the follower path reads what etcd holds */
    }
    if (!written)
        step_down(e, "a fenced block write was refused (the lease is gone or the height is taken)");
    return written;
}

static int etcd_route(const cvm_producer *p, char *url, size_t cap)
{
    ep *e = p->ud;
    pthread_mutex_lock(&e->mu);
    int r = e->is_leader ? CVM_ROUTE_LOCAL : e->leader_url[0] ? CVM_ROUTE_FORWARD : CVM_ROUTE_NONE;
    snprintf(url, cap, "%s", e->leader_url);
    pthread_mutex_unlock(&e->mu);
    return r;
}

cvm_status cvm_etcd_producer_new(const cvm_etcd_producer_options *o, cvm_producer **out, char *err, size_t errcap)
{
    *out = NULL;
    if (!o->node_id || !*o->node_id || strlen(o->node_id) > 100 || strpbrk(o->node_id, "/ \t\n")) {
        snprintf(err, errcap, "--node-id: '%s' is not a node name (1 to 100 characters, no '/' or space)",
                 o->node_id ? o->node_id : "");
        return CVM_EINPUT;
    }
    cvm_etcd *probe = NULL; /* the endpoints are checked now, used on the producer thread */
    cvm_status st = cvm_etcd_open(o->endpoints, 1000, &probe, err, errcap);
    cvm_etcd_close(probe);
    if (st != CVM_OK)
        return st;
    ep *e = calloc(1, sizeof *e);
    if (!e || !(e->endpoints = strdup(o->endpoints)) || !(e->node_id = strdup(o->node_id))) {
        if (e) {
            free(e->endpoints);
            free(e);
        }
        snprintf(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    snprintf(e->prefix, sizeof e->prefix, "/coopvm/%" PRIu32 "/", o->chain_id ? o->chain_id : CVM_NODE_DEFAULT_CHAIN_ID);
    e->ttl_s = o->ttl_s ? o->ttl_s : CVM_ETCD_DEFAULT_TTL_S;
    e->keep = o->keep_blocks ? o->keep_blocks : CVM_ETCD_KEEP_BLOCKS;
    e->log = o->log;
    e->log_ud = o->log_ud;
    pthread_mutex_init(&e->mu, NULL);
    e->base = (cvm_producer){"etcd", etcd_next, etcd_release, etcd_seal, etcd_route, e};
    *out = &e->base;
    return CVM_OK;
}

void cvm_etcd_producer_free(cvm_producer *p)
{
    if (!p)
        return;
    ep *e = p->ud;
    free_block(e);
    cvm_etcd_close(e->kv);
    pthread_mutex_destroy(&e->mu);
    free(e->endpoints);
    free(e->node_id);
    free(e);
}

void cvm_etcd_producer_set_url(cvm_producer *p, const char *url)
{
    ep *e = p->ud;
    pthread_mutex_lock(&e->mu);
    snprintf(e->url, sizeof e->url, "%s", url ? url : "");
    pthread_mutex_unlock(&e->mu);
}

bool cvm_etcd_producer_is_leader(const cvm_producer *p)
{
    ep *e = p->ud;
    pthread_mutex_lock(&e->mu);
    bool r = e->is_leader;
    pthread_mutex_unlock(&e->mu);
    return r;
}
