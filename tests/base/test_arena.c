/*
 * test_arena.c — the bump allocator: alignment, zero-size allocations,
 * copies, oversized allocations beside the current chunk, reuse after free,
 * and allocator failure (NULL, never a crash, and nothing leaked).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "support/failing.h"

static void test_alignment_and_zero_size(void **state)
{
    (void)state;
    cvm_arena a;
    cvm_arena_init(&a, NULL);
    assert_null(a.head);
    char *p1 = cvm_arena_alloc(&a, 1);
    void *p0 = cvm_arena_alloc(&a, 0);
    int64_t *p8 = cvm_arena_alloc(&a, sizeof *p8);
    assert_non_null(p1);
    assert_non_null(p0);
    assert_non_null(p8);
    assert_true(p0 != (void *)p1 && p0 != (void *)p8);
    assert_int_equal((uintptr_t)p1 % alignof(max_align_t), 0);
    assert_int_equal((uintptr_t)p0 % alignof(max_align_t), 0);
    assert_int_equal((uintptr_t)p8 % alignof(max_align_t), 0);
    *p1 = 'x';
    *p8 = INT64_MIN;
    assert_int_equal(a.total, 1 + 0 + 8);
    cvm_arena_free(&a);
    assert_null(a.head);
    assert_int_equal(a.total, 0);
}

static void test_copies(void **state)
{
    (void)state;
    cvm_arena a;
    cvm_arena_init(&a, NULL);
    char *s = cvm_arena_strndup(&a, "hello world", 5);
    assert_string_equal(s, "hello");
    char *e = cvm_arena_strndup(&a, NULL, 0);
    assert_string_equal(e, "");
    uint8_t *m = cvm_arena_memdup(&a, "\x00\x01\x02", 3);
    assert_memory_equal(m, "\x00\x01\x02", 3);
    assert_non_null(cvm_arena_memdup(&a, NULL, 0));
    uint32_t *z = cvm_arena_calloc(&a, 100, sizeof *z);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(z[i], 0);
    assert_null(cvm_arena_calloc(&a, SIZE_MAX / 2, 4)); /* overflow */
    assert_null(cvm_arena_alloc(&a, SIZE_MAX));
    cvm_arena_free(&a);
}

/* Many allocations across chunks, and one bigger than any chunk, all stay
 * intact; the small allocations after a big one still use the head chunk. */
static void test_many_and_oversized(void **state)
{
    (void)state;
    failing c = {.left = 1000};
    cvm_allocator al = failing_allocator(&c);
    cvm_arena a;
    cvm_arena_init(&a, &al);
    uint32_t *ptrs[2000];
    for (uint32_t i = 0; i < 2000; i++) {
        ptrs[i] = cvm_arena_alloc(&a, sizeof(uint32_t) * 3);
        assert_non_null(ptrs[i]);
        ptrs[i][0] = ptrs[i][2] = i;
    }
    long chunks = c.live;
    uint8_t *small = cvm_arena_alloc(&a, 8);
    uint8_t *big = cvm_arena_alloc(&a, 1 << 20);
    assert_non_null(big);
    memset(big, 0xab, 1 << 20);
    uint8_t *after = cvm_arena_alloc(&a, 8);
    assert_int_equal(c.live, chunks + 1);     /* only the big chunk was added */
    assert_ptr_equal(after, small + alignof(max_align_t)); /* right after `small`, in the head chunk */
    for (uint32_t i = 0; i < 2000; i++)
        assert_int_equal(ptrs[i][0] + ptrs[i][2], 2 * i);
    cvm_arena_free(&a);
    assert_int_equal(c.live, 0);
    /* reusable after free */
    assert_non_null(cvm_arena_alloc(&a, 10));
    cvm_arena_free(&a);
    assert_int_equal(c.live, 0);
}

static void test_allocation_failure(void **state)
{
    (void)state;
    failing c = {.left = 0};
    cvm_allocator al = failing_allocator(&c);
    cvm_arena a;
    cvm_arena_init(&a, &al);
    assert_null(cvm_arena_alloc(&a, 1));
    assert_null(cvm_arena_strndup(&a, "x", 1));
    assert_null(cvm_arena_memdup(&a, "x", 1));
    assert_null(cvm_arena_calloc(&a, 1, 1));
    /* one chunk allowed: fills, then the next chunk fails; earlier data survives */
    c.left = 1;
    char *first = cvm_arena_strndup(&a, "kept", 4);
    assert_non_null(first);
    void *p = NULL;
    for (int i = 0; i < 1000 && (p = cvm_arena_alloc(&a, 64)) != NULL; i++)
        ;
    assert_null(p);
    assert_string_equal(first, "kept");
    cvm_arena_free(&a);
    assert_int_equal(c.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment_and_zero_size),
        cmocka_unit_test(test_copies),
        cmocka_unit_test(test_many_and_oversized),
        cmocka_unit_test(test_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
