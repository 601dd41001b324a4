/*
 * test_tx_json.c — the JSON view of a transaction: the exact text of a fixed
 * signed transaction, round trips to the same canonical bytes, and each
 * rejection of the strict reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "codec/tx_json.h"
#include "crypto/sign.h"
#include "support/failing.h"

static const uint8_t blob[3] = {0x00, 0xff, 0x10};

/* A signed transaction of every argument type under seed 0..31. */
static void fixed_tx(cvm_transaction *tx, cvm_arg args[5], uint8_t sig[64])
{
    uint8_t seed[32], sk[64];
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i;
    memset(tx, 0, sizeof *tx);
    tx->protocol_version = 1;
    tx->virtual_chain_id = 42;
    tx->timestamp = 1700000000000000000ull;
    tx->signer_scheme = CVM_SCHEME_ED25519;
    cvm_keypair_from_seed(seed, tx->signer_key, sk);
    tx->service = "Counter";
    tx->method = "add";
    args[0] = cvm_arg_int64(-5);
    args[1] = cvm_arg_uint64(UINT64_MAX);
    args[2] = cvm_arg_stringn("hi", 2);
    args[3] = cvm_arg_bytes(blob, sizeof blob);
    args[4] = cvm_arg_bool(1);
    tx->args = args;
    tx->nargs = 5;
    assert_int_equal(cvm_tx_sign(NULL, tx, sk, sig, NULL), CVM_OK);
    tx->signature = sig;
}

static uint8_t *encode_signed(const cvm_transaction *tx, size_t *n)
{
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    assert_int_equal(cvm_tx_encode_signed(&b, tx, NULL, 0), CVM_OK);
    return cvm_buf_take(&b, n);
}

static void test_round_trip_same_bytes(void **state)
{
    (void)state;
    cvm_transaction tx;
    cvm_arg args[5];
    uint8_t sig[64];
    fixed_tx(&tx, args, sig);
    char err[200];
    json_t *j = cvm_tx_to_json(&tx, err, sizeof err);
    assert_non_null(j);
    char *text = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(text, "{\"protocol_version\":1,\"virtual_chain_id\":42,\"timestamp\":1700000000000000000,"
                                 "\"signer\":{\"scheme\":1,\"public_key\":\"03a107bff3ce10be1d70dd18e74bc09967e4d6309b"
                                 "a50d5f1ddc8664125531b8\"},\"service\":\"Counter\",\"method\":\"add\",\"args\":["));
    assert_non_null(strstr(text, "\"args\":[-5,{\"uint64\":\"18446744073709551615\"},\"hi\",\"0x00ff10\",true],"
                                 "\"signature\":\""));

    /* through text and back */
    json_error_t je;
    json_t *j2 = json_loads(text, 0, &je);
    assert_non_null(j2);
    cvm_tx_decoded d;
    assert_int_equal(cvm_tx_from_json(NULL, j2, &d, err, sizeof err), CVM_OK);
    size_t n1, n2;
    uint8_t *b1 = encode_signed(&tx, &n1), *b2 = encode_signed(&d.tx, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(b1, b2, n1);
    cvm_tx_verdict v;
    assert_int_equal(cvm_tx_verify(NULL, &d.tx, &v, NULL), CVM_OK);
    assert_int_equal(v, CVM_TX_VALID);
    free(b1);
    free(b2);
    cvm_tx_decoded_free(&d);
    json_decref(j2);
    free(text);
    json_decref(j);
}

