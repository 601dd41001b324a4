/*
 * failing.h — an allocator for the out-of-memory tests: it allows a number of
 * allocations, then fails (every one after, or just the one), and counts the
 * blocks it holds so a test can see that everything was given back.
 * No cmocka here: build/vectors links the support objects too.
 */
#ifndef CVM_TESTS_FAILING_H
#define CVM_TESTS_FAILING_H

#include <stdbool.h>
#include <stddef.h>

#include "coopvm.h"

typedef struct failing {
    long left;  /* allocations still allowed; < 0: unlimited */
    long live;  /* blocks held (allocated and not yet freed) */
    bool once;  /* fail only one allocation: after it, left becomes -1 */
} failing;

/* The realloc of cvm_allocator, ud a failing (borrowed). Freeing (n == 0)
 * always works; growing a block counts as an allocation but not as a block. */
void *failing_realloc(void *ud, void *p, size_t n);

/* A cvm_allocator that allocates through f (borrowed: f must outlive it). */
cvm_allocator failing_allocator(failing *f);

/* jansson's allocation functions through f (borrowed, until the next call);
 * NULL gives jansson back malloc and free. */
void failing_json_use(failing *f);

#endif
