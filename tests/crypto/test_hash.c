/* test_hash.c — SHA-256 against the FIPS 180-2 vectors, one-shot and incremental. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/hash.h"

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

static void check(const char *msg, const char *want)
{
    uint8_t d[CVM_SHA256_BYTES];
    char h[2 * CVM_SHA256_BYTES + 1];
    cvm_sha256(msg, strlen(msg), d);
    hex(d, sizeof d, h);
    assert_string_equal(h, want);

    /* the same bytes fed one at a time */
    cvm_sha256_ctx c;
    cvm_sha256_init(&c);
    for (size_t i = 0; msg[i]; i++)
        cvm_sha256_update(&c, msg + i, 1);
    cvm_sha256_final(&c, d);
    hex(d, sizeof d, h);
    assert_string_equal(h, want);
}

static void test_empty(void **state)
{
    (void)state;
    check("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    uint8_t d[CVM_SHA256_BYTES], e[CVM_SHA256_BYTES];
    cvm_sha256("", 0, d);
    cvm_sha256(NULL, 0, e); /* NULL with no bytes is allowed */
    assert_memory_equal(d, e, sizeof d);
}

static void test_abc(void **state)
{
    (void)state;
    check("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_two_blocks(void **state)
{
    (void)state;
    check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_abc),
        cmocka_unit_test(test_two_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
