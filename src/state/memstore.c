/*
 * memstore.c — the in-memory backend of the state store (memstore.h).
 *
 * State is one cvm_map from composite key to value (pval: an owned copy of
 * the bytes, ival: their length); event records sit in one array in commit
 * order, which is (height, index) order; the transaction index is a second
 * cvm_map from transaction hash to its entry's position in an array of
 * entries (ival). A commit prepares every allocation
 * it needs before it changes anything and undoes its own puts if the map
 * runs out of memory half-way, so it is all or nothing like the LMDB one.
 */
#include "state/memstore.h"

#include <string.h>

#include "base/alloc.h"
#include "base/hex.h"
#include "base/map.h"
#include "state/diff.h"

typedef struct mem_event {
    uint64_t height, index;
    uint64_t tx, tx_event;  /* its transaction and index among its events (the indexes' order) */
    uint8_t *data; /* owned; NULL when len is 0 */
    size_t len;
} mem_event;

typedef struct memstore {
    cvm_store base;     /* first, so a cvm_store * is a memstore * */
    cvm_map state;      /* composite key -> pval owned value bytes, ival length */
    mem_event *events;  /* owned; nevents used, cap allocated */
    size_t nevents, cap;
    cvm_map txmap;      /* transaction hash -> ival: its position in txs */
    cvm_store_tx *txs;  /* owned; ntxs used, captxs allocated: the index entries in commit order */
    size_t ntxs, captxs;
    cvm_map by[2];      /* the event indexes (CVM_INDEX_SERVICE, CVM_INDEX_NAME): name -> pval mem_list */
} memstore;

/* The events one name is found by: positions in events, increasing. */
typedef struct mem_list {
    size_t *pos;        /* owned; n used, cap allocated */
    size_t n, cap;
    size_t pend;        /* during a commit: positions this block adds */
} mem_list;

static cvm_status mem_read(cvm_store *s, uint64_t height, const uint8_t *ck, size_t cklen, cvm_buf *value,
                           bool *found)
{
    memstore *m = (memstore *)s;
    const cvm_map_entry *e = cvm_map_get(&m->state, ck, cklen);
    if (!e)
        return CVM_OK;
    cvm_buf_put(value, e->pval, (size_t)e->ival);
    if (!cvm_buf_ok(value))
        return cvm_store_fail(s, CVM_ENOMEM, "state read: out of memory copying a %lld-byte value",
                              (long long)e->ival);
    *found = true;
    return CVM_OK;
}

static uint8_t *copy_bytes(const cvm_allocator *al, const uint8_t *p, size_t n)
{
    uint8_t *c = cvm_malloc(al, n);
    if (c && n)
        memcpy(c, p, n);
    return c;
}

/* Undoes the puts of entries 0..i-1 of a commit that failed at entry i. */
static void undo_puts(memstore *m, const cvm_state_diff *d, size_t i, void **old, int64_t *oldlen, const bool *created)
{
    uint8_t ck[CVM_STATE_KEY_MAX];
    size_t cklen;
    while (i-- > 0) {
        const cvm_diff_entry *e = &d->entries[i];
        if (!e->value_len)
            continue;
        cvm_state_key_make(ck, &cklen, e->service, e->service_len, e->key, e->key_len);
        cvm_map_entry *me = cvm_map_get(&m->state, ck, cklen);
        cvm_free(m->base.al, me->pval);
        if (created[i]) {
            cvm_map_del(&m->state, ck, cklen);
        } else {
            me->pval = old[i];
            me->ival = oldlen[i];
            old[i] = NULL;
        }
    }
}

/* arr (size-byte elements, len used, *cap allocated) with room for n
 * more: arr itself, or a larger copy (*cap updated), or NULL when memory
 * runs out (arr is kept). */
static void *reserve(const cvm_allocator *al, void *arr, size_t size, size_t len, size_t *cap, size_t n)
{
    if (n <= *cap - len)
        return arr;
    size_t c = *cap ? *cap : 16;
    while (c - len < n)
        c *= 2;
    void *p = cvm_realloc(al, arr, c * size);
    if (p)
        *cap = c;
    return p;
}

/* Removes the transaction index keys of entries ntxs..ntxs+k-1 again. */
static void undo_txs(memstore *m, size_t k)
{
    for (size_t i = 0; i < k; i++)
        cvm_map_del(&m->txmap, m->txs[m->ntxs + i].hash, CVM_SHA256_BYTES);
}

/* Puts b's transaction index entries (room reserved) after the others:
 * CVM_EINPUT for a hash already indexed, CVM_ENOMEM, with nothing left put. */
