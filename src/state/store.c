/*
 * store.c — the backend-independent half of the state storage interface:
 * argument checks, the read counter, height bookkeeping, composite keys.
 * Doing the checks here means every backend refuses the same things with
 * the same words.
 */
#include "state/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codec/event.h"
#include "state/commitment.h"
#include "state/diff.h"

uint64_t cvm_store_height(const cvm_store *s) { return s->height; }

const uint8_t *cvm_store_last_hash(const cvm_store *s) { return s->last_hash; }

uint64_t cvm_store_reads(const cvm_store *s) { return s->reads; }

const char *cvm_store_errmsg(const cvm_store *s) { return s->err; }

cvm_status cvm_store_fail(cvm_store *s, cvm_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    return st;
}

bool cvm_state_key_fits(size_t service_len, size_t key_len)
{
    return service_len <= CVM_STATE_KEY_MAX - 2 && key_len <= CVM_STATE_KEY_MAX - 2 - service_len;
}

bool cvm_state_key_make(uint8_t ck[CVM_STATE_KEY_MAX], size_t *cklen, const uint8_t *service, size_t service_len,
                        const uint8_t *key, size_t key_len)
{
    if (!cvm_state_key_fits(service_len, key_len))
        return false;
    ck[0] = (uint8_t)(service_len >> 8);
    ck[1] = (uint8_t)service_len;
    if (service_len)
        memcpy(ck + 2, service, service_len);
    if (key_len)
        memcpy(ck + 2 + service_len, key, key_len);
    *cklen = 2 + service_len + key_len;
    return true;
}

bool cvm_state_key_split(const uint8_t *ck, size_t cklen, const uint8_t **service, size_t *service_len,
                         const uint8_t **key, size_t *key_len)
{
    if (cklen < 2)
        return false;
    size_t sl = ((size_t)ck[0] << 8) | ck[1];
    if (sl > cklen - 2)
        return false;
    *service = ck + 2;
    *service_len = sl;
    *key = ck + 2 + sl;
    *key_len = cklen - 2 - sl;
    return true;
}

cvm_status cvm_store_read(cvm_store *s, uint64_t height, const uint8_t *service, size_t service_len,
                          const uint8_t *key, size_t key_len, cvm_buf *value, bool *found)
{
    *found = false;
    value->len = 0; /* "replaces the contents": keep the buffer's memory, drop its bytes */
    if (value->data)
        value->data[0] = 0;
    if (height != s->height)
        return cvm_store_fail(s, CVM_ESTATE,
                              "state read at height %llu: the %s store keeps only its latest height, %llu",
                              (unsigned long long)height, s->ops->name, (unsigned long long)s->height);
    uint8_t ck[CVM_STATE_KEY_MAX];
    size_t cklen;
    if (!cvm_state_key_make(ck, &cklen, service, service_len, key, key_len))
        return cvm_store_fail(s, CVM_EINPUT,
                              "state key too long: service %zu bytes + key %zu bytes exceeds the limit of %d",
                              service_len, key_len, CVM_STATE_KEY_MAX - 2);
    s->reads++;
    cvm_status st = s->ops->read(s, height, ck, cklen, value, found);
    if (st == CVM_OK)
        s->err[0] = '\0';
    return st;
}

