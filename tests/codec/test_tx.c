/*
 * test_tx.c — the transaction codec: exact bytes, round trips of the
 * unsigned and signed forms, every rejection of the strict decoder
 * (including truncation at every prefix), and the signature of a fixed
 * transaction under a fixed key, pinned, with the ways it must fail.
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
#include "base/hex.h"
#include "codec/tx.h"
#include "crypto/sign.h"
#include "support/failing.h"

/* The fixed transaction below, its hash and its signature under the fixed
 * key, computed once and pinned: any change to the encoding or the signing
 * path shows here. The key, hash and signature were cross-checked once
 * against another implementation (OpenSSL's Ed25519 and SHA-256, through
 * Python's cryptography package). */
#define FIXED_TX_HEX "012a8080a8b1e39fe7cb170103a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b807436f756e7465720361646406010902ac0203026869040300ff1005010400"
#define FIXED_TX_HASH "79c8b13c46c7f6a7dcaed9a19b39dcccbba984b8a87aa7e2f2b6c4d980784488"
#define FIXED_TX_SIG                                                                          \
    "b09659c5190e7dd1e3ac4368fce49e97a9b0927431a289fb20030a0b415fb667"                     \
    "be88a77c14a6cc2d64b1b4b491480c69289407f2c133fe9610acf21167388506"

/* The fixed key: seed bytes 0, 1, ..., 31. */
static void fixed_key(uint8_t pk[32], uint8_t sk[64])
{
    uint8_t seed[32];
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i;
    cvm_keypair_from_seed(seed, pk, sk);
}

static const uint8_t blob[3] = {0x00, 0xff, 0x10};

/* The fixed transaction: every argument type, the fixed key as signer. */
static cvm_arg fixed_args[6];

static cvm_transaction fixed_tx(void)
{
    uint8_t sk[64];
    cvm_transaction tx;
    memset(&tx, 0, sizeof tx);
    tx.protocol_version = CVM_PROTOCOL_VERSION;
    tx.virtual_chain_id = 42;
    tx.timestamp = 1700000000000000000ull;
    tx.signer_scheme = CVM_SCHEME_ED25519;
    fixed_key(tx.signer_key, sk);
    tx.service = "Counter";
    tx.method = "add";
    fixed_args[0] = cvm_arg_int64(-5);
    fixed_args[1] = cvm_arg_uint64(300);
    fixed_args[2] = cvm_arg_stringn("hi", 2);
    fixed_args[3] = cvm_arg_bytes(blob, sizeof blob);
    fixed_args[4] = cvm_arg_bool(1);
    fixed_args[5] = cvm_arg_bytes(NULL, 0);
    tx.args = fixed_args;
    tx.nargs = 6;
    return tx;
}

static char *to_hex(const uint8_t *p, size_t n)
{
    char *h = malloc(2 * n + 1);
    cvm_hex_write(h, p, n);
    return h;
}

static uint8_t *encode(const cvm_transaction *tx, bool sig, size_t *n)
{
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    char err[160];
    cvm_status s = sig ? cvm_tx_encode_signed(&b, tx, err, sizeof err) : cvm_tx_encode(&b, tx, err, sizeof err);
    assert_int_equal(s, CVM_OK);
    return cvm_buf_take(&b, n);
}

static void assert_same_tx(const cvm_transaction *a, const cvm_transaction *b)
{
    assert_int_equal(a->protocol_version, b->protocol_version);
    assert_int_equal(a->virtual_chain_id, b->virtual_chain_id);
    assert_true(a->timestamp == b->timestamp);
    assert_int_equal(a->signer_scheme, b->signer_scheme);
    if (cvm_tx_scheme_has_key(a->signer_scheme))
        assert_memory_equal(a->signer_key, b->signer_key, 32);
    assert_string_equal(a->service, b->service);
    assert_string_equal(a->method, b->method);
    assert_int_equal(a->nargs, b->nargs);
    for (size_t i = 0; i < a->nargs; i++) {
        assert_int_equal(a->args[i].type, b->args[i].type);
        switch (a->args[i].type) {
        case CVM_ARG_INT64: assert_true(a->args[i].v.i64 == b->args[i].v.i64); break;
        case CVM_ARG_UINT64: assert_true(a->args[i].v.u64 == b->args[i].v.u64); break;
        case CVM_ARG_BOOL: assert_int_equal(a->args[i].v.boolean, b->args[i].v.boolean); break;
        default:
            assert_int_equal(a->args[i].v.bytes.len, b->args[i].v.bytes.len);
            if (a->args[i].v.bytes.len)
                assert_memory_equal(a->args[i].v.bytes.ptr, b->args[i].v.bytes.ptr, a->args[i].v.bytes.len);
        }
    }
    assert_int_equal(a->signature != NULL, b->signature != NULL);
    if (a->signature)
        assert_memory_equal(a->signature, b->signature, 64);
}

