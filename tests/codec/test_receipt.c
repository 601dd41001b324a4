/*
 * test_receipt.c — the canonical receipt encoding (codec/receipt.h): a
 * receipt with every part round-trips to the same bytes; a decoder that
 * refuses truncation, trailing bytes, an unknown status or code and a text
 * too long for its field, naming the part.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "codec/receipt.h"

static cvm_status encode(const cvm_receipt *r, cvm_buf *b)
{
    cvm_buf_init(b, NULL);
    return cvm_receipt_encode(r, b, NULL, 0);
}

static void test_round_trip(void **state)
{
    (void)state;
    cvm_arg outs[2] = {cvm_arg_int64(-7), cvm_arg_stringn("hé", 3)};
    cvm_event_field fields[2] = {{"amount", cvm_arg_uint64(10)}, {"who", cvm_arg_bytes("\x01\x02", 2)}};
    cvm_event evs[2] = {{"Bank", "Paid", fields, 2}, {"Bank", "Empty", NULL, 0}};
    int64_t logs[3] = {1, -2, INT64_MIN};
    cvm_receipt r = {CVM_ERROR_SMART_CONTRACT, {CVM_CODE_ABORTED, "the contract aborted", "pay", 12, 7, {0}, 0, 0, 0},
                     outs, 2, evs, 2, logs, 3, 1234};
    cvm_buf b;
    assert_int_equal(encode(&r, &b), CVM_OK);
    cvm_arena a;
    cvm_arena_init(&a, NULL);
    cvm_receipt d;
    char err[200];
    assert_int_equal(cvm_receipt_decode(b.data, b.len, &a, &d, err, sizeof err), CVM_OK);
    assert_int_equal(d.status, r.status);
    assert_int_equal(d.error.code, CVM_CODE_ABORTED);
    assert_string_equal(d.error.message, "the contract aborted");
    assert_string_equal(d.error.method, "pay");
    assert_int_equal(d.error.pc, 12);
    assert_int_equal(d.error.line, 7);
    assert_int_equal(d.noutputs, 2);
    assert_int_equal(d.outputs[0].v.i64, -7);
    assert_int_equal(d.nevents, 2);
    assert_string_equal(d.events[0].fields[1].name, "who");
    assert_int_equal(d.nlogs, 3);
    assert_true(d.logs[2] == INT64_MIN);
    assert_int_equal(d.gas_used, 1234);
    cvm_buf again;
    assert_int_equal(encode(&d, &again), CVM_OK);
    assert_int_equal(again.len, b.len);
    assert_memory_equal(again.data, b.data, b.len);

    /* every prefix is refused, and a trailing byte */
    for (size_t n = 0; n < b.len; n++)
        assert_int_equal(cvm_receipt_decode(b.data, n, &a, &d, err, sizeof err), CVM_EINPUT);
    cvm_buf_byte(&b, 0);
    assert_int_equal(cvm_receipt_decode(b.data, b.len, &a, &d, err, sizeof err), CVM_EINPUT);
    assert_non_null(strstr(err, "trailing"));
    b.len--;
    /* an unknown status, an unknown code */
    b.data[0] = CVM_EXEC_STATUS_COUNT;
    assert_int_equal(cvm_receipt_decode(b.data, b.len, &a, &d, err, sizeof err), CVM_EINPUT);
    assert_non_null(strstr(err, "status"));
    b.data[0] = 0;
    b.data[1] = CVM_CODE_COUNT;
    assert_int_equal(cvm_receipt_decode(b.data, b.len, &a, &d, err, sizeof err), CVM_EINPUT);
    assert_non_null(strstr(err, "error code"));
    cvm_buf_free(&b);
    cvm_buf_free(&again);
    cvm_arena_free(&a);
}

static void test_text_too_long(void **state)
{
    (void)state;
    /* status 0, code 0, a message of 240 bytes: one more than the field holds */
    uint8_t p[300] = {0, 0, 0xf0, 0x01};
    memset(p + 4, 'a', 240);
    cvm_arena a;
    cvm_arena_init(&a, NULL);
    cvm_receipt d;
    char err[200];
    assert_int_equal(cvm_receipt_decode(p, 4 + 240 + 10, &a, &d, err, sizeof err), CVM_EINPUT);
    assert_non_null(strstr(err, "error message"));
    cvm_arena_free(&a);
}

static void test_empty_receipt(void **state)
{
    (void)state;
    cvm_receipt r;
    memset(&r, 0, sizeof r);
    r.error.pc = -1;
    cvm_buf b;
    assert_int_equal(encode(&r, &b), CVM_OK);
    /* status, code, two empty texts, pc -1, line 0, no outputs, events, logs, gas 0 */
    static const uint8_t want[] = {0, 0, 0, 0, 1, 0, 0, 0, 0, 0};
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    cvm_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_text_too_long),
        cmocka_unit_test(test_empty_receipt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
