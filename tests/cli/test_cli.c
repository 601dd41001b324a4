/*
 * test_cli.c — every `coopvm` subcommand driven as a user would: help and
 * version, usage errors (exit 2), bad input (exit 1), asm/disasm round trips,
 * run in text, JSON and trace form, and docs/opcodes.md kept fresh.
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

static char *write_temp(const char *suffix, const void *data, size_t len)
{
    char *path = malloc(64);
    snprintf(path, 64, "/tmp/coopvm-cli-XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = malloc((size_t)n + 1);
    assert_int_equal(fread(d, 1, (size_t)n, f), (size_t)n);
    d[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return d;
}

static void test_help_and_version(void **state)
{
    (void)state;
    proc_result r = coopvm("--version", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "coopvm 0."));
    proc_result_free(&r);

    r = coopvm("--help", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "run"));
    assert_non_null(strstr(r.out, "disasm"));
    proc_result_free(&r);

    static const char *const cmds[] = {"run", "asm", "disasm", "opcodes"};
    for (size_t i = 0; i < 4; i++) {
        r = coopvm(cmds[i], "--help", NULL);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, "usage: coopvm"));
        assert_non_null(strstr(r.out, cmds[i]));
        proc_result_free(&r);
    }
}

static void test_usage_errors_exit_2(void **state)
{
    (void)state;
    proc_result r = coopvm(NULL);
    assert_int_equal(r.status, 2);
    proc_result_free(&r);
    r = coopvm("frobnicate", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "unknown command 'frobnicate'"));
    proc_result_free(&r);
    r = coopvm("run", NULL);
    assert_int_equal(r.status, 2);
    proc_result_free(&r);
    r = coopvm("run", "examples/counter.asm", "--arg", "five", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--arg"));
    proc_result_free(&r);
    r = coopvm("run", "examples/counter.asm", "--gas", "0", NULL);
    assert_int_equal(r.status, 2);
    proc_result_free(&r);
    r = coopvm("run", "examples/counter.asm", "--state", "count", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "KEY=INT"));
    proc_result_free(&r);
    r = coopvm("run", "examples/counter.asm", "--bogus", NULL);
    assert_int_equal(r.status, 2);
    proc_result_free(&r);
    r = coopvm("asm", NULL);
    assert_int_equal(r.status, 2);
    proc_result_free(&r);
    r = coopvm("disasm", "a.cvm", "b.cvm", NULL);
    assert_int_equal(r.status, 2);
    proc_result_free(&r);
    r = coopvm("opcodes", "--yaml", NULL);
    assert_int_equal(r.status, 2);
    proc_result_free(&r);
}

static void test_bad_input_exit_1(void **state)
{
    (void)state;
    proc_result r = coopvm("run", "/nonexistent/x.asm", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "/nonexistent/x.asm"));
    proc_result_free(&r);

    const char src[] = ".contract Bad\n    Ad\n    Push\n    Jump nowhere\n";
    char *p = write_temp(".asm", src, sizeof src - 1);
    r = coopvm("asm", p, "-o", "/tmp/coopvm-cli-never.cvm", NULL);
    assert_int_equal(r.status, 1);
    /* every error, each as FILE:LINE:COL: error: MESSAGE */
    char want[160];
    snprintf(want, sizeof want, "%s:2:5: error: ", p);
    assert_non_null(strstr(r.err, want));
    snprintf(want, sizeof want, "%s:3:5: error: ", p);
    assert_non_null(strstr(r.err, want));
    snprintf(want, sizeof want, "%s:4:", p);
    assert_non_null(strstr(r.err, want));
    assert_int_equal(access("/tmp/coopvm-cli-never.cvm", F_OK), -1);
    proc_result_free(&r);
    unlink(p);
    free(p);

    const uint8_t junk[] = {'C', 'V', 'M', 0x1a, 1, 0, 7};
    p = write_temp(".cvm", junk, sizeof junk);
    r = coopvm("run", p, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "error"));
    proc_result_free(&r);
    r = coopvm("disasm", p, NULL);
    assert_int_equal(r.status, 1);
    proc_result_free(&r);
    unlink(p);
    free(p);

    /* a .cvm is a binary module whatever it holds: empty or text is refused
     * by the loader, not read as (empty) assembly */
    static const char *const not_modules[] = {"", "Push 1\n"};
    for (size_t i = 0; i < 2; i++) {
        p = write_temp(".cvm", not_modules[i], strlen(not_modules[i]));
        r = coopvm("run", p, NULL);
        assert_int_equal(r.status, 1);
        snprintf(want, sizeof want, "%s: error: magic at offset 0: ", p);
        if (!strstr(r.err, want))
            fail_msg("case %zu: stderr lacks \"%s\":\n%s", i, want, r.err);
        proc_result_free(&r);
        unlink(p);
        free(p);
    }

    /* a directory is named as such */
    r = coopvm("run", "/tmp", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "coopvm: /tmp: is a directory, not a file"));
    proc_result_free(&r);
}

