/*
 * blocks.c — committed blocks read back from a store (coopvm.h: the
 * header of a height, a block with its transactions and receipts, a
 * transaction by hash, a receipt by position). The backend hands out raw
 * records (store.h: height_get, block_items); they are decoded here with
 * the codec, and anything that does not decode is CVM_ESTATE naming the
 * height and index — a damaged store is reported, never served.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/arena.h"
#include "codec/block.h"
#include "codec/receipt.h"
#include "state/store.h"

/* What lies behind a cvm_block's or cvm_tx_receipt's pointers. */
typedef struct block_mem {
    cvm_arena arena;       /* records' bytes, receipts' contents */
    cvm_tx_decoded *decs;  /* owned: ndecs decoded transactions */
    size_t ndecs;
} block_mem;

static void mem_free(const cvm_allocator *al, block_mem *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->ndecs; i++)
        cvm_tx_decoded_free(&m->decs[i]);
    cvm_free(al, m->decs);
    cvm_arena_free(&m->arena);
    cvm_free(al, m);
}

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

/* Checks the height and that the backend keeps blocks; *found 0 when the
 * height is not committed. */
static cvm_status check(cvm_store *s, uint64_t height, bool *found)
{
    *found = height >= 1 && height <= s->height;
    if (!s->ops->height_get) {
        char where[300];
        return cvm_store_fail(s, CVM_ESTATE, "%s keeps no blocks (only the last block hash)",
                              cvm_store_where(s, where, sizeof where));
    }
    return CVM_OK;
}

cvm_status cvm_store_block_header(cvm_store *s, uint64_t height, cvm_block_header *out, int *found)
{
    bool ok;
    *found = 0;
    cvm_status st = check(s, height, &ok);
    if (st != CVM_OK || !ok)
        return st;
    cvm_store_height_record r;
    if ((st = s->ops->height_get(s, height, &r)) != CVM_OK)
        return st;
    cvm_store_height_record_header(&r, out);
    *found = 1;
    s->err[0] = '\0';
    return CVM_OK;
}

/* Collects a block's records of one table, from index `from`, at most max. */
typedef struct collect {
    cvm_store *s;
    cvm_arena *arena;
    uint64_t height, from, max;
    const uint8_t **data; /* max of them, in the arena */
    size_t *len;
    uint64_t n;
    cvm_status st;
    const char *what;
    bool single;          /* one item asked for: stop at it */
} collect;

static int on_item(void *ud, const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len)
{
    collect *c = ud;
    uint64_t index = key_len == 16 ? be64(key + 8) : UINT64_MAX;
    if (index != c->from + c->n) {
        c->st = cvm_store_fail(c->s, CVM_ESTATE, "block %llu: %s %llu is missing or out of place",
                               (unsigned long long)c->height, c->what, (unsigned long long)(c->from + c->n));
        return 1;
    }
    if (c->n == c->max) {
        c->st = cvm_store_fail(c->s, CVM_ESTATE, "block %llu: more %ss than its header's %llu",
                               (unsigned long long)c->height, c->what, (unsigned long long)c->max);
        return 1;
    }
    uint8_t *copy = value_len ? cvm_arena_memdup(c->arena, value, value_len) : NULL;
    if (value_len && !copy) {
        c->st = cvm_store_fail(c->s, CVM_ENOMEM, "block %llu: out of memory", (unsigned long long)c->height);
        return 1;
    }
    c->data[c->n] = copy;
    c->len[c->n] = value_len;
    c->n++;
    return c->single;
}

/* Reads records from..from+max-1 of table t at height into the arena. */
static cvm_status read_items(cvm_store *s, cvm_arena *arena, cvm_store_table t, uint64_t height, uint64_t from,
                             uint64_t max, bool single, const uint8_t **data, size_t *len)
{
    collect c = {s, arena, height, from, max, data, len, 0, CVM_OK,
                 t == CVM_TABLE_RECEIPTS ? "receipt" : "transaction", single};
    cvm_status st = s->ops->block_items(s, t, height, from, on_item, &c);
    if (st != CVM_OK)
        return st;
    if (c.st != CVM_OK)
        return c.st;
    if (c.n != max)
        return cvm_store_fail(s, CVM_ESTATE, "block %llu: %s %llu is missing", (unsigned long long)height, c.what,
                              (unsigned long long)(from + c.n));
    return CVM_OK;
}

/* Decodes transaction record and receipt i of a block into tx, rc. */
static cvm_status decode_pair(cvm_store *s, block_mem *m, uint64_t height, uint64_t index, const uint8_t *tp,
                              size_t tn, const uint8_t *rp, size_t rn, cvm_block_tx *tx, cvm_receipt *rc)
{
    char why[200];
    cvm_status st = cvm_block_tx_record_decode(s->al, tp, tn, tx, &m->decs[m->ndecs], why, sizeof why);
    if (st == CVM_OK)
        m->ndecs++;
    else
        return cvm_store_fail(s, st == CVM_ENOMEM ? st : CVM_ESTATE, "block %llu: transaction %llu is damaged: %s",
                              (unsigned long long)height, (unsigned long long)index, why);
    st = cvm_receipt_decode(rp, rn, &m->arena, rc, why, sizeof why);
    if (st != CVM_OK)
        return cvm_store_fail(s, st == CVM_ENOMEM ? st : CVM_ESTATE, "block %llu: receipt %llu is damaged: %s",
                              (unsigned long long)height, (unsigned long long)index, why);
    return CVM_OK;
}