static cvm_status put_txs(memstore *m, const cvm_store_block *b)
{
    for (size_t i = 0; i < b->ntxs; i++) {
        const cvm_store_tx *t = &b->txs[i];
        bool created = false;
        cvm_map_entry *me = cvm_map_put(&m->txmap, t->hash, CVM_SHA256_BYTES, &created);
        if (!me || !created) {
            size_t at = me ? (size_t)me->ival : 0; /* read before undo_txs moves entries */
            undo_txs(m, i);
            if (!me)
                return CVM_ENOMEM;
            char hex[2 * CVM_SHA256_BYTES + 1];
            cvm_hex_write(hex, t->hash, CVM_SHA256_BYTES);
            const cvm_store_tx *old = at < m->ntxs ? &m->txs[at] : NULL;
            if (old)
                return cvm_store_fail(&m->base, CVM_EINPUT,
                                      "commit of height %llu refused: transaction %s (index %llu) is already "
                                      "committed at height %llu, index %llu",
                                      (unsigned long long)b->height, hex, (unsigned long long)t->index,
                                      (unsigned long long)old->height, (unsigned long long)old->index);
            return cvm_store_fail(&m->base, CVM_EINPUT,
                                  "commit of height %llu refused: transaction %s appears twice in the block",
                                  (unsigned long long)b->height, hex);
        }
        me->ival = (int64_t)(m->ntxs + i);
        cvm_store_tx *e = &m->txs[m->ntxs + i];
        *e = *t;
        e->height = b->height;
    }
    return CVM_OK;
}

/* The list index x files key's event under (it exists after index_reserve). */
static mem_list *index_list(memstore *m, int x, const cvm_store_event_key *k)
{
    const uint8_t *p = x == CVM_INDEX_SERVICE ? k->service : k->name;
    size_t n = x == CVM_INDEX_SERVICE ? k->service_len : k->name_len;
    cvm_map_entry *e = cvm_map_get(&m->by[x], p, n);
    return e ? e->pval : NULL;
}

/* Makes room in the indexes for a block's events (keys[0..n)): creates the
 * lists of new names, grows each to hold what the block adds (pend). false
 * when memory ran out (then index_unreserve). Nothing visible changes: an
 * empty list finds nothing. */
static bool index_reserve(memstore *m, const cvm_store_event_key *keys, size_t n)
{
    const cvm_allocator *al = m->base.al;
    for (size_t i = 0; i < n; i++) {
        for (int x = 0; keys[i].ok && x < 2; x++) {
            const uint8_t *p = x == CVM_INDEX_SERVICE ? keys[i].service : keys[i].name;
            size_t len = x == CVM_INDEX_SERVICE ? keys[i].service_len : keys[i].name_len;
            bool created = false;
            cvm_map_entry *e = cvm_map_put(&m->by[x], p, len, &created);
            if (!e)
                return false;
            if (created && !(e->pval = cvm_calloc(al, 1, sizeof(mem_list)))) {
                cvm_map_del(&m->by[x], p, len);
                return false;
            }
            mem_list *li = e->pval;
            size_t *pos = reserve(al, li->pos, sizeof *li->pos, li->n, &li->cap, li->pend + 1);
            if (!pos)
                return false;
            li->pos = pos;
            li->pend++;
        }
    }
    return true;
}

static void index_unreserve(memstore *m, const cvm_store_event_key *keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (int x = 0; keys[i].ok && x < 2; x++) {
            mem_list *li = index_list(m, x, &keys[i]);
            if (li)
                li->pend = 0;
        }
}