cvm_status cvm_store_commit(cvm_store *s, const cvm_store_block *b)
{
    uint64_t height = b->height;
    if (height != s->height + 1)
        return cvm_store_fail(s, CVM_ESTATE, "commit of height %llu refused: the %s store is at height %llu, so the next is %llu",
                              (unsigned long long)height, s->ops->name, (unsigned long long)s->height,
                              (unsigned long long)s->height + 1);
    char why[200];
    if (cvm_state_diff_check(b->diff, why, sizeof why) != CVM_OK)
        return cvm_store_fail(s, CVM_EINPUT, "commit of height %llu refused: %s", (unsigned long long)height, why);
    if ((b->nevents && !b->events) || (b->ntxs && !b->txs))
        return cvm_store_fail(s, CVM_EINPUT, "commit of height %llu refused: %zu event records and %zu transactions "
                              "but no array", (unsigned long long)height, b->nevents, b->ntxs);
    for (size_t i = 0; i < b->nevents; i++)
        if (b->events[i].len && !b->events[i].data)
            return cvm_store_fail(s, CVM_EINPUT, "commit of height %llu refused: event record %zu has no bytes",
                                  (unsigned long long)height, i);
    for (size_t i = 1; i < b->ntxs; i++)
        if (b->txs[i].index <= b->txs[i - 1].index)
            return cvm_store_fail(s, CVM_EINPUT,
                                  "commit of height %llu refused: transaction entry %zu has index %llu, not after "
                                  "the previous entry's %llu",
                                  (unsigned long long)height, i, (unsigned long long)b->txs[i].index,
                                  (unsigned long long)b->txs[i - 1].index);
    if (b->header && (b->header->height != height || (b->header->ntxs && (!b->block_txs || !b->receipts))))
        return cvm_store_fail(s, CVM_EINPUT, "commit of height %llu refused: its header is of height %llu with %llu "
                              "transactions%s", (unsigned long long)height, (unsigned long long)b->header->height,
                              (unsigned long long)b->header->ntxs, b->header->ntxs ? ", records missing" : "");
    if (b->identity && height != 1)
        return cvm_store_fail(s, CVM_EINPUT, "commit of height %llu refused: an identity is recorded with height 1 only",
                              (unsigned long long)height);
    cvm_status st = s->ops->commit(s, b);
    if (st != CVM_OK)
        return st;
    s->height = height;
    memcpy(s->last_hash, b->diff_hash, CVM_SHA256_BYTES);
    memcpy(s->last_commitment, b->commitment, CVM_SHA256_BYTES);
    if (b->header)
        memcpy(s->last_block_hash, b->header->hash, CVM_SHA256_BYTES);
    else
        memset(s->last_block_hash, 0, CVM_SHA256_BYTES);
    if (b->identity) {
        s->identity = *b->identity;
        s->has_identity = true;
    }
    s->err[0] = '\0';
    return CVM_OK;
}

const uint8_t *cvm_store_last_commitment(const cvm_store *s) { return s->last_commitment; }

const uint8_t *cvm_store_last_block_hash(const cvm_store *s) { return s->last_block_hash; }

int cvm_store_identity(const cvm_store *s, cvm_chain_identity *out)
{
    if (!s->has_identity)
        return 0;
    if (out)
        *out = s->identity;
    return 1;
}

const char *cvm_store_where(const cvm_store *s, char *buf, size_t cap)
{
    if (s->where)
        snprintf(buf, cap, "the store in %s", s->where);
    else
        snprintf(buf, cap, "the %s store", s->ops->name);
    return buf;
}

cvm_status cvm_store_commitment_after(cvm_store *s, const cvm_state_diff *d, uint8_t out[CVM_SHA256_BYTES])
{
    uint8_t c[CVM_SHA256_BYTES];
    memcpy(c, s->last_commitment, sizeof c);
    cvm_buf old;
    cvm_buf_init(&old, s->al);
    uint8_t ck[CVM_STATE_KEY_MAX];
    size_t cklen;
    cvm_status st = CVM_OK;
    for (size_t i = 0; st == CVM_OK && i < d->count; i++) {
        const cvm_diff_entry *e = &d->entries[i];
        if (!cvm_state_key_make(ck, &cklen, e->service, e->service_len, e->key, e->key_len)) {
            st = cvm_store_fail(s, CVM_EINPUT, "state commitment: entry %zu's key is too long", i);
            break;
        }
        bool found = false;
        old.len = 0;
        if ((st = s->ops->read(s, s->height, ck, cklen, &old, &found)) != CVM_OK)
            break;
        if (cvm_commitment_update(c, e->service, e->service_len, e->key, e->key_len, old.data, found ? old.len : 0,
                                  e->value, e->value_len) != CVM_OK)
            st = cvm_store_fail(s, CVM_ESTATE, "the state commitment of height %llu is damaged (not a group element)",
                                (unsigned long long)s->height);
    }
    cvm_buf_free(&old);
    if (st == CVM_OK)
        memcpy(out, c, sizeof c);
    return st;
}