static block_mem *mem_new(cvm_store *s, size_t ndecs)
{
    block_mem *m = cvm_calloc(s->al, 1, sizeof *m);
    if (!m)
        return NULL;
    cvm_arena_init(&m->arena, s->al);
    if (ndecs && !(m->decs = cvm_calloc(s->al, ndecs, sizeof *m->decs))) {
        cvm_free(s->al, m);
        return NULL;
    }
    return m;
}

cvm_status cvm_store_block_get(cvm_store *s, uint64_t height, cvm_block **out)
{
    *out = NULL;
    cvm_block_header h;
    int found = 0;
    cvm_status st = cvm_store_block_header(s, height, &h, &found);
    if (st != CVM_OK || !found)
        return st;
    if (h.ntxs > SIZE_MAX / 64 / sizeof(cvm_block_tx))
        return cvm_store_fail(s, CVM_ESTATE, "block %llu is damaged: its header says %llu transactions",
                              (unsigned long long)height, (unsigned long long)h.ntxs);
    size_t n = (size_t)h.ntxs;
    cvm_block *b = cvm_calloc(s->al, 1, sizeof *b);
    block_mem *m = mem_new(s, n);
    if (!b || !m) {
        cvm_free(s->al, b);
        mem_free(s->al, m);
        return cvm_store_fail(s, CVM_ENOMEM, "block %llu: out of memory", (unsigned long long)height);
    }
    b->internal = m;
    b->header = h;
    b->ntxs = n;
    cvm_block_tx *txs = n ? cvm_arena_calloc(&m->arena, n, sizeof *txs) : NULL;
    cvm_receipt *rcs = n ? cvm_arena_calloc(&m->arena, n, sizeof *rcs) : NULL;
    const uint8_t **td = n ? cvm_arena_calloc(&m->arena, 2 * n, sizeof *td) : NULL;
    size_t *tl = n ? cvm_arena_calloc(&m->arena, 2 * n, sizeof *tl) : NULL;
    if (n && (!txs || !rcs || !td || !tl))
        st = cvm_store_fail(s, CVM_ENOMEM, "block %llu: out of memory", (unsigned long long)height);
    if (st == CVM_OK && n)
        st = read_items(s, &m->arena, CVM_TABLE_BLOCK_TXS, height, 0, n, false, td, tl);
    if (st == CVM_OK && n)
        st = read_items(s, &m->arena, CVM_TABLE_RECEIPTS, height, 0, n, false, td + n, tl + n);
    for (size_t i = 0; st == CVM_OK && i < n; i++)
        st = decode_pair(s, m, height, i, td[i], tl[i], td[n + i], tl[n + i], &txs[i], &rcs[i]);
    if (st != CVM_OK) {
        cvm_block_free(b);
        return st;
    }
    b->txs = txs;
    b->receipts = rcs;
    s->err[0] = '\0';
    *out = b;
    return CVM_OK;
}

void cvm_block_free(cvm_block *b)
{
    if (!b)
        return;
    block_mem *m = b->internal;
    const cvm_allocator *al = m ? m->arena.al : NULL;
    mem_free(al, m);
    cvm_free(al, b);
}

cvm_status cvm_store_tx_lookup(cvm_store *s, const uint8_t hash[CVM_HASH_BYTES], cvm_tx_location *out, int *found)
{
    cvm_store_tx t;
    bool f = false;
    *found = 0;
    cvm_status st = cvm_store_tx_find(s, hash, &t, &f);
    if (st == CVM_OK && f) {
        out->height = t.height;
        out->index = t.index;
        out->timestamp = t.timestamp;
        *found = 1;
    }
    return st;
}

cvm_status cvm_store_receipt_get(cvm_store *s, uint64_t height, uint64_t index, cvm_tx_receipt **out)
{
    *out = NULL;
    cvm_block_header h;
    int found = 0;
    cvm_status st = cvm_store_block_header(s, height, &h, &found);
    if (st != CVM_OK || !found || index >= h.ntxs)
        return st;
    cvm_tx_receipt *r = cvm_calloc(s->al, 1, sizeof *r);
    block_mem *m = mem_new(s, 1);
    if (!r || !m) {
        cvm_free(s->al, r);
        mem_free(s->al, m);
        return cvm_store_fail(s, CVM_ENOMEM, "receipt %llu of block %llu: out of memory", (unsigned long long)index,
                              (unsigned long long)height);
    }
    r->internal = m;
    r->height = height;
    r->index = index;
    const uint8_t *d[2];
    size_t l[2];
    st = read_items(s, &m->arena, CVM_TABLE_BLOCK_TXS, height, index, 1, true, &d[0], &l[0]);
    if (st == CVM_OK)
        st = read_items(s, &m->arena, CVM_TABLE_RECEIPTS, height, index, 1, true, &d[1], &l[1]);
    if (st == CVM_OK)
        st = decode_pair(s, m, height, index, d[0], l[0], d[1], l[1], &r->tx, &r->receipt);
    if (st != CVM_OK) {
        cvm_tx_receipt_free(r);
        return st;
    }
    s->err[0] = '\0';
    *out = r;
    return CVM_OK;
}

void cvm_tx_receipt_free(cvm_tx_receipt *r)
{
    if (!r)
        return;
    block_mem *m = r->internal;
    const cvm_allocator *al = m ? m->arena.al : NULL;
    mem_free(al, m);
    cvm_free(al, r);
}
