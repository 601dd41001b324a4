/*
 * test_json.c — the JSON views, as exact compact text: arguments both ways
 * (with every input error), events, errors, receipts (result versus
 * outputs, error only on failure), state diffs, block results and event
 * records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/args.h"
#include "codec/json.h"
#include "support/failing.h"

/* Checks the compact dump of j (consumed) against want. */
static void dumps_as(json_t *j, const char *want)
{
    assert_non_null(j);
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    assert_non_null(s);
    assert_string_equal(s, want);
    free(s);
    json_decref(j);
}

static void test_args_to_json(void **state)
{
    (void)state;
    cvm_arg args[] = {cvm_arg_int64(INT64_MIN),
                      cvm_arg_int64(INT64_MAX),
                      cvm_arg_uint64(0),
                      cvm_arg_uint64((uint64_t)INT64_MAX),
                      cvm_arg_uint64((uint64_t)INT64_MAX + 1),
                      cvm_arg_uint64(UINT64_MAX),
                      cvm_arg_stringn("", 0),
                      cvm_arg_stringn("h\xc3\xa9\"", 4),
                      cvm_arg_bytes(NULL, 0),
                      cvm_arg_bytes("\x00\xab", 2),
                      cvm_arg_bool(1),
                      cvm_arg_bool(0)};
    dumps_as(cvm_args_to_json(args, sizeof args / sizeof args[0]),
             "[-9223372036854775808,9223372036854775807,0,9223372036854775807,\"9223372036854775808\","
             "\"18446744073709551615\",\"\",\"h\xc3\xa9\\\"\",\"0x\",\"0x00ab\",true,false]");
    dumps_as(cvm_args_to_json(NULL, 0), "[]");
    /* an address is 20 bytes like any other */
    uint8_t addr[CVM_ADDRESS_BYTES];
    for (size_t i = 0; i < sizeof addr; i++)
        addr[i] = (uint8_t)(0xa0 + i);
    cvm_arg a = cvm_arg_bytes(addr, sizeof addr);
    dumps_as(cvm_arg_to_json(&a), "\"0xa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3\"");
    a.type = (cvm_arg_type)0;
    assert_null(cvm_arg_to_json(&a));
    /* a long bytes value (beyond the small buffer) */
    uint8_t big[100];
    memset(big, 0x5a, sizeof big);
    json_t *j = cvm_json_hex0x(big, sizeof big);
    assert_int_equal(json_string_length(j), 202);
    assert_memory_equal(json_string_value(j), "0x5a5a", 6);
    json_decref(j);
}

static void test_names(void **state)
{
    (void)state;
    dumps_as(cvm_json_name((const uint8_t *)"Counter", 7), "\"Counter\"");
    dumps_as(cvm_json_name((const uint8_t *)"k\xff", 2), "\"0x6bff\"");
    dumps_as(cvm_json_name(NULL, 0), "\"\"");
    dumps_as(cvm_json_uint64(5), "5");
    dumps_as(cvm_json_uint64(UINT64_MAX), "\"18446744073709551615\"");
}

/* Parses text as one JSON argument and checks it against want. */
static void parses_as(const char *text, cvm_arg want)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
    assert_non_null(j);
    cvm_arena a;
    cvm_arena_init(&a, NULL);
    cvm_arg got;
    char err[200] = "";
    assert_int_equal(cvm_arg_from_json(j, 0, &a, &got, err, sizeof err), CVM_OK);
    json_decref(j); /* the value was copied: it outlives the JSON */
    assert_true(cvm_arg_equal(&got, &want));
    cvm_arena_free(&a);
}

