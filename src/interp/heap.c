/* heap.c — the bytes values of one method run (heap.h). */
#include "heap.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"

void cvm_heap_init(cvm_heap *hp, const cvm_allocator *al, size_t nconsts)
{
    memset(hp, 0, sizeof *hp);
    hp->al = al;
    hp->nconsts = nconsts;
    cvm_arena_init(&hp->arena, al);
}

void cvm_heap_free(cvm_heap *hp)
{
    cvm_arena_free(&hp->arena);
    cvm_free(hp->al, hp->objs);
    cvm_free(hp->al, hp->konst);
    hp->objs = NULL;
    hp->konst = NULL;
    hp->nobjs = hp->cap = hp->used = 0;
}

/* Counts cost bytes against the run's memory, checking len first. */
static cvm_code reserve(cvm_heap *hp, const char *op, size_t len, size_t cost, cvm_error *err)
{
    if (len > CVM_BYTES_MAX) {
        snprintf(err->message, sizeof err->message, "%s would make %zu bytes, more than %d", op, len,
                 CVM_BYTES_MAX);
        return CVM_CODE_BYTES_TOO_LONG;
    }
    if (cost > CVM_RUN_MEMORY - hp->used) {
        snprintf(err->message, sizeof err->message,
                 "%s would take the run's bytes values past %u bytes (%zu in use, %zu more)", op,
                 (unsigned)CVM_RUN_MEMORY, hp->used, cost);
        return CVM_CODE_MEMORY_LIMIT;
    }
    if (hp->nobjs == hp->cap) {
        /* bounded: every object counts CVM_HEAP_OVERHEAD against CVM_RUN_MEMORY */
        size_t cap = hp->cap ? hp->cap * 2 : 64;
        cvm_bobj *o = cvm_realloc(hp->al, hp->objs, cap * sizeof *o);
        if (!o)
            goto oom;
        hp->objs = o;
        hp->cap = cap;
    }
    hp->used += cost;
    return CVM_CODE_NONE;
oom:
    hp->oom = 1;
    snprintf(err->message, sizeof err->message, "%s: out of memory", op);
    return CVM_CODE_MEMORY_LIMIT;
}

cvm_code cvm_heap_borrow(cvm_heap *hp, const char *op, const uint8_t *p, size_t len, int64_t *idx, cvm_error *err)
{
    cvm_code c = reserve(hp, op, len, CVM_HEAP_OVERHEAD, err);
    if (c != CVM_CODE_NONE)
        return c;
    hp->objs[hp->nobjs] = (cvm_bobj){p, (uint32_t)len};
    *idx = (int64_t)hp->nobjs++;
    return CVM_CODE_NONE;
}

cvm_code cvm_heap_make(cvm_heap *hp, const char *op, size_t len, uint8_t **buf, int64_t *idx, cvm_error *err)
{
    cvm_code c = reserve(hp, op, len, len <= CVM_BYTES_MAX ? CVM_HEAP_OVERHEAD + len : 0, err);
    if (c != CVM_CODE_NONE)
        return c;
    uint8_t *p = cvm_arena_alloc(&hp->arena, len);
    if (!p) {
        hp->used -= CVM_HEAP_OVERHEAD + len;
        hp->oom = 1;
        snprintf(err->message, sizeof err->message, "%s: out of memory", op);
        return CVM_CODE_MEMORY_LIMIT;
    }
    hp->objs[hp->nobjs] = (cvm_bobj){p, (uint32_t)len};
    *idx = (int64_t)hp->nobjs++;
    *buf = p;
    return CVM_CODE_NONE;
}

cvm_code cvm_heap_copy(cvm_heap *hp, const char *op, const uint8_t *p, size_t len, int64_t *idx, cvm_error *err)
{
    uint8_t *buf;
    cvm_code c = cvm_heap_make(hp, op, len, &buf, idx, err);
    if (c == CVM_CODE_NONE && len)
        memcpy(buf, p, len);
    return c;
}
