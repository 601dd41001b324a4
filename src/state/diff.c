/*
 * diff.c — state diffs: building, canonical order, the canonical encoding
 * and its strict decoder, the hash, and the commit (see diff.h).
 */
#include "state/diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/reader.h"

void cvm_state_diff_init(cvm_state_diff *d, const cvm_allocator *al)
{
    memset(d, 0, sizeof *d);
    d->al = al;
}

void cvm_state_diff_free(cvm_state_diff *d)
{
    for (size_t i = 0; i < d->count; i++)
        cvm_free(d->al, d->entries[i].mem);
    cvm_free(d->al, d->entries);
    const cvm_allocator *al = d->al;
    cvm_state_diff_init(d, al);
}

cvm_status cvm_state_diff_add(cvm_state_diff *d, const uint8_t *service, size_t service_len, const uint8_t *key,
                              size_t key_len, const uint8_t *value, size_t value_len)
{
    if (service_len > SIZE_MAX / 4 || key_len > SIZE_MAX / 4 || value_len > SIZE_MAX / 4)
        return CVM_ENOMEM;
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        cvm_diff_entry *e = cvm_realloc(d->al, d->entries, cap * sizeof *e);
        if (!e)
            return CVM_ENOMEM;
        d->entries = e;
        d->cap = cap;
    }
    /* one allocation per entry: the diff is built once and freed whole */
    uint8_t *mem = cvm_malloc(d->al, service_len + key_len + value_len);
    if (!mem)
        return CVM_ENOMEM;
    if (service_len)
        memcpy(mem, service, service_len);
    if (key_len)
        memcpy(mem + service_len, key, key_len);
    if (value_len)
        memcpy(mem + service_len + key_len, value, value_len);
    cvm_diff_entry *e = &d->entries[d->count++];
    e->mem = mem;
    e->service = mem;
    e->service_len = service_len;
    e->key = mem + service_len;
    e->key_len = key_len;
    e->value = value_len ? mem + service_len + key_len : NULL;
    e->value_len = value_len;
    return CVM_OK;
}

/* memcmp order with a shorter prefix first */
static int bytes_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

int cvm_diff_entry_cmp(const cvm_diff_entry *a, const cvm_diff_entry *b)
{
    int c = bytes_cmp(a->service, a->service_len, b->service, b->service_len);
    return c ? c : bytes_cmp(a->key, a->key_len, b->key, b->key_len);
}

static int qsort_cmp(const void *a, const void *b) { return cvm_diff_entry_cmp(a, b); }

void cvm_state_diff_sort(cvm_state_diff *d)
{
    if (d->count > 1)
        qsort(d->entries, d->count, sizeof *d->entries, qsort_cmp);
}

cvm_status cvm_state_diff_check(const cvm_state_diff *d, char *err, size_t errcap)
{
    for (size_t i = 0; i < d->count; i++) {
        const cvm_diff_entry *e = &d->entries[i];
        if (e->service_len > CVM_STATE_KEY_MAX - 2 || e->key_len > CVM_STATE_KEY_MAX - 2 - e->service_len) {
            if (err && errcap)
                snprintf(err, errcap, "state diff entry %zu: service %zu bytes + key %zu bytes exceeds the limit of %d",
                         i, e->service_len, e->key_len, CVM_STATE_KEY_MAX - 2);
            return CVM_EINPUT;
        }
        if (i == 0)
            continue;
        int c = cvm_diff_entry_cmp(&d->entries[i - 1], e);
        if (c >= 0) {
            if (err && errcap)
                snprintf(err, errcap, "state diff entry %zu: %s (entries must be sorted by service then key)", i,
                         c == 0 ? "duplicates the previous entry" : "sorts before the previous entry");
            return CVM_EINPUT;
        }
    }
    return CVM_OK;
}