static void test_args_from_json(void **state)
{
    (void)state;
    parses_as("-9223372036854775808", cvm_arg_int64(INT64_MIN));
    parses_as("9223372036854775807", cvm_arg_int64(INT64_MAX));
    parses_as("true", cvm_arg_bool(1));
    parses_as("false", cvm_arg_bool(0));
    parses_as("\"hello\"", cvm_arg_stringn("hello", 5));
    parses_as("\"\"", cvm_arg_stringn("", 0));
    parses_as("\"0x\"", cvm_arg_bytes(NULL, 0));
    parses_as("\"0x00aBff\"", cvm_arg_bytes("\x00\xab\xff", 3));
    parses_as("\"0X12\"", cvm_arg_stringn("0X12", 4)); /* only a lowercase 0x means bytes */
    parses_as("{\"uint64\": \"18446744073709551615\"}", cvm_arg_uint64(UINT64_MAX));
    parses_as("{\"uint64\": \"0\"}", cvm_arg_uint64(0));
    parses_as("{\"uint64\": 42}", cvm_arg_uint64(42));
    parses_as("{\"int64\": -5}", cvm_arg_int64(-5));
    parses_as("{\"int64\": \"-9223372036854775808\"}", cvm_arg_int64(INT64_MIN));
    parses_as("{\"bytes\": \"0a0b\"}", cvm_arg_bytes("\x0a\x0b", 2));
    parses_as("{\"bytes\": \"0x0a0b\"}", cvm_arg_bytes("\x0a\x0b", 2));
    parses_as("{\"bytes\": \"\"}", cvm_arg_bytes(NULL, 0));
    parses_as("{\"string\": \"0x12\"}", cvm_arg_stringn("0x12", 4));
    parses_as("{\"bool\": true}", cvm_arg_bool(1));

    /* a whole array, and the round trip through the output view */
    json_t *arr = json_loads("[1, {\"uint64\": \"18446744073709551615\"}, \"s\", \"0x01\", false]", 0, NULL);
    cvm_arena a;
    cvm_arena_init(&a, NULL);
    cvm_arg *args;
    size_t n;
    assert_int_equal(cvm_args_from_json(arr, &a, &args, &n, NULL, 0), CVM_OK);
    json_decref(arr);
    assert_int_equal(n, 5);
    dumps_as(cvm_args_to_json(args, n), "[1,\"18446744073709551615\",\"s\",\"0x01\",false]");
    assert_int_equal(cvm_args_from_json(NULL, &a, &args, &n, NULL, 0), CVM_OK);
    assert_int_equal(n, 0);
    assert_null(args);
    arr = json_array();
    assert_int_equal(cvm_args_from_json(arr, &a, &args, &n, NULL, 0), CVM_OK);
    assert_int_equal(n, 0);
    json_decref(arr);
    cvm_arena_free(&a);
}

/* An arguments array (JSON text) is rejected with exactly this message. */
static void array_rejected(const char *text, const char *msg)
{
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    assert_non_null(j);
    cvm_arena a;
    cvm_arena_init(&a, NULL);
    cvm_arg *args = (cvm_arg *)1;
    size_t n = 9;
    char err[300] = "";
    assert_int_equal(cvm_args_from_json(j, &a, &args, &n, err, sizeof err), CVM_EINPUT);
    assert_string_equal(err, msg);
    assert_null(args);
    assert_int_equal(n, 0);
    json_decref(j);
    cvm_arena_free(&a);
}

static void test_json_input_errors(void **state)
{
    (void)state;
    array_rejected("{\"a\": 1}", "args: expected an array of arguments");
    array_rejected("[1, 2.5]", "args[1]: 2.5 is not an integer");
    array_rejected("[null]", "args[0]: null is not an argument");
    array_rejected("[1, 2, [3]]", "args[2]: an array is not an argument");
    array_rejected("[\"0x123\"]", "args[0]: \"0x123\" has an odd number of hex digits");
    array_rejected("[\"0xzz\"]", "args[0]: \"0xzz\" is not hex");
    array_rejected("[{}]", "args[0]: an explicitly typed argument is an object with one key (int64, uint64, string, "
                           "bytes or bool), this one has 0");
    array_rejected("[{\"int64\": 1, \"bool\": true}]",
                   "args[0]: an explicitly typed argument is an object with one key (int64, uint64, string, bytes or "
                   "bool), this one has 2");
    array_rejected("[{\"float\": 1}]", "args[0]: unknown type \"float\" (int64, uint64, string, bytes or bool)");
    array_rejected("[0, {\"uint64\": \"18446744073709551616\"}]",
                   "args[1]: \"uint64\" needs a string of decimal digits from 0 to 18446744073709551615");
    array_rejected("[{\"uint64\": -1}]",
                   "args[0]: \"uint64\" needs a string of decimal digits from 0 to 18446744073709551615");
    array_rejected("[{\"uint64\": \"-1\"}]",
                   "args[0]: \"uint64\" needs a string of decimal digits from 0 to 18446744073709551615");
    array_rejected("[{\"uint64\": \"\"}]",
                   "args[0]: \"uint64\" needs a string of decimal digits from 0 to 18446744073709551615");
    array_rejected("[{\"uint64\": \" 1\"}]",
                   "args[0]: \"uint64\" needs a string of decimal digits from 0 to 18446744073709551615");
    array_rejected("[{\"int64\": \"9223372036854775808\"}]",
                   "args[0]: \"int64\" needs an integer from -9223372036854775808 to 9223372036854775807");
    array_rejected("[{\"int64\": \"-9223372036854775809\"}]",
                   "args[0]: \"int64\" needs an integer from -9223372036854775808 to 9223372036854775807");
    array_rejected("[{\"int64\": true}]",
                   "args[0]: \"int64\" needs an integer from -9223372036854775808 to 9223372036854775807");
    array_rejected("[{\"string\": 5}]", "args[0]: \"string\" needs a JSON string");
    array_rejected("[{\"bytes\": 5}]", "args[0]: \"bytes\" needs a string of hex digits");
    array_rejected("[{\"bytes\": \"0g\"}]", "args[0]: \"0g\" is not hex");
    array_rejected("[{\"bool\": 1}]", "args[0]: \"bool\" needs true or false");

    /* the limits */
    char *text = malloc(70000 * 2 + 16);
    strcpy(text, "[\"");
    memset(text + 2, 'a', CVM_ARG_BYTES_MAX + 1);
    strcpy(text + 2 + CVM_ARG_BYTES_MAX + 1, "\"]");
    array_rejected(text, "args[0]: the string is 65,537 bytes; an argument carries at most 65,536");
    strcpy(text, "[\"0x");
    memset(text + 4, 'a', 2 * (CVM_ARG_BYTES_MAX + 1));
    strcpy(text + 4 + 2 * (CVM_ARG_BYTES_MAX + 1), "\"]");
    array_rejected(text, "args[0]: the bytes value is 65,537 bytes; an argument carries at most 65,536");
    free(text);
    json_t *many = json_array();
    for (int i = 0; i < CVM_ARGS_MAX + 1; i++)
        json_array_append_new(many, json_integer(i));
    char *s = json_dumps(many, JSON_COMPACT);
    array_rejected(s, "args: 65 arguments exceed the limit of 64");
    free(s);
    json_decref(many);
}