/* Decodes p[0..n) expecting failure with a message containing want. */
static void expect_reject(const uint8_t *p, size_t n, bool sig, const char *want)
{
    cvm_tx_decoded d;
    char err[160];
    assert_int_equal(cvm_tx_decode(NULL, p, n, sig, &d, err, sizeof err), CVM_EINPUT);
    if (!strstr(err, want))
        fail_msg("error '%s' does not mention '%s'", err, want);
    assert_null(d.arena.head);
}

/* ---------------------------------------------------------------- bytes */

static void test_header_bytes(void **state)
{
    (void)state;
    cvm_transaction tx;
    memset(&tx, 0, sizeof tx);
    tx.protocol_version = 1;
    tx.virtual_chain_id = 300;
    tx.timestamp = 0;
    tx.signer_scheme = CVM_SCHEME_NONE;
    tx.service = "S";
    tx.method = "mm";
    size_t n;
    uint8_t *p = encode(&tx, false, &n);
    char *h = to_hex(p, n);
    /* 01 | ac 02 | 00 | 00 (scheme 0: no key) | 01 'S' | 02 'm' 'm' | 00 (no args) */
    assert_string_equal(h, "01ac02000001530" "2" "6d6d00");
    free(h);
    free(p);
}

static void test_fixed_tx_bytes(void **state)
{
    (void)state;
    cvm_transaction tx = fixed_tx();
    size_t n;
    uint8_t *p = encode(&tx, false, &n);
    char *h = to_hex(p, n);
    assert_string_equal(h, FIXED_TX_HEX);
    free(h);
    free(p);
}

/* ----------------------------------------------------------- round trip */

static void round_trip(const cvm_transaction *tx, bool sig)
{
    size_t n;
    uint8_t *p = encode(tx, sig, &n);
    cvm_tx_decoded d;
    char err[160];
    assert_int_equal(cvm_tx_decode(NULL, p, n, sig, &d, err, sizeof err), CVM_OK);
    assert_same_tx(tx, &d.tx);
    /* and the decoded transaction encodes to the same bytes */
    size_t n2;
    uint8_t *p2 = encode(&d.tx, sig, &n2);
    assert_int_equal(n, n2);
    assert_memory_equal(p, p2, n);
    free(p2);
    cvm_tx_decoded_free(&d);
    assert_null(d.arena.head);
    free(p);
}

static void test_round_trips(void **state)
{
    (void)state;
    cvm_transaction tx = fixed_tx();
    round_trip(&tx, false);
    uint8_t sig[64];
    memset(sig, 0xab, sizeof sig);
    tx.signature = sig;
    round_trip(&tx, true);

    tx.signature = NULL;
    tx.signer_scheme = CVM_SCHEME_NONE; /* no key on the wire */
    round_trip(&tx, false);
    tx.signer_scheme = 7; /* unknown scheme: still 32 key bytes, still decodes */
    round_trip(&tx, false);

    tx.nargs = 0;
    tx.args = NULL;
    tx.service = "";
    tx.method = "";
    tx.protocol_version = UINT32_MAX;
    tx.virtual_chain_id = UINT32_MAX;
    tx.timestamp = UINT64_MAX;
    round_trip(&tx, false);

    fixed_args[0] = cvm_arg_int64(INT64_MIN);
    fixed_args[1] = cvm_arg_uint64(UINT64_MAX);
    fixed_args[2] = cvm_arg_int64(INT64_MAX);
    fixed_args[3] = cvm_arg_bool(0);
    tx.args = fixed_args;
    tx.nargs = 4;
    round_trip(&tx, false);
}

/* ------------------------------------------------------------ rejection */

