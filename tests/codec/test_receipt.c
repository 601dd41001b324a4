/*
 * test_receipt.c — the canonical receipt encoding (codec/receipt.h): a
 * receipt with every part round-trips to the same bytes; a decoder that
 * refuses truncation, trailing bytes, an unknown status or code and a text
 * too long for its field, naming the part; a contract's reason behind the
 * status byte's flag, receipts without one keeping their bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* A receipt with a reason: the status byte's flag, then the reason after
 * the error's line; it round-trips whole, UTF-8 or not, empty or at the
 * maximum. The same receipt without the reason is the same bytes without
 * the flag and the reason: receipts without a reason keep their bytes. */
static void test_reason_round_trip(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
    } reasons[] = {
        {"insufficient balance: has 40, needs 300", 39},
        {"\xff\x00\x01 not UTF-8", 13},
        {"", 0},
        {NULL, CVM_REASON_MAX},
    };
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        cvm_receipt r;
        memset(&r, 0, sizeof r);
        r.status = CVM_ERROR_SMART_CONTRACT;
        r.error.code = CVM_CODE_ABORTED;
        snprintf(r.error.message, sizeof r.error.message, "Token.transfer: why");
        snprintf(r.error.method, sizeof r.error.method, "pay");
        r.error.pc = 3;
        r.error.line = 9;
        r.gas_used = 7;
        cvm_buf plain;
        assert_int_equal(encode(&r, &plain), CVM_OK);
        assert_int_equal(plain.data[0], CVM_ERROR_SMART_CONTRACT); /* no flag without a reason */

        if (reasons[i].bytes)
            memcpy(r.error.reason, reasons[i].bytes, reasons[i].len);
        else
            for (size_t k = 0; k < reasons[i].len; k++)
                r.error.reason[k] = (uint8_t)(k * 7 + 1);
        r.error.reason_len = (uint16_t)reasons[i].len;
        r.error.has_reason = 1;
        cvm_buf b;
        assert_int_equal(encode(&r, &b), CVM_OK);
        assert_int_equal(b.data[0], CVM_ERROR_SMART_CONTRACT | CVM_RECEIPT_REASON_FLAG);
        /* plain's bytes, the flag, and uvarint(len) + the reason after the line */
        size_t tail = 4; /* outputs, events, logs, gas: one byte each here */
        size_t lenlen = reasons[i].len < 128 ? 1 : 2;
        assert_int_equal(b.len, plain.len + lenlen + reasons[i].len);
        assert_memory_equal(b.data + 1, plain.data + 1, plain.len - 1 - tail);
        assert_memory_equal(b.data + b.len - tail, plain.data + plain.len - tail, tail);
        assert_memory_equal(b.data + plain.len - tail + lenlen, r.error.reason, reasons[i].len);

        cvm_arena a;
        cvm_arena_init(&a, NULL);
        cvm_receipt d;
        char err[200];
        assert_int_equal(cvm_receipt_decode(b.data, b.len, &a, &d, err, sizeof err), CVM_OK);
        assert_int_equal(d.status, CVM_ERROR_SMART_CONTRACT);
        assert_true(d.error.has_reason);
        assert_int_equal(d.error.reason_len, reasons[i].len);
        assert_memory_equal(d.error.reason, r.error.reason, reasons[i].len);
        assert_string_equal(d.error.message, "Token.transfer: why");
        assert_int_equal(d.gas_used, 7);
        cvm_buf again;
        assert_int_equal(encode(&d, &again), CVM_OK);
        assert_int_equal(again.len, b.len);
        assert_memory_equal(again.data, b.data, b.len);
        /* the plain bytes decode to no reason */
        assert_int_equal(cvm_receipt_decode(plain.data, plain.len, &a, &d, err, sizeof err), CVM_OK);
        assert_false(d.error.has_reason);
        assert_int_equal(d.error.reason_len, 0);
        /* every prefix is refused */
        for (size_t n = 0; n < b.len; n++)
            assert_int_equal(cvm_receipt_decode(b.data, n, &a, &d, err, sizeof err), CVM_EINPUT);
        /* the flag on plain's bytes: the reason is missing */
        plain.data[0] |= CVM_RECEIPT_REASON_FLAG;
        assert_int_equal(cvm_receipt_decode(plain.data, plain.len, &a, &d, err, sizeof err), CVM_EINPUT);
        cvm_buf_free(&plain);
        cvm_buf_free(&b);
        cvm_buf_free(&again);
        cvm_arena_free(&a);
    }
}

/* A reason longer than CVM_REASON_MAX: the encoder refuses it, and so does
 * the decoder, naming the part; an unknown status under the flag too. */
static void test_reason_too_long(void **state)
{
    (void)state;
    cvm_receipt r;
    memset(&r, 0, sizeof r);
    r.status = CVM_ERROR_SMART_CONTRACT;
    r.error.pc = -1;
    r.error.has_reason = 1;
    r.error.reason_len = CVM_REASON_MAX + 1;
    cvm_buf b;
    char err[200] = "";
    cvm_buf_init(&b, NULL);
    assert_int_equal(cvm_receipt_encode(&r, &b, err, sizeof err), CVM_EINPUT);
    assert_non_null(strstr(err, "reason"));
    assert_int_equal(b.len, 0);
    cvm_buf_free(&b);

    /* status|flag, code, two empty texts, pc -1, line 0, reason of 201 bytes */
    uint8_t p[300] = {CVM_ERROR_SMART_CONTRACT | CVM_RECEIPT_REASON_FLAG, 0, 0, 0, 1, 0, 0xc9, 0x01};
    cvm_arena a;
    cvm_arena_init(&a, NULL);
    cvm_receipt d;
    assert_int_equal(cvm_receipt_decode(p, 8 + 201 + 4, &a, &d, err, sizeof err), CVM_EINPUT);
    assert_non_null(strstr(err, "error reason at offset 6"));
    p[0] = CVM_EXEC_STATUS_COUNT | CVM_RECEIPT_REASON_FLAG;
    assert_int_equal(cvm_receipt_decode(p, 8 + 201 + 4, &a, &d, err, sizeof err), CVM_EINPUT);
    assert_non_null(strstr(err, "unknown status"));
    cvm_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_text_too_long),
        cmocka_unit_test(test_empty_receipt),
        cmocka_unit_test(test_reason_round_trip),
        cmocka_unit_test(test_reason_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