static const cvm_event_field fields[] = {
    {"cooperative_id", {CVM_ARG_STRING, {.bytes = {(const uint8_t *)"c1", 2}}}},
    {"amount", {CVM_ARG_INT64, {.i64 = 7}}},
    {"member", {CVM_ARG_BYTES, {.bytes = {(const uint8_t *)"\x01\x02", 2}}}},
    {"k\xff", {CVM_ARG_BOOL, {.boolean = 1}}},
};

static void test_event_and_error(void **state)
{
    (void)state;
    cvm_event ev = {"_Cooperatives", "ResourceAllocated", fields, 4};
    dumps_as(cvm_event_to_json(&ev), "{\"service\":\"_Cooperatives\",\"name\":\"ResourceAllocated\",\"fields\":"
                                     "{\"cooperative_id\":\"c1\",\"amount\":7,\"member\":\"0x0102\",\"0x6bff\":true}}");
    cvm_event bare = {"S", "E", NULL, 0};
    dumps_as(cvm_event_to_json(&bare), "{\"service\":\"S\",\"name\":\"E\",\"fields\":{}}");

    cvm_error e = {CVM_CODE_STACK_UNDERFLOW, "Add needs 2 values, the stack holds 1", "main", 3, 7, {0}, 0, 0, 0};
    dumps_as(cvm_error_to_json(&e), "{\"code\":\"STACK_UNDERFLOW\",\"message\":\"Add needs 2 values, the stack holds "
                                    "1\",\"method\":\"main\",\"pc\":3,\"line\":7}");
    cvm_error e2 = {CVM_CODE_WRONG_ARGUMENTS, "bad \xff name", "", -1, 0, {0}, 0, 0, 0};
    dumps_as(cvm_error_to_json(&e2), "{\"code\":\"WRONG_ARGUMENTS\",\"message\":\"bad \xef\xbf\xbd name\"}");

    /* a contract's reason: text when UTF-8, "0x" + hex when not; an empty
     * one is "" (it exists), none has no key */
    cvm_error e3 = {CVM_CODE_ABORTED, "Token.transfer: insufficient balance", "pay", 5, 2, "insufficient balance", 20, 1, 14};
    dumps_as(cvm_error_to_json(&e3), "{\"code\":\"ABORTED\",\"message\":\"Token.transfer: insufficient balance\","
                                     "\"method\":\"pay\",\"pc\":5,\"line\":2,\"reason\":\"insufficient balance\"}");
    cvm_error e4 = {CVM_CODE_ABORTED, "0xff00c3", "pay", 5, 0, {0xff, 0x00, 0xc3}, 3, 1, 0};
    dumps_as(cvm_error_to_json(&e4),
             "{\"code\":\"ABORTED\",\"message\":\"0xff00c3\",\"method\":\"pay\",\"pc\":5,\"reason\":\"0xff00c3\"}");
    cvm_error e5 = {CVM_CODE_ABORTED, "", "pay", 5, 0, {0}, 0, 1, 0};
    dumps_as(cvm_error_to_json(&e5), "{\"code\":\"ABORTED\",\"message\":\"\",\"method\":\"pay\",\"pc\":5,\"reason\":\"\"}");
    cvm_error e6 = {CVM_CODE_ABORTED, "aborted with code 3", "pay", 5, 0, "stale", 5, 0, 0};
    dumps_as(cvm_error_to_json(&e6), "{\"code\":\"ABORTED\",\"message\":\"aborted with code 3\",\"method\":\"pay\",\"pc\":5}");
}

