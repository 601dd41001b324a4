/*
 * test_reasons.c — how `coopvm run` and `coopvm process` show a failure:
 * a contract's reason (Abort of bytes, Assert) as the error's message and
 * as error.reason in JSON (text when UTF-8, else 0x hex; in text after the
 * error when the message cannot show it whole), and an error that crossed
 * eight nested calls: the innermost code, message and reason whole after
 * the path of calls, the outermost method, pc and line.
 *
 * Scenario files are written to a fresh temporary directory per test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "cli/clitest.h"

/* Level1..Level8 whose method `m` calls the next one's; Level8's runs
 * last_body. A scenario where alice calls Level1.m in one block. */
static const char *levels_scenario(tmpdir *t, const char *m, const char *last_body)
{
    char src[512], name[32], contracts[1024] = "";
    for (int i = 1; i <= 8; i++) {
        if (i < 8)
            snprintf(src, sizeof src, ".contract Level%d\n.method %s\n  CallService \"Level%d.%s\"\n", i, m, i + 1, m);
        else
            snprintf(src, sizeof src, ".contract Level8\n.method %s\n%s", m, last_body);
        snprintf(name, sizeof name, "level%d.asm", i);
        tmpdir_put(t, name, src);
        size_t n = strlen(contracts);
        snprintf(contracts + n, sizeof contracts - n, "%s\"Level%d\": \"level%d.asm\"", i > 1 ? ", " : "", i, i);
    }
    char text[2048];
    snprintf(text, sizeof text,
             "{\"accounts\": {\"alice\": {\"reputation\": 10}},\n \"contracts\": {%s},\n"
             " \"blocks\": [[{\"signer\": \"alice\", \"contract\": \"Level1\", \"method\": \"%s\"}]]}\n",
             contracts, m);
    return tmpdir_put(t, "scenario.json", text);
}

/* The error of the receipt of block 3's one transaction in process --json. */
static json_t *error_of_json(const char *out, json_t **root)
{
    *root = parse_json(out);
    json_t *blocks = json_object_get(*root, "blocks");
    json_t *rc = json_array_get(json_object_get(json_array_get(blocks, 2), "receipts"), 0);
    assert_non_null(rc);
    json_t *e = json_object_get(rc, "error");
    assert_non_null(e);
    return e;
}

static void test_eight_levels_text_and_json(void **state)
{
    (void)state;
    tmpdir t;
    tmpdir_open(&t, "reasons");
    const char *path = levels_scenario(&t, "forward", "  Push 1\n  Pop\n  Push 7\n  Abort\n");
    proc_result r = coopvm("process", path, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "alice -> Level1.forward(): ERROR_SMART_CONTRACT ABORTED: Level2.forward: "
                                  "Level3.forward: Level4.forward: Level5.forward: Level6.forward: Level7.forward: "
                                  "Level8.forward: aborted with code 7 (method forward, pc 0, line 3), gas "));
    assert_null(strstr(r.out, " reason ")); /* no reason: nothing after */
    proc_result_free(&r);

    r = coopvm("process", path, "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *root;
    json_t *e = error_of_json(r.out, &root);
    assert_string_equal(json_string_value(json_object_get(e, "code")), "ABORTED");
    assert_string_equal(json_string_value(json_object_get(e, "message")),
                        "Level2.forward: Level3.forward: Level4.forward: Level5.forward: Level6.forward: "
                        "Level7.forward: Level8.forward: aborted with code 7");
    assert_null(json_object_get(e, "reason"));
    json_decref(root);
    proc_result_free(&r);
    tmpdir_close(&t);
}

