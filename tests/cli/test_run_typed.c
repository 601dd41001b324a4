/*
 * test_run_typed.c — `coopvm run`'s arguments and results: the method and
 * its values after FILE as well as --method/--arg, a negative number as a
 * value, each value read as the method declares its parameter, and the
 * usage errors naming the argument.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/clitest.h"

static void test_positional_method_and_values(void **state)
{
    (void)state;
    proc_result r = coopvm("run", "examples/counter.asm", "increment", "5", "--reputation", "10", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "result    5\n"));
    proc_result_free(&r);
    /* the same as the flags */
    proc_result f = coopvm("run", "examples/counter.asm", "--method", "increment", "--arg", "5", "--reputation", "10",
                           NULL);
    r = coopvm("run", "examples/counter.asm", "increment", "5", "--reputation", "10", NULL);
    assert_string_equal(r.out, f.out);
    proc_result_free(&r);
    proc_result_free(&f);
    /* a negative number is a value, not a flag (counter refuses it: Abort 1) */
    r = coopvm("run", "examples/counter.asm", "increment", "-5", "--reputation", "10", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "ABORTED"));
    proc_result_free(&r);
}

static void test_usage_errors(void **state)
{
    (void)state;
    proc_result r = coopvm("run", "examples/counter.asm", "increment", "--method", "increment", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "the method is named twice"));
    proc_result_free(&r);
    r = coopvm("run", "examples/counter.asm", "increment", "five", "--reputation", "10", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "argument 1: 'five' is not a 64-bit integer"));
    proc_result_free(&r);
    r = coopvm("run", "examples/counter.asm", "--arg", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--arg needs a value"));
    proc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_positional_method_and_values),
        cmocka_unit_test(test_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