static void test_every_truncation_rejected(void **state)
{
    (void)state;
    cvm_transaction tx = fixed_tx();
    uint8_t sig[64] = {0};
    tx.signature = sig;
    size_t n;
    uint8_t *p = encode(&tx, true, &n);
    size_t unsigned_len = n - 64;
    for (size_t k = 0; k < n; k++) {
        cvm_tx_decoded d;
        char err[160];
        /* a copy of exactly k bytes, so ASan sees any read past the end */
        uint8_t *q = malloc(k ? k : 1);
        memcpy(q, p, k);
        assert_int_equal(cvm_tx_decode(NULL, q, k, true, &d, err, sizeof err), CVM_EINPUT);
        assert_true(err[0] != '\0');
        cvm_status s = cvm_tx_decode(NULL, q, k, false, &d, err, sizeof err);
        if (k == unsigned_len) {
            assert_int_equal(s, CVM_OK); /* the unsigned form itself */
            cvm_tx_decoded_free(&d);
        } else {
            assert_int_equal(s, CVM_EINPUT);
        }
        free(q);
    }
    /* the signed bytes read as unsigned: the signature is trailing */
    expect_reject(p, n, false, "64 trailing bytes");
    free(p);
}

static void test_trailing_byte_rejected(void **state)
{
    (void)state;
    cvm_transaction tx = fixed_tx();
    size_t n;
    uint8_t *p = encode(&tx, false, &n);
    uint8_t *q = malloc(n + 1);
    memcpy(q, p, n);
    q[n] = 0;
    expect_reject(q, n + 1, false, "at offset 75: 1 trailing byte");
    free(q);
    free(p);
}

static void test_bad_fields_rejected(void **state)
{
    (void)state;
    /* the minimal valid unsigned transaction is: 01 01 00 00 00 00 00 */
    const uint8_t ok[] = {0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};
    cvm_tx_decoded d;
    char err[160];
    assert_int_equal(cvm_tx_decode(NULL, ok, sizeof ok, false, &d, err, sizeof err), CVM_OK);
    assert_string_equal(d.tx.service, "");
    assert_null(d.tx.signature);
    cvm_tx_decoded_free(&d);

    const uint8_t nonminimal_version[] = {0x81, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};
    expect_reject(nonminimal_version, sizeof nonminimal_version, false, "protocol version at offset 0: non-minimal");
    const uint8_t nonminimal_ts[] = {0x01, 0x01, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00};
    expect_reject(nonminimal_ts, sizeof nonminimal_ts, false, "timestamp at offset 2: non-minimal");
    /* chain id 2^32 = 80 80 80 80 10 */
    const uint8_t big_chain[] = {0x01, 0x80, 0x80, 0x80, 0x80, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00};
    expect_reject(big_chain, sizeof big_chain, false, "virtual chain id at offset 1: 4294967296 exceeds 4294967295");
    const uint8_t big_version[] = {0x80, 0x80, 0x80, 0x80, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};
    expect_reject(big_version, sizeof big_version, false, "protocol version at offset 0");
    /* a varint of 11 bytes */
    const uint8_t huge_ts[] = {0x01, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0};
    expect_reject(huge_ts, sizeof huge_ts, false, "timestamp at offset 2: integer exceeds 64 bits");

    const uint8_t nul_service[] = {0x01, 0x01, 0x00, 0x00, 0x02, 'a', 0x00, 0x00, 0x00};
    expect_reject(nul_service, sizeof nul_service, false, "service name at offset 4: contains a NUL byte");
    const uint8_t nul_method[] = {0x01, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00};
    expect_reject(nul_method, sizeof nul_method, false, "method name at offset 5: contains a NUL byte");
    const uint8_t bad_utf8_method[] = {0x01, 0x01, 0x00, 0x00, 0x00, 0x02, 0xc3, 0x28, 0x00};
    expect_reject(bad_utf8_method, sizeof bad_utf8_method, false, "method name at offset 5: not valid UTF-8");
    const uint8_t long_service[] = {0x01, 0x01, 0x00, 0x00, 0x05, 'a', 'b', 0x00, 0x00};
    expect_reject(long_service, sizeof long_service, false, "service name");
    /* scheme 1 needs 32 key bytes; only 3 follow */
    const uint8_t short_key[] = {0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00};
    expect_reject(short_key, sizeof short_key, false, "signer public key at offset 4: needs 32 bytes, 3 left");

    const uint8_t unknown_type[] = {0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x09, 0x00};
    expect_reject(unknown_type, sizeof unknown_type, false, "unknown type 9");
    const uint8_t type_zero[] = {0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00};
    expect_reject(type_zero, sizeof type_zero, false, "unknown type 0");
    const uint8_t bad_bool[] = {0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x05, 0x02};
    expect_reject(bad_bool, sizeof bad_bool, false, "bool");
    const uint8_t many_args[] = {0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f};
    expect_reject(many_args, sizeof many_args, false, "argument");
    const uint8_t long_bytes[] = {0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x09, 0xaa};
    expect_reject(long_bytes, sizeof long_bytes, false, "runs past the end");

    const uint8_t bad_utf8[] = {0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x01, 0xff};
    expect_reject(bad_utf8, sizeof bad_utf8, false, "argument 1 at offset 9: string is not valid UTF-8");
    const uint8_t over_limit[] = {0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x41};
    expect_reject(over_limit, sizeof over_limit, false, "argument count at offset 6: 65 exceeds the limit");

    expect_reject(NULL, 0, false, "protocol version at offset 0");
}

