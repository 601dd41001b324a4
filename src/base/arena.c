/* arena.c — chunked bump allocation through the embedder's allocator. */
#include "arena.h"

#include <stdalign.h>
#include <stddef.h>
#include <string.h>

#include "alloc.h"

#define ARENA_FIRST_CHUNK 1024
#define ARENA_MAX_CHUNK (64 * 1024)
#define ARENA_ALIGN alignof(max_align_t)

struct cvm_arena_chunk {
    cvm_arena_chunk *next; /* owned: the previous chunk */
    size_t cap, used;
    max_align_t data[];    /* cap bytes follow, aligned for anything */
};

void cvm_arena_init(cvm_arena *a, const cvm_allocator *al)
{
    a->al = al;
    a->head = NULL;
    a->next_size = ARENA_FIRST_CHUNK;
    a->total = 0;
}

void cvm_arena_free(cvm_arena *a)
{
    cvm_arena_chunk *c = a->head;
    while (c) {
        cvm_arena_chunk *next = c->next;
        cvm_free(a->al, c);
        c = next;
    }
    cvm_arena_init(a, a->al);
}

/* A new chunk of at least n bytes. An oversized one goes behind the head,
 * so the head's free space stays usable for the small allocations after it. */
static cvm_arena_chunk *new_chunk(cvm_arena *a, size_t n)
{
    size_t cap = n > a->next_size ? n : a->next_size;
    if (cap > SIZE_MAX - sizeof(cvm_arena_chunk))
        return NULL;
    cvm_arena_chunk *c = cvm_malloc(a->al, sizeof(cvm_arena_chunk) + cap);
    if (!c)
        return NULL;
    c->cap = cap;
    c->used = 0;
    if (n > a->next_size && a->head) {
        c->next = a->head->next;
        a->head->next = c;
    } else {
        c->next = a->head;
        a->head = c;
        if (a->next_size < ARENA_MAX_CHUNK)
            a->next_size *= 2;
    }
    return c;
}

void *cvm_arena_alloc(cvm_arena *a, size_t n)
{
    if (n > SIZE_MAX - ARENA_ALIGN)
        return NULL;
    size_t need = n ? (n + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN : ARENA_ALIGN;
    cvm_arena_chunk *c = a->head;
    if (!c || c->cap - c->used < need) {
        c = new_chunk(a, need);
        if (!c)
            return NULL;
    }
    void *p = (unsigned char *)c->data + c->used;
    c->used += need;
    a->total += n;
    return p;
}

void *cvm_arena_calloc(cvm_arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = cvm_arena_alloc(a, count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *cvm_arena_memdup(cvm_arena *a, const void *p, size_t n)
{
    void *d = cvm_arena_alloc(a, n);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

char *cvm_arena_strndup(cvm_arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *d = cvm_arena_alloc(a, n + 1);
    if (d) {
        if (n)
            memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}
