/*
 * test_events.c — `coopvm events` driven as a user would, over a data
 * directory the test builds with the library: an LMDB store, genesis, a
 * bytecode contract that Emits, two blocks of transactions (one of them
 * failing), committed. Then every flag, text and --json, and every error:
 * usage errors (2), a directory that is missing or not a store (1, and
 * nothing created), a damaged history (1).
 *
 * The chain (heights):
 *   1  genesis (accounts 1, admin, and 2)
 *   2  _Deployments.deployService Emitter
 *   3  tx 0 Emitter.ping(7)         -> Emitter.Ping value=7
 *      tx 1 _Cooperatives.create    -> _Cooperatives.CooperativeCreated
 *      tx 2 Emitter.boom(8)         -> fails (ABORTED): its Ping is not in the history
 *   4  tx 0 _Cooperatives.join (2)  -> _Cooperatives.CooperativeJoined
 *      tx 1 Emitter.ping(-9)        -> Emitter.Ping value=-9
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
#include <jansson.h>

#include "cli/clitest.h"
#include "native/cooptest.h"
#include "state/diff.h"
#include "support/store_dir.h"

static const char emitter_src[] = ".method ping params 1\n"
                                  "  Emit \"Ping\"\n"
                                  ".method boom params 1\n"
                                  "  Emit \"Ping\"\n"
                                  "  Push 3\n"
                                  "  Abort\n";

static char tmp[64];     /* the test's temp dir */
static char data[96];    /* tmp/chain: the data directory */
static char damaged[96]; /* tmp/damaged: a store whose history holds a bad record */
static char addr1[43], addr2[43];

/* Processes txs as the next height and commits; asserts each status. */
static void block(chain *c, const cvm_transaction *txs, size_t n, const cvm_exec_status *want)
{
    cvm_block_result *b = run_block(c, txs, n);
    for (size_t i = 0; i < n; i++)
        expect(&b->receipts[i], want[i], want[i] == CVM_SUCCESS ? CVM_CODE_NONE : CVM_CODE_ABORTED);
    commit_block(c, b);
}

static void build_chain(void)
{
    cvm_errmsg err;
    cvm_store *s = NULL;
    if (cvm_lmdbstore_open(NULL, data, &s, &err) != CVM_OK)
        fail_msg("open %s: %s", data, err.text);
    chain c;
    chain_open_store(&c, s);
    const int64_t reps[] = {200, 150};
    genesis(&c, reps, 2);
    deploy(&c, "Emitter", emitter_src);

    cvm_arg seven = cvm_arg_int64(7), eight = cvm_arg_int64(8), minus9 = cvm_arg_int64(-9), create[8];
    create_args(create, "garden", "Community garden", 10, 20, 30, 40, 50, "north");
    cvm_arg garden = str("garden");
    cvm_transaction b3[3] = {tx_of(1, "Emitter", "ping", &seven, 1), tx_of(1, "_Cooperatives", "create", create, 8),
                             tx_of(2, "Emitter", "boom", &eight, 1)};
    const cvm_exec_status w3[3] = {CVM_SUCCESS, CVM_SUCCESS, CVM_ERROR_SMART_CONTRACT};
    block(&c, b3, 3, w3);
    cvm_transaction b4[2] = {tx_of(2, "_Cooperatives", "join", &garden, 1), tx_of(2, "Emitter", "ping", &minus9, 1)};
    const cvm_exec_status w4[2] = {CVM_SUCCESS, CVM_SUCCESS};
    block(&c, b4, 2, w4);
    assert_int_equal(cvm_store_height(c.store), 4);
    chain_close(&c);
}

/* A store at height 1 whose only event record is not a record. */
static void build_damaged(void)
{
    cvm_errmsg err;
    cvm_store *s = NULL;
    if (cvm_lmdbstore_open(NULL, damaged, &s, &err) != CVM_OK)
        fail_msg("open %s: %s", damaged, err.text);
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    static const uint8_t junk[] = {0x01, 0x00, 0x05, 'a'};
    cvm_store_record rec = {junk, sizeof junk};
    assert_int_equal(cvm_store_commit(s, &(cvm_store_block){.height = 1, .diff = &d, .events = &rec, .nevents = 1}), CVM_OK);
    cvm_state_diff_free(&d);
    cvm_store_close(s);
}