static void test_unsigned_scheme_zero(void **state)
{
    (void)state;
    cvm_transaction tx;
    memset(&tx, 0, sizeof tx);
    tx.protocol_version = 1;
    tx.timestamp = UINT64_MAX; /* past JSON integers: a decimal string */
    tx.service = "S";
    tx.method = "m";
    json_t *j = cvm_tx_to_json(&tx, NULL, 0);
    char *text = json_dumps(j, JSON_COMPACT);
    assert_string_equal(text, "{\"protocol_version\":1,\"virtual_chain_id\":0,\"timestamp\":\"18446744073709551615\","
                              "\"signer\":{\"scheme\":0},\"service\":\"S\",\"method\":\"m\",\"args\":[]}");
    cvm_tx_decoded d;
    assert_int_equal(cvm_tx_from_json(NULL, j, &d, NULL, 0), CVM_OK);
    assert_true(d.tx.timestamp == UINT64_MAX);
    assert_null(d.tx.signature);
    assert_int_equal(d.tx.nargs, 0);
    cvm_tx_decoded_free(&d);
    free(text);
    json_decref(j);
}

/* Arguments whose plain JSON form would read back as another type keep
 * their type: a small uint64, a string that looks like hex. */
static void test_arg_types_survive(void **state)
{
    (void)state;
    cvm_transaction tx;
    memset(&tx, 0, sizeof tx);
    tx.protocol_version = 1;
    tx.service = "S";
    tx.method = "m";
    cvm_arg args[5] = {cvm_arg_uint64(300), cvm_arg_stringn("0xab", 4), cvm_arg_stringn("", 0),
                       cvm_arg_bytes(NULL, 0), cvm_arg_bool(0)};
    tx.args = args;
    tx.nargs = 5;
    json_t *j = cvm_tx_to_json(&tx, NULL, 0);
    char *text = json_dumps(json_object_get(j, "args"), JSON_COMPACT);
    assert_string_equal(text, "[{\"uint64\":300},{\"string\":\"0xab\"},\"\",\"0x\",false]");
    cvm_tx_decoded d;
    assert_int_equal(cvm_tx_from_json(NULL, j, &d, NULL, 0), CVM_OK);
    assert_int_equal(d.tx.nargs, 5);
    assert_int_equal(d.tx.args[0].type, CVM_ARG_UINT64);
    assert_int_equal(d.tx.args[1].type, CVM_ARG_STRING);
    assert_int_equal(d.tx.args[2].type, CVM_ARG_STRING);
    assert_int_equal(d.tx.args[3].type, CVM_ARG_BYTES);
    assert_int_equal(d.tx.args[4].type, CVM_ARG_BOOL);
    uint8_t h1[32], h2[32];
    assert_int_equal(cvm_tx_hash(NULL, &tx, h1, NULL), CVM_OK);
    assert_int_equal(cvm_tx_hash(NULL, &d.tx, h2, NULL), CVM_OK);
    assert_memory_equal(h1, h2, 32);
    cvm_tx_decoded_free(&d);
    free(text);
    json_decref(j);
}

static void expect_reject(const char *text, const char *want)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_ALLOW_NUL, &je);
    assert_non_null(j);
    cvm_tx_decoded d;
    char err[200] = "";
    assert_int_equal(cvm_tx_from_json(NULL, j, &d, err, sizeof err), CVM_EINPUT);
    if (!strstr(err, want))
        fail_msg("error '%s' does not mention '%s' (input %s)", err, want, text);
    assert_null(d.arena.head);
    json_decref(j);
}

#define HDR "\"protocol_version\":1,\"virtual_chain_id\":0,\"timestamp\":5,"
#define SIG0 "\"signer\":{\"scheme\":0},"
#define SM "\"service\":\"S\",\"method\":\"m\""

