/*
 * test_memstore.c — the memory store's commit is all or nothing even when
 * memory runs out half-way: with an allocator that fails the N-th
 * allocation, for every N, a commit either succeeds completely or leaves
 * the height, the state and the events exactly as they were. The overlay
 * gets the same treatment: a failure is a clean CVM_ENOMEM, never a crash
 * or a leak (the sanitizer build checks the leaks).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "state/diff.h"
#include "state/memstore.h"
#include "state/overlay.h"
#include "support/failing.h"

#define B(s) (const uint8_t *)(s), strlen(s)

static const char *get(cvm_store *s, const char *svc, const char *key)
{
    static char out[64];
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    bool found;
    assert_int_equal(cvm_store_read(s, cvm_store_height(s), B(svc), B(key), &b, &found), CVM_OK);
    const char *r = NULL;
    if (found) {
        memcpy(out, b.data, b.len);
        out[b.len] = '\0';
        r = out;
    }
    cvm_buf_free(&b);
    return r;
}

static int count(void *ud, uint64_t height, uint64_t index, const uint8_t *data, size_t len)
{
    ++*(int *)ud;
    return 0;
}

static void test_commit_all_or_nothing_under_oom(void **state)
{
    (void)state;
    int succeeded = 0;
    for (long budget = 0; budget < 200 && !succeeded; budget++) {
        failing fl = {.left = 1000};
        cvm_allocator al = failing_allocator(&fl);
        cvm_store *s;
        assert_int_equal(cvm_memstore_open(&al, &s), CVM_OK);
        /* height 1: enough keys that the map has to grow during height 2 */
        cvm_state_diff d;
        cvm_state_diff_init(&d, NULL);
        char k[16];
        for (int i = 0; i < 10; i++) {
            snprintf(k, sizeof k, "k%02d", i);
            assert_int_equal(cvm_state_diff_add(&d, B("S"), B(k), B("old")), CVM_OK);
        }
        cvm_store_record ev = {(const uint8_t *)"e", 1};
        assert_int_equal(cvm_state_diff_commit(s, &d, &ev, 1, NULL), CVM_OK);
        cvm_state_diff_free(&d);
        /* height 2: overwrite some, delete some, add many */
        for (int i = 0; i < 30; i++) {
            snprintf(k, sizeof k, "k%02d", i);
            assert_int_equal(cvm_state_diff_add(&d, B("S"), B(k), i % 3 == 1 ? NULL : (const uint8_t *)"new",
                                                i % 3 == 1 ? 0 : 3),
                             CVM_OK);
        }
        cvm_store_record evs[3] = {{(const uint8_t *)"a", 1}, {(const uint8_t *)"b", 1}, {(const uint8_t *)"c", 1}};
        /* and 20 transaction index entries, so that its map grows too */
        cvm_store_tx txs[20];
        memset(txs, 0, sizeof txs);
        for (int i = 0; i < 20; i++) {
            txs[i].hash[0] = (uint8_t)i;
            txs[i].index = (uint64_t)i;
        }
        cvm_store_block b = {.height = 2, .diff = &d, .events = evs, .nevents = 3, .txs = txs, .ntxs = 20};
        assert_int_equal(cvm_state_diff_hash(&d, b.diff_hash), CVM_OK);
        fl.left = budget;
        cvm_status st = cvm_store_commit(s, &b);
        fl.left = 1000;
        if (st != CVM_OK && !strstr(cvm_store_errmsg(s), "nothing was changed"))
            fail_msg("budget %ld: %s", budget, cvm_store_errmsg(s));
        for (int i = 0; i < 20; i++) {
            cvm_store_tx got;
            bool found = false;
            assert_int_equal(cvm_store_tx_find(s, txs[i].hash, &got, &found), CVM_OK);
            assert_int_equal(found, st == CVM_OK);
        }
        int nev = 0;
        assert_int_equal(cvm_store_events(s, 0, 10, count, &nev), CVM_OK);
        if (st == CVM_OK) {
            succeeded = 1;
            assert_int_equal(cvm_store_height(s), 2);
            assert_int_equal(nev, 4);
            for (int i = 0; i < 30; i++) {
                snprintf(k, sizeof k, "k%02d", i);
                const char *v = get(s, "S", k);
                if (i % 3 == 1)
                    assert_null(v);
                else
                    assert_string_equal(v, "new");
            }
        } else {
            assert_int_equal(st, CVM_ENOMEM);
            assert_int_equal(cvm_store_height(s), 1);
            assert_int_equal(nev, 1);
            for (int i = 0; i < 30; i++) {
                snprintf(k, sizeof k, "k%02d", i);
                const char *v = get(s, "S", k);
                if (i < 10)
                    assert_string_equal(v, "old");
                else
                    assert_null(v);
            }
        }
        cvm_state_diff_free(&d);
        cvm_store_close(s);
    }
    assert_true(succeeded);
}

static void test_overlay_under_oom(void **state)
{
    (void)state;
    int succeeded = 0;
    for (long budget = 0; budget < 400 && !succeeded; budget++) {
        failing fl = {.left = 1000};
        cvm_allocator al = failing_allocator(&fl);
        cvm_store *s;
        assert_int_equal(cvm_memstore_open(&al, &s), CVM_OK);
        cvm_state_diff d;
        cvm_state_diff_init(&d, &al);
        assert_int_equal(cvm_state_diff_add(&d, B("S"), B("a"), B("1")), CVM_OK);
        assert_int_equal(cvm_state_diff_commit(s, &d, NULL, 0, NULL), CVM_OK);
        cvm_state_diff_free(&d);

        fl.left = budget;
        cvm_overlay *o = NULL;
        cvm_status st = cvm_overlay_new(&al, s, false, &o);
        char k[16];
        size_t mark;
        const uint8_t *v;
        size_t n;
        for (int i = 0; st == CVM_OK && i < 20; i++) {
            snprintf(k, sizeof k, "k%d", i);
            if (i == 5)
                st = cvm_overlay_checkpoint(o, &mark);
            if (st == CVM_OK)
                st = cvm_overlay_write(o, B("S"), B(k), B("v"));
            if (st == CVM_OK)
                st = cvm_overlay_read(o, B("S"), B("a"), &v, &n, NULL);
            if (st == CVM_OK && i == 15)
                st = cvm_overlay_release(o, mark);
        }
        if (st == CVM_OK)
            st = cvm_overlay_diff(o, &d);
        if (st == CVM_OK) {
            succeeded = 1;
            assert_int_equal(d.count, 20);
        } else {
            assert_int_equal(st, CVM_ENOMEM);
            if (o)
                assert_non_null(strstr(cvm_overlay_errmsg(o), "out of memory"));
        }
        cvm_state_diff_free(&d);
        cvm_overlay_free(o);
        cvm_store_close(s);
    }
    assert_true(succeeded);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_all_or_nothing_under_oom),
        cmocka_unit_test(test_overlay_under_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
