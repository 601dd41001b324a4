/*
 * test_utf8.c — strict UTF-8 validation (what string arguments and JSON
 * names must be) and cutting valid text short without splitting a
 * character.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/utf8.h"

static void test_valid(void **state)
{
    (void)state;
    size_t at = 99;
    assert_true(cvm_utf8_valid((const uint8_t *)"", 0, &at));
    assert_true(cvm_utf8_valid((const uint8_t *)"a\0b", 3, &at));
    assert_true(cvm_utf8_valid((const uint8_t *)"\xc2\x80\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf",
                               16, &at));
    assert_false(cvm_utf8_valid((const uint8_t *)"ab\x80", 3, &at));
    assert_int_equal(at, 2);
    assert_false(cvm_utf8_valid((const uint8_t *)"\xc1\xbf", 2, &at)); /* overlong */
    assert_int_equal(at, 0);
    assert_false(cvm_utf8_valid((const uint8_t *)"x\xe0\x9f\xbf", 4, &at)); /* overlong */
    assert_int_equal(at, 1);
    assert_false(cvm_utf8_valid((const uint8_t *)"\xf0\x8f\xbf\xbf", 4, &at)); /* overlong */
    assert_false(cvm_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4, &at)); /* > U+10FFFF */
    assert_false(cvm_utf8_valid((const uint8_t *)"\xf5\x80\x80\x80", 4, &at));
    assert_false(cvm_utf8_valid((const uint8_t *)"\xe1\x80", 2, &at)); /* truncated */
    assert_false(cvm_utf8_valid((const uint8_t *)"\xe1\x80\x41", 3, &at));
}

static void test_clip(void **state)
{
    (void)state;
    const uint8_t *s = (const uint8_t *)"a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"; /* a é € 😀: 1+2+3+4 bytes */
    static const size_t want[] = {0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 10};
    for (size_t max = 0; max < sizeof want / sizeof want[0]; max++) {
        size_t k = cvm_utf8_clip(s, 10, max);
        if (k != want[max])
            fail_msg("clip to %zu: %zu, expected %zu", max, k, want[max]);
        assert_true(cvm_utf8_valid(s, k, NULL));
    }
    assert_int_equal(cvm_utf8_clip(s, 0, 5), 0);
    assert_int_equal(cvm_utf8_clip((const uint8_t *)"abc", 3, 2), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_clip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
