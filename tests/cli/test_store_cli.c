/*
 * test_store_cli.c — a data directory as a user meets it through
 * build/coopvm: a damaged data.mdb (truncated, emptied) is refused with a
 * message and exit 1 by `process` and `events` — never a crash, never a
 * new chain in its place; a store continued with another scenario's
 * genesis is refused, naming both; `coopvm verify` passes a good store and
 * names a flipped bit in a state value, a damaged event record, a missing
 * height record, a changed identity, and a changed transaction, receipt
 * or header of a block at its height.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <lmdb.h>

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

/* Changes, in the LMDB database db of the store, the value of its first
 * record (a bit flipped at byte at, or cut to len bytes when len is not
 * (size_t)-1) or of the record with key key (keylen bytes) when key is
 * given; deletes it when del. What a damaged disk would do, written
 * through LMDB so that the file stays readable. */
static void tamper(const char *db, const void *key, size_t keylen, size_t at, size_t len, bool del)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
    assert_int_equal(mdb_env_open(env, data, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
    assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
    MDB_val k = {keylen, (void *)key}, v;
    assert_int_equal(mdb_cursor_get(cur, &k, &v, key ? MDB_SET_KEY : MDB_FIRST), 0);
    uint8_t copy[4096];
    assert_true(v.mv_size <= sizeof copy && at < v.mv_size);
    memcpy(copy, v.mv_data, v.mv_size);
    if (del) {
        assert_int_equal(mdb_cursor_del(cur, 0), 0);
    } else {
        copy[at] ^= 0x01;
        MDB_val nv = {len == (size_t)-1 ? v.mv_size : len, copy};
        if (len != (size_t)-1)
            copy[at] ^= 0x01; /* a cut, not a flip */
        assert_int_equal(mdb_cursor_put(cur, &k, &nv, MDB_CURRENT), 0);
    }
    mdb_cursor_close(cur);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static void verify_ok(void)
{
    proc_result r = coopvm("verify", "--data", data, NULL);
    if (r.status != 0 || strncmp(r.out, "ok: height 4, ", 14) != 0 || !strstr(r.out, " events, commitment ") ||
        !strstr(r.out, ", 4 blocks chained\n"))
        fail_msg("exit %d: %s%s", r.status, r.out, r.err);
    proc_result_free(&r);
}

/* Asserts verify exits 1 and prints a line holding want. */
static void verify_finds(const char *want)
{
    proc_result r = coopvm("verify", "--data", data, NULL);
    if (r.status != 1 || !strstr(r.out, want) || !strstr(r.err, "problem"))
        fail_msg("exit %d (want 1), out: %s, err: %s (want \"%s\")", r.status, r.out, r.err, want);
    proc_result_free(&r);
    r = coopvm("verify", "--data", data, "--json", NULL);
    assert_int_equal(r.status, 1);
    json_t *j = parse_json(r.out);
    assert_true(json_is_false(json_object_get(j, "ok")));
    assert_true(json_array_size(json_object_get(j, "problems")) >= 1);
    json_decref(j);
    proc_result_free(&r);
}

static void test_verify_good(void **state)
{
    (void)state;
    fresh_chain();
    verify_ok();
    proc_result r = coopvm("verify", "--data", data, "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *j = parse_json(r.out);
    assert_true(json_is_true(json_object_get(j, "ok")));
    assert_int_equal(json_integer_value(json_object_get(j, "height")), 4);
    assert_int_equal(json_integer_value(json_object_get(j, "heights")), 4);
    assert_int_equal(json_array_size(json_object_get(j, "problems")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "blocks")), 4);
    assert_true(json_is_null(json_object_get(j, "first_bad_block")));
    /* the commitment verify recomputes is the one process printed for the last block */
    const char *c = json_string_value(json_object_get(j, "commitment"));
    assert_non_null(c);
    proc_result_free(&r);
    store_dir_remove(data);
    r = coopvm("process", "examples/counter.json", "--data", data, NULL);
    char line[120];
    snprintf(line, sizeof line, "state commitment: %s\n", c);
    const char *last = NULL;
    for (const char *p = strstr(r.out, "state commitment: "); p; p = strstr(p + 1, "state commitment: "))
        last = p;
    assert_non_null(last);
    assert_memory_equal(last, line, strlen(line));
    json_decref(j);
    proc_result_free(&r);
    /* a second verify changed nothing */
    verify_ok();
}

static void test_verify_usage(void **state)
{
    (void)state;
    err_has(coopvm("verify", NULL), 2, "--data DIR is required", NULL);
    err_has(coopvm("verify", "--data", NULL), 2, "--data needs a directory", NULL);
    err_has(coopvm("verify", "--data", data, "--bogus", NULL), 2, "unknown flag '--bogus'", NULL);
    proc_result r = coopvm("verify", "--help", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: coopvm verify --data DIR [--json]"));
    proc_result_free(&r);
    err_has(coopvm("verify", "--data", data, NULL), 1, "does not exist", NULL);
    fresh_chain();
    char path[128];
    data_file(path, sizeof path);
    assert_int_equal(truncate(path, 30720), 0);
    err_has(coopvm("verify", "--data", data, NULL), 1, "the file was truncated", NULL);
}

/* One flipped bit in a state value: the commitment no longer matches. */
static void test_verify_state_bit(void **state)
{
    (void)state;
    fresh_chain();
    tamper("state", NULL, 0, 0, (size_t)-1, false);
    verify_finds("state: the 11 stored entries give commitment ");
    verify_finds("the state was changed outside a commit");
    fresh_chain();
    tamper("state", NULL, 0, 0, 0, true); /* a deleted entry */
    verify_finds("state: the 10 stored entries give commitment ");
}

/* A damaged event record: a flipped bit, then one cut short. */
static void test_verify_event_record(void **state)
{
    (void)state;
    fresh_chain();
    tamper("events", NULL, 0, 0, (size_t)-1, false); /* its height: no longer the key's */
    verify_finds("event history: the record at height 3, index 0 says height 2");
    fresh_chain();
    tamper("events", NULL, 0, 3, 5, false);
    verify_finds("event history: the record at height 3, index 0 does not decode: ");
    fresh_chain();
    tamper("events", NULL, 0, 3, (size_t)-1, false); /* "Counter" becomes "Bounter": still a good record */
    proc_result r = coopvm("events", "--data", data, NULL);
    assert_non_null(strstr(r.out, "Bounter.Counted")); /* what events would serve */
    proc_result_free(&r);
    verify_finds("event history: the 1 record of height 3 hash to ");
}

/* A height's record removed, the identity changed, a transaction index
 * entry changed, an event index entry removed or changed. */
static void test_verify_records(void **state)
{
    (void)state;
    fresh_chain();
    uint8_t h2[8] = {0, 0, 0, 0, 0, 0, 0, 2};
    tamper("heights", h2, 8, 0, 0, true);
    verify_finds("height records: height 3 follows height 1");
    fresh_chain();
    tamper("meta", "identity", 8, 47, (size_t)-1, false);
    verify_finds("identity: genesis hash ");
    fresh_chain();
    tamper("txs", NULL, 0, 23, (size_t)-1, false); /* a timestamp: still a well-formed entry */
    verify_finds("transaction index: its 3 entries digest to ");
    fresh_chain();
    tamper("ev_service", NULL, 0, 0, 0, true); /* the event index loses its entry */
    verify_finds("event history: the index by service (0 entries) does not match the records");
    fresh_chain();
    tamper("ev_name", NULL, 0, 7, (size_t)-1, false); /* the entry names another record */
    verify_finds("event history: the index by name (1 entries) does not match the records");
}

/* Asserts that verify names height as the first block that does not
 * match, in text and JSON, and prints a problem holding want. */
static void verify_first_bad(uint64_t height, const char *want)
{
    verify_finds(want);
    char line[96];
    snprintf(line, sizeof line, "the first block that does not match is height %llu\n", (unsigned long long)height);
    proc_result r = coopvm("verify", "--data", data, NULL);
    if (!strstr(r.err, line))
        fail_msg("stderr: %s (want \"%s\")", r.err, line);
    proc_result_free(&r);
    r = coopvm("verify", "--data", data, "--json", NULL);
    json_t *j = parse_json(r.out);
    assert_int_equal(json_integer_value(json_object_get(j, "first_bad_block")), height);
    json_decref(j);
    proc_result_free(&r);
}

/* The hash chain (docs/blocks.md): a stored transaction, a receipt and a
 * header changed, each found at its height. */
static void test_verify_blocks(void **state)
{
    (void)state;
    uint8_t k3[16] = {0, 0, 0, 0, 0, 0, 0, 3}, k4[16] = {0, 0, 0, 0, 0, 0, 0, 4};
    fresh_chain();
    tamper("blocktxs", k4, 16, 20, (size_t)-1, false); /* a byte of bob's key: still a transaction */
    verify_first_bad(4, "blocks: the transactions of height 4 give tx root ");
    fresh_chain();
    tamper("blocktxs", k3, 16, 0, (size_t)-1, false); /* form 2 (signed) becomes 3 */
    verify_first_bad(3, "blocks: transaction 0 of height 3 does not decode: transaction record form 3");
    fresh_chain();
    tamper("receipts", k3, 16, 0, (size_t)-1, false); /* SUCCESS becomes ERROR_SMART_CONTRACT */
    verify_first_bad(3, "blocks: the receipts of height 3 give receipts root ");
    fresh_chain();
    tamper("receipts", k4, 16, 0, 0, true); /* a receipt removed */
    verify_first_bad(4, "blocks: height 4 stores 0 receipts, its header says 1");
    fresh_chain();
    uint8_t h2[8] = {0, 0, 0, 0, 0, 0, 0, 2};
    tamper("heights", h2, 8, 140, (size_t)-1, false); /* a byte of height 2's tx root */
    verify_first_bad(2, "blocks: the header of height 2 hashes to ");
    fresh_chain();
    tamper("heights", h2, 8, 250, (size_t)-1, false); /* a byte of height 2's block hash */
    verify_first_bad(2, "blocks: height 3's prev hash ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_genesis, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_usage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_state_bit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_event_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_blocks, setup, teardown),
    };
    return cmocka_run_group_tests_name("cli store", tests, NULL, NULL);
}
