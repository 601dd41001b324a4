/*
 * test_base.c — the base layer: buffers and varints, the bounded reader,
 * the hash map (including deletion with its index repair), hex, statuses and
 * the error format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/hex.h"
#include "base/map.h"
#include "base/reader.h"
#include "support/failing.h"

static void test_buf_varints_round_trip(void **state)
{
    (void)state;
    static const int64_t vals[] = {0, 1, -1, 63, -64, 64, 127, 128, 300, -300, INT64_MAX, INT64_MIN};
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        cvm_buf_svarint(&b, vals[i]);
        cvm_buf_uvarint(&b, (uint64_t)vals[i]);
    }
    assert_true(cvm_buf_ok(&b));
    cvm_reader r;
    cvm_reader_init(&r, b.data, b.len);
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        int64_t s;
        uint64_t u;
        assert_true(cvm_reader_svarint(&r, "s", &s));
        assert_true(cvm_reader_uvarint(&r, "u", &u));
        assert_int_equal(s, vals[i]);
        assert_int_equal(u, (uint64_t)vals[i]);
    }
    assert_int_equal(cvm_reader_left(&r), 0);
    cvm_buf_free(&b);
}

static void test_buf_printf_and_take(void **state)
{
    (void)state;
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    for (int i = 0; i < 100; i++)
        cvm_buf_printf(&b, "%d,", i);
    size_t len;
    char *s = (char *)cvm_buf_take(&b, &len);
    assert_non_null(s);
    assert_int_equal(len, strlen(s));
    assert_memory_equal(s, "0,1,2,", 6);
    assert_string_equal(s + len - 3, "99,");
    cvm_free(NULL, s);
    assert_null(b.data);
}

static void test_reader_rejections(void **state)
{
    (void)state;
    cvm_reader r;
    const uint8_t nonminimal[] = {0x80, 0x00};
    cvm_reader_init(&r, nonminimal, sizeof nonminimal);
    uint64_t u;
    assert_false(cvm_reader_uvarint(&r, "count", &u));
    assert_non_null(strstr(r.err, "count at offset 0: non-minimal"));

    const uint8_t truncated[] = {0xff, 0xff};
    cvm_reader_init(&r, truncated, sizeof truncated);
    assert_false(cvm_reader_uvarint(&r, "len", &u));
    assert_non_null(strstr(r.err, "truncated"));

    const uint8_t toolong[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    cvm_reader_init(&r, toolong, sizeof toolong);
    assert_false(cvm_reader_uvarint(&r, "v", &u));
    assert_non_null(strstr(r.err, "exceeds 64 bits"));

    const uint8_t pastend[] = {5, 'a', 'b'};
    cvm_reader_init(&r, pastend, sizeof pastend);
    const uint8_t *p;
    size_t n;
    assert_false(cvm_reader_bytes(&r, "name", &p, &n));
    assert_non_null(strstr(r.err, "runs past the end"));
    /* sticky: later reads fail and keep the first message */
    uint8_t v;
    assert_false(cvm_reader_u8(&r, "other", &v));
    assert_non_null(strstr(r.err, "name"));
}

static void test_map_put_get_del(void **state)
{
    (void)state;
    cvm_map m;
    cvm_map_init(&m, NULL);
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "key%d", i);
        bool created;
        cvm_map_entry *e = cvm_map_put(&m, key, strlen(key), &created);
        assert_non_null(e);
        assert_true(created);
        e->ival = i;
    }
    assert_int_equal(m.count, 1000);
    /* delete every third key; the rest must still be found with their values */
    for (int i = 0; i < 1000; i += 3) {
        snprintf(key, sizeof key, "key%d", i);
        assert_true(cvm_map_del(&m, key, strlen(key)));
        assert_false(cvm_map_del(&m, key, strlen(key)));
    }
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "key%d", i);
        cvm_map_entry *e = cvm_map_get(&m, key, strlen(key));
        if (i % 3 == 0) {
            assert_null(e);
        } else {
            assert_non_null(e);
            assert_int_equal(e->ival, i);
        }
    }
    bool created;
    assert_false(cvm_map_put(&m, "key1", 4, &created) == NULL);
    assert_false(created);
    /* keys with NUL bytes and the empty key are distinct keys */
    assert_non_null(cvm_map_put(&m, "a\0b", 3, &created));
    assert_true(created);
    assert_null(cvm_map_get(&m, "a", 1));
    assert_non_null(cvm_map_put(&m, "", 0, &created));
    assert_true(created);
    assert_non_null(cvm_map_get(&m, "", 0));
    cvm_map_free(&m);
}

