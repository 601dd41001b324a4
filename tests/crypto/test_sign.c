/*
 * test_sign.c — Ed25519 as coopvm uses it: the RFC 8032 vectors, key pairs
 * from seeds, the development keys (pinned), and the verification rule:
 * wrong key, flipped message bit, flipped signature bit, a non-canonical S
 * (S + L) and a small-order public key are all rejected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "base/hex.h"
#include "crypto/hash.h"
#include "crypto/sign.h"

/* RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (one byte). */
#define RFC1_SEED "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
#define RFC1_PK "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
#define RFC1_SIG "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
#define RFC2_SEED "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"
#define RFC2_PK "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
#define RFC2_SIG "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"

/* The group order L, little-endian. */
static const uint8_t group_order[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};

static void unhex(const char *s, uint8_t *out, size_t n)
{
    assert_true(cvm_hex_decode(s, strlen(s), out, n));
}

static void assert_hex(const uint8_t *p, size_t n, const char *want)
{
    char h[2 * 64 + 1];
    assert_true(n <= 64);
    cvm_hex_write(h, p, n);
    assert_string_equal(h, want);
}

/* The address of a key as the spec defines it (last 20 bytes of its
 * SHA-256), written out here to check the library's against it. */
static void address_of(const uint8_t pk[CVM_PUBKEY_BYTES], uint8_t out[CVM_ADDRESS_BYTES])
{
    uint8_t d[CVM_SHA256_BYTES];
    cvm_sha256(pk, CVM_PUBKEY_BYTES, d);
    memcpy(out, d + CVM_SHA256_BYTES - CVM_ADDRESS_BYTES, CVM_ADDRESS_BYTES);
}

static void test_rfc8032_vectors(void **state)
{
    (void)state;
    uint8_t seed[32], pk[32], sk[64], sig[64], back[32];
    unhex(RFC1_SEED, seed, 32);
    cvm_keypair_from_seed(seed, pk, sk);
    assert_hex(pk, 32, RFC1_PK);
    cvm_secretkey_seed(sk, back);
    assert_memory_equal(back, seed, 32);
    cvm_sign_detached(NULL, 0, sk, sig);
    assert_hex(sig, 64, RFC1_SIG);
    assert_true(cvm_verify_detached(NULL, 0, pk, sig));

    const uint8_t msg[1] = {0x72};
    unhex(RFC2_SEED, seed, 32);
    cvm_keypair_from_seed(seed, pk, sk);
    assert_hex(pk, 32, RFC2_PK);
    cvm_sign_detached(msg, 1, sk, sig);
    assert_hex(sig, 64, RFC2_SIG);
    assert_true(cvm_verify_detached(msg, 1, pk, sig));
}

static void test_seed_keypair_fixed(void **state)
{
    (void)state;
    uint8_t seed[32], pk[32], sk[64];
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i;
    cvm_keypair_from_seed(seed, pk, sk);
    assert_hex(pk, 32, "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8");
    assert_memory_equal(sk + 32, pk, 32); /* libsodium's sk = seed | pk */
}

static void test_random_keypairs_differ_and_work(void **state)
{
    (void)state;
    uint8_t pk1[32], sk1[64], pk2[32], sk2[64], sig[64];
    assert_int_equal(cvm_keypair_random(pk1, sk1), CVM_OK);
    assert_int_equal(cvm_keypair_random(pk2, sk2), CVM_OK);
    assert_memory_not_equal(pk1, pk2, 32);
    const uint8_t msg[] = "hello";
    cvm_sign_detached(msg, 5, sk1, sig);
    assert_true(cvm_verify_detached(msg, 5, pk1, sig));
    assert_false(cvm_verify_detached(msg, 5, pk2, sig));
}

/* alice's key and address, cross-checked once against OpenSSL's Ed25519. */
static void test_dev_key_alice_is_stable(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64], seed[32], addr[CVM_ADDRESS_BYTES];
    cvm_dev_keypair("alice", pk, sk);
    cvm_secretkey_seed(sk, seed);
    /* seed = SHA-256("coopvm-dev-key:alice") */
    assert_hex(seed, 32, "9be162b2675f097f42ee537d17f38e96e57cea3dcb6c3047acaa01b60b4d8fe3");
    assert_hex(pk, 32, "eae07b5255bff16b56c41d6586669453e64470f2e805f29ae555ad52ee35f1d4");
    address_of(pk, addr);
    assert_hex(addr, CVM_ADDRESS_BYTES, "d21b6d72a95502cbc0128326b938aa55a2325cf1");
    cvm_address_of_key(pk, addr); /* the library's, from crypto/address.c */
    assert_hex(addr, CVM_ADDRESS_BYTES, "d21b6d72a95502cbc0128326b938aa55a2325cf1");

    uint8_t pk_bob[32], sk_bob[64];
    cvm_dev_keypair("bob", pk_bob, sk_bob);
    assert_memory_not_equal(pk, pk_bob, 32);
}