static int setup(void **state)
{
    (void)state;
    strcpy(tmp, "/tmp/cvm-events-XXXXXX");
    if (!mkdtemp(tmp))
        return -1;
    snprintf(data, sizeof data, "%s/chain", tmp);
    snprintf(damaged, sizeof damaged, "%s/damaged", tmp);
    hex_of(1, addr1);
    hex_of(2, addr2);
    build_chain();
    build_damaged();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    store_dir_remove(data);
    store_dir_remove(damaged);
    char p[160];
    snprintf(p, sizeof p, "%s/empty", tmp);
    rmdir(p);
    rmdir(tmp);
    return 0;
}

/* Runs coopvm events with more arguments (NULL-terminated). */
#define events(...) coopvm("events", __VA_ARGS__)

/* Asserts exit 0, empty stderr and exactly `want` on stdout. */
static void out_is(proc_result r, const char *want)
{
    if (r.status != 0 || strcmp(r.out, want) != 0 || r.err_len)
        fail_msg("exit %d\nstdout:\n%s\nwanted:\n%s\nstderr:\n%s", r.status, r.out, want, r.err);
    proc_result_free(&r);
}

/* Asserts exit status st, empty stdout and a stderr containing part. */
static void err_is(proc_result r, int st, const char *part)
{
    if (r.status != st || r.out_len || !strstr(r.err, part))
        fail_msg("exit %d (wanted %d)\nstdout:\n%s\nstderr:\n%s\nwanted in stderr: %s", r.status, st, r.out, r.err,
                 part);
    proc_result_free(&r);
}

/* The text lines of the history, by letter: P7 (height 3), C (3), J (4), P9 (4). */
static char line_p7[128], line_c[256], line_j[256], line_p9[128];

static void lines(void)
{
    snprintf(line_p7, sizeof line_p7, "height 3 tx 0 Emitter.Ping value=7\n");
    snprintf(line_c, sizeof line_c,
             "height 3 tx 1 _Cooperatives.CooperativeCreated cooperative_id=\"garden\" creator=%s "
             "purpose=\"Community garden\"\n",
             addr1);
    snprintf(line_j, sizeof line_j, "height 4 tx 0 _Cooperatives.CooperativeJoined cooperative_id=\"garden\" member=%s\n",
             addr2);
    snprintf(line_p9, sizeof line_p9, "height 4 tx 1 Emitter.Ping value=-9\n");
}

static char *cat(const char *a, const char *b, const char *c, const char *d)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s%s%s%s", a, b ? b : "", c ? c : "", d ? d : "");
    return buf;
}

static void test_all_text(void **state)
{
    (void)state;
    lines();
    /* the failed transaction (height 3, tx 2) left nothing */
    out_is(events("--data", data, NULL), cat(line_p7, line_c, line_j, line_p9));
}

