/*
 * test_diff.c — the state diff's canonical order, exact encoding, strict
 * decoding (unsorted, duplicate, trailing, truncated, absurd counts) and
 * hash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "state/diff.h"

#define B(s) (const uint8_t *)(s), strlen(s)

static void test_encoding_bytes(void **state)
{
    (void)state;
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    assert_int_equal(cvm_state_diff_add(&d, B("Svc"), B("k"), B("v1")), CVM_OK);
    assert_int_equal(cvm_state_diff_add(&d, B("Svc"), B("l"), NULL, 0), CVM_OK);
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    assert_int_equal(cvm_state_diff_encode(&d, &b), CVM_OK);
    static const uint8_t want[] = {2, 3, 'S', 'v', 'c', 1, 'k', 2, 'v', '1', 3, 'S', 'v', 'c', 1, 'l', 0};
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);

    /* the hash is SHA-256 of exactly these bytes */
    uint8_t h[CVM_SHA256_BYTES], h2[CVM_SHA256_BYTES];
    assert_int_equal(cvm_state_diff_hash(&d, h), CVM_OK);
    cvm_sha256(want, sizeof want, h2);
    assert_memory_equal(h, h2, sizeof h);

    /* and they decode back to the same entries */
    cvm_state_diff e;
    cvm_state_diff_init(&e, NULL);
    char err[200] = "";
    assert_int_equal(cvm_state_diff_decode(b.data, b.len, &e, err, sizeof err), CVM_OK);
    assert_int_equal(e.count, 2);
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(cvm_diff_entry_cmp(&d.entries[i], &e.entries[i]), 0);
    assert_int_equal(e.entries[0].value_len, 2);
    assert_memory_equal(e.entries[0].value, "v1", 2);
    assert_int_equal(e.entries[1].value_len, 0);
    assert_null(e.entries[1].value);
    cvm_state_diff_free(&e);
    cvm_state_diff_free(&d);
    cvm_buf_free(&b);
}

static void test_empty_diff(void **state)
{
    (void)state;
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    assert_int_equal(cvm_state_diff_encode(&d, &b), CVM_OK);
    assert_int_equal(b.len, 1);
    assert_int_equal(b.data[0], 0);
    uint8_t h[CVM_SHA256_BYTES], h2[CVM_SHA256_BYTES];
    assert_int_equal(cvm_state_diff_hash(&d, h), CVM_OK);
    cvm_sha256("", 1, h2); /* one zero byte */
    assert_memory_equal(h, h2, sizeof h);
    cvm_buf_free(&b);
}

static void test_sort_order(void **state)
{
    (void)state;
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    /* added in a scrambled order */
    const char *pairs[][2] = {{"b", "a"}, {"ab", "z"}, {"a", "b"}, {"a", ""}, {"a", "ba"}, {"", "q"}, {"a", "\xff"}};
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++)
        assert_int_equal(cvm_state_diff_add(&d, B(pairs[i][0]), B(pairs[i][1]), B("1")), CVM_OK);
    char err[200];
    assert_int_equal(cvm_state_diff_check(&d, err, sizeof err), CVM_EINPUT);
    cvm_state_diff_sort(&d);
    assert_int_equal(cvm_state_diff_check(&d, err, sizeof err), CVM_OK);
    const char *want[][2] = {{"", "q"}, {"a", ""}, {"a", "b"}, {"a", "ba"}, {"a", "\xff"}, {"ab", "z"}, {"b", "a"}};
    for (size_t i = 0; i < d.count; i++) {
        assert_int_equal(d.entries[i].service_len, strlen(want[i][0]));
        assert_memory_equal(d.entries[i].service, want[i][0], d.entries[i].service_len);
        assert_int_equal(d.entries[i].key_len, strlen(want[i][1]));
        assert_memory_equal(d.entries[i].key, want[i][1], d.entries[i].key_len);
    }
    /* a duplicate is caught after sorting */
    assert_int_equal(cvm_state_diff_add(&d, B("a"), B("b"), B("2")), CVM_OK);
    cvm_state_diff_sort(&d);
    assert_int_equal(cvm_state_diff_check(&d, err, sizeof err), CVM_EINPUT);
    assert_non_null(strstr(err, "duplicates the previous entry"));
    cvm_state_diff_free(&d);
}