/* A signed message under RFC TEST 2's key, for the rejection tests. */
typedef struct fixture {
    uint8_t pk[32], sk[64], sig[64];
    uint8_t msg[32];
} fixture;

static void make_fixture(fixture *f)
{
    uint8_t seed[32];
    unhex(RFC2_SEED, seed, 32);
    cvm_keypair_from_seed(seed, f->pk, f->sk);
    cvm_sha256("a transaction", 13, f->msg); /* signatures cover a hash */
    cvm_sign_detached(f->msg, 32, f->sk, f->sig);
    assert_true(cvm_verify_detached(f->msg, 32, f->pk, f->sig));
}

static void test_wrong_key_rejected(void **state)
{
    (void)state;
    fixture f;
    make_fixture(&f);
    uint8_t other[32], sk[64];
    cvm_dev_keypair("mallory", other, sk);
    assert_false(cvm_verify_detached(f.msg, 32, other, f.sig));
}

static void test_flipped_message_bit_rejected(void **state)
{
    (void)state;
    fixture f;
    make_fixture(&f);
    for (size_t bit = 0; bit < 32 * 8; bit += 37) {
        f.msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_false(cvm_verify_detached(f.msg, 32, f.pk, f.sig));
        f.msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    assert_true(cvm_verify_detached(f.msg, 32, f.pk, f.sig));
}

static void test_flipped_signature_bit_rejected(void **state)
{
    (void)state;
    fixture f;
    make_fixture(&f);
    for (size_t bit = 0; bit < 64 * 8; bit++) {
        f.sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_false(cvm_verify_detached(f.msg, 32, f.pk, f.sig));
        f.sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    assert_true(cvm_verify_detached(f.msg, 32, f.pk, f.sig));
}

/* (R, S + L) satisfies the verification equation exactly as (R, S) does;
 * only the canonical-S check refuses it. This is the malleability that the
 * rule in sign.h excludes. */
static void test_non_canonical_s_rejected(void **state)
{
    (void)state;
    fixture f;
    make_fixture(&f);
    uint8_t bad[64];
    memcpy(bad, f.sig, 64);
    unsigned carry = 0;
    for (int i = 0; i < 32; i++) {
        unsigned v = (unsigned)bad[32 + i] + group_order[i] + carry;
        bad[32 + i] = (uint8_t)v;
        carry = v >> 8;
    }
    assert_int_equal(carry, 0); /* S < L < 2^253, so S + L fits */
    assert_memory_not_equal(bad, f.sig, 64);
    assert_false(cvm_verify_detached(f.msg, 32, f.pk, bad));
    assert_true(cvm_verify_detached(f.msg, 32, f.pk, f.sig));
}

/* The identity point (a small-order key): any S = 0 signature with R = the
 * identity would satisfy the bare equation for every message. */
static void test_small_order_key_rejected(void **state)
{
    (void)state;
    uint8_t pk[32] = {1}; /* the identity, encoded */
    uint8_t sig[64] = {1}; /* R = identity, S = 0 */
    const uint8_t msg[] = "anything";
    assert_false(cvm_verify_detached(msg, 8, pk, sig));
}

/* Pre-order verifies on several threads at once (each call also passes
 * through sodium_init()): every thread must get the same verdicts. */
typedef struct worker {
    uint8_t pk[32], sig[64], bad[64], msg[32];
    int valid, invalid;
} worker;

static void *verify_many(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < 50; i++) {
        w->valid += cvm_verify_detached(w->msg, 32, w->pk, w->sig);
        w->invalid += !cvm_verify_detached(w->msg, 32, w->pk, w->bad);
    }
    return NULL;
}

static void test_verify_on_threads(void **state)
{
    (void)state;
    fixture f;
    make_fixture(&f);
    worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        memcpy(w[i].pk, f.pk, 32);
        memcpy(w[i].sig, f.sig, 64);
        memcpy(w[i].bad, f.sig, 64);
        w[i].bad[i] ^= 1;
        memcpy(w[i].msg, f.msg, 32);
        w[i].valid = w[i].invalid = 0;
        assert_int_equal(pthread_create(&t[i], NULL, verify_many, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].valid, 50);
        assert_int_equal(w[i].invalid, 50);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8032_vectors),
        cmocka_unit_test(test_seed_keypair_fixed),
        cmocka_unit_test(test_random_keypairs_differ_and_work),
        cmocka_unit_test(test_dev_key_alice_is_stable),
        cmocka_unit_test(test_wrong_key_rejected),
        cmocka_unit_test(test_flipped_message_bit_rejected),
        cmocka_unit_test(test_flipped_signature_bit_rejected),
        cmocka_unit_test(test_non_canonical_s_rejected),
        cmocka_unit_test(test_small_order_key_rejected),
        cmocka_unit_test(test_verify_on_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
