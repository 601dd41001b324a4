/* map.c — dense-entry hash map with a linear-probing index. */
#include "map.h"

#include <string.h>

#include "alloc.h"

uint64_t cvm_hash_bytes(const void *p, size_t n)
{
    /* FNV-1a over 8-byte words, then a final avalanche (splitmix64). Not
     * cryptographic; the maps are filled by contract code, so lookups stay
     * linear-probing bounded by the load factor, not by the hash quality. */
    const uint8_t *s = p;
    uint64_t h = 0xcbf29ce484222325ull ^ n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    while (n--)
        h = (h ^ *s++) * 0x100000001b3ull;
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h;
}

void cvm_map_init(cvm_map *m, const cvm_allocator *al)
{
    memset(m, 0, sizeof *m);
    m->al = al;
}

void cvm_map_free(cvm_map *m)
{
    for (size_t i = 0; i < m->count; i++)
        cvm_free(m->al, m->entries[i].key);
    cvm_free(m->al, m->entries);
    cvm_free(m->al, m->index);
    const cvm_allocator *al = m->al;
    cvm_map_init(m, al);
}

static size_t find_slot(const cvm_map *m, const void *key, size_t keylen, uint64_t h)
{
    size_t mask = m->nslots - 1;
    for (size_t s = h & mask;; s = (s + 1) & mask) {
        uint32_t e = m->index[s];
        if (!e)
            return s;
        const cvm_map_entry *en = &m->entries[e - 1];
        if (en->hash == h && en->keylen == keylen && memcmp(en->key, key, keylen) == 0)
            return s;
    }
}

cvm_map_entry *cvm_map_get(const cvm_map *m, const void *key, size_t keylen)
{
    if (!m->nslots)
        return NULL;
    uint32_t e = m->index[find_slot(m, key, keylen, cvm_hash_bytes(key, keylen))];
    return e ? &m->entries[e - 1] : NULL;
}

static bool rehash(cvm_map *m, size_t nslots)
{
    uint32_t *idx = cvm_calloc(m->al, nslots, sizeof *idx);
    if (!idx)
        return false;
    cvm_free(m->al, m->index);
    m->index = idx;
    m->nslots = nslots;
    for (size_t i = 0; i < m->count; i++) {
        size_t s = m->entries[i].hash & (nslots - 1);
        while (idx[s])
            s = (s + 1) & (nslots - 1);
        idx[s] = (uint32_t)(i + 1);
    }
    return true;
}

cvm_map_entry *cvm_map_put(cvm_map *m, const void *key, size_t keylen, bool *created)
{
    uint64_t h = cvm_hash_bytes(key, keylen);
    if (m->nslots) {
        size_t s = find_slot(m, key, keylen, h);
        if (m->index[s]) {
            if (created)
                *created = false;
            return &m->entries[m->index[s] - 1];
        }
    }
    if (m->count >= UINT32_MAX - 1)
        return NULL;
    /* keep the load factor at or below 1/2 */
    if ((m->count + 1) * 2 > m->nslots && !rehash(m, m->nslots ? m->nslots * 2 : 16))
        return NULL;
    if (m->count == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        cvm_map_entry *e = cvm_realloc(m->al, m->entries, cap * sizeof *e);
        if (!e)
            return NULL;
        m->entries = e;
        m->cap = cap;
    }
    uint8_t *k = (uint8_t *)cvm_strndup(m->al, key, keylen);
    if (!k)
        return NULL;
    cvm_map_entry *en = &m->entries[m->count];
    memset(en, 0, sizeof *en);
    en->key = k;
    en->keylen = keylen;
    en->hash = h;
    size_t s = find_slot(m, key, keylen, h);
    m->index[s] = (uint32_t)(++m->count);
    if (created)
        *created = true;
    return en;
}

bool cvm_map_del(cvm_map *m, const void *key, size_t keylen)
{
    if (!m->nslots)
        return false;
    size_t mask = m->nslots - 1;
    size_t s = find_slot(m, key, keylen, cvm_hash_bytes(key, keylen));
    uint32_t e = m->index[s];
    if (!e)
        return false;
    /* backward-shift deletion keeps probe chains intact without tombstones */
    m->index[s] = 0;
    for (size_t j = (s + 1) & mask; m->index[j]; j = (j + 1) & mask) {
        uint32_t ej = m->index[j];
        size_t home = m->entries[ej - 1].hash & mask;
        /* move ej back to s if its home is not in (s, j] cyclically */
        if (((j - home) & mask) >= ((j - s) & mask)) {
            m->index[s] = ej;
            m->index[j] = 0;
            s = j;
        }
    }
    /* move the last entry into the hole left in the dense array */
    size_t hole = e - 1, last = m->count - 1;
    cvm_free(m->al, m->entries[hole].key);
    if (hole != last) {
        m->entries[hole] = m->entries[last];
        size_t ls = find_slot(m, m->entries[hole].key, m->entries[hole].keylen, m->entries[hole].hash);
        m->index[ls] = (uint32_t)(hole + 1);
    }
    m->count--;
    return true;
}
