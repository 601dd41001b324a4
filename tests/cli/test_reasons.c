/*
 * test_reasons.c — how `coopvm process` shows an error that crossed eight
 * nested calls, as text and as JSON: the innermost code and message whole
 * after the path of calls, the outermost method, pc and line.
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

typedef struct tmp {
    char dir[64];
    char path[160];
} tmp;

static void tmp_open(tmp *t)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/coopvm-reasons-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
}

static void tmp_close(tmp *t)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", t->dir);
    assert_int_equal(system(cmd), 0);
}

/* Writes text to DIR/name and returns its path (valid until the next call). */
static const char *put(tmp *t, const char *name, const char *text)
{
    snprintf(t->path, sizeof t->path, "%s/%s", t->dir, name);
    FILE *f = fopen(t->path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return t->path;
}

/* Level1..Level8 whose method `m` calls the next one's; Level8's runs
 * last_body. A scenario where alice calls Level1.m in one block. */
static const char *levels_scenario(tmp *t, const char *m, const char *last_body)
{
    char src[512], name[32], contracts[1024] = "";
    for (int i = 1; i <= 8; i++) {
        if (i < 8)
            snprintf(src, sizeof src, ".contract Level%d\n.method %s\n  CallService \"Level%d.%s\"\n", i, m, i + 1, m);
        else
            snprintf(src, sizeof src, ".contract Level8\n.method %s\n%s", m, last_body);
        snprintf(name, sizeof name, "level%d.asm", i);
        put(t, name, src);
        size_t n = strlen(contracts);
        snprintf(contracts + n, sizeof contracts - n, "%s\"Level%d\": \"level%d.asm\"", i > 1 ? ", " : "", i, i);
    }
    char text[2048];
    snprintf(text, sizeof text,
             "{\"accounts\": {\"alice\": {\"reputation\": 10}},\n \"contracts\": {%s},\n"
             " \"blocks\": [[{\"signer\": \"alice\", \"contract\": \"Level1\", \"method\": \"%s\"}]]}\n",
             contracts, m);
    return put(t, "scenario.json", text);
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
    tmp t;
    tmp_open(&t);
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
    tmp_close(&t);
}

/* Long names: the path gives way in its middle, the root cause stays. */
static void test_eight_levels_long_names(void **state)
{
    (void)state;
    tmp t;
    tmp_open(&t);
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
    tmp_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eight_levels_text_and_json),
        cmocka_unit_test(test_eight_levels_long_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
