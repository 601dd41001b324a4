/*
 * test_tx_owned.c — the transaction functions of coopvm.h, used as a host
 * uses them (this file includes only coopvm.h): keys, hash, sign, verify,
 * the canonical bytes and the JSON text into memory the caller owns and
 * back, their refusals with a message, and nothing leaked when memory runs
 * out at any allocation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "coopvm.h"
#include "support/failing.h"

static cvm_arg args[2];

/* A transaction signed by the key of seed 7, 7, ...; sig receives the
 * signature. */
static cvm_transaction signed_tx(uint8_t sig[CVM_SIGNATURE_BYTES])
{
    uint8_t seed[CVM_SEED_BYTES], sk[CVM_SECRETKEY_BYTES];
    memset(seed, 7, sizeof seed);
    cvm_transaction tx;
    memset(&tx, 0, sizeof tx);
    tx.protocol_version = CVM_PROTOCOL_VERSION;
    tx.virtual_chain_id = 3;
    tx.timestamp = 1700000000000000000ull;
    tx.signer_scheme = CVM_SCHEME_ED25519;
    cvm_keypair_from_seed(seed, tx.signer_key, sk);
    tx.service = "Counter";
    tx.method = "add";
    args[0] = cvm_arg_int64(-5);
    args[1] = cvm_arg_stringn("0xab", 4); /* JSON must keep it a string */
    tx.args = args;
    tx.nargs = 2;
    cvm_errmsg err;
    assert_int_equal(cvm_tx_sign(NULL, &tx, sk, sig, &err), CVM_OK);
    assert_string_equal(err.text, "");
    tx.signature = sig;
    return tx;
}

static void test_keys(void **state)
{
    (void)state;
    uint8_t pk[CVM_PUBKEY_BYTES], sk[CVM_SECRETKEY_BYTES], seed[CVM_SEED_BYTES], pk2[CVM_PUBKEY_BYTES],
        sk2[CVM_SECRETKEY_BYTES];
    assert_int_equal(cvm_keypair_random(pk, sk), CVM_OK);
    cvm_secretkey_seed(sk, seed);
    cvm_keypair_from_seed(seed, pk2, sk2);
    assert_memory_equal(pk, pk2, sizeof pk);
    assert_memory_equal(sk, sk2, sizeof sk);
    cvm_dev_keypair("alice", pk, sk);
    cvm_dev_keypair("alice", pk2, sk2);
    assert_memory_equal(pk, pk2, sizeof pk);
    cvm_dev_keypair("bob", pk2, sk2);
    assert_memory_not_equal(pk, pk2, sizeof pk);
}

static void test_bytes_round_trip(void **state)
{
    (void)state;
    uint8_t sig[CVM_SIGNATURE_BYTES], h0[CVM_HASH_BYTES], h1[CVM_HASH_BYTES];
    cvm_transaction tx = signed_tx(sig);
    cvm_errmsg err;
    for (int with_sig = 0; with_sig <= 1; with_sig++) {
        uint8_t *p = NULL;
        size_t n = 0;
        assert_int_equal(cvm_tx_to_bytes(NULL, &tx, with_sig, &p, &n, &err), CVM_OK);
        cvm_tx_owned *t = NULL;
        assert_int_equal(cvm_tx_from_bytes(NULL, p, n, with_sig, &t, &err), CVM_OK);
        memset(p, 0, n); /* the owned transaction must not point into the bytes */
        cvm_free(NULL, p);
        assert_int_equal(cvm_tx_hash(NULL, &tx, h0, &err), CVM_OK);
        assert_int_equal(cvm_tx_hash(NULL, &t->tx, h1, &err), CVM_OK);
        assert_memory_equal(h0, h1, sizeof h0);
        assert_string_equal(t->tx.service, "Counter");
        assert_int_equal(t->tx.nargs, 2);
        cvm_tx_verdict v;
        assert_int_equal(cvm_tx_verify(NULL, &t->tx, &v, &err), CVM_OK);
        assert_int_equal(v, with_sig ? CVM_TX_VALID : CVM_TX_INVALID_SIGNATURE);
        cvm_tx_owned_free(t);
    }
    cvm_tx_owned_free(NULL);
}

static void test_json_round_trip(void **state)
{
    (void)state;
    uint8_t sig[CVM_SIGNATURE_BYTES], h0[CVM_HASH_BYTES], h1[CVM_HASH_BYTES];
    cvm_transaction tx = signed_tx(sig);
    cvm_errmsg err;
    char *text = NULL;
    assert_int_equal(cvm_tx_to_json_text(NULL, &tx, &text, &err), CVM_OK);
    assert_non_null(strstr(text, "\"service\": \"Counter\""));
    assert_non_null(strstr(text, "\"string\": \"0xab\"")); /* typed: it reads back a string */
    cvm_tx_owned *t = NULL;
    assert_int_equal(cvm_tx_from_json_text(NULL, text, strlen(text), &t, &err), CVM_OK);
    cvm_free(NULL, text);
    cvm_tx_verdict v;
    assert_int_equal(cvm_tx_verify(NULL, &t->tx, &v, &err), CVM_OK);
    assert_int_equal(v, CVM_TX_VALID);
    assert_int_equal(cvm_tx_hash(NULL, &tx, h0, &err), CVM_OK);
    assert_int_equal(cvm_tx_hash(NULL, &t->tx, h1, &err), CVM_OK);
    assert_memory_equal(h0, h1, sizeof h0);
    cvm_tx_owned_free(t);
}