static cvm_status mem_commit(cvm_store *s, const cvm_store_block *b)
{
    memstore *m = (memstore *)s;
    const cvm_allocator *al = s->al;
    const cvm_state_diff *d = b->diff;
    uint64_t height = b->height;
    const cvm_store_record *events = b->events;
    size_t nevents = b->nevents;
    size_t n = d->count ? d->count : 1;
    cvm_status st = CVM_ENOMEM;
    size_t nev = 0; /* event copies made so far */
    cvm_store_event_key *keys = NULL; /* owned: the index keys of the events */
    /* phase 1: allocate everything; nothing visible changes */
    uint8_t **vals = cvm_calloc(al, n, sizeof *vals);  /* owned: copies of the new values */
    void **old = cvm_calloc(al, n, sizeof *old);        /* the values replaced, freed on success */
    int64_t *oldlen = cvm_calloc(al, n, sizeof *oldlen);
    bool *created = cvm_calloc(al, n, sizeof *created);
    if (!vals || !old || !oldlen || !created)
        goto out;
    mem_event *evs = reserve(al, m->events, sizeof *m->events, m->nevents, &m->cap, nevents);
    if (nevents && !evs)
        goto out;
    m->events = evs;
    cvm_store_tx *txs = reserve(al, m->txs, sizeof *m->txs, m->ntxs, &m->captxs, b->ntxs);
    if (b->ntxs && !txs)
        goto out;
    m->txs = txs;
    for (size_t i = 0; i < d->count; i++)
        if (d->entries[i].value_len && !(vals[i] = copy_bytes(al, d->entries[i].value, d->entries[i].value_len)))
            goto out;
    for (; nev < nevents; nev++) {
        mem_event *ev = &m->events[m->nevents + nev];
        ev->height = height;
        ev->index = nev;
        ev->len = events[nev].len;
        ev->data = NULL;
        if (ev->len && !(ev->data = copy_bytes(al, events[nev].data, ev->len)))
            goto out;
    }
    if (nevents && !(keys = cvm_malloc(al, nevents * sizeof *keys)))
        goto out;
    if (nevents) {
        cvm_store_event_keys(b, keys);
        if (!index_reserve(m, keys, nevents))
            goto out;
    }
    /* phase 2: the writes; a put that fails undoes the others */
    if ((st = put_txs(m, b)) != CVM_OK)
        goto out;
    st = CVM_ENOMEM;
    uint8_t ck[CVM_STATE_KEY_MAX];
    size_t cklen;
    for (size_t i = 0; i < d->count; i++) {
        const cvm_diff_entry *e = &d->entries[i];
        if (!e->value_len)
            continue;
        cvm_state_key_make(ck, &cklen, e->service, e->service_len, e->key, e->key_len); /* length checked by the wrapper */
        cvm_map_entry *me = cvm_map_put(&m->state, ck, cklen, &created[i]);
        if (!me) {
            undo_puts(m, d, i, old, oldlen, created);
            undo_txs(m, b->ntxs);
            goto out;
        }
        old[i] = me->pval;
        oldlen[i] = me->ival;
        me->pval = vals[i];
        me->ival = (int64_t)e->value_len;
        vals[i] = NULL; /* now owned by the map */
    }
    /* phase 3: deletes cannot fail; then the replaced values go */
    for (size_t i = 0; i < d->count; i++) {
        const cvm_diff_entry *e = &d->entries[i];
        if (e->value_len) {
            cvm_free(al, old[i]);
            continue;
        }
        cvm_state_key_make(ck, &cklen, e->service, e->service_len, e->key, e->key_len);
        cvm_map_entry *me = cvm_map_get(&m->state, ck, cklen);
        if (me) {
            cvm_free(al, me->pval);
            cvm_map_del(&m->state, ck, cklen);
        }
    }
    for (size_t i = 0; i < nevents; i++) {
        mem_event *ev = &m->events[m->nevents + i];
        ev->tx = keys[i].tx_index;
        ev->tx_event = keys[i].tx_event;
        for (int x = 0; keys[i].ok && x < 2; x++) {
            mem_list *li = index_list(m, x, &keys[i]);
            li->pos[li->n++] = m->nevents + i;
            li->pend = 0;
        }
    }
    m->nevents += nevents;
    m->ntxs += b->ntxs;
    st = CVM_OK;
out:
    if (st != CVM_OK && keys)
        index_unreserve(m, keys, nevents);
    cvm_free(al, keys);
    if (st != CVM_OK) {
        for (size_t i = 0; i < nev; i++)
            cvm_free(al, m->events[m->nevents + i].data);
        if (st == CVM_ENOMEM)
            cvm_store_fail(s, CVM_ENOMEM, "commit of height %llu: out of memory (nothing was changed)",
                           (unsigned long long)height);
    }

    if (vals)
        for (size_t i = 0; i < d->count; i++)
            cvm_free(al, vals[i]);
    cvm_free(al, vals);
    cvm_free(al, old);
    cvm_free(al, oldlen);
    cvm_free(al, created);
    return st;
}

static cvm_status mem_events(cvm_store *s, uint64_t from, uint64_t to, cvm_store_event_fn fn, void *ud)
{
    memstore *m = (memstore *)s;
    for (size_t i = 0; i < m->nevents; i++) {
        const mem_event *ev = &m->events[i];
        if (ev->height < from)
            continue;
        if (ev->height > to)
            break;
        if (fn(ud, ev->height, ev->index, ev->data, ev->len))
            break;
    }
    return CVM_OK;
}

static cvm_status mem_tx_find(cvm_store *s, const uint8_t hash[CVM_SHA256_BYTES], cvm_store_tx *out, bool *found)
{
    memstore *m = (memstore *)s;
    const cvm_map_entry *e = cvm_map_get(&m->txmap, hash, CVM_SHA256_BYTES);
    if (e) {
        *out = m->txs[e->ival];
        *found = true;
    }
    return CVM_OK;
}

