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
    cvm_status st = s->ops->commit(s, b);
    if (st != CVM_OK)
        return st;
    s->height = height;
    memcpy(s->last_hash, b->diff_hash, CVM_SHA256_BYTES);
    s->err[0] = '\0';
    return CVM_OK;
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
