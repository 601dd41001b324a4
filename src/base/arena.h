/*
 * arena.h — a bump allocator: many small allocations freed all at once.
 *
 * Results that hold many pointers (a receipt's outputs and events, a decoded
 * event record, arguments parsed from JSON) own one arena instead of a web
 * of separate allocations, so freeing them is one call and cannot leak a
 * piece. Memory comes in chunks from the arena's cvm_allocator; an
 * allocation larger than a chunk gets a chunk of its own.
 */
#ifndef CVM_BASE_ARENA_H
#define CVM_BASE_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "coopvm.h"

typedef struct cvm_arena_chunk cvm_arena_chunk;

typedef struct cvm_arena {
    const cvm_allocator *al; /* borrowed */
    cvm_arena_chunk *head;   /* owned: the chunk allocated from, then older ones */
    size_t next_size;        /* the size of the next ordinary chunk (doubles up to a cap) */
    size_t total;            /* bytes handed out, for tests and accounting */
} cvm_arena;

/* Starts an empty arena that allocates through al (NULL = libc). Allocates
 * nothing until the first cvm_arena_alloc. */
void cvm_arena_init(cvm_arena *a, const cvm_allocator *al);

/* Frees every chunk; every pointer the arena handed out dies with it. The
 * arena is then empty and may be reused. */
void cvm_arena_free(cvm_arena *a);

/* n bytes aligned for any type, owned by the arena; never NULL on success,
 * even for n = 0. NULL when the allocator fails or n is absurd. */
void *cvm_arena_alloc(cvm_arena *a, size_t n);

/* count * size zeroed bytes; NULL on failure or when the product overflows. */
void *cvm_arena_calloc(cvm_arena *a, size_t count, size_t size);

/* A copy of p[0..n) in the arena (p may be NULL when n is 0); NULL on failure. */
void *cvm_arena_memdup(cvm_arena *a, const void *p, size_t n);

/* A NUL-terminated copy of s[0..n) in the arena; NULL on failure. */
char *cvm_arena_strndup(cvm_arena *a, const char *s, size_t n);

#endif