static void test_filters_text(void **state)
{
    (void)state;
    lines();
    out_is(events("--data", data, "--service", "Emitter", NULL), cat(line_p7, line_p9, NULL, NULL));
    out_is(events("--data", data, "--service", "_Cooperatives", NULL), cat(line_c, line_j, NULL, NULL));
    out_is(events("--data", data, "--name", "CooperativeJoined", NULL), cat(line_j, NULL, NULL, NULL));
    out_is(events("--data", data, "--from", "4", NULL), cat(line_j, line_p9, NULL, NULL));
    out_is(events("--data", data, "--to", "3", NULL), cat(line_p7, line_c, NULL, NULL));
    out_is(events("--data", data, "--from", "3", "--to", "3", NULL), cat(line_p7, line_c, NULL, NULL));
    out_is(events("--data", data, "--from", "0", "--to", "100", NULL), cat(line_p7, line_c, line_j, line_p9));
    out_is(events("--service", "Emitter", "--from", "4", "--data", data, NULL), cat(line_p9, NULL, NULL, NULL));
    out_is(events("--data", data, "--service", "Emitter", "--name", "Ping", "--to", "3", NULL),
           cat(line_p7, NULL, NULL, NULL));
    /* nothing matches: no output at all, exit 0 */
    out_is(events("--data", data, "--service", "Nobody", NULL), "");
    out_is(events("--data", data, "--name", "ping", NULL), ""); /* names are exact */
    out_is(events("--data", data, "--from", "5", NULL), "");
    out_is(events("--data", data, "--from", "1", "--to", "2", NULL), ""); /* genesis and the deployment emit none */
    out_is(events("--data", data, "--to", "0", NULL), "");
}

/* The stdout of a successful --json run, parsed. The array is written one
 * event at a time: its bytes must be the ones jansson writes for the whole
 * array (JSON_INDENT(1)), then a newline. */
static json_t *json_of(proc_result r)
{
    if (r.status != 0 || r.err_len)
        fail_msg("exit %d: %s", r.status, r.err);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    if (!j)
        fail_msg("not JSON (%s):\n%s", je.text, r.out);
    char *whole = json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    assert_non_null(whole);
    if (strlen(r.out) != strlen(whole) + 1 || strncmp(r.out, whole, strlen(whole)) != 0 ||
        r.out[strlen(whole)] != '\n')
        fail_msg("streamed:\n%s\nwhole:\n%s", r.out, whole);
    free(whole);
    proc_result_free(&r);
    assert_true(json_is_array(j));
    return j;
}

static void record_is(const json_t *rec, int64_t height, int64_t tx, const char *service, const char *name,
                      size_t nfields)
{
    assert_int_equal(json_object_size(rec), 5);
    assert_int_equal(json_integer_value(json_object_get(rec, "height")), height);
    assert_int_equal(json_integer_value(json_object_get(rec, "tx_index")), tx);
    assert_string_equal(json_string_value(json_object_get(rec, "service")), service);
    assert_string_equal(json_string_value(json_object_get(rec, "name")), name);
    assert_int_equal(json_object_size(json_object_get(rec, "fields")), nfields);
}

static const char *field_s(const json_t *rec, const char *f)
{
    return json_string_value(json_object_get(json_object_get(rec, "fields"), f));
}

