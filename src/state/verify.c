/*
 * verify.c — a store checked against itself (verify.h): one scan of each
 * table, everything recomputed from what is stored and compared with what
 * was recorded.
 */
#include "state/verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/hex.h"
#include "codec/block.h"
#include "codec/event.h"
#include "codec/receipt.h"
#include "crypto/sethash.h"
#include "state/commitment.h"

typedef struct walk {
    cvm_store *s;
    cvm_verify_report *r;
    cvm_verify_fn fn;
    void *ud;
    cvm_status st;            /* a failure of memory during the walk */
    uint64_t expect;          /* heights: the next height expected; events: the next index */
    uint64_t at;              /* events: the height of the previous record */
    bool bad_commitment;      /* a state entry could not be added */
    cvm_store_height_record first, last; /* heights 1 and H, when seen */
    bool have_first, have_last;
    cvm_buf enc;              /* events: a record encoded back */
    uint8_t prev_block[CVM_SHA256_BYTES]; /* heights: the block hash of the height before */
    /* the event indexes: the digests of the entries the records call for,
     * and of the entries stored (index_digest), per index */
    uint8_t ix_want[2][CVM_SHA256_BYTES], ix_have[2][CVM_SHA256_BYTES];
    uint64_t ix_entries[2];
    bool ix_prev;             /* events: the record before (same height) was filed */
    uint64_t ix_prev_tx, ix_n;/* its transaction and index among its events */
    int ix_which;             /* the index being scanned */
    uint8_t txs_digest[CVM_SHA256_BYTES]; /* the transaction index entries' digests, XORed */
} walk;

