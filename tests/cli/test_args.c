/*
 * test_args.c — how the command line reads its arguments, whatever the
 * command: `coopvm help CMD` is `coopvm CMD --help`, `--flag=value` is
 * `--flag value` (up to a `--`), and a flag that takes no value refuses
 * `=value` (exit 2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "cli/clitest.h"

static const char *const commands[] = {"run", "asm", "disasm", "opcodes", "keygen", "tx", "process", "events"};

static void test_help_cmd(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        proc_result a = coopvm("help", commands[i], NULL), b = coopvm(commands[i], "--help", NULL);
        assert_int_equal(a.status, 0);
        assert_int_equal(b.status, 0);
        assert_non_null(strstr(a.out, "usage: coopvm"));
        assert_string_equal(a.out, b.out);
        proc_result_free(&a);
        proc_result_free(&b);
    }
    proc_result r = coopvm("help", "frobnicate", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "coopvm help: unknown command 'frobnicate'"));
    proc_result_free(&r);
    r = coopvm("help", "run", "asm", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "one command at a time"));
    proc_result_free(&r);
    r = coopvm("help", NULL); /* alone: the list of commands, which names `help CMD` */
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "coopvm help COMMAND"));
    proc_result_free(&r);
}

/* Runs coopvm twice, with the flags apart and joined by '=', and asserts
 * the two print the same and exit 0. */
static void same(const char *const apart[], const char *const joined[])
{
    proc_result a, b;
    const char *x[PROC_MAX_ARGS + 1] = {0}, *y[PROC_MAX_ARGS + 1] = {0};
    for (size_t i = 0; apart[i]; i++)
        x[i] = apart[i];
    for (size_t i = 0; joined[i]; i++)
        y[i] = joined[i];
    assert_int_equal(proc_coopvm_run(&a, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10], x[11],
                                     x[12], x[13], x[14], NULL),
                     0);
    assert_int_equal(proc_coopvm_run(&b, y[0], y[1], y[2], y[3], y[4], y[5], y[6], y[7], y[8], y[9], y[10], y[11],
                                     y[12], y[13], y[14], NULL),
                     0);
    if (a.status != 0 || b.status != 0 || strcmp(a.out, b.out) != 0)
        fail_msg("%s: apart exit %d:\n%s%s\njoined exit %d:\n%s%s", apart[0], a.status, a.out, a.err, b.status, b.out,
                 b.err);
    proc_result_free(&a);
    proc_result_free(&b);
}

static void test_flag_equals_value(void **state)
{
    (void)state;
    same((const char *const[]){"run", "examples/counter.asm", "--method", "increment", "--arg", "5", "--reputation",
                               "10", "--state", "count=41", "--gas", "500000", "--dispatch", "switch", NULL},
         (const char *const[]){"run", "examples/counter.asm", "--method=increment", "--arg=5", "--reputation=10",
                               "--state=count=41", "--gas=500000", "--dispatch=switch", NULL});
    same((const char *const[]){"keygen", "--name", "alice", NULL}, (const char *const[]){"keygen", "--name=alice", NULL});
    same((const char *const[]){"tx", "build", "--service", "Counter", "--method", "increment", "--arg", "5",
                               "--timestamp", "7", "--chain", "3", NULL},
         (const char *const[]){"tx", "build", "--service=Counter", "--method=increment", "--arg=5", "--timestamp=7",
                               "--chain=3", NULL});
    /* a value may hold '=' and may be empty */
    same((const char *const[]){"tx", "build", "--service", "S", "--method", "m", "--arg", "\"a=b\"", "--timestamp",
                               "1", NULL},
         (const char *const[]){"tx", "build", "--service=S", "--method=m", "--arg=\"a=b\"", "--timestamp=1", NULL});
    proc_result r = coopvm("run", "examples/counter.asm", "--method=", NULL);
    assert_int_equal(r.status, 1); /* the empty method name reached run */
    proc_result_free(&r);

    char dir[] = "/tmp/coopvm-args-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char data[64], flag[80];
    snprintf(data, sizeof data, "%s/data", dir);
    r = coopvm("process", "examples/counter.json", "--data", data, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    snprintf(flag, sizeof flag, "--data=%s", data);
    same((const char *const[]){"events", "--data", data, "--service", "Counter", "--from", "2", "--json", NULL},
         (const char *const[]){"events", flag, "--service=Counter", "--from=2", "--json", NULL});
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* A flag without a value given one is a usage error naming it. */
static void test_flag_without_value_refuses_one(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        {"run", "examples/counter.asm", "--json=1"}, {"run", "examples/counter.asm", "--trace=yes"},
        {"opcodes", "--markdown=x", NULL},           {"keygen", "--json=true", NULL},
        {"process", "examples/counter.json", "--json=1"}, {"asm", "--help=x", NULL},
        {"process", "examples/counter.json", "--quiet=1"}, {"events", "--json=1", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        proc_result r = coopvm(cases[i][0], cases[i][1], cases[i][2], NULL);
        const char *a = cases[i][2] ? cases[i][2] : cases[i][1];
        char want[96];
        snprintf(want, sizeof want, "coopvm %s: --%.*s takes no value (in '%s')", cases[i][0],
                 (int)(strchr(a, '=') - a - 2), a + 2, a);
        if (r.status != 2 || !strstr(r.err, want))
            fail_msg("want exit 2 and \"%s\", got %d: %s", want, r.status, r.err);
        assert_int_equal(r.out_len, 0);
        proc_result_free(&r);
    }
    /* an unknown flag is unknown either way */
    proc_result r = coopvm("run", "examples/counter.asm", "--bogus=1", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "unknown flag '--bogus'"));
    proc_result_free(&r);
}

/* After "--" nothing is split: "--json=1" is passed on as it is. */
static void test_double_dash_stops_splitting(void **state)
{
    (void)state;
    proc_result r = coopvm("asm", "--", "--json=1", NULL);
    assert_int_equal(r.status, 2);
    assert_null(strstr(r.err, "takes no value"));
    proc_result_free(&r);
}

/* run --method with a name the contract lacks: the nearest names and the
 * contract's methods, from the VM's UNKNOWN_METHOD message. */
static void test_unknown_method_suggests(void **state)
{
    (void)state;
    proc_result r = coopvm("run", "examples/counter.asm", "--method=incremnt", "--json", NULL);
    assert_int_equal(r.status, 1);
    json_t *j = parse_json(r.out);
    const json_t *e = json_object_get(j, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "UNKNOWN_METHOD");
    assert_string_equal(json_string_value(json_object_get(e, "message")),
                        "service Counter has no method 'incremnt' (did you mean 'increment'? its methods: "
                        "increment, get)");
    json_decref(j);
    proc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_cmd),
        cmocka_unit_test(test_flag_equals_value),
        cmocka_unit_test(test_flag_without_value_refuses_one),
        cmocka_unit_test(test_double_dash_stops_splitting),
        cmocka_unit_test(test_unknown_method_suggests),
    };
    return cmocka_run_group_tests_name("cli args", tests, NULL, NULL);
}
