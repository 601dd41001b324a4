/*
 * map.h — a hash map from byte strings to a value, used for labels and
 * constants in the assembler, method lookup, and state caches.
 *
 * Entries live in a dense array in insertion order (deletion moves the last
 * entry into the hole), so iteration is deterministic and cheap; an open
 * addressing index of entry numbers finds them.
 */
#ifndef CVM_BASE_MAP_H
#define CVM_BASE_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coopvm.h"

typedef struct cvm_map_entry {
    uint8_t *key;   /* owned by the map; NUL-terminated for convenience */
    size_t keylen;
    uint64_t hash;
    int64_t ival;   /* the value: an integer ... */
    void *pval;     /* ... and/or a pointer, owned by whoever put it there */
} cvm_map_entry;

typedef struct cvm_map {
    const cvm_allocator *al;  /* borrowed */
    cvm_map_entry *entries;   /* owned; count used, cap allocated */
    size_t count, cap;
    uint32_t *index;          /* owned; slots hold entry number + 1, 0 = empty */
    size_t nslots;            /* a power of two, or 0 */
} cvm_map;

uint64_t cvm_hash_bytes(const void *p, size_t n);

void cvm_map_init(cvm_map *m, const cvm_allocator *al);
/* Frees keys and tables; pval pointers are the caller's to free first. */
void cvm_map_free(cvm_map *m);
/* The entry for key, or NULL. The pointer is valid until the next put or del. */
cvm_map_entry *cvm_map_get(const cvm_map *m, const void *key, size_t keylen);
/* The entry for key, created zeroed when absent (*created says which).
 * NULL when memory runs out (the map is unchanged). */
cvm_map_entry *cvm_map_put(cvm_map *m, const void *key, size_t keylen, bool *created);
/* Removes key; false if it was absent. */
bool cvm_map_del(cvm_map *m, const void *key, size_t keylen);

#endif
