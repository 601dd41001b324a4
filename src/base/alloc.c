/* alloc.c — routes every allocation through the embedder's hook (or libc). */
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

static void *raw(const cvm_allocator *al, void *p, size_t n)
{
    if (al && al->realloc)
        return al->realloc(al->ud, p, n);
    if (n == 0) {
        free(p);
        return NULL;
    }
    return realloc(p, n);
}

void *cvm_malloc(const cvm_allocator *al, size_t n) { return raw(al, NULL, n ? n : 1); }

void *cvm_calloc(const cvm_allocator *al, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    size_t n = count * size;
    void *p = cvm_malloc(al, n);
    if (p && n)
        memset(p, 0, n);
    return p;
}

void *cvm_realloc(const cvm_allocator *al, void *p, size_t n) { return raw(al, p, n ? n : 1); }

void cvm_free(const cvm_allocator *al, void *p)
{
    if (p)
        raw(al, p, 0);
}

char *cvm_strndup(const cvm_allocator *al, const char *s, size_t n)
{
    char *d = cvm_malloc(al, n + 1);
    if (d) {
        if (n)
            memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}