/* Tampering after signing: the verdict changes, the encoding does not fail. */
static void test_tampered(void **state)
{
    (void)state;
    uint8_t sig[CVM_SIGNATURE_BYTES];
    cvm_transaction tx = signed_tx(sig);
    tx.timestamp++;
    cvm_tx_verdict v;
    cvm_errmsg err;
    assert_int_equal(cvm_tx_verify(NULL, &tx, &v, &err), CVM_OK);
    assert_int_equal(v, CVM_TX_INVALID_SIGNATURE);
    assert_string_equal(cvm_tx_verdict_name(v), "INVALID_SIGNATURE");
    tx.signer_scheme = CVM_SCHEME_NONE;
    assert_int_equal(cvm_tx_verify(NULL, &tx, &v, &err), CVM_OK);
    assert_int_equal(v, CVM_TX_INVALID_ADDRESS_SCHEME);
}

/* Each function refuses what has no canonical form, and says why. */
static void test_refusals(void **state)
{
    (void)state;
    uint8_t sig[CVM_SIGNATURE_BYTES], h[CVM_HASH_BYTES], *p = (uint8_t *)"x";
    cvm_transaction tx = signed_tx(sig);
    tx.method = NULL;
    cvm_errmsg err;
    char *text = (char *)"x";
    size_t n = 1;
    assert_int_equal(cvm_tx_hash(NULL, &tx, h, &err), CVM_EINPUT);
    assert_string_equal(err.text, "transaction has no method");
    assert_int_equal(cvm_tx_to_bytes(NULL, &tx, 0, &p, &n, &err), CVM_EINPUT);
    assert_null(p);
    assert_int_equal(n, 0);
    assert_string_equal(err.text, "transaction has no method");
    assert_int_equal(cvm_tx_to_json_text(NULL, &tx, &text, &err), CVM_EINPUT);
    assert_null(text);
    assert_string_equal(err.text, "transaction has no method");

    tx = signed_tx(sig);
    tx.signature = NULL;
    assert_int_equal(cvm_tx_to_bytes(NULL, &tx, 1, &p, &n, &err), CVM_EINPUT);
    assert_string_equal(err.text, "transaction is not signed");

    cvm_tx_owned *t = (cvm_tx_owned *)&tx;
    const uint8_t junk[3] = {1, 0, 0};
    assert_int_equal(cvm_tx_from_bytes(NULL, junk, sizeof junk, 0, &t, &err), CVM_EINPUT);
    assert_null(t);
    assert_true(strlen(err.text) > 0);
    t = (cvm_tx_owned *)&tx;
    assert_int_equal(cvm_tx_from_json_text(NULL, "{\"service\": 1", 13, &t, &err), CVM_EINPUT);
    assert_null(t);
    assert_non_null(strstr(err.text, "line 1, column"));
    assert_int_equal(cvm_tx_from_json_text(NULL, "{\"service\": 1}", 14, &t, &err), CVM_EINPUT);
    assert_null(t);
    assert_true(strlen(err.text) > 0);
}

/* Memory running out at every allocation: CVM_ENOMEM, nothing kept. */
static void test_out_of_memory(void **state)
{
    (void)state;
    uint8_t sig[CVM_SIGNATURE_BYTES];
    cvm_transaction tx = signed_tx(sig);
    cvm_errmsg err;
    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_int_equal(cvm_tx_to_bytes(NULL, &tx, 1, &bytes, &len, &err), CVM_OK);
    for (long k = 0;; k++) {
        failing f = {k, 0, false};
        cvm_allocator al = failing_allocator(&f);
        cvm_tx_owned *t = NULL;
        uint8_t *p = NULL;
        size_t n = 0;
        cvm_status a = cvm_tx_from_bytes(&al, bytes, len, 1, &t, &err);
        cvm_status b = cvm_tx_to_bytes(&al, &tx, 1, &p, &n, &err);
        assert_true(a == CVM_OK || a == CVM_ENOMEM);
        assert_true(b == CVM_OK || b == CVM_ENOMEM);
        if (a != CVM_OK)
            assert_null(t);
        cvm_tx_owned_free(t);
        cvm_free(&al, p);
        assert_int_equal(f.live, 0);
        if (a == CVM_OK && b == CVM_OK)
            break;
    }
    cvm_free(NULL, bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_bytes_round_trip),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