static void test_encode_refuses_bad_tx(void **state)
{
    (void)state;
    cvm_transaction tx = fixed_tx();
    cvm_arg bad = cvm_arg_int64(1);
    bad.type = (cvm_arg_type)9;
    tx.args = &bad;
    tx.nargs = 1;
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    char err[160];
    cvm_buf_byte(&b, 0x77);
    assert_int_equal(cvm_tx_encode(&b, &tx, err, sizeof err), CVM_EINPUT);
    assert_non_null(strstr(err, "argument 1: unknown type 9"));
    assert_int_equal(b.len, 1); /* nothing appended */
    cvm_buf_free(&b);

    tx = fixed_tx();
    tx.service = NULL;
    cvm_buf_init(&b, NULL);
    assert_int_equal(cvm_tx_encode(&b, &tx, err, sizeof err), CVM_EINPUT);
    assert_string_equal(err, "transaction has no service");
    cvm_buf_free(&b);

    tx = fixed_tx();
    tx.method = "\xc3\x28";
    cvm_buf_init(&b, NULL);
    assert_int_equal(cvm_tx_encode(&b, &tx, err, sizeof err), CVM_EINPUT);
    assert_string_equal(err, "method name is not valid UTF-8 (byte 0)");
    cvm_buf_free(&b);

    tx = fixed_tx();
    cvm_buf_init(&b, NULL);
    assert_int_equal(cvm_tx_encode_signed(&b, &tx, err, sizeof err), CVM_EINPUT);
    assert_string_equal(err, "transaction is not signed");
    cvm_buf_free(&b);
}

static void test_decode_out_of_memory(void **state)
{
    (void)state;
    cvm_transaction tx = fixed_tx();
    size_t n;
    uint8_t *p = encode(&tx, false, &n);
    failing f = {0};
    cvm_allocator al = failing_allocator(&f);
    /* every allocation in turn fails: ENOMEM and nothing leaked, until the
     * budget suffices */
    int k = 0;
    for (;; k++) {
        f.left = k;
        cvm_tx_decoded d;
        char err[160];
        cvm_status s = cvm_tx_decode(&al, p, n, false, &d, err, sizeof err);
        if (s == CVM_OK) {
            assert_string_equal(d.tx.service, "Counter");
            cvm_tx_decoded_free(&d);
            break;
        }
        assert_int_equal(s, CVM_ENOMEM);
        assert_string_equal(err, "out of memory");
        assert_null(d.arena.head);
        assert_true(k < 100);
    }
    assert_true(k >= 1);
    free(p);
}

/* ------------------------------------------------------------ signatures */

static void test_fixed_signature_pinned(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64], h[32], sig[64];
    fixed_key(pk, sk);
    char *hx = to_hex(pk, 32);
    assert_string_equal(hx, "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8");
    free(hx);

    cvm_transaction tx = fixed_tx();
    assert_int_equal(cvm_tx_hash(NULL, &tx, h, NULL), CVM_OK);
    hx = to_hex(h, 32);
    assert_string_equal(hx, FIXED_TX_HASH);
    free(hx);
    assert_int_equal(cvm_tx_sign(NULL, &tx, sk, sig, NULL), CVM_OK);
    hx = to_hex(sig, 64);
    assert_string_equal(hx, FIXED_TX_SIG);
    free(hx);

    tx.signature = sig;
    cvm_tx_verdict v;
    assert_int_equal(cvm_tx_verify(NULL, &tx, &v, NULL), CVM_OK);
    assert_int_equal(v, CVM_TX_VALID);
    assert_string_equal(cvm_tx_verdict_name(v), "VALID");

    /* the same through the signed bytes */
    size_t n;
    uint8_t *p = encode(&tx, true, &n);
    cvm_tx_decoded d;
    assert_int_equal(cvm_tx_decode(NULL, p, n, true, &d, NULL, 0), CVM_OK);
    assert_int_equal(cvm_tx_verify(NULL, &d.tx, &v, NULL), CVM_OK);
    assert_int_equal(v, CVM_TX_VALID);
    cvm_tx_decoded_free(&d);
    free(p);
}

