/*
 * test_store_cli.c — a data directory as a user meets it through
 * build/coopvm: a damaged data.mdb (truncated, emptied) is refused with a
 * message and exit 1 by `process` and `events` — never a crash, never a
 * new chain in its place; a store continued with another scenario's
 * genesis is refused, naming both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/clitest.h"
#include "support/store_dir.h"

static char tmp[64];   /* the test's temp dir */
static char data[96];  /* tmp/chain: a data directory, made afresh by each test */

static int setup(void **state)
{
    (void)state;
    strcpy(tmp, "/tmp/cvm-storecli-XXXXXX");
    if (!mkdtemp(tmp))
        return -1;
    snprintf(data, sizeof data, "%s/chain", tmp);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    store_dir_remove(data);
    rmdir(tmp);
    return 0;
}

/* Plays examples/counter.json into a fresh data directory. */
static void fresh_chain(void)
{
    store_dir_remove(data);
    proc_result r = coopvm("process", "examples/counter.json", "--data", data, NULL);
    if (r.status != 0)
        fail_msg("process: %s", r.err);
    proc_result_free(&r);
}

/* Asserts exit status want and that stderr holds each of the strings. */
static void err_has(proc_result r, int want, const char *a, const char *b)
{
    if (r.status != want || !strstr(r.err, a) || (b && !strstr(r.err, b)))
        fail_msg("exit %d (want %d), stderr: %s (want \"%s\"%s%s)", r.status, want, r.err, a, b ? ", " : "",
                 b ? b : "");
    proc_result_free(&r);
}

static void data_file(char *path, size_t cap)
{
    snprintf(path, cap, "%s/data.mdb", data);
}

/* The reproduction: `truncate -s 30720 D/data.mdb && coopvm events
 * --data D` died of SIGBUS (exit 135). */
static void test_truncated(void **state)
{
    (void)state;
    fresh_chain();
    char path[128];
    data_file(path, sizeof path);
    assert_int_equal(truncate(path, 30720), 0);
    err_has(coopvm("events", "--data", data, NULL), 1, "is damaged: data.mdb holds 30720 bytes",
            "the file was truncated");
    err_has(coopvm("events", "--data", data, "--json", NULL), 1, "the file was truncated", NULL);
    err_has(coopvm("process", "examples/counter.json", "--data", data, NULL), 1, "the file was truncated", NULL);
}

/* A zero-length data.mdb became a new chain ("block 1 genesis", exit 0). */
static void test_empty(void **state)
{
    (void)state;
    fresh_chain();
    char path[128];
    data_file(path, sizeof path);
    assert_int_equal(truncate(path, 0), 0);
    proc_result r = coopvm("process", "examples/counter.json", "--data", data, NULL);
    assert_string_equal(r.out, ""); /* no genesis was played */
    err_has(r, 1, "data.mdb is empty (0 bytes)", data);
    err_has(coopvm("events", "--data", data, NULL), 1, "data.mdb is empty", NULL);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, 0);
}

/* A store continued with another scenario's accounts is refused, naming
 * the store and both genesis hashes; the same scenario goes on. */
static void test_other_genesis(void **state)
{
    (void)state;
    fresh_chain();
    char other[128];
    snprintf(other, sizeof other, "%s/other.json", tmp);
    FILE *f = fopen(other, "w");
    assert_non_null(f);
    fputs("{\"accounts\": {\"alice\": {\"reputation\": 99}},\n"
          " \"blocks\": [[{\"signer\": \"alice\", \"contract\": \"_Info\", \"method\": \"isAlive\"}]]}\n",
          f);
    fclose(f);
    proc_result r = coopvm("process", other, "--data", data, NULL);
    assert_string_equal(r.out, "");
    err_has(r, 1, "accounts.alice: reputation 99 here, 150 in the chain", "belongs to chain 42 with genesis ");
    r = coopvm("process", other, "--data", data, NULL);
    err_has(r, 1, ", this genesis is ", data);
    r = coopvm("process", "examples/counter.json", "--data", data, NULL);
    if (r.status != 0)
        fail_msg("the same scenario: %s", r.err);
    proc_result_free(&r);
    unlink(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_genesis, setup, teardown),
    };
    return cmocka_run_group_tests_name("cli store", tests, NULL, NULL);
}