cvm_status cvm_store_scan(cvm_store *s, cvm_store_table t, cvm_store_scan_fn fn, void *ud, bool *kept)
{
    *kept = false;
    cvm_status st = s->ops->scan(s, t, fn, ud, kept);
    if (st == CVM_OK)
        s->err[0] = '\0';
    return st;
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

void cvm_store_height_record_encode(const cvm_store_height_record *r, uint8_t out[CVM_STORE_HEIGHT_RECORD_BYTES])
{
    memcpy(out, r->diff_hash, CVM_SHA256_BYTES);
    memcpy(out + CVM_SHA256_BYTES, r->commitment, CVM_SHA256_BYTES);
    put_be(out + 2 * CVM_SHA256_BYTES, r->timestamp, 8);
    uint8_t *p = out + 2 * CVM_SHA256_BYTES + 8;
    memcpy(p, r->events_hash, CVM_SHA256_BYTES);
    p += CVM_SHA256_BYTES;
    memcpy(p, r->txs_digest, CVM_SHA256_BYTES);
    memcpy(p + CVM_SHA256_BYTES, r->prev_hash, CVM_SHA256_BYTES);
    memcpy(p + 2 * CVM_SHA256_BYTES, r->tx_root, CVM_SHA256_BYTES);
    memcpy(p + 3 * CVM_SHA256_BYTES, r->receipts_root, CVM_SHA256_BYTES);
    put_be(p + 4 * CVM_SHA256_BYTES, r->ntxs, 8);
    memcpy(p + 4 * CVM_SHA256_BYTES + 8, r->block_hash, CVM_SHA256_BYTES);
}

void cvm_store_height_record_of(const cvm_store_block *b, cvm_store_height_record *out)
{
    memset(out, 0, sizeof *out);
    out->height = b->height;
    out->timestamp = b->timestamp;
    memcpy(out->diff_hash, b->diff_hash, CVM_SHA256_BYTES);
    memcpy(out->commitment, b->commitment, CVM_SHA256_BYTES);
    cvm_sha256_ctx eh;
    cvm_store_events_hash_init(&eh, b->nevents);
    for (size_t i = 0; i < b->nevents; i++)
        cvm_store_events_hash_add(&eh, b->events[i].data, b->events[i].len);
    cvm_sha256_final(&eh, out->events_hash);
    if (b->header) {
        memcpy(out->prev_hash, b->header->prev_hash, CVM_SHA256_BYTES);
        memcpy(out->tx_root, b->header->tx_root, CVM_SHA256_BYTES);
        memcpy(out->receipts_root, b->header->receipts_root, CVM_SHA256_BYTES);
        out->ntxs = b->header->ntxs;
        memcpy(out->block_hash, b->header->hash, CVM_SHA256_BYTES);
    }
}

void cvm_store_height_record_header(const cvm_store_height_record *r, cvm_block_header *out)
{
    out->height = r->height;
    out->timestamp = r->timestamp;
    memcpy(out->prev_hash, r->prev_hash, CVM_SHA256_BYTES);
    memcpy(out->tx_root, r->tx_root, CVM_SHA256_BYTES);
    memcpy(out->receipts_root, r->receipts_root, CVM_SHA256_BYTES);
    memcpy(out->state_diff_hash, r->diff_hash, CVM_SHA256_BYTES);
    memcpy(out->state_commitment, r->commitment, CVM_SHA256_BYTES);
    out->ntxs = r->ntxs;
    memcpy(out->hash, r->block_hash, CVM_SHA256_BYTES);
}

void cvm_store_tx_digest(const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len,
                         uint8_t out[CVM_SHA256_BYTES])
{
    static const char tag[] = "coopvm-tx-entry-1";
    cvm_sha256_ctx c;
    cvm_sha256_init(&c);
    cvm_sha256_update(&c, tag, sizeof tag - 1);
    cvm_sha256_update(&c, key, key_len);
    cvm_sha256_update(&c, value, value_len);
    cvm_sha256_final(&c, out);
}

void cvm_store_events_hash_init(cvm_sha256_ctx *c, uint64_t count)
{
    static const char tag[] = "coopvm-events-1";
    uint8_t n[8];
    put_be(n, count, 8);
    cvm_sha256_init(c);
    cvm_sha256_update(c, tag, sizeof tag - 1);
    cvm_sha256_update(c, n, sizeof n);
}

void cvm_store_events_hash_add(cvm_sha256_ctx *c, const uint8_t *data, size_t len)
{
    uint8_t n[8];
    put_be(n, len, 8);
    cvm_sha256_update(c, n, sizeof n);
    cvm_sha256_update(c, data, len);
}

bool cvm_store_height_record_decode(const uint8_t *p, size_t len, cvm_store_height_record *out)
{
    if (len != CVM_STORE_HEIGHT_RECORD_BYTES)
        return false;
    memcpy(out->diff_hash, p, CVM_SHA256_BYTES);
    memcpy(out->commitment, p + CVM_SHA256_BYTES, CVM_SHA256_BYTES);
    out->timestamp = get_be(p + 2 * CVM_SHA256_BYTES, 8);
    p += 2 * CVM_SHA256_BYTES + 8;
    memcpy(out->events_hash, p, CVM_SHA256_BYTES);
    p += CVM_SHA256_BYTES;
    memcpy(out->txs_digest, p, CVM_SHA256_BYTES);
    memcpy(out->prev_hash, p + CVM_SHA256_BYTES, CVM_SHA256_BYTES);
    memcpy(out->tx_root, p + 2 * CVM_SHA256_BYTES, CVM_SHA256_BYTES);
    memcpy(out->receipts_root, p + 3 * CVM_SHA256_BYTES, CVM_SHA256_BYTES);
    out->ntxs = get_be(p + 4 * CVM_SHA256_BYTES, 8);
    memcpy(out->block_hash, p + 4 * CVM_SHA256_BYTES + 8, CVM_SHA256_BYTES);
    return true;
}

void cvm_store_identity_encode(const cvm_chain_identity *id, uint8_t out[CVM_STORE_IDENTITY_BYTES])
{
    put_be(out, id->virtual_chain_id, 4);
    put_be(out + 4, id->protocol_version, 4);
    put_be(out + 8, id->genesis_timestamp, 8);
    memcpy(out + 16, id->genesis_hash, CVM_SHA256_BYTES);
}

bool cvm_store_identity_decode(const uint8_t *p, size_t len, cvm_chain_identity *out)
{
    if (len != CVM_STORE_IDENTITY_BYTES)
        return false;
    out->virtual_chain_id = (uint32_t)get_be(p, 4);
    out->protocol_version = (uint32_t)get_be(p + 4, 4);
    out->genesis_timestamp = get_be(p + 8, 8);
    memcpy(out->genesis_hash, p + 16, CVM_SHA256_BYTES);
    return true;
}

void cvm_genesis_hash(uint32_t virtual_chain_id, uint32_t protocol_version, uint64_t timestamp,
                      const uint8_t diff_hash[CVM_HASH_BYTES], uint8_t out[CVM_HASH_BYTES])
{
    static const char tag[] = "coopvm-genesis-1";
    uint8_t fixed[16];
    put_be(fixed, virtual_chain_id, 4);
    put_be(fixed + 4, protocol_version, 4);
    put_be(fixed + 8, timestamp, 8);
    cvm_sha256_ctx c;
    cvm_sha256_init(&c);
    cvm_sha256_update(&c, tag, sizeof tag - 1);
    cvm_sha256_update(&c, fixed, sizeof fixed);
    cvm_sha256_update(&c, diff_hash, CVM_HASH_BYTES);
    cvm_sha256_final(&c, out);
}

size_t cvm_store_index_key(uint8_t out[CVM_STORE_INDEX_KEY_MAX], const uint8_t *name, size_t len, uint64_t height,
                           uint64_t tx, uint64_t tx_event)
{
    if (len > 1024)
        return 0;
    put_be(out, len, 2);
    if (len)
        memcpy(out + 2, name, len);
    put_be(out + 2 + len, height, 8);
    put_be(out + 10 + len, tx, 8);
    put_be(out + 18 + len, tx_event, 8);
    return 26 + len;
}

void cvm_store_event_keys(const cvm_store_block *b, cvm_store_event_key *keys)
{
    bool prev = false;
    uint64_t prev_tx = 0, n = 0;
    for (size_t i = 0; i < b->nevents; i++) {
        cvm_store_event_key *k = &keys[i];
        uint64_t h;
        memset(k, 0, sizeof *k);
        k->ok = cvm_event_record_peek(b->events[i].data, b->events[i].len, &h, &k->tx_index, &k->service,
                                      &k->service_len, &k->name, &k->name_len) &&
                h == b->height;
        if (!k->ok)
            continue;
        n = prev && k->tx_index == prev_tx ? n + 1 : 0;
        k->tx_event = n;
        prev = true;
        prev_tx = k->tx_index;
    }
}

cvm_status cvm_store_tx_find(cvm_store *s, const uint8_t hash[CVM_SHA256_BYTES], cvm_store_tx *out, bool *found)
{
    *found = false;
    cvm_status st = s->ops->tx_find(s, hash, out, found);
    if (st == CVM_OK)
        s->err[0] = '\0';
    return st;
}

cvm_status cvm_store_events(cvm_store *s, uint64_t from, uint64_t to, cvm_store_event_fn fn, void *ud)
{
    if (from > to)
        return CVM_OK;
    cvm_status st = s->ops->events(s, from, to, fn, ud);
    if (st == CVM_OK)
        s->err[0] = '\0';
    return st;
}

void cvm_store_close(cvm_store *s)
{
    if (s)
        s->ops->close(s);
}