static void problem(walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(walk *w, const char *fmt, ...)
{
    if (w->fn && w->r->problems < CVM_VERIFY_MAX_REPORTED) {
        char msg[400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        w->fn(w->ud, msg);
    }
    w->r->problems++;
}

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static const char *hex16(const uint8_t *p, char out[17])
{
    cvm_hex_write(out, p, 8);
    return out;
}

/* A key printed for a message: its service and key as text when printable. */
static void show_key(const uint8_t *k, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < cap; i++) {
        uint8_t c = k[i];
        o += (size_t)snprintf(out + o, cap - o, c >= 0x20 && c < 0x7f && c != '\\' ? "%c" : "\\x%02x", c);
    }
    out[o < cap ? o : cap - 1] = '\0';
}

static int on_state(void *ud, const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len)
{
    walk *w = ud;
    const uint8_t *sv, *k;
    size_t svn, kn;
    char shown[160];
    w->r->keys++;
    if (key_len > CVM_STATE_KEY_MAX || !cvm_state_key_split(key, key_len, &sv, &svn, &k, &kn)) {
        show_key(key, key_len, shown, sizeof shown);
        problem(w, "state: key \"%s\" (%zu bytes) is not a composite key within %d bytes", shown, key_len,
                CVM_STATE_KEY_MAX);
    } else if (value_len == 0) {
        show_key(key, key_len, shown, sizeof shown);
        problem(w, "state: key \"%s\" holds an empty value (a store never keeps one)", shown);
    }
    if (key_len >= 2 && cvm_state_key_split(key, key_len, &sv, &svn, &k, &kn) && value_len &&
        cvm_commitment_update(w->r->commitment, sv, svn, k, kn, NULL, 0, value, value_len) != CVM_OK)
        w->bad_commitment = true;
    return 0;
}

typedef struct hashing {
    cvm_sha256_ctx c;
    uint64_t n;
    bool first_pass; /* counting, then hashing */
} hashing;

static int count_event(void *ud, uint64_t height, uint64_t index, const uint8_t *data, size_t len)
{
    hashing *x = ud;
    if (x->first_pass)
        x->n++;
    else
        cvm_store_events_hash_add(&x->c, data, len);
    return 0;
}

/* The height's event records hashed again, against its record. */
static void check_events_hash(walk *w, const cvm_store_height_record *rec)
{
    hashing x = {.first_pass = true};
    if (cvm_store_events(w->s, rec->height, rec->height, count_event, &x) != CVM_OK)
        return; /* the history's own scan reports it */
    cvm_store_events_hash_init(&x.c, x.n);
    x.first_pass = false;
    if (cvm_store_events(w->s, rec->height, rec->height, count_event, &x) != CVM_OK)
        return;
    uint8_t h[CVM_SHA256_BYTES];
    cvm_sha256_final(&x.c, h);
    char a[17], b[17];
    if (memcmp(h, rec->events_hash, sizeof h) != 0)
        problem(w, "event history: the %llu record%s of height %llu hash to %s…, but its record says %s…: an event "
                "was changed, added or removed outside a commit",
                (unsigned long long)x.n, x.n == 1 ? "" : "s", (unsigned long long)rec->height, hex16(h, a),
                hex16(rec->events_hash, b));
}

/* A block's transactions or receipts hashed into their root, counted and
 * decoded (a record that does not decode is named). */
typedef struct rooting {
    walk *w;
    uint64_t height, n;
    bool receipts;          /* the receipts table, else the transactions */
    cvm_sha256_ctx c;
    bool bad;               /* a record did not decode */
} rooting;

static int on_block_item(void *ud, const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len)
{
    rooting *x = ud;
    walk *w = x->w;
    uint64_t index = key_len == 16 ? be64(key + 8) : UINT64_MAX;
    char why[200];
    if (index != x->n) {
        problem(w, "blocks: height %llu has %s %llu where %llu was expected", (unsigned long long)x->height,
                x->receipts ? "receipt" : "transaction", (unsigned long long)index, (unsigned long long)x->n);
        x->bad = true;
    }
    x->n++;
    if (x->receipts) {
        cvm_arena arena;
        cvm_arena_init(&arena, w->s->al);
        cvm_receipt rc;
        cvm_status st = cvm_receipt_decode(value, value_len, &arena, &rc, why, sizeof why);
        cvm_arena_free(&arena);
        if (st == CVM_ENOMEM) {
            w->st = st;
            return 1;
        }
        if (st != CVM_OK) {
            problem(w, "blocks: receipt %llu of height %llu does not decode: %s", (unsigned long long)index,
                    (unsigned long long)x->height, why);
            x->bad = true;
        }
        cvm_sha256_update(&x->c, value, value_len);
        return 0;
    }
    cvm_block_tx t;
    cvm_tx_decoded dec;
    cvm_status st = cvm_block_tx_record_decode(w->s->al, value, value_len, &t, &dec, why, sizeof why);
    if (st == CVM_ENOMEM) {
        w->st = st;
        return 1;
    }
    if (st != CVM_OK) {
        problem(w, "blocks: transaction %llu of height %llu does not decode: %s", (unsigned long long)index,
                (unsigned long long)x->height, why);
        x->bad = true;
        memset(t.hash, 0xff, sizeof t.hash); /* the root cannot match */
    }
    cvm_tx_decoded_free(&dec);
    cvm_sha256_update(&x->c, t.hash, sizeof t.hash);
    return 0;
}

/* One root of the block at rec's height recomputed from its stored records
 * against the header's; false when it does not match. */
static bool check_root(walk *w, const cvm_store_height_record *rec, bool receipts)
{
    rooting x;
    memset(&x, 0, sizeof x);
    x.w = w;
    x.height = rec->height;
    x.receipts = receipts;
    cvm_sha256_init(&x.c);
    cvm_status st = w->s->ops->block_items(w->s, receipts ? CVM_TABLE_RECEIPTS : CVM_TABLE_BLOCK_TXS, rec->height, 0,
                                           on_block_item, &x);
    if (st != CVM_OK) {
        if (w->st == CVM_OK)
            w->st = st;
        return false;
    }
    if (w->st != CVM_OK)
        return false;
    const char *what = receipts ? "receipts" : "transactions";
    if (x.n != rec->ntxs) {
        problem(w, "blocks: height %llu stores %llu %s, its header says %llu", (unsigned long long)rec->height,
                (unsigned long long)x.n, what, (unsigned long long)rec->ntxs);
        return false;
    }
    uint8_t root[CVM_SHA256_BYTES];
    cvm_sha256_final(&x.c, root);
    const uint8_t *want = receipts ? rec->receipts_root : rec->tx_root;
    char a[17], b[17];
    if (memcmp(root, want, sizeof root) != 0) {
        problem(w, "blocks: the %s of height %llu give %s root %s…, but its header says %s…: a stored %s was "
                "changed, added or removed outside a commit", what, (unsigned long long)rec->height,
                receipts ? "receipts" : "tx", hex16(root, a), hex16(want, b), receipts ? "receipt" : "transaction");
        return false;
    }
    return !x.bad;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* The block of rec's height (docs/blocks.md): its hash recomputed from the
 * header, the header's prev hash against the block before, its roots
 * against the stored transactions and receipts. The first height that does
 * not match is the report's first_bad_block. A record with a zero header
 * was committed without a block (a bare store commit): counted, not
 * checked, and the next block's prev hash is zeros. */
static void check_block(walk *w, const cvm_store_height_record *rec)
{
    if (!w->s->ops->block_items)
        return;
    if (all_zero(rec->block_hash, CVM_SHA256_BYTES) && all_zero(rec->prev_hash, CVM_SHA256_BYTES) &&
        all_zero(rec->tx_root, CVM_SHA256_BYTES) && all_zero(rec->receipts_root, CVM_SHA256_BYTES) && !rec->ntxs) {
        w->r->bare_heights++;
        memset(w->prev_block, 0, sizeof w->prev_block);
        return;
    }
    w->r->blocks++;
    cvm_block_header h;
    cvm_store_height_record_header(rec, &h);
    uint8_t hash[CVM_SHA256_BYTES];
    cvm_block_hash(&h, hash);
    char a[17], b[17];
    bool ok = true;
    if (memcmp(hash, rec->block_hash, sizeof hash) != 0) {
        problem(w, "blocks: the header of height %llu hashes to %s…, but its block hash is %s…: the header was "
                "changed outside a commit", (unsigned long long)rec->height, hex16(hash, a),
                hex16(rec->block_hash, b));
        ok = false;
    }
    if (memcmp(rec->prev_hash, w->prev_block, sizeof hash) != 0) {
        problem(w, "blocks: height %llu's prev hash %s… is not the block hash of height %llu, %s…: the chain is "
                "broken", (unsigned long long)rec->height, hex16(rec->prev_hash, a), (unsigned long long)rec->height - 1,
                hex16(w->prev_block, b));
        ok = false;
    }
    ok &= check_root(w, rec, false);
    ok &= check_root(w, rec, true);
    if (!ok && !w->r->first_bad_block)
        w->r->first_bad_block = rec->height;
    memcpy(w->prev_block, rec->block_hash, sizeof w->prev_block);
}

static int on_height(void *ud, const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len)
{
    walk *w = ud;
    w->r->heights++;
    if (key_len != 8) {
        problem(w, "height records: a key of %zu bytes (8 expected)", key_len);
        return 0;
    }
    uint64_t h = be64(key);
    cvm_store_height_record rec;
    if (h > w->r->height) {
        problem(w, "height records: a record for height %llu, beyond the store's height %llu", (unsigned long long)h,
                (unsigned long long)w->r->height);
    } else if (h != w->expect) {
        problem(w, "height records: height %llu follows height %llu (records missing or out of place)",
                (unsigned long long)h, (unsigned long long)w->expect - 1);
    }
    w->expect = h + 1;
    if (!cvm_store_height_record_decode(value, value_len, &rec)) {
        problem(w, "height records: the record of height %llu is %zu bytes (%d expected)", (unsigned long long)h,
                value_len, CVM_STORE_HEIGHT_RECORD_BYTES);
        return 0;
    }
    rec.height = h;
    if (!cvm_sethash_valid(rec.commitment))
        problem(w, "height records: the state commitment of height %llu is not a group element (damaged)",
                (unsigned long long)h);
    if (h <= w->r->height) {
        check_events_hash(w, &rec);
        check_block(w, &rec);
    }
    if (h == 1) {
        w->first = rec;
        w->have_first = true;
    }
    if (h == w->r->height) {
        w->last = rec;
        w->have_last = true;
    }
    return 0;
}

/* XORs the digest of one index entry (key, value) of index x into d. */
static void index_digest(uint8_t d[CVM_SHA256_BYTES], int x, const uint8_t *key, size_t key_len, const uint8_t *value,
                         size_t value_len)
{
    static const char tag[] = "coopvm-event-index-1";
    uint8_t which = (uint8_t)x, h[CVM_SHA256_BYTES];
    cvm_sha256_ctx c;
    cvm_sha256_init(&c);
    cvm_sha256_update(&c, tag, sizeof tag - 1);
    cvm_sha256_update(&c, &which, 1);
    cvm_sha256_update(&c, key, key_len);
    cvm_sha256_update(&c, value, value_len);
    cvm_sha256_final(&c, h);
    for (size_t i = 0; i < sizeof h; i++)
        d[i] ^= h[i];
}

/* The index entries record (h, i) calls for, by the rule of the store's
 * commit (cvm_store_event_keys): filed when it begins like a record of its
 * height; its index among its transaction's events counted per height. */
static void expect_index(walk *w, uint64_t h, uint64_t i, const uint8_t *data, size_t len, bool new_height)
{
    uint64_t rh, tx;
    const uint8_t *svc, *name;
    size_t svc_len, name_len;
    if (new_height)
        w->ix_prev = false;
    if (!cvm_event_record_peek(data, len, &rh, &tx, &svc, &svc_len, &name, &name_len) || rh != h)
        return;
    w->ix_n = w->ix_prev && w->ix_prev_tx == tx ? w->ix_n + 1 : 0;
    w->ix_prev = true;
    w->ix_prev_tx = tx;
    uint8_t k[CVM_STORE_INDEX_KEY_MAX], v[8];
    for (int b = 0; b < 8; b++)
        v[b] = (uint8_t)(i >> (56 - 8 * b));
    size_t n = cvm_store_index_key(k, svc, svc_len, h, tx, w->ix_n);
    if (n)
        index_digest(w->ix_want[CVM_INDEX_SERVICE], CVM_INDEX_SERVICE, k, n, v, sizeof v);
    n = cvm_store_index_key(k, name, name_len, h, tx, w->ix_n);
    if (n)
        index_digest(w->ix_want[CVM_INDEX_NAME], CVM_INDEX_NAME, k, n, v, sizeof v);
}

static int on_index(void *ud, const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len)
{
    walk *w = ud;
    w->ix_entries[w->ix_which]++;
    index_digest(w->ix_have[w->ix_which], w->ix_which, key, key_len, value, value_len);
    return 0;
}

static int on_event(void *ud, const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len)
{
    walk *w = ud;
    w->r->events++;
    if (key_len != 16) {
        problem(w, "event history: a key of %zu bytes (16 expected)", key_len);
        return 0;
    }
    uint64_t h = be64(key), i = be64(key + 8);
    expect_index(w, h, i, value, value_len, h != w->at);
    if (h != w->at) {
        w->at = h;
        w->expect = 0;
    }
    if (h == 0 || h > w->r->height)
        problem(w, "event history: a record at height %llu, outside 1..%llu", (unsigned long long)h,
                (unsigned long long)w->r->height);
    if (i != w->expect)
        problem(w, "event history: height %llu has record %llu where %llu was expected", (unsigned long long)h,
                (unsigned long long)i, (unsigned long long)w->expect);
    w->expect = i + 1;
    cvm_arena arena;
    cvm_arena_init(&arena, w->s->al);
    cvm_event_record rec;
    char why[200];
    cvm_status st = cvm_event_record_decode(value, value_len, &arena, &rec, why, sizeof why);
    if (st == CVM_ENOMEM) {
        w->st = st;
    } else if (st != CVM_OK) {
        problem(w, "event history: the record at height %llu, index %llu does not decode: %s", (unsigned long long)h,
                (unsigned long long)i, why);
    } else if (rec.height != h) {
        problem(w, "event history: the record at height %llu, index %llu says height %llu", (unsigned long long)h,
                (unsigned long long)i, (unsigned long long)rec.height);
    } else {
        w->enc.len = 0;
        st = cvm_event_record_encode(rec.height, rec.tx_index, &rec.event, &w->enc, why, sizeof why);
        if (st == CVM_ENOMEM || !cvm_buf_ok(&w->enc))
            w->st = CVM_ENOMEM;
        else if (st != CVM_OK || w->enc.len != value_len || memcmp(w->enc.data, value, value_len) != 0)
            problem(w, "event history: the record at height %llu, index %llu is not in its canonical encoding%s%s",
                    (unsigned long long)h, (unsigned long long)i, st != CVM_OK ? ": " : "", st != CVM_OK ? why : "");
    }
    cvm_arena_free(&arena);
    return w->st != CVM_OK;
}

static int on_tx(void *ud, const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len)
{
    walk *w = ud;
    w->r->txs++;
    char hex[17] = "";
    if (key_len != CVM_SHA256_BYTES || value_len != 24) {
        problem(w, "transaction index: an entry of %zu + %zu bytes (32 + 24 expected)", key_len, value_len);
        return 0;
    }
    uint8_t dg[CVM_SHA256_BYTES];
    cvm_store_tx_digest(key, key_len, value, value_len, dg);
    for (size_t j = 0; j < sizeof dg; j++)
        w->txs_digest[j] ^= dg[j];
    uint64_t h = be64(value);
    if (h == 0 || h > w->r->height)
        problem(w, "transaction index: transaction %s… at height %llu, outside 1..%llu", hex16(key, hex),
                (unsigned long long)h, (unsigned long long)w->r->height);
    return 0;
}

static void check_identity(walk *w)
{
    cvm_chain_identity id;
    w->r->has_identity = cvm_store_identity(w->s, &id) != 0;
    if (!w->r->has_identity || !w->r->heights_kept || !w->have_first)
        return;
    if (id.protocol_version != CVM_PROTOCOL_VERSION)
        problem(w, "identity: protocol version %u (this coopvm knows %d)", (unsigned)id.protocol_version,
                CVM_PROTOCOL_VERSION);
    if (id.genesis_timestamp != w->first.timestamp)
        problem(w, "identity: genesis timestamp %llu, but height 1's record says %llu",
                (unsigned long long)id.genesis_timestamp, (unsigned long long)w->first.timestamp);
    uint8_t h[CVM_SHA256_BYTES];
    cvm_genesis_hash(id.virtual_chain_id, id.protocol_version, w->first.timestamp, w->first.diff_hash, h);
    char a[17], b[17];
    if (memcmp(h, id.genesis_hash, sizeof h) != 0)
        problem(w, "identity: genesis hash %s… recorded, but chain %u and height 1's record give %s…",
                hex16(id.genesis_hash, a), (unsigned)id.virtual_chain_id, hex16(h, b));
}

cvm_status cvm_store_verify(cvm_store *s, cvm_verify_fn fn, void *ud, cvm_verify_report *r)
{
    memset(r, 0, sizeof *r);
    r->height = cvm_store_height(s);
    walk w;
    memset(&w, 0, sizeof w);
    w.s = s;
    w.r = r;
    w.fn = fn;
    w.ud = ud;
    cvm_buf_init(&w.enc, s->al);
    bool kept;
    cvm_sethash_empty(r->commitment);
    cvm_status st = cvm_store_scan(s, CVM_TABLE_STATE, on_state, &w, &kept);
    char a[17], b[17];
    if (st == CVM_OK) {
        if (!cvm_sethash_valid(s->last_commitment))
            problem(&w, "state: the recorded commitment of height %llu is not a group element (damaged)",
                    (unsigned long long)r->height);
        else if (w.bad_commitment)
            problem(&w, "state: the commitment could not be recomputed (an entry's point did not add)");
        else if (memcmp(r->commitment, s->last_commitment, CVM_SHA256_BYTES) != 0)
            problem(&w, "state: the %llu stored entries give commitment %s…, but height %llu recorded %s…: the "
                    "state was changed outside a commit",
                    (unsigned long long)r->keys, hex16(r->commitment, a), (unsigned long long)r->height,
                    hex16(s->last_commitment, b));
    }
    w.expect = 1;
    if (st == CVM_OK && (st = cvm_store_scan(s, CVM_TABLE_HEIGHTS, on_height, &w, &kept)) == CVM_OK) {
        r->heights_kept = kept;
        if (kept && w.expect != r->height + 1 && r->height >= w.expect)
            problem(&w, "height records: heights %llu to %llu have none", (unsigned long long)w.expect,
                    (unsigned long long)r->height);
        if (kept && r->height && w.have_last && memcmp(w.last.diff_hash, s->last_hash, CVM_SHA256_BYTES) != 0)
            problem(&w, "height records: height %llu's diff hash %s… differs from meta's %s…",
                    (unsigned long long)r->height, hex16(w.last.diff_hash, a), hex16(s->last_hash, b));
    }
    if (st == CVM_OK && w.st != CVM_OK)
        st = cvm_store_fail(s, w.st, "verify: %s checking the blocks",
                            w.st == CVM_ENOMEM ? "out of memory" : cvm_store_errmsg(s));
    if (st == CVM_OK)
        check_identity(&w);
    w.expect = 0;
    if (st == CVM_OK)
        st = cvm_store_scan(s, CVM_TABLE_EVENTS, on_event, &w, &kept);
    if (st == CVM_OK && w.st != CVM_OK)
        st = cvm_store_fail(s, w.st, "verify: out of memory checking the event history");
    for (int x = 0; st == CVM_OK && x < 2; x++) {
        w.ix_which = x;
        st = cvm_store_scan(s, x == CVM_INDEX_SERVICE ? CVM_TABLE_EV_SERVICE : CVM_TABLE_EV_NAME, on_index, &w, &kept);
        if (st == CVM_OK && kept && memcmp(w.ix_want[x], w.ix_have[x], CVM_SHA256_BYTES) != 0)
            problem(&w, "event history: the index by %s (%llu entries) does not match the records: an entry was "
                    "changed, added or removed outside a commit, and filtered queries would not find what the records "
                    "hold", x == CVM_INDEX_SERVICE ? "service" : "name", (unsigned long long)w.ix_entries[x]);
    }
    if (st == CVM_OK)
        st = cvm_store_scan(s, CVM_TABLE_TXS, on_tx, &w, &kept);
    if (st == CVM_OK && r->heights_kept && w.have_last && memcmp(w.txs_digest, w.last.txs_digest, sizeof w.txs_digest))
        problem(&w, "transaction index: its %llu entries digest to %s…, but height %llu's record says %s…: an entry "
                "was changed, added or removed outside a commit",
                (unsigned long long)r->txs, hex16(w.txs_digest, a), (unsigned long long)r->height,
                hex16(w.last.txs_digest, b));
    cvm_buf_free(&w.enc);
    return st;
}
