/*
 * test_suggest.c — base/suggest.h: the nearest names by edit distance
 * (typos, swapped letters, case), ties in set order, nothing far-fetched,
 * and the appended text cut to fit its buffer without breaking a name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/suggest.h"

static const char *at(const void *set, size_t i) { return ((const char *const *)set)[i]; }

static const char *const methods[] = {"get", "increment", "decrement", "reset", "set"};
#define N (sizeof methods / sizeof methods[0])

static size_t near(const char *want, const char *out[CVM_SUGGEST_MAX])
{
    return cvm_suggest(want, strlen(want), methods, N, at, out);
}

static void test_nearest(void **state)
{
    (void)state;
    const char *out[CVM_SUGGEST_MAX];
    assert_int_equal(near("incremnt", out), 1); /* a letter left out */
    assert_string_equal(out[0], "increment");
    assert_int_equal(near("icnrement", out), 1); /* two swapped */
    assert_string_equal(out[0], "increment");
    assert_int_equal(near("Increment", out), 1); /* case */
    assert_string_equal(out[0], "increment");
    assert_int_equal(near("crement", out), 2); /* ties in set order */
    assert_string_equal(out[0], "increment");
    assert_string_equal(out[1], "decrement");
    assert_int_equal(near("sett", out), 1); /* only the nearest ("reset" is 2 away) */
    assert_string_equal(out[0], "set");
    assert_int_equal(near("nope", out), 0); /* nothing far-fetched */
    assert_int_equal(near("", out), 0);
}

static void test_append(void **state)
{
    (void)state;
    char buf[240] = "no method 'incremnt'";
    cvm_suggest_append(buf, sizeof buf, "incremnt", 8, methods, N, at, "methods");
    assert_string_equal(buf, "no method 'incremnt' (did you mean 'increment'? methods: get, increment, decrement, "
                             "reset, set)");
    strcpy(buf, "x");
    cvm_suggest_append(buf, sizeof buf, "nope", 4, methods, N, at, "methods");
    assert_string_equal(buf, "x (methods: get, increment, decrement, reset, set)");
    strcpy(buf, "x");
    cvm_suggest_append(buf, sizeof buf, "crement", 7, methods, N, at, NULL);
    assert_string_equal(buf, "x (did you mean 'increment' or 'decrement'?)");
    strcpy(buf, "x");
    cvm_suggest_append(buf, sizeof buf, "nope", 4, methods, N, at, NULL);
    assert_string_equal(buf, "x"); /* nothing to say */
    strcpy(buf, "x");
    cvm_suggest_append(buf, sizeof buf, "nope", 4, methods, 0, at, "methods");
    assert_string_equal(buf, "x"); /* an empty set */

    /* cut to fit: whole names, then ", ..." */
    char small[40] = "x";
    cvm_suggest_append(small, sizeof small, "nope", 4, methods, N, at, "methods");
    assert_string_equal(small, "x (methods: get, increment, ...)");
    assert_true(strlen(small) < sizeof small);
    for (size_t cap = 2; cap < 80; cap++) { /* every size: NUL-terminated, within cap, never a name cut */
        char b[80] = "x";
        cvm_suggest_append(b, cap, "incremnt", 8, methods, N, at, "methods");
        assert_true(strlen(b) < cap || (cap <= 2 && strcmp(b, "x") == 0));
        assert_true(strcmp(b, "x") == 0 || b[strlen(b) - 1] == ')');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nearest),
        cmocka_unit_test(test_append),
    };
    return cmocka_run_group_tests_name("suggest", tests, NULL, NULL);
}