/* Long names: the path gives way in its middle, the root cause stays. */
static void test_eight_levels_long_names(void **state)
{
    (void)state;
    tmpdir t;
    tmpdir_open(&t, "reasons");
    const char *m = "passTheRequestAlongToTheNextLevelOfTheChain";
    const char *path = levels_scenario(&t, m, "  Push 1\n  Pop\n  Push 7\n  Abort\n");
    proc_result r = coopvm("process", path, "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *root;
    json_t *e = error_of_json(r.out, &root);
    assert_string_equal(json_string_value(json_object_get(e, "code")), "ABORTED");
    const char *msg = json_string_value(json_object_get(e, "message"));
    char head[80], tail[120];
    snprintf(head, sizeof head, "Level2.%s: \xe2\x80\xa6: ", m);
    snprintf(tail, sizeof tail, ": Level8.%s: aborted with code 7", m);
    assert_int_equal(strncmp(msg, head, strlen(head)), 0);
    assert_true(strlen(msg) > strlen(tail) && strcmp(msg + strlen(msg) - strlen(tail), tail) == 0);
    assert_true(strlen(msg) < 240);
    json_decref(root);
    proc_result_free(&r);
    tmpdir_close(&t);
}

/* The example: a contract composes its reason; run prints it as
 * the error's message, --json as error.reason too. */
static const char *const TOKEN = ".contract Token\n"
                                 ".method transfer\n"
                                 "  PushBytes \"insufficient balance: has \"\n"
                                 "  Push 40\n"
                                 "  Itoa\n"
                                 "  Concat\n"
                                 "  PushBytes \", needs \"\n"
                                 "  Concat\n"
                                 "  Push 300\n"
                                 "  Itoa\n"
                                 "  Concat\n"
                                 "  Abort\n"
                                 ".method check params 1\n"
                                 "  Assert \"amount must be positive\"\n"
                                 "  Push 1\n";

static void test_run_reason_text_and_json(void **state)
{
    (void)state;
    tmpdir t;
    tmpdir_open(&t, "reasons");
    const char *path = tmpdir_put(&t, "token.asm", TOKEN);
    proc_result r = coopvm("run", path, "--method", "transfer", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "error     ABORTED: insufficient balance: has 40, needs 300 (method transfer, pc 9, "
                                  "line 12)\n"));
    proc_result_free(&r);

    r = coopvm("run", path, "--method", "transfer", "--json", NULL);
    assert_int_equal(r.status, 1);
    json_t *root = parse_json(r.out);
    json_t *e = json_object_get(root, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "ABORTED");
    assert_string_equal(json_string_value(json_object_get(e, "message")), "insufficient balance: has 40, needs 300");
    assert_string_equal(json_string_value(json_object_get(e, "reason")), "insufficient balance: has 40, needs 300");
    json_decref(root);
    proc_result_free(&r);

    /* Assert: fails with its reason when the condition is 0, not otherwise */
    r = coopvm("run", path, "--method", "check", "--arg", "0", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "error     ABORTED: amount must be positive (method check, pc 10, line 14)\n"));
    proc_result_free(&r);
    r = coopvm("run", path, "--method", "check", "--arg", "5", "--json", NULL);
    assert_int_equal(r.status, 0);
    root = parse_json(r.out);
    assert_null(json_object_get(root, "error"));
    json_decref(root);
    proc_result_free(&r);
    tmpdir_close(&t);
}

/* A reason that is not UTF-8: hex in JSON; in text the message's hex holds
 * 118 bytes, so a longer one follows the error whole as " reason 0x...". */
static void test_reason_not_utf8(void **state)
{
    (void)state;
    tmpdir t;
    tmpdir_open(&t, "reasons");
    char src[2048] = ".contract Bin\n.method short\n  PushBytes \"\\xff\\x00\\x01\"\n  Abort\n.method long\n  PushBytes \"";
    char hex[2 * 150 + 3] = "0x";
    for (int i = 0; i < 150; i++) {
        snprintf(src + strlen(src), sizeof src - strlen(src), "\\x%02x", (unsigned)(0x80 + i % 100));
        snprintf(hex + strlen(hex), sizeof hex - strlen(hex), "%02x", (unsigned)(0x80 + i % 100));
    }
    snprintf(src + strlen(src), sizeof src - strlen(src), "\"\n  Abort\n");
    const char *path = tmpdir_put(&t, "bin.asm", src);

    proc_result r = coopvm("run", path, "--method", "short", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "error     ABORTED: 0xff0001 (method short, pc 1, line 4)\n"));
    proc_result_free(&r);
    r = coopvm("run", path, "--method", "short", "--json", NULL);
    json_t *root = parse_json(r.out);
    assert_string_equal(json_string_value(json_object_get(json_object_get(root, "error"), "reason")), "0xff0001");
    json_decref(root);
    proc_result_free(&r);

    r = coopvm("run", path, "--method", "long", NULL);
    assert_int_equal(r.status, 1);
    char want[400];
    snprintf(want, sizeof want, "(method long, pc 3, line 7) reason %s\n", hex);
    assert_non_null(strstr(r.out, want));
    proc_result_free(&r);
    r = coopvm("run", path, "--method", "long", "--json", NULL);
    root = parse_json(r.out);
    assert_string_equal(json_string_value(json_object_get(json_object_get(root, "error"), "reason")), hex);
    json_decref(root);
    proc_result_free(&r);
    tmpdir_close(&t);
}

/* Through eight nested calls in a block: the reason in the text after the
 * path, and as error.reason in --json. */
static void test_process_nested_reason(void **state)
{
    (void)state;
    tmpdir t;
    tmpdir_open(&t, "reasons");
    const char *path = levels_scenario(&t, "forward", "  Push 0\n  Assert \"not a member of coop-1\"\n");
    proc_result r = coopvm("process", path, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "ABORTED: Level2.forward: Level3.forward: Level4.forward: Level5.forward: "
                                  "Level6.forward: Level7.forward: Level8.forward: not a member of coop-1 (method "
                                  "forward, pc 0, line 3), gas "));
    proc_result_free(&r);
    r = coopvm("process", path, "--json", NULL);
    json_t *root;
    json_t *e = error_of_json(r.out, &root);
    assert_string_equal(json_string_value(json_object_get(e, "reason")), "not a member of coop-1");
    json_decref(root);
    proc_result_free(&r);
    tmpdir_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eight_levels_text_and_json),
        cmocka_unit_test(test_eight_levels_long_names),
        cmocka_unit_test(test_run_reason_text_and_json),
        cmocka_unit_test(test_reason_not_utf8),
        cmocka_unit_test(test_process_nested_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