static void reject(const uint8_t *p, size_t n, const char *want)
{
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    char err[200] = "";
    assert_int_equal(cvm_state_diff_decode(p, n, &d, err, sizeof err), CVM_EINPUT);
    if (!strstr(err, want))
        fail_msg("error \"%s\" does not say \"%s\"", err, want);
    cvm_state_diff_free(&d);
}

static void test_decode_rejects(void **state)
{
    (void)state;
    /* ("S","b") then ("S","a"): out of order */
    static const uint8_t unsorted[] = {2, 1, 'S', 1, 'b', 1, '1', 1, 'S', 1, 'a', 1, '1'};
    reject(unsorted, sizeof unsorted, "entry 1 at offset 7: is out of order");
    /* services compare before keys: ("T","a") then ("S","z") */
    static const uint8_t unsorted_svc[] = {2, 1, 'T', 1, 'a', 0, 1, 'S', 1, 'z', 0};
    reject(unsorted_svc, sizeof unsorted_svc, "out of order");
    static const uint8_t dup[] = {2, 1, 'S', 1, 'a', 1, '1', 1, 'S', 1, 'a', 1, '2'};
    reject(dup, sizeof dup, "entry 1 at offset 7: duplicates the previous entry");
    static const uint8_t trailing[] = {1, 1, 'S', 1, 'a', 1, '1', 0};
    reject(trailing, sizeof trailing, "1 trailing bytes after the last entry");
    static const uint8_t truncated[] = {1, 1, 'S', 1, 'a', 5, '1'};
    reject(truncated, sizeof truncated, "state diff entry value");
    static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0};
    reject(huge, sizeof huge, "only 3 bytes follow");
    static const uint8_t overlong[] = {0x80, 0x00};
    reject(overlong, sizeof overlong, "non-minimal");
    reject(NULL, 0, "entry count");
    /* the smallest valid diffs */
    static const uint8_t empty[] = {0};
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    assert_int_equal(cvm_state_diff_decode(empty, 1, &d, NULL, 0), CVM_OK);
    assert_int_equal(d.count, 0);
    static const uint8_t one[] = {1, 0, 0, 0};
    assert_int_equal(cvm_state_diff_decode(one, sizeof one, &d, NULL, 0), CVM_OK);
    assert_int_equal(d.count, 1);
    cvm_state_diff_free(&d);
}

/* Random bytes, many of them shaped like diffs: a decode either fails
 * cleanly or gives a diff whose encoding is exactly the input (one diff,
 * one encoding). A fixed seed keeps the run repeatable. */
static void test_decode_random_is_canonical(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    int ok = 0;
    for (int round = 0; round < 20000; round++) {
        uint8_t in[24];
        size_t n = 0;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t len = x % sizeof in;
        /* mostly small numbers, so that lengths and counts often fit */
        for (; n < len; n++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            in[n] = (x & 3) ? (uint8_t)(x >> 8) % 4 : (uint8_t)(x >> 8);
        }
        cvm_state_diff d;
        cvm_state_diff_init(&d, NULL);
        char err[200];
        if (cvm_state_diff_decode(in, n, &d, err, sizeof err) == CVM_OK) {
            ok++;
            cvm_buf b;
            cvm_buf_init(&b, NULL);
            assert_int_equal(cvm_state_diff_encode(&d, &b), CVM_OK);
            assert_int_equal(b.len, n);
            assert_memory_equal(b.data, in, n);
            assert_int_equal(cvm_state_diff_check(&d, NULL, 0), CVM_OK);
            cvm_buf_free(&b);
        } else {
            assert_true(err[0] != '\0');
        }
        cvm_state_diff_free(&d);
    }
    assert_true(ok > 100); /* the generator does reach valid diffs */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encoding_bytes),
        cmocka_unit_test(test_empty_diff),
        cmocka_unit_test(test_sort_order),
        cmocka_unit_test(test_decode_rejects),
        cmocka_unit_test(test_decode_random_is_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