static void test_receipts(void **state)
{
    (void)state;
    cvm_arg out1 = cvm_arg_int64(42);
    cvm_event ev = {"Counter", "Inc", fields + 1, 1};
    int64_t logs[] = {-1, 5};
    cvm_receipt ok = {CVM_SUCCESS, {CVM_CODE_NONE, "", "", -1, 0, {0}, 0, 0, 0}, &out1, 1, &ev, 1, logs, 2, 17};
    dumps_as(cvm_receipt_to_json(&ok),
             "{\"status\":\"SUCCESS\",\"result\":42,\"gas_used\":17,\"events\":[{\"service\":\"Counter\",\"name\":"
             "\"Inc\",\"fields\":{\"amount\":7}}],\"logs\":[\"-1\",\"5\"]}");

    /* outputs that are not exactly one int64 */
    cvm_arg outs[] = {cvm_arg_uint64(UINT64_MAX), cvm_arg_stringn("x", 1)};
    cvm_receipt two = {CVM_SUCCESS, {CVM_CODE_NONE, "", "", -1, 0, {0}, 0, 0, 0}, outs, 2, NULL, 0, NULL, 0, 3};
    dumps_as(cvm_receipt_to_json(&two), "{\"status\":\"SUCCESS\",\"outputs\":[\"18446744073709551615\",\"x\"],"
                                        "\"gas_used\":3,\"events\":[],\"logs\":[]}");
    two.noutputs = 1;
    dumps_as(cvm_receipt_to_json(&two), "{\"status\":\"SUCCESS\",\"outputs\":[\"18446744073709551615\"],"
                                        "\"gas_used\":3,\"events\":[],\"logs\":[]}");

    /* a failure: error present, no outputs, logs kept */
    cvm_receipt bad = {CVM_ERROR_SMART_CONTRACT, {CVM_CODE_DIVISION_BY_ZERO, "Div by zero", "main", 4, 0, {0}, 0, 0, 0},
                       NULL, 0, NULL, 0, logs, 1, 9};
    dumps_as(cvm_receipt_to_json(&bad),
             "{\"status\":\"ERROR_SMART_CONTRACT\",\"outputs\":[],\"gas_used\":9,\"error\":{\"code\":"
             "\"DIVISION_BY_ZERO\",\"message\":\"Div by zero\",\"method\":\"main\",\"pc\":4},\"events\":[],"
             "\"logs\":[\"-1\"]}");
    /* a bytecode receipt keeps "result" on failure, as `coopvm run` does */
    dumps_as(cvm_bytecode_receipt_to_json(&bad),
             "{\"status\":\"ERROR_SMART_CONTRACT\",\"result\":0,\"gas_used\":9,\"error\":{\"code\":"
             "\"DIVISION_BY_ZERO\",\"message\":\"Div by zero\",\"method\":\"main\",\"pc\":4},\"events\":[],"
             "\"logs\":[\"-1\"]}");
    dumps_as(cvm_bytecode_receipt_to_json(&ok),
             "{\"status\":\"SUCCESS\",\"result\":42,\"gas_used\":17,\"events\":[{\"service\":\"Counter\",\"name\":"
             "\"Inc\",\"fields\":{\"amount\":7}}],\"logs\":[\"-1\",\"5\"]}");
}

