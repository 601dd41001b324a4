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

/* A typed contract in a temporary file (path: 64 bytes); unlink it after. */
#define TYPED_SRC                                                                                            \
    ".contract Typed\n"                                                                                      \
    ".method add params a:int b:int returns int\n  Add\n"                                                   \
    ".method none returns\n  Push 1\n  Pop\n"                                                              \
    ".method size params who:bytes returns int\n  Pop\n  Push 4\n"                                       \
    ".method hello params n:int s:string returns int\n  Pop\n"

static void typed_file(char *path)
{
    snprintf(path, 64, "/tmp/coopvm-run-typed-XXXXXX.asm");
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(TYPED_SRC, f);
    fclose(f);
}

static void test_typed_values(void **state)
{
    (void)state;
    char p[64];
    typed_file(p);
    proc_result r = coopvm("run", p, "add", "2", "0x10", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "result    18\n"));
    proc_result_free(&r);
    /* a typed method's errors name the parameter */
    r = coopvm("run", p, "add", "2", "two", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "argument 2 (b): 'two' is not a 64-bit integer"));
    proc_result_free(&r);
    r = coopvm("run", p, "size", "0x123", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "argument 1 (who): '0x123' is not bytes"));
    proc_result_free(&r);
    /* a string that is not UTF-8, counted from 1 and named as the others */
    r = coopvm("run", p, "hello", "7", "ok\xff", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "argument 2 (s): the value is not valid UTF-8 (byte 2)"));
    proc_result_free(&r);
    r = coopvm("run", p, "hello", "7", "\xc3\xa9t\xc3\xa9", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "result    7\n"));
    proc_result_free(&r);
    r = coopvm("run", p, "size", "0xzz", NULL);
    assert_int_equal(r.status, 2);
    proc_result_free(&r);
    /* no results: no outputs, and none in JSON */
    r = coopvm("run", p, "none", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "outputs   ()\n"));
    proc_result_free(&r);
    r = coopvm("run", p, "none", "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *j = parse_json(r.out);
    assert_int_equal(json_array_size(json_object_get(j, "outputs")), 0);
    json_decref(j);
    proc_result_free(&r);
    unlink(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_positional_method_and_values),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_typed_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