static int64_t field_i(const json_t *rec, const char *f)
{
    const json_t *v = json_object_get(json_object_get(rec, "fields"), f);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static void test_json(void **state)
{
    (void)state;
    json_t *j = json_of(events("--data", data, "--json", NULL));
    assert_int_equal(json_array_size(j), 4);
    const json_t *r = json_array_get(j, 0);
    record_is(r, 3, 0, "Emitter", "Ping", 1);
    assert_int_equal(field_i(r, "value"), 7);
    r = json_array_get(j, 1);
    record_is(r, 3, 1, "_Cooperatives", "CooperativeCreated", 3);
    assert_string_equal(field_s(r, "cooperative_id"), "garden");
    assert_string_equal(field_s(r, "creator"), addr1);
    assert_string_equal(field_s(r, "purpose"), "Community garden");
    r = json_array_get(j, 2);
    record_is(r, 4, 0, "_Cooperatives", "CooperativeJoined", 2);
    assert_string_equal(field_s(r, "member"), addr2);
    r = json_array_get(j, 3);
    record_is(r, 4, 1, "Emitter", "Ping", 1);
    assert_int_equal(field_i(r, "value"), -9);
    json_decref(j);

    /* the key order is the documented one */
    proc_result raw = events("--data", data, "--json", "--from", "4", "--name", "Ping", NULL);
    assert_int_equal(raw.status, 0);
    const char *h = strstr(raw.out, "\"height\""), *t = strstr(raw.out, "\"tx_index\""),
               *s = strstr(raw.out, "\"service\""), *n = strstr(raw.out, "\"name\""), *f = strstr(raw.out, "\"fields\"");
    assert_true(h && t && s && n && f && h < t && t < s && s < n && n < f);
    proc_result_free(&raw);

    j = json_of(events("--json", "--data", data, "--service", "_Cooperatives", "--from", "4", NULL));
    assert_int_equal(json_array_size(j), 1);
    record_is(json_array_get(j, 0), 4, 0, "_Cooperatives", "CooperativeJoined", 2);
    json_decref(j);

    /* nothing matches: an empty array */
    j = json_of(events("--data", data, "--json", "--service", "Nobody", NULL));
    assert_int_equal(json_array_size(j), 0);
    json_decref(j);
}

static void test_usage_errors(void **state)
{
    (void)state;
    err_is(events(NULL), 2, "--data DIR or --node URL is required");
    err_is(events("--service", "Emitter", NULL), 2, "--data DIR or --node URL is required");
    err_is(events("--data", NULL), 2, "--data needs a value");
    err_is(events("--data", data, "--from", NULL), 2, "--from needs a value");
    err_is(events("--data", data, "--from", "4", "--to", "3", NULL), 2, "--from 4 is after --to 3");
    err_is(events("--data", data, "--from", "abc", NULL), 2, "--from: 'abc' is not a height");
    err_is(events("--data", data, "--from", "-1", NULL), 2, "--from: '-1' is not a height");
    err_is(events("--data", data, "--to", "3x", NULL), 2, "--to: '3x' is not a height");
    err_is(events("--data", data, "--to", "", NULL), 2, "--to: '' is not a height");
    err_is(events("--data", data, "--to", "99999999999999999999", NULL), 2, "is not a height");
    err_is(events("--data", data, "--color", "red", NULL), 2, "unknown flag '--color'");
    err_is(events("--data", data, "extra", NULL), 2, "unexpected argument 'extra'");
    err_is(events("--data", data, "--service", "A", "--service", "B", NULL), 2, "--service given twice");
    err_is(events("--data", data, "--to", "3", "--to", "4", NULL), 2, "--to given twice");
    err_is(events("--data", data, "--json", "--json", NULL), 2, "--json given twice");

    proc_result r = events("--help", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: coopvm events (--data DIR | --node URL)"));
    proc_result_free(&r);
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static void test_not_a_store(void **state)
{
    (void)state;
    char missing[128], empty[128], p[160];
    snprintf(missing, sizeof missing, "%s/missing", tmp);
    err_is(events("--data", missing, NULL), 1, "state directory /tmp/cvm-events-");
    err_is(events("--data", missing, "--json", NULL), 1, "/missing does not exist");
    assert_false(exists(missing)); /* a query never creates a store */

    snprintf(empty, sizeof empty, "%s/empty", tmp);
    assert_int_equal(mkdir(empty, 0755), 0);
    err_is(events("--data", empty, NULL), 1, "/empty is not a coopvm store (no data.mdb)");
    err_is(events("--data", empty, "--to", "0", NULL), 1, "is not a coopvm store");
    snprintf(p, sizeof p, "%s/data.mdb", empty);
    assert_false(exists(p));

    snprintf(p, sizeof p, "%s/data.mdb", data);
    err_is(events("--data", p, NULL), 1, "data.mdb: not a directory");
}

static void test_damaged_history(void **state)
{
    (void)state;
    err_is(events("--data", damaged, NULL), 1, "the record at height 1, index 0 is damaged");
    err_is(events("--data", damaged, "--json", NULL), 1, "is damaged");
    /* a filter reads the index, which files no record that is not one */
    out_is(events("--data", damaged, "--service", "X", NULL), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_text),     cmocka_unit_test(test_filters_text),
        cmocka_unit_test(test_json),         cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_not_a_store),  cmocka_unit_test(test_damaged_history),
    };
    return cmocka_run_group_tests_name("cli events", tests, setup, teardown);
}
