/*
 * test_pool.c — the worker pool: every item of a loop is run exactly once
 * whatever the number of threads and the chunk size, loops can follow each
 * other on the same pool, small loops run on the caller, and a failing
 * allocator gives a clean ENOMEM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>

#include "base/pool.h"
#include "support/failing.h"

typedef struct loop {
    unsigned char *hits; /* one counter per item */
    uint64_t *out;       /* item i's result */
    pthread_t caller;
    atomic_int on_caller_only; /* cleared when a chunk ran elsewhere */
} loop;

static void body(void *ud, size_t from, size_t to)
{
    loop *l = ud;
    if (!pthread_equal(pthread_self(), l->caller))
        atomic_store(&l->on_caller_only, 0);
    for (size_t i = from; i < to; i++) {
        l->hits[i]++;
        l->out[i] = (uint64_t)i * 2654435761u ^ 0x5bd1e995u;
    }
}

static void run_and_check(cvm_pool *p, size_t n, size_t chunk)
{
    loop l = {calloc(n ? n : 1, 1), calloc(n ? n : 1, sizeof(uint64_t)), pthread_self(), 1};
    assert_non_null(l.hits);
    assert_non_null(l.out);
    cvm_pool_run(p, n, chunk, body, &l);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(l.hits[i], 1);
        assert_true(l.out[i] == ((uint64_t)i * 2654435761u ^ 0x5bd1e995u));
    }
    free(l.hits);
    free(l.out);
}

static void test_every_item_once(void **state)
{
    (void)state;
    static const unsigned threads[] = {1, 2, 3, 8};
    static const size_t sizes[] = {0, 1, 2, 7, 64, 1000, 4097};
    static const size_t chunks[] = {0, 1, 3, 16, 5000};
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        cvm_pool *p = NULL;
        assert_int_equal(cvm_pool_new(NULL, threads[t], &p), CVM_OK);
        assert_int_equal(cvm_pool_threads(p), threads[t]);
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++)
                run_and_check(p, sizes[s], chunks[c]);
        cvm_pool_free(p);
    }
}

static void test_many_loops_on_one_pool(void **state)
{
    (void)state;
    cvm_pool *p = NULL;
    assert_int_equal(cvm_pool_new(NULL, 2, &p), CVM_OK);
    for (int k = 0; k < 2000; k++)
        run_and_check(p, (size_t)(k % 37), 2);
    cvm_pool_free(p);
}

static void test_one_thread_and_small_loops_stay_on_the_caller(void **state)
{
    (void)state;
    cvm_pool *p = NULL;
    assert_int_equal(cvm_pool_new(NULL, 1, &p), CVM_OK);
    unsigned char hits[100] = {0};
    uint64_t out[100];
    loop l = {hits, out, pthread_self(), 1};
    cvm_pool_run(p, 100, 1, body, &l);
    assert_true(atomic_load(&l.on_caller_only));
    cvm_pool_free(p);

    assert_int_equal(cvm_pool_new(NULL, 4, &p), CVM_OK);
    memset(hits, 0, sizeof hits);
    atomic_store(&l.on_caller_only, 1);
    cvm_pool_run(p, 10, 10, body, &l); /* one chunk: no hand-over */
    assert_true(atomic_load(&l.on_caller_only));
    for (int i = 0; i < 10; i++)
        assert_int_equal(hits[i], 1);
    cvm_pool_free(p);
}

static void test_zero_means_the_machine_and_caps(void **state)
{
    (void)state;
    cvm_pool *p = NULL;
    assert_int_equal(cvm_pool_new(NULL, 0, &p), CVM_OK);
    assert_true(cvm_pool_threads(p) >= 1 && cvm_pool_threads(p) <= CVM_POOL_MAX_THREADS);
    run_and_check(p, 500, 4);
    cvm_pool_free(p);
    assert_int_equal(cvm_pool_new(NULL, 1000, &p), CVM_OK);
    assert_int_equal(cvm_pool_threads(p), CVM_POOL_MAX_THREADS);
    run_and_check(p, 500, 1);
    cvm_pool_free(p);
    cvm_pool_free(NULL);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    for (long k = 0;; k++) {
        failing f = {.left = k};
        cvm_allocator al = failing_allocator(&f);
        cvm_pool *p = NULL;
        cvm_status st = cvm_pool_new(&al, 3, &p);
        if (st == CVM_OK) {
            run_and_check(p, 100, 3);
            cvm_pool_free(p);
            assert_int_equal(f.live, 0);
            break;
        }
        assert_int_equal(st, CVM_ENOMEM);
        assert_null(p);
        assert_int_equal(f.live, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_item_once),
        cmocka_unit_test(test_many_loops_on_one_pool),
        cmocka_unit_test(test_one_thread_and_small_loops_stay_on_the_caller),
        cmocka_unit_test(test_zero_means_the_machine_and_caps),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
