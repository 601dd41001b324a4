/*
 * test_events_names.c — `coopvm events --scenario FILE` prints the
 * addresses of the scenario's accounts as their names, as `coopvm process`
 * does: every event line of events is, after its height and index, a line
 * process printed for the same event. Without --scenario, and with --json,
 * addresses stay hex.
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

#define SCENARIO "examples/cooperative/scenario.json"
#define ALICE "0xd21b6d72a95502cbc0128326b938aa55a2325cf1" /* keygen --name alice */

static char dir[] = "/tmp/coopvm-evnames-XXXXXX";
static char data[64];
static proc_result played; /* process's text output */

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(data, sizeof data, "%s/data", dir);
    if (proc_coopvm_run(&played, "process", SCENARIO, "--data", data, NULL) != 0 || played.status != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    proc_result_free(&played);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_names_as_process_prints_them(void **state)
{
    (void)state;
    proc_result r = coopvm("events", "--data", data, "--scenario", SCENARIO, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "creator=alice"));
    assert_null(strstr(r.out, ALICE));
    size_t lines = 0;
    for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n"), lines++) {
        /* "height H tx I EVENT" -> "event EVENT", as process printed it */
        char *ev = strstr(line, " tx ");
        assert_non_null(ev);
        ev = strchr(ev + 4, ' ');
        assert_non_null(ev);
        char want[1024];
        snprintf(want, sizeof want, "event%s\n", ev);
        if (!strstr(played.out, want))
            fail_msg("process did not print \"%s\"", want);
    }
    assert_true(lines > 10);
    proc_result_free(&r);
}

static void test_without_scenario_and_json_stay_hex(void **state)
{
    (void)state;
    proc_result r = coopvm("events", "--data", data, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "creator=" ALICE));
    proc_result_free(&r);
    proc_result a = coopvm("events", "--data", data, "--json", NULL),
                b = coopvm("events", "--data", data, "--json", "--scenario", SCENARIO, NULL);
    assert_int_equal(b.status, 0);
    assert_string_equal(a.out, b.out); /* JSON is data: addresses as hex either way */
    proc_result_free(&a);
    proc_result_free(&b);
}

static void test_bad_scenario(void **state)
{
    (void)state;
    proc_result r = coopvm("events", "--data", data, "--scenario", "/dev/zero", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "/dev/zero: the file is larger than 67,108,864 bytes, the limit for a scenario"));
    proc_result_free(&r);
    r = coopvm("events", "--data", data, "--scenario", "/nonexistent.json", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "coopvm events: /nonexistent.json: "));
    proc_result_free(&r);
    char p[96];
    snprintf(p, sizeof p, "%s/bad.json", dir);
    FILE *f = fopen(p, "w");
    fputs("{\"accounts\": [1]}", f);
    fclose(f);
    r = coopvm("events", "--data", data, "--scenario", p, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "accounts: expected an object of accounts"));
    proc_result_free(&r);
    r = coopvm("events", "--data", data, "--scenario", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--scenario needs a value"));
    proc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_as_process_prints_them),
        cmocka_unit_test(test_without_scenario_and_json_stay_hex),
        cmocka_unit_test(test_bad_scenario),
    };
    return cmocka_run_group_tests_name("events names", tests, setup, teardown);
}