static void test_state_diff_and_block(void **state)
{
    (void)state;
    cvm_state_change d[] = {
        {(const uint8_t *)"Counter", 7, (const uint8_t *)"count", 5, (const uint8_t *)"\x2a\0\0\0\0\0\0\0", 8},
        {(const uint8_t *)"Counter", 7, (const uint8_t *)"gone", 4, NULL, 0},
        {(const uint8_t *)"_Deployments", 12, (const uint8_t *)"\x00\xff", 2, (const uint8_t *)"\x02", 1},
    };
    dumps_as(cvm_state_changes_to_json(d, 3),
             "[{\"service\":\"Counter\",\"key\":\"count\",\"value\":\"2a00000000000000\"},"
             "{\"service\":\"Counter\",\"key\":\"gone\",\"value\":\"\"},"
             "{\"service\":\"_Deployments\",\"key\":\"0x00ff\",\"value\":\"02\"}]");

    cvm_arg out1 = cvm_arg_int64(1);
    cvm_receipt r = {CVM_SUCCESS, {CVM_CODE_NONE, "", "", -1, 0, {0}, 0, 0, 0}, &out1, 1, NULL, 0, NULL, 0, 2};
    cvm_block_result b = {0};
    b.height = 3;
    b.timestamp = 99;
    b.receipts = &r;
    b.nreceipts = 1;
    b.diff = d;
    b.ndiff = 1;
    for (size_t i = 0; i < CVM_HASH_BYTES; i++)
        b.diff_hash[i] = (uint8_t)i;
    dumps_as(cvm_block_result_to_json(&b),
             "{\"height\":3,\"receipts\":[{\"status\":\"SUCCESS\",\"result\":1,\"gas_used\":2,\"events\":[],"
             "\"logs\":[]}],\"state_diff\":[{\"service\":\"Counter\",\"key\":\"count\",\"value\":"
             "\"2a00000000000000\"}],\"state_diff_hash\":"
             "\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\",\"state_commitment\":"
             "\"0000000000000000000000000000000000000000000000000000000000000000\",\"block_hash\":"
             "\"0000000000000000000000000000000000000000000000000000000000000000\"}");
    cvm_block_result empty = {0};
    dumps_as(cvm_block_result_to_json(&empty),
             "{\"height\":0,\"receipts\":[],\"state_diff\":[],\"state_diff_hash\":"
             "\"0000000000000000000000000000000000000000000000000000000000000000\",\"state_commitment\":"
             "\"0000000000000000000000000000000000000000000000000000000000000000\",\"block_hash\":"
             "\"0000000000000000000000000000000000000000000000000000000000000000\"}");
}

static void test_event_record(void **state)
{
    (void)state;
    cvm_event ev = {"_Governance", "VoteCast", fields + 1, 1};
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    assert_int_equal(cvm_event_record_encode(12, 3, &ev, &b, NULL, 0), CVM_OK);
    cvm_arena a;
    cvm_arena_init(&a, NULL);
    cvm_event_record r;
    assert_int_equal(cvm_event_record_decode(b.data, b.len, &a, &r, NULL, 0), CVM_OK);
    dumps_as(cvm_event_record_to_json(&r), "{\"height\":12,\"tx_index\":3,\"service\":\"_Governance\",\"name\":"
                                           "\"VoteCast\",\"fields\":{\"amount\":7}}");
    cvm_arena_free(&a);
    cvm_buf_free(&b);
}

/* jansson's allocator, failing after a budget of allocations and counting
 * live blocks: every view returns NULL or a whole value, and leaks nothing. */
static void test_allocation_failure(void **state)
{
    (void)state;
    cvm_arg out = cvm_arg_uint64(UINT64_MAX);
    cvm_event ev = {"_Cooperatives", "ResourceAllocated", fields, 4};
    int64_t logs[] = {1, 2};
    cvm_receipt r = {CVM_ERROR_SMART_CONTRACT, {CVM_CODE_ABORTED, "no", "main", 1, 2, {0}, 0, 0, 0}, &out, 1, &ev, 1, logs, 2, 5};
    cvm_state_change d = {(const uint8_t *)"S", 1, (const uint8_t *)"ÿ", 1, (const uint8_t *)"", 1};
    cvm_block_result b = {0};
    b.height = 2;
    b.receipts = &r;
    b.nreceipts = 1;
    b.diff = &d;
    b.ndiff = 1;
    cvm_event_record rec = {7, 1, ev};
    failing f = {.left = -1};
    failing_json_use(&f);
    for (int which = 0; which < 2; which++) {
        int fails = 0;
        for (int budget = 0;; budget++) {
            f.left = budget;
            f.live = 0;
            json_t *j = which == 0 ? cvm_block_result_to_json(&b) : cvm_event_record_to_json(&rec);
            f.left = -1;
            if (j) {
                json_decref(j);
                assert_int_equal(f.live, 0);
                break;
            }
            assert_int_equal(f.live, 0);
            fails++;
        }
        assert_true(fails > 10);
    }
    failing_json_use(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_args_to_json),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_args_from_json),
        cmocka_unit_test(test_json_input_errors),
        cmocka_unit_test(test_event_and_error),
        cmocka_unit_test(test_receipts),
        cmocka_unit_test(test_state_diff_and_block),
        cmocka_unit_test(test_event_record),
        cmocka_unit_test(test_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