cvm_status cvm_state_diff_encode(const cvm_state_diff *d, cvm_buf *out)
{
    cvm_buf_uvarint(out, d->count);
    for (size_t i = 0; i < d->count; i++) {
        const cvm_diff_entry *e = &d->entries[i];
        cvm_buf_uvarint(out, e->service_len);
        cvm_buf_put(out, e->service, e->service_len);
        cvm_buf_uvarint(out, e->key_len);
        cvm_buf_put(out, e->key, e->key_len);
        cvm_buf_uvarint(out, e->value_len);
        cvm_buf_put(out, e->value, e->value_len);
    }
    return cvm_buf_ok(out) ? CVM_OK : CVM_ENOMEM;
}

cvm_status cvm_state_diff_decode(const uint8_t *p, size_t n, cvm_state_diff *out, char *err, size_t errcap)
{
    cvm_reader r;
    cvm_reader_init(&r, p, n);
    uint64_t count;
    if (!cvm_reader_uvarint(&r, "state diff entry count", &count))
        goto bad;
    /* every entry takes at least 3 bytes, so a huge count is caught before
     * anything is allocated for it */
    if (count > cvm_reader_left(&r) / 3) {
        cvm_reader_fail(&r, "state diff entry count %llu: only %zu bytes follow", (unsigned long long)count,
                        cvm_reader_left(&r));
        goto bad;
    }
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *sv, *k, *v;
        size_t svn, kn, vn;
        size_t at = r.pos;
        if (!cvm_reader_bytes(&r, "state diff entry service", &sv, &svn) ||
            !cvm_reader_bytes(&r, "state diff entry key", &k, &kn) ||
            !cvm_reader_bytes(&r, "state diff entry value", &v, &vn))
            goto bad;
        if (cvm_state_diff_add(out, sv, svn, k, kn, v, vn) != CVM_OK) {
            if (err && errcap)
                snprintf(err, errcap, "state diff: out of memory at entry %llu", (unsigned long long)i);
            return CVM_ENOMEM;
        }
        if (i > 0) {
            int c = cvm_diff_entry_cmp(&out->entries[i - 1], &out->entries[i]);
            if (c >= 0) {
                cvm_reader_fail(&r, "state diff entry %llu at offset %zu: %s", (unsigned long long)i, at,
                                c == 0 ? "duplicates the previous entry" : "is out of order (service then key bytes)");
                goto bad;
            }
        }
    }
    if (cvm_reader_left(&r)) {
        cvm_reader_fail(&r, "state diff at offset %zu: %zu trailing bytes after the last entry", r.pos,
                        cvm_reader_left(&r));
        goto bad;
    }
    return CVM_OK;
bad:
    if (err && errcap)
        snprintf(err, errcap, "%s", r.err);
    return CVM_EINPUT;
}

cvm_status cvm_state_diff_hash(const cvm_state_diff *d, uint8_t out[CVM_SHA256_BYTES])
{
    cvm_buf b;
    cvm_buf_init(&b, d->al);
    cvm_status st = cvm_state_diff_encode(d, &b);
    if (st == CVM_OK)
        cvm_sha256(b.data, b.len, out);
    cvm_buf_free(&b);
    return st;
}

cvm_status cvm_state_diff_commit(cvm_store *s, const cvm_state_diff *d, const cvm_store_record *events,
                                 size_t nevents, uint8_t hash_out[CVM_SHA256_BYTES])
{
    cvm_store_block b = {.height = s->height + 1, .diff = d, .events = events, .nevents = nevents};
    if (cvm_state_diff_hash(d, b.diff_hash) != CVM_OK)
        return cvm_store_fail(s, CVM_ENOMEM, "commit of height %llu: out of memory hashing the state diff",
                              (unsigned long long)s->height + 1);
    char why[200];
    if (cvm_state_diff_check(d, why, sizeof why) != CVM_OK)
        return cvm_store_fail(s, CVM_EINPUT, "commit of height %llu refused: %s", (unsigned long long)s->height + 1,
                              why);
    cvm_status st = cvm_store_commitment_after(s, d, b.commitment);
    if (st == CVM_OK)
        st = cvm_store_commit(s, &b);
    if (st == CVM_OK && hash_out)
        memcpy(hash_out, b.diff_hash, sizeof b.diff_hash);
    return st;
}