static void test_asm_disasm_round_trip(void **state)
{
    (void)state;
    /* paths of this process: make cross runs two architectures' tests at once */
    char cvm1[64], asm2[64], cvm2[64];
    snprintf(cvm1, sizeof cvm1, "/tmp/coopvm-cli-rt1-%ld.cvm", (long)getpid());
    snprintf(asm2, sizeof asm2, "/tmp/coopvm-cli-rt2-%ld.asm", (long)getpid());
    snprintf(cvm2, sizeof cvm2, "/tmp/coopvm-cli-rt2-%ld.cvm", (long)getpid());
    proc_result r = coopvm("asm", "examples/counter.asm", "-o", cvm1, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    r = coopvm("disasm", cvm1, "-o", asm2, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    r = coopvm("asm", asm2, "-o", cvm2, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    size_t n1, n2;
    char *b1 = slurp(cvm1, &n1), *b2 = slurp(cvm2, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(b1, b2, n1);
    free(b1);
    free(b2);
    /* disasm to stdout prints the same text */
    r = coopvm("disasm", cvm1, NULL);
    assert_int_equal(r.status, 0);
    size_t n3;
    char *t = slurp(asm2, &n3);
    assert_int_equal(r.out_len, n3);
    assert_memory_equal(r.out, t, n3);
    free(t);
    proc_result_free(&r);
    /* a binary module runs like its source */
    r = coopvm("run", cvm1, "--method", "increment", "--arg", "2", "--reputation", "10", "--json", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\"result\": 2"));
    proc_result_free(&r);
    unlink(cvm1);
    unlink(asm2);
    unlink(cvm2);
}

static void test_asm_default_output_name(void **state)
{
    (void)state;
    char dir[] = "/tmp/coopvm-cli-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char in[64], out[64];
    snprintf(in, sizeof in, "%s/prog.asm", dir);
    snprintf(out, sizeof out, "%s/prog.cvm", dir);
    FILE *f = fopen(in, "w");
    assert_non_null(f);
    fputs("Push 1\n", f);
    fclose(f);
    proc_result r = coopvm("asm", in, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    assert_int_equal(access(out, F_OK), 0);
    /* the contract is named after the file's stem */
    r = coopvm("disasm", out, NULL);
    assert_non_null(strstr(r.out, ".contract prog"));
    proc_result_free(&r);
    unlink(out);
    unlink(in);
    rmdir(dir);
}

static void test_run_json(void **state)
{
    (void)state;
    proc_result r = coopvm("run", "examples/counter.asm", "--method", "increment", "--arg", "5", "--state",
                           "count=37", "--reputation", "10", "--json", NULL);
    assert_int_equal(r.status, 0);
    json_error_t e;
    json_t *j = json_loads(r.out, 0, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "SUCCESS");
    assert_int_equal(json_integer_value(json_object_get(j, "result")), 42);
    assert_true(json_integer_value(json_object_get(j, "gas_used")) > 0);
    assert_null(json_object_get(j, "error"));
    json_t *ev = json_array_get(json_object_get(j, "events"), 0);
    assert_string_equal(json_string_value(json_object_get(ev, "service")), "Counter");
    assert_string_equal(json_string_value(json_object_get(ev, "name")), "Counted");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ev, "fields"), "value")), 42);
    json_t *d = json_array_get(json_object_get(j, "state_diff"), 0);
    assert_string_equal(json_string_value(json_object_get(d, "key")), "count");
    assert_int_equal(json_integer_value(json_object_get(d, "value")), 42); /* decoded, with the bytes beside */
    assert_string_equal(json_string_value(json_object_get(d, "raw")), "2a00000000000000");
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "logs"), 0)), "42");
    json_decref(j);
    proc_result_free(&r);

    /* failure: exit 1, the error located, nothing in the diff, no events */
    r = coopvm("run", "examples/counter.asm", "--method", "increment", "--arg", "0", "--reputation", "10",
               "--json", NULL);
    assert_int_equal(r.status, 1);
    j = json_loads(r.out, 0, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "ERROR_SMART_CONTRACT");
    json_t *err = json_object_get(j, "error");
    assert_string_equal(json_string_value(json_object_get(err, "code")), "ABORTED");
    assert_string_equal(json_string_value(json_object_get(err, "method")), "increment");
    assert_true(json_integer_value(json_object_get(err, "line")) > 0);
    assert_int_equal(json_array_size(json_object_get(j, "state_diff")), 0);
    assert_int_equal(json_array_size(json_object_get(j, "events")), 0);
    json_decref(j);
    proc_result_free(&r);
}