static cvm_tx_verdict verdict(const cvm_transaction *tx)
{
    cvm_tx_verdict v;
    assert_int_equal(cvm_tx_verify(NULL, tx, &v, NULL), CVM_OK);
    return v;
}

static void test_signature_failures(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64], sig[64];
    fixed_key(pk, sk);
    cvm_transaction tx = fixed_tx();
    assert_int_equal(cvm_tx_sign(NULL, &tx, sk, sig, NULL), CVM_OK);
    tx.signature = sig;
    assert_int_equal(verdict(&tx), CVM_TX_VALID);

    /* a wrong key: alice's development key as signer */
    cvm_transaction other = tx;
    uint8_t ask[64];
    cvm_dev_keypair("alice", other.signer_key, ask);
    assert_int_equal(verdict(&other), CVM_TX_INVALID_SIGNATURE);

    /* a flipped bit in the message: every field the hash covers */
    other = tx;
    other.timestamp ^= 1;
    assert_int_equal(verdict(&other), CVM_TX_INVALID_SIGNATURE);
    other = tx;
    other.virtual_chain_id ^= 0x40;
    assert_int_equal(verdict(&other), CVM_TX_INVALID_SIGNATURE);
    other = tx;
    other.method = "adc";
    assert_int_equal(verdict(&other), CVM_TX_INVALID_SIGNATURE);
    other = tx;
    cvm_arg args2[6];
    memcpy(args2, fixed_args, sizeof args2);
    args2[0].v.i64 ^= 2;
    other.args = args2;
    assert_int_equal(verdict(&other), CVM_TX_INVALID_SIGNATURE);

    /* a flipped bit in the signature, at each byte */
    uint8_t bad[64];
    other = tx;
    other.signature = bad;
    for (int i = 0; i < 64; i++) {
        memcpy(bad, sig, 64);
        bad[i] ^= (uint8_t)(1u << (i % 8));
        assert_int_equal(verdict(&other), CVM_TX_INVALID_SIGNATURE);
    }

    /* S + L: the same group element, a non-canonical encoding */
    static const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                  0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                  0, 0, 0x10};
    memcpy(bad, sig, 64);
    unsigned carry = 0;
    for (int i = 0; i < 32; i++) {
        unsigned s = (unsigned)bad[32 + i] + L[i] + carry;
        bad[32 + i] = (uint8_t)s;
        carry = s >> 8;
    }
    assert_int_equal(carry, 0);
    assert_int_equal(verdict(&other), CVM_TX_INVALID_SIGNATURE);

    /* unsigned with scheme 1 */
    other = tx;
    other.signature = NULL;
    assert_int_equal(verdict(&other), CVM_TX_INVALID_SIGNATURE);

    /* the scheme is covered too, and anything but 1 is not a signature scheme */
    other = tx;
    other.signer_scheme = 2;
    assert_int_equal(verdict(&other), CVM_TX_INVALID_ADDRESS_SCHEME);
    assert_string_equal(cvm_tx_verdict_name(CVM_TX_INVALID_ADDRESS_SCHEME), "INVALID_ADDRESS_SCHEME");
    other.signer_scheme = CVM_SCHEME_NONE;
    assert_int_equal(verdict(&other), CVM_TX_INVALID_ADDRESS_SCHEME);
    assert_string_equal(cvm_tx_verdict_name(CVM_TX_INVALID_SIGNATURE), "INVALID_SIGNATURE");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_bytes),
        cmocka_unit_test(test_fixed_tx_bytes),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_every_truncation_rejected),
        cmocka_unit_test(test_trailing_byte_rejected),
        cmocka_unit_test(test_bad_fields_rejected),
        cmocka_unit_test(test_encode_refuses_bad_tx),
        cmocka_unit_test(test_decode_out_of_memory),
        cmocka_unit_test(test_fixed_signature_pinned),
        cmocka_unit_test(test_signature_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
