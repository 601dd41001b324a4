/* test_value.c — i64 state values: 8 bytes little-endian, 0 as absent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "state/memstore.h"
#include "state/value.h"

static void roundtrip(int64_t v, const uint8_t *want, size_t wantlen)
{
    uint8_t b[CVM_STATE_I64_BYTES];
    size_t n = 99;
    cvm_state_i64_encode(v, b, &n);
    assert_int_equal(n, wantlen);
    if (n)
        assert_memory_equal(b, want, n);
    int64_t back = 12345;
    assert_int_equal(cvm_state_i64_decode(b, n, &back, NULL, 0), CVM_OK);
    assert_true(back == v);
}

static void test_encode_decode(void **state)
{
    (void)state;
    roundtrip(0, NULL, 0);
    roundtrip(1, (const uint8_t *)"\x01\0\0\0\0\0\0\0", 8);
    roundtrip(0x0102030405060708, (const uint8_t *)"\x08\x07\x06\x05\x04\x03\x02\x01", 8);
    roundtrip(-1, (const uint8_t *)"\xff\xff\xff\xff\xff\xff\xff\xff", 8);
    roundtrip(INT64_MIN, (const uint8_t *)"\0\0\0\0\0\0\0\x80", 8);
    roundtrip(INT64_MAX, (const uint8_t *)"\xff\xff\xff\xff\xff\xff\xff\x7f", 8);
}

static void test_decode_rejects_other_lengths(void **state)
{
    (void)state;
    char err[120] = "";
    int64_t v = 7;
    assert_int_equal(cvm_state_i64_decode((const uint8_t *)"abc", 3, &v, err, sizeof err), CVM_EINPUT);
    assert_string_equal(err, "state value of 3 bytes is not an integer (an integer is stored as 8 bytes)");
    assert_true(v == 0);
    assert_int_equal(cvm_state_i64_decode((const uint8_t *)"123456789", 9, &v, NULL, 0), CVM_EINPUT);
    assert_int_equal(cvm_state_i64_decode(NULL, 0, &v, err, sizeof err), CVM_OK);
    assert_true(v == 0);
}

static void test_load_store_through_overlay(void **state)
{
    (void)state;
    cvm_store *s;
    assert_int_equal(cvm_memstore_open(NULL, &s), CVM_OK);
    cvm_overlay *o;
    assert_int_equal(cvm_overlay_new(NULL, s, false, &o), CVM_OK);
    char err[200] = "";
    int64_t v = 9;
    assert_int_equal(cvm_state_load_i64(o, (const uint8_t *)"C", 1, (const uint8_t *)"n", 1, &v, err, sizeof err), CVM_OK);
    assert_true(v == 0);
    assert_int_equal(cvm_state_store_i64(o, (const uint8_t *)"C", 1, (const uint8_t *)"n", 1, -5, err, sizeof err), CVM_OK);
    assert_int_equal(cvm_state_load_i64(o, (const uint8_t *)"C", 1, (const uint8_t *)"n", 1, &v, err, sizeof err), CVM_OK);
    assert_true(v == -5);
    /* storing 0 deletes; the key never existed in the store, so no diff entry */
    assert_int_equal(cvm_state_store_i64(o, (const uint8_t *)"C", 1, (const uint8_t *)"n", 1, 0, err, sizeof err), CVM_OK);
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    assert_int_equal(cvm_overlay_diff(o, &d), CVM_OK);
    assert_int_equal(d.count, 0);
    cvm_state_diff_free(&d);
    /* a value that is not 8 bytes */
    assert_int_equal(cvm_overlay_write(o, (const uint8_t *)"C", 1, (const uint8_t *)"s", 1, (const uint8_t *)"text", 4),
                     CVM_OK);
    assert_int_equal(cvm_state_load_i64(o, (const uint8_t *)"C", 1, (const uint8_t *)"s", 1, &v, err, sizeof err),
                     CVM_EINPUT);
    assert_string_equal(err, "state value of 4 bytes is not an integer (an integer is stored as 8 bytes)");
    cvm_overlay_free(o);
    /* read-only: the overlay's message comes through */
    assert_int_equal(cvm_overlay_new(NULL, s, true, &o), CVM_OK);
    assert_int_equal(cvm_state_store_i64(o, (const uint8_t *)"C", 1, (const uint8_t *)"n", 1, 1, err, sizeof err),
                     CVM_EINPUT);
    assert_string_equal(err, "state write refused: the context is read-only (service C, key n)");
    cvm_overlay_free(o);
    cvm_store_close(s);
}

/* The same through slot handles (cvm_overlay_ref), mixed with keyed calls. */
static void test_load_store_at(void **state)
{
    (void)state;
    cvm_store *s;
    assert_int_equal(cvm_memstore_open(NULL, &s), CVM_OK);
    cvm_overlay *o;
    assert_int_equal(cvm_overlay_new(NULL, s, false, &o), CVM_OK);
    cvm_overlay_slot *n, *t;
    assert_int_equal(cvm_overlay_ref(o, (const uint8_t *)"C", 1, (const uint8_t *)"n", 1, &n), CVM_OK);
    assert_int_equal(cvm_overlay_ref(o, (const uint8_t *)"C", 1, (const uint8_t *)"t", 1, &t), CVM_OK);
    char err[200] = "";
    int64_t v = 9;
    assert_int_equal(cvm_state_load_i64_at(o, n, &v, err, sizeof err), CVM_OK);
    assert_true(v == 0);
    assert_int_equal(cvm_state_store_i64_at(o, n, INT64_MIN, err, sizeof err), CVM_OK);
    assert_int_equal(cvm_state_load_i64(o, (const uint8_t *)"C", 1, (const uint8_t *)"n", 1, &v, err, sizeof err), CVM_OK);
    assert_true(v == INT64_MIN);
    assert_int_equal(cvm_state_store_i64(o, (const uint8_t *)"C", 1, (const uint8_t *)"n", 1, 12, err, sizeof err), CVM_OK);
    assert_int_equal(cvm_state_load_i64_at(o, n, &v, err, sizeof err), CVM_OK);
    assert_true(v == 12);
    assert_int_equal(cvm_overlay_write(o, (const uint8_t *)"C", 1, (const uint8_t *)"t", 1, (const uint8_t *)"text", 4),
                     CVM_OK);
    v = 3;
    assert_int_equal(cvm_state_load_i64_at(o, t, &v, err, sizeof err), CVM_EINPUT);
    assert_true(v == 0);
    assert_string_equal(err, "state value of 4 bytes is not an integer (an integer is stored as 8 bytes)");
    cvm_overlay_free(o);
    assert_int_equal(cvm_overlay_new(NULL, s, true, &o), CVM_OK);
    assert_int_equal(cvm_overlay_ref(o, (const uint8_t *)"C", 1, (const uint8_t *)"n", 1, &n), CVM_OK);
    assert_int_equal(cvm_state_store_i64_at(o, n, 1, err, sizeof err), CVM_EINPUT);
    assert_string_equal(err, "state write refused: the context is read-only (service C, key n)");
    cvm_overlay_free(o);
    cvm_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_decode),
        cmocka_unit_test(test_decode_rejects_other_lengths),
        cmocka_unit_test(test_load_store_through_overlay),
        cmocka_unit_test(test_load_store_at),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