static void test_run_text_and_trace(void **state)
{
    (void)state;
    proc_result r = coopvm("run", "examples/counter.asm", "--method", "get", "--state", "count=7", "--reputation",
                           "10", "--trace", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "SUCCESS"));
    assert_non_null(strstr(r.out, "7"));
    /* one JSON object per executed instruction on stderr */
    json_error_t e;
    json_t *step = json_loads(r.err, JSON_DISABLE_EOF_CHECK, &e);
    assert_non_null(step);
    assert_int_equal(json_integer_value(json_object_get(step, "pc")), 15);
    assert_string_equal(json_string_value(json_object_get(step, "op")), "Load");
    assert_string_equal(json_string_value(json_object_get(step, "operand")), "count");
    assert_int_equal(json_integer_value(json_object_get(step, "depth")), 0);
    assert_int_equal(json_integer_value(json_object_get(step, "gas_left")), 1000000);
    json_decref(step);
    proc_result_free(&r);

    r = coopvm("run", "examples/counter.asm", "--method", "get", "--reputation", "3", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "INSUFFICIENT_REPUTATION"));
    proc_result_free(&r);

    /* a bytes top is shown as its bytes (text, or 0x hex), not as the cell */
    r = coopvm("run", "examples/ledger/Ledger.asm", "balanceOf", "@bob", "--trace", NULL);
    assert_int_equal(r.status, 0);
    const char *line = r.err;
    for (int i = 0; i < 2 && line; i++) {
        step = json_loads(line, JSON_DISABLE_EOF_CHECK, &e);
        assert_non_null(step);
        assert_true(json_is_string(json_object_get(step, "top")));
        if (i == 0) /* PushBytes is named as the source and disasm write it */
            assert_string_equal(json_string_value(json_object_get(step, "op")), "Push");
        if (i == 1)
            assert_string_equal(json_string_value(json_object_get(step, "top")), "balance/");
        json_decref(step);
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    proc_result_free(&r);
}

static void test_opcodes_docs_are_fresh(void **state)
{
    (void)state;
    proc_result r = coopvm("opcodes", "--markdown", NULL);
    assert_int_equal(r.status, 0);
    size_t n;
    char *doc = slurp("docs/opcodes.md", &n);
    if (n != r.out_len || memcmp(doc, r.out, n) != 0)
        fail_msg("docs/opcodes.md is stale: run `make docs` and commit it");
    free(doc);
    proc_result_free(&r);

    r = coopvm("opcodes", "--json", NULL);
    assert_int_equal(r.status, 0);
    json_error_t e;
    json_t *j = json_loads(r.out, 0, &e);
    assert_true(json_array_size(j) > 40);
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "mnemonic")), "Add");
    json_decref(j);
    proc_result_free(&r);

    r = coopvm("opcodes", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "CreateCooperative"));
    proc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_version),    cmocka_unit_test(test_usage_errors_exit_2),
        cmocka_unit_test(test_bad_input_exit_1),    cmocka_unit_test(test_asm_disasm_round_trip),
        cmocka_unit_test(test_asm_default_output_name), cmocka_unit_test(test_run_json),
        cmocka_unit_test(test_run_text_and_trace),  cmocka_unit_test(test_opcodes_docs_are_fresh),
    };
    return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
