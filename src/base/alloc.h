/*
 * alloc.h — the allocator hook every part of the library allocates through.
 *
 * A NULL cvm_allocator means the C library's realloc/free, so internal code
 * never tests for it: it calls these three functions.
 */
#ifndef CVM_BASE_ALLOC_H
#define CVM_BASE_ALLOC_H

#include "coopvm.h"

/* Allocates n bytes (n > 0); NULL on failure. The caller owns the result. */
void *cvm_malloc(const cvm_allocator *al, size_t n);
/* Allocates n zeroed bytes; NULL on failure (also when count * size overflows). */
void *cvm_calloc(const cvm_allocator *al, size_t count, size_t size);
/* Resizes p (owned by the caller) to n > 0 bytes; on failure p is untouched. */
void *cvm_realloc(const cvm_allocator *al, void *p, size_t n);
/* Copies the n bytes at s into a new NUL-terminated string owned by the caller. */
char *cvm_strndup(const cvm_allocator *al, const char *s, size_t n);

#endif