static void be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static cvm_status mem_scan(cvm_store *s, cvm_store_table t, cvm_store_scan_fn fn, void *ud, bool *kept)
{
    memstore *m = (memstore *)s;
    /* heights' records and blocks are not kept in memory: a chain of many
     * blocks would grow; the event indexes are lists, not records */
    *kept = t == CVM_TABLE_STATE || t == CVM_TABLE_EVENTS || t == CVM_TABLE_TXS;
    if (t == CVM_TABLE_STATE) {
        for (size_t i = 0; i < m->state.count; i++) {
            const cvm_map_entry *e = &m->state.entries[i];
            if (fn(ud, e->key, e->keylen, e->pval, (size_t)e->ival))
                break;
        }
    } else if (t == CVM_TABLE_EVENTS) {
        for (size_t i = 0; i < m->nevents; i++) {
            uint8_t k[16];
            be64(k, m->events[i].height);
            be64(k + 8, m->events[i].index);
            if (fn(ud, k, sizeof k, m->events[i].data, m->events[i].len))
                break;
        }
    } else if (t == CVM_TABLE_TXS) {
        for (size_t i = 0; i < m->ntxs; i++) {
            uint8_t v[24];
            be64(v, m->txs[i].height);
            be64(v + 8, m->txs[i].index);
            be64(v + 16, m->txs[i].timestamp);
            if (fn(ud, m->txs[i].hash, CVM_SHA256_BYTES, v, sizeof v))
                break;
        }
    }
    return CVM_OK;
}

/* Whether event e comes after position (h, tx, te). */
static bool after_pos(const mem_event *e, uint64_t h, uint64_t tx, uint64_t te)
{
    return e->height != h ? e->height > h : e->tx != tx ? e->tx > tx : e->tx_event > te;
}

static cvm_status mem_events_by(cvm_store *s, cvm_store_index idx, const uint8_t *name, size_t len, uint64_t from,
                                const uint64_t *after, uint64_t to, cvm_store_indexed_fn fn, void *ud)
{
    memstore *m = (memstore *)s;
    const cvm_map_entry *e = cvm_map_get(&m->by[idx], name, len);
    if (!e)
        return CVM_OK;
    const mem_list *li = e->pval;
    /* the first position after the start: the list is in commit order */
    size_t lo = 0, hi = li->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const mem_event *ev = &m->events[li->pos[mid]];
        bool past = after ? after_pos(ev, after[0], after[1], after[2]) : ev->height >= from;
        if (past)
            hi = mid;
        else
            lo = mid + 1;
    }
    for (size_t i = lo; i < li->n; i++) {
        const mem_event *ev = &m->events[li->pos[i]];
        if (ev->height > to)
            break;
        if (fn(ud, ev->height, ev->tx, ev->tx_event, ev->index, ev->data, ev->len))
            break;
    }
    return CVM_OK;
}

static void mem_close(cvm_store *s)
{
    memstore *m = (memstore *)s;
    const cvm_allocator *al = s->al;
    for (int x = 0; x < 2; x++) {
        for (size_t i = 0; i < m->by[x].count; i++) {
            mem_list *li = m->by[x].entries[i].pval;
            if (li)
                cvm_free(al, li->pos);
            cvm_free(al, li);
        }
        cvm_map_free(&m->by[x]);
    }
    for (size_t i = 0; i < m->state.count; i++)
        cvm_free(al, m->state.entries[i].pval);
    cvm_map_free(&m->state);
    for (size_t i = 0; i < m->nevents; i++)
        cvm_free(al, m->events[i].data);
    cvm_free(al, m->events);
    cvm_map_free(&m->txmap);
    cvm_free(al, m->txs);
    cvm_free(al, m);
}

/* no height records and no blocks (height_get, block_items NULL): only the
 * last block hash, on the handle, so that memory stays flat however long
 * the chain (docs/blocks.md) */
static const cvm_store_ops mem_ops = {"memory", mem_read, mem_commit,    mem_tx_find, mem_events,
                                      mem_scan, NULL,     NULL,          mem_events_by, mem_close};

cvm_status cvm_memstore_open(const cvm_allocator *al, cvm_store **out)
{
    *out = NULL;
    memstore *m = cvm_calloc(al, 1, sizeof *m);
    if (!m)
        return CVM_ENOMEM;
    m->base.ops = &mem_ops;
    m->base.al = al;
    cvm_map_init(&m->state, al);
    cvm_map_init(&m->txmap, al);
    cvm_map_init(&m->by[CVM_INDEX_SERVICE], al);
    cvm_map_init(&m->by[CVM_INDEX_NAME], al);
    *out = &m->base;
    return CVM_OK;
}