static void test_rejections(void **state)
{
    (void)state;
    expect_reject("[]", "must be a JSON object");
    expect_reject("{" HDR SIG0 SM ",\"extra\":1}", "unknown key \"extra\"");
    expect_reject("{\"virtual_chain_id\":0,\"timestamp\":5," SIG0 SM "}", "missing \"protocol_version\"");
    expect_reject("{\"protocol_version\":1,\"virtual_chain_id\":4294967296,\"timestamp\":5," SIG0 SM "}",
                  "\"virtual_chain_id\" is 4294967296, above the maximum 4294967295");
    expect_reject("{\"protocol_version\":-1,\"virtual_chain_id\":0,\"timestamp\":5," SIG0 SM "}",
                  "\"protocol_version\" must be a non-negative integer");
    expect_reject("{\"protocol_version\":1,\"virtual_chain_id\":0,\"timestamp\":\"12x\"," SIG0 SM "}",
                  "\"timestamp\" must be a non-negative integer");
    expect_reject("{" HDR SM "}", "missing \"signer\"");
    expect_reject("{" HDR "\"signer\":{\"scheme\":256}," SM "}", "\"scheme\" is 256");
    expect_reject("{" HDR "\"signer\":{\"scheme\":1}," SM "}", "missing \"public_key\" in \"signer\"");
    expect_reject("{" HDR "\"signer\":{\"scheme\":1,\"public_key\":\"abc\"}," SM "}",
                  "\"public_key\" in \"signer\" must be 64 hex digits");
    expect_reject("{" HDR "\"signer\":{\"scheme\":0,\"public_key\":\"00\"}," SM "}", "scheme 0 (unsigned) has no");
    expect_reject("{" HDR "\"signer\":{\"scheme\":0,\"key\":\"00\"}," SM "}", "unknown key \"key\" in \"signer\"");
    expect_reject("{" HDR SIG0 "\"service\":\"S\"}", "missing \"method\"");
    expect_reject("{" HDR SIG0 "\"service\":\"S\\u0000x\",\"method\":\"m\"}", "\"service\" contains a NUL");
    expect_reject("{" HDR SIG0 "\"service\":7,\"method\":\"m\"}", "\"service\" must be a string");
    expect_reject("{" HDR SIG0 SM ",\"signature\":\"00\"}", "\"signature\" must be 128 hex digits");
    expect_reject("{" HDR SIG0 SM ",\"args\":{}}", "\"args\" must be an array");
    expect_reject("{" HDR SIG0 SM ",\"args\":[1.5]}", "args[0]");
    expect_reject("{" HDR SIG0 SM ",\"args\":[1,{\"bytes\":\"0g\"}]}", "args[1]");
}

/* jansson's allocator, then ours, failing after a budget of allocations */
static void test_allocation_failure(void **state)
{
    (void)state;
    cvm_transaction tx;
    cvm_arg args[5];
    uint8_t sig[64];
    fixed_tx(&tx, args, sig);

    /* to JSON: NULL and nothing left behind at every failing allocation */
    failing jf = {.left = -1};
    failing_json_use(&jf);
    int fails = 0;
    for (int budget = 0;; budget++) {
        jf.left = budget;
        jf.live = 0;
        json_t *j = cvm_tx_to_json(&tx, NULL, 0);
        jf.left = -1;
        if (j) {
            json_decref(j);
            assert_int_equal(jf.live, 0);
            break;
        }
        assert_int_equal(jf.live, 0);
        fails++;
    }
    failing_json_use(NULL);
    assert_true(fails > 10);

    /* from JSON: ENOMEM at every failing allocation of ours (ASan: no leaks) */
    json_t *j = cvm_tx_to_json(&tx, NULL, 0);
    failing f = {.left = -1};
    cvm_allocator al = failing_allocator(&f);
    fails = 0;
    for (int budget = 0;; budget++) {
        f.left = budget;
        cvm_tx_decoded d;
        char err[200];
        cvm_status st = cvm_tx_from_json(&al, j, &d, err, sizeof err);
        f.left = -1;
        if (st == CVM_OK) {
            assert_string_equal(d.tx.service, "Counter");
            cvm_tx_decoded_free(&d);
            break;
        }
        assert_int_equal(st, CVM_ENOMEM);
        assert_null(d.arena.head);
        fails++;
    }
    assert_true(fails >= 2);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_same_bytes),
        cmocka_unit_test(test_unsigned_scheme_zero),
        cmocka_unit_test(test_arg_types_survive),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