static void test_hex(void **state)
{
    (void)state;
    const uint8_t b[] = {0x2a, 0, 0xff, 0x10};
    char *s = cvm_hex_encode(NULL, b, sizeof b);
    assert_string_equal(s, "2a00ff10");
    uint8_t out[4];
    assert_true(cvm_hex_decode("2A00fF10", 8, out, 4));
    assert_memory_equal(out, b, 4);
    assert_false(cvm_hex_decode("2a00ff1", 7, out, 4));
    assert_false(cvm_hex_decode("2a00ffxz", 8, out, 4));
    cvm_free(NULL, s);
}

static void test_statuses_and_error_format(void **state)
{
    (void)state;
    assert_string_equal(cvm_exec_status_name(CVM_ERROR_CONTRACT_NOT_DEPLOYED), "ERROR_CONTRACT_NOT_DEPLOYED");
    assert_null(cvm_exec_status_name(CVM_EXEC_STATUS_COUNT));
    assert_string_equal(cvm_code_name(CVM_CODE_STACK_UNDERFLOW), "STACK_UNDERFLOW");
    assert_null(cvm_code_name(CVM_CODE_COUNT));
    for (int c = 0; c < CVM_CODE_COUNT; c++)
        assert_true(strlen(cvm_code_doc((cvm_code)c)) > 0);
    assert_string_equal(cvm_status_name(CVM_EINPUT), "EINPUT");
    assert_string_equal(cvm_version(), COOPVM_VERSION);

    cvm_error e = {.code = CVM_CODE_STACK_UNDERFLOW, .pc = 3, .line = 7};
    snprintf(e.message, sizeof e.message, "Add needs 2 values, the stack holds 1");
    snprintf(e.method, sizeof e.method, "main");
    char buf[256];
    cvm_error_format(&e, buf, sizeof buf);
    assert_string_equal(buf, "STACK_UNDERFLOW: Add needs 2 values, the stack holds 1 (method main, pc 3, line 7)");
    e.line = 0;
    cvm_error_format(&e, buf, sizeof buf);
    assert_string_equal(buf, "STACK_UNDERFLOW: Add needs 2 values, the stack holds 1 (method main, pc 3)");
    e.pc = -1;
    e.method[0] = 0;
    size_t need = cvm_error_format(&e, buf, 8);
    assert_int_equal(need, strlen("STACK_UNDERFLOW: Add needs 2 values, the stack holds 1"));
    assert_string_equal(buf, "STACK_U");
}

/* An allocator that fails after a budget: every out-of-memory path must
 * report, not crash or leak. */
static void test_allocator_hook_failures(void **state)
{
    (void)state;
    for (int limit = 0; limit < 40; limit++) {
        failing bud = {.left = limit};
        cvm_allocator al = failing_allocator(&bud);
        cvm_map m;
        cvm_map_init(&m, &al);
        char key[16];
        for (int i = 0; i < 50; i++) {
            snprintf(key, sizeof key, "k%d", i);
            if (!cvm_map_put(&m, key, strlen(key), NULL))
                break;
        }
        cvm_map_free(&m);
        cvm_buf b;
        cvm_buf_init(&b, &al);
        for (int i = 0; i < 200; i++)
            cvm_buf_printf(&b, "%d", i);
        size_t len;
        uint8_t *d = cvm_buf_take(&b, &len);
        cvm_free(&al, d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_varints_round_trip), cmocka_unit_test(test_buf_printf_and_take),
        cmocka_unit_test(test_reader_rejections),      cmocka_unit_test(test_map_put_get_del),
        cmocka_unit_test(test_hex),                    cmocka_unit_test(test_statuses_and_error_format),
        cmocka_unit_test(test_allocator_hook_failures),
    };
    return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
