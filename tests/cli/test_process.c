/*
 * test_process.c — `coopvm process` driven as a user would: the issue's
 * example (examples/counter.json) in text and JSON, every kind of bad
 * scenario (exit 1, file and JSON path named, nothing committed), a --data
 * run continued in two steps against one run, changed code refused, queries
 * signed and unsigned, native services with typed arguments, --trace with
 * height and index; and `run --dispatch` reaching the interpreter.
 *
 * Scenario files are written to a fresh temporary directory per test.
 */
#include <setjmp.h>
#include <stdbool.h>
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

/* A temporary directory with the counter contract in it. */
static void tmp_open(tmpdir *t)
{
    tmpdir_open(t, "process");
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cp examples/counter.asm %s/counter.asm", t->dir);
    assert_int_equal(system(cmd), 0);
}

#define COUNTER_HEAD                                                                                    \
    "{\"accounts\": {\"alice\": {\"reputation\": 150}, \"bob\": {\"reputation\": 20}},\n"              \
    " \"contracts\": {\"Counter\": \"counter.asm\"},\n"

static const char *const BLOCK1 = "[{\"signer\": \"alice\", \"contract\": \"Counter\", \"method\": \"increment\", "
                                  "\"args\": [5]}, {\"signer\": \"bob\", \"contract\": \"Counter\", \"method\": "
                                  "\"increment\", \"args\": [0]}]";
static const char *const BLOCK2 = "[{\"signer\": \"bob\", \"contract\": \"Counter\", \"method\": \"increment\", "
                                  "\"args\": [2]}]";
static const char *const QUERIES = "[{\"signer\": \"bob\", \"contract\": \"Counter\", \"method\": \"get\"}]";

/* A counter scenario with the given blocks (a JSON array's inside). */
static const char *counter_scenario(tmpdir *t, const char *name, const char *blocks)
{
    char text[2048];
    snprintf(text, sizeof text, COUNTER_HEAD " \"blocks\": [%s],\n \"queries\": %s}\n", blocks, QUERIES);
    return tmpdir_put(t, name, text);
}

/* ------------------------------------------------------------------ tests */

/* The scenario's block limits reach the VM: the transactions beyond them
 * are NOT_EXECUTED with the limit's code, in text and JSON. */
static void test_block_limits(void **state)
{
    (void)state;
    tmpdir t;
    tmp_open(&t);
    const char *p = tmpdir_put(&t, "s.json",
                        "{\"accounts\": {\"a\": {}}, \"block_gas_limit\": 250, \"block_tx_limit\": 2,\n"
                        " \"blocks\": [[{\"signer\": \"a\", \"contract\": \"_Info\", \"method\": \"isAlive\"},\n"
                        "             {\"signer\": \"a\", \"contract\": \"_Info\", \"method\": \"getInfo\"},\n"
                        "             {\"signer\": \"a\", \"contract\": \"_Info\", \"method\": \"isAlive\"}],\n"
                        "            [{\"signer\": \"a\", \"contract\": \"_Info\", \"method\": \"isAlive\"},\n"
                        "             {\"signer\": \"a\", \"contract\": \"_Info\", \"method\": \"isAlive\"}]]}\n");
    proc_result r = coopvm("process", p, NULL);
    assert_int_equal(r.status, 0);
    /* block 2: two ran (the transaction limit), the third not */
    if (!strstr(r.out, "a -> _Info.isAlive(): NOT_EXECUTED BLOCK_TX_LIMIT: the block's transaction limit (2) is "
                       "reached: 2 ran before this one, gas 0"))
        fail_msg("no BLOCK_TX_LIMIT in:\n%s", r.out);
    if (!strstr(r.out, ": 5 transactions (4 succeeded, 0 failed, 1 not run, 0 rejected by pre-order)"))
        fail_msg("summary:\n%s", r.out);
    proc_result_free(&r);
    /* 250 gas hold two calls of 100; the third has 50 left */
    p = tmpdir_put(&t, "s.json",
            "{\"accounts\": {\"a\": {}}, \"block_gas_limit\": 250,\n"
            " \"blocks\": [[{\"signer\": \"a\", \"contract\": \"_Info\", \"method\": \"isAlive\"},\n"
            "             {\"signer\": \"a\", \"contract\": \"_Info\", \"method\": \"isAlive\"},\n"
            "             {\"signer\": \"a\", \"contract\": \"_Info\", \"method\": \"isAlive\"}]]}\n");
    r = coopvm("process", p, "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *j = parse_json(r.out);
    const json_t *rs = json_object_get(json_array_get(json_object_get(j, "blocks"), 1), "receipts");
    assert_int_equal(json_array_size(rs), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rs, 1), "status")), "SUCCESS");
    const json_t *last = json_array_get(rs, 2);
    assert_string_equal(json_string_value(json_object_get(last, "status")), "NOT_EXECUTED");
    assert_string_equal(json_string_value(json_object_get(json_object_get(last, "error"), "code")), "BLOCK_GAS_LIMIT");
    assert_int_equal(json_integer_value(json_object_get(last, "gas_used")), 0);
    json_decref(j);
    proc_result_free(&r);
    r = coopvm("process", p, "--json", "--quiet", NULL);
    j = parse_json(r.out);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "summary"), "not_run")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "summary"), "succeeded")), 2);
    json_decref(j);
    proc_result_free(&r);
    tmpdir_close(&t);
}

/* The example as shipped: heights 1..4, bob (no reputation) refused. */
static void test_example_text(void **state)
{
    (void)state;
    proc_result r = coopvm("process", "examples/counter.json", NULL);
    assert_int_equal(r.status, 0);
    const char *want[] = {"block 1  genesis",
                          "block 2  deployments",
                          "deployer -> _Deployments.deployService(\"Counter\", 2, 0x",
                          ("block 3\n  alice -> Counter.increment(5): SUCCESS result 5, gas 200\n"
                           "      event Counter.Counted value=5\n      log 5\n  state diff: 1 change, hash "),
                          "block 4\n  bob -> Counter.increment(1): ERROR_SMART_CONTRACT INSUFFICIENT_REPUTATION: ",
                          "queries at height 4\n  bob -> Counter.get(): ERROR_SMART_CONTRACT INSUFFICIENT_REPUTATION"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(r.out, want[i]))
            fail_msg("missing \"%s\" in:\n%s", want[i], r.out);
    proc_result_free(&r);
}

static void test_json_shape(void **state)
{
    (void)state;
    tmpdir t;
    tmp_open(&t);
    char blocks[1024];
    snprintf(blocks, sizeof blocks, "%s, %s", BLOCK1, BLOCK2);
    const char *p = counter_scenario(&t, "s.json", blocks);
    proc_result r = coopvm("process", p, "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *j = parse_json(r.out);
    assert_int_equal(json_object_size(j), 2);
    json_t *b = json_object_get(j, "blocks");
    assert_int_equal(json_array_size(b), 4);
    for (size_t i = 0; i < 4; i++) {
        json_t *blk = json_array_get(b, i);
        assert_int_equal(json_object_size(blk), 6);
        assert_int_equal(json_integer_value(json_object_get(blk, "height")), (json_int_t)i + 1);
        assert_true(json_is_array(json_object_get(blk, "state_diff")));
        assert_int_equal(strlen(json_string_value(json_object_get(blk, "state_diff_hash"))), 64);
        assert_int_equal(strlen(json_string_value(json_object_get(blk, "state_commitment"))), 64);
        assert_int_equal(strlen(json_string_value(json_object_get(blk, "block_hash"))), 64);
    }
    /* genesis: no receipts; deployments: one, signed by the deployer */
    assert_int_equal(json_array_size(json_object_get(json_array_get(b, 0), "receipts")), 0);
    json_t *dep = json_array_get(json_object_get(json_array_get(b, 1), "receipts"), 0);
    assert_string_equal(json_string_value(json_object_get(dep, "status")), "SUCCESS");
    /* block 3: alice's success, bob's abort (in the receipt shape of run --json) */
    json_t *rs = json_object_get(json_array_get(b, 2), "receipts");
    assert_int_equal(json_array_size(rs), 2);
    json_t *ok = json_array_get(rs, 0), *bad = json_array_get(rs, 1);
    assert_int_equal(json_integer_value(json_object_get(ok, "result")), 5);
    assert_int_equal(json_integer_value(json_object_get(ok, "gas_used")), 200);
    json_t *ev = json_array_get(json_object_get(ok, "events"), 0);
    assert_string_equal(json_string_value(json_object_get(ev, "name")), "Counted");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ev, "fields"), "value")), 5);
    assert_string_equal(json_string_value(json_object_get(bad, "status")), "ERROR_SMART_CONTRACT");
    assert_string_equal(json_string_value(json_object_get(json_object_get(bad, "error"), "code")), "ABORTED");
    assert_int_equal(json_array_size(json_object_get(bad, "events")), 0);
    json_t *diff = json_array_get(json_object_get(json_array_get(b, 2), "state_diff"), 0);
    assert_string_equal(json_string_value(json_object_get(diff, "service")), "Counter");
    assert_int_equal(json_integer_value(json_object_get(diff, "value")), 5);
    assert_string_equal(json_string_value(json_object_get(diff, "raw")), "0500000000000000");
    /* the query sees both blocks: 5 + 2 */
    json_t *q = json_array_get(json_object_get(j, "queries"), 0);
    assert_string_equal(json_string_value(json_object_get(q, "status")), "SUCCESS");
    assert_int_equal(json_integer_value(json_object_get(q, "result")), 7);
    json_decref(j);
    proc_result_free(&r);
    tmpdir_close(&t);
}

#define M16 "mmmmmmmmmmmmmmmm"
#define M256 M16 M16 M16 M16 M16 M16 M16 M16 M16 M16 M16 M16 M16 M16 M16 M16
#define M1025 M256 M256 M256 M256 "m"

/* A contract that assembles but whose binary module (over 64 KiB) is more
 * than a deployment's bytes argument may carry. */
static void put_big_contract(tmpdir *t)
{
    snprintf(t->path, sizeof t->path, "%s/big.asm", t->dir);
    FILE *f = fopen(t->path, "w");
    assert_non_null(f);
    fputs(".contract Big\n.method main\n", f);
    for (int i = 0; i < 12000; i++)
        fputs("    Push 123456789012\n", f);
    fputs("    Halt\n", f);
    fclose(f);
}

/* Each bad scenario: exit 1, the message names the file and the place. */
static void test_bad_scenarios(void **state)
{
    (void)state;
    tmpdir t;
    tmp_open(&t);
    tmpdir_put(&t, "bad.asm", ".contract Bad\n    Ad\n");
    put_big_contract(&t);
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"{\"accounts\": {\"alice\": {}},", "malformed JSON"},
        {"[]", "$: expected an object"},
        {"{\"acounts\": {}}", "$: unknown member \"acounts\""},
        {"{\"accounts\": []}", "accounts: expected an object"},
        {"{\"accounts\": {\"a\": {\"reputation\": \"x\"}}}", "accounts.a.reputation: expected an integer, got a string"},
        {"{\"accounts\": {\"a\": {\"admin\": 1}}}", "accounts.a.admin: expected true or false"},
        {"{\"accounts\": {\"a\": {\"rep\": 1}}}", "accounts.a: unknown member \"rep\""},
        {"{\"contracts\": {\"C\": 5}}", "contracts.C: expected a string, got an integer"},
        {"{\"contracts\": {\"C\": \"missing.asm\"}}", "contracts.C: "},
        {"{\"contracts\": {\"C\": \"bad.asm\"}}", "contracts.C: "},
        {"{\"contracts\": {\"Bad_Name\": \"counter.asm\"}}", "contracts.Bad_Name: service name Bad_Name"},
        {"{\"contracts\": {\"_Mine\": \"counter.asm\"}}", "contracts._Mine: service name _Mine: a leading '_' is reserved"},
        {"{\"blocks\": {}}", "blocks: expected an array"},
        {"{\"blocks\": [5]}", "blocks[0]: expected an array of transactions"},
        {"{\"blocks\": [[5]]}", "blocks[0][0]: expected a transaction object"},
        {"{\"accounts\": {\"alice\": {}}, \"blocks\": [[], [{\"signer\": \"carol\", \"contract\": \"_Info\", "
         "\"method\": \"isAlive\"}]]}",
         "blocks[1][0].signer: unknown account \"carol\""},
        {"{\"blocks\": [[{\"contract\": \"_Info\", \"method\": \"isAlive\"}]]}", "blocks[0][0].signer: missing"},
        {"{\"accounts\": {\"a\": {}}, \"blocks\": [[{\"signer\": \"a\", \"contract\": \"Nope\", \"method\": \"m\"}]]}",
         "blocks[0][0].contract: unknown contract \"Nope\""},
        {"{\"accounts\": {\"a\": {}}, \"blocks\": [[{\"signer\": \"a\", \"contract\": \"_Info\"}]]}",
         "blocks[0][0].method: missing"},
        {"{\"accounts\": {\"a\": {}}, \"blocks\": [[{\"signer\": \"a\", \"contract\": \"_Info\", \"method\": 3}]]}",
         "blocks[0][0].method: expected a string"},
        {"{\"accounts\": {\"a\": {}}, \"blocks\": [[{\"signer\": \"a\", \"contract\": \"_Info\", \"method\": \"m\", "
         "\"args\": [1, 1.5]}]]}",
         "blocks[0][0].args[1]: 1.5 is not an integer"},
        {"{\"accounts\": {\"a\": {}}, \"blocks\": [[{\"signer\": \"a\", \"contract\": \"_Info\", \"method\": \"m\", "
         "\"args\": 5}]]}",
         "blocks[0][0].args: expected an array"},
        {"{\"accounts\": {\"a\": {}}, \"blocks\": [[{\"signer\": \"a\", \"contract\": \"_Info\", \"method\": \"m\", "
         "\"gas\": 5}]]}",
         "blocks[0][0]: unknown member \"gas\""},
        {"{\"accounts\": {\"a\": {}}, \"blocks\": [[{\"signer\": \"a\", \"contract\": \"_Info\", \"method\": \"m\", "
         "\"chain\": \"x\"}]]}",
         "blocks[0][0].chain: expected an integer, got a string"},
        {"{\"accounts\": {\"a\": {}}, \"blocks\": [[{\"signer\": \"a\", \"contract\": \"_Info\", \"method\": \"m\", "
         "\"scheme\": 256}]]}",
         "blocks[0][0].scheme: 256 is out of range (0..255)"},
        {"{\"accounts\": {\"a\": {}}, \"blocks\": [[{\"signer\": \"a\", \"contract\": \"_Info\", \"method\": \"m\", "
         "\"protocol\": 4294967296}]]}",
         "blocks[0][0].protocol: 4294967296 is out of range (0..4294967295)"},
        {"{\"accounts\": {\"a\": {}}, \"blocks\": [[{\"signer\": \"a\", \"contract\": \"_Info\", \"method\": \"m\", "
         "\"timestamp\": -1}]]}",
         "blocks[0][0].timestamp: -1 is out of range"},
        {"{\"accounts\": {\"a\": {}}, \"blocks\": [[{\"signer\": \"a\", \"contract\": \"_Info\", \"method\": \"m\", "
         "\"tamper\": 1}]]}",
         "blocks[0][0].tamper: expected true or false, got an integer"},
        {"{\"queries\": [{\"contract\": \"_Info\", \"method\": \"isAlive\", \"chain\": 1}]}",
         "queries[0]: unknown member \"chain\""},
        {"{\"queries\": [{\"contract\": \"_Info\"}]}", "queries[0].method: missing"},
        {"{\"queries\": [{\"signer\": \"nobody\", \"contract\": \"_Info\", \"method\": \"isAlive\"}]}",
         "queries[0].signer: unknown account \"nobody\""},
        /* what the transaction codec would refuse at signing time is a scenario error too */
        {"{\"accounts\": {\"a\": {}}, \"blocks\": [[{\"signer\": \"a\", \"contract\": \"_Info\", \"method\": \""
         M1025 "\"}]]}",
         "blocks[0][0].method: the method name is 1,025 bytes; a transaction carries at most 1,024"},
        {"{\"queries\": [{\"contract\": \"_Info\", \"method\": \"" M1025 "\"}]}",
         "queries[0].method: the method name is 1,025 bytes; a transaction carries at most 1,024"},
        {"{\"contracts\": {\"Big\": \"big.asm\"}}", "contracts.Big: the module is 107,905 bytes; a deployment carries at most 65,536 ("},
        {"{\"block_tx_limit\": 0}", "block_tx_limit: 0 is out of range (1..2147483647)"},
        {"{\"block_gas_limit\": \"x\"}", "block_gas_limit: expected a positive integer, got a string"},
        /* an unsigned query has no signature to tamper with */
        {"{\"queries\": [{\"contract\": \"_Info\", \"method\": \"isAlive\", \"tamper\": true}]}",
         "queries[0].tamper: an unsigned query has no signature to tamper with"},
    };
    char data[128];
    snprintf(data, sizeof data, "%s/data", t.dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *p = tmpdir_put(&t, "s.json", cases[i].text);
        char want[256];
        snprintf(want, sizeof want, "%s: %s", p, cases[i].want);
        if (i == 0)
            snprintf(want, sizeof want, "%s:", p); /* then LINE:COL: malformed JSON */
        proc_result r = coopvm("process", p, "--data", data, NULL);
        if (r.status != 1 || !strstr(r.err, want) || (i == 0 && !strstr(r.err, cases[i].want)))
            fail_msg("case %zu: exit %d, stderr lacks \"%s\":\n%s", i, r.status, want, r.err);
        assert_int_equal(r.out_len, 0);
        proc_result_free(&r);
    }
    /* nothing was ever committed: a good scenario then starts at genesis */
    proc_result r = coopvm("process", "examples/counter.json", "--data", data, "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *j = parse_json(r.out);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(j, "blocks"), 0), "height")), 1);
    json_decref(j);
    proc_result_free(&r);

    r = coopvm("process", "/nonexistent/s.json", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "/nonexistent/s.json"));
    proc_result_free(&r);
    tmpdir_close(&t);
}

/* The (height, state_diff_hash) of every block printed, as "h:hash;..." */
static void block_hashes(const char *out, char *buf, size_t cap)
{
    json_t *j = parse_json(out);
    json_t *b = json_object_get(j, "blocks");
    for (size_t i = 0; i < json_array_size(b); i++) {
        json_t *blk = json_array_get(b, i);
        size_t n = strlen(buf);
        snprintf(buf + n, cap - n, "%lld:%s;", (long long)json_integer_value(json_object_get(blk, "height")),
                 json_string_value(json_object_get(blk, "state_diff_hash")));
    }
    json_decref(j);
}

static char *query_json(const char *out)
{
    json_t *j = parse_json(out);
    char *s = json_dumps(json_object_get(j, "queries"), JSON_COMPACT);
    json_decref(j);
    return s;
}

/* One run of two blocks against two runs of one block each on one store. */
static void test_data_continues(void **state)
{
    (void)state;
    tmpdir t;
    tmp_open(&t);
    char blocks[1024], one_dir[128], two_dir[128];
    snprintf(blocks, sizeof blocks, "%s, %s", BLOCK1, BLOCK2);
    snprintf(one_dir, sizeof one_dir, "%s/one", t.dir);
    snprintf(two_dir, sizeof two_dir, "%s/two", t.dir);
    char whole[4096] = "", split[4096] = "";

    proc_result r = coopvm("process", counter_scenario(&t, "all.json", blocks), "--data", one_dir, "--json", NULL);
    assert_int_equal(r.status, 0);
    block_hashes(r.out, whole, sizeof whole);
    char *q1 = query_json(r.out);
    proc_result_free(&r);

    r = coopvm("process", counter_scenario(&t, "first.json", BLOCK1), "--data", two_dir, "--json", NULL);
    assert_int_equal(r.status, 0);
    block_hashes(r.out, split, sizeof split);
    proc_result_free(&r);
    r = coopvm("process", counter_scenario(&t, "second.json", BLOCK2), "--data", two_dir, "--json", NULL);
    assert_int_equal(r.status, 0);
    /* the second run: no genesis, no deployment, the block at height 4 */
    json_t *j = parse_json(r.out);
    assert_int_equal(json_array_size(json_object_get(j, "blocks")), 1);
    json_decref(j);
    block_hashes(r.out, split, sizeof split);
    char *q2 = query_json(r.out);
    proc_result_free(&r);

    assert_string_equal(whole, split); /* every height with the same state diff: the same final state */
    assert_string_equal(q1, q2);
    assert_non_null(strstr(q1, "\"result\":7"));
    free(q1);
    free(q2);

    /* a changed contract is refused before anything is committed */
    tmpdir_put(&t, "counter.asm", ".contract Counter\n.method get readonly\n    Push 1\n");
    r = coopvm("process", counter_scenario(&t, "third.json", BLOCK2), "--data", two_dir, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "contracts.Counter: "));
    assert_non_null(strstr(r.err, "differs from the code Counter already deployed"));
    assert_non_null(strstr(r.err, " at height 2")); /* where it was deployed, not the store's height (4) */
    assert_int_equal(r.out_len, 0);
    proc_result_free(&r);
    /* the store is still at height 4 */
    r = coopvm("process", tmpdir_put(&t, "q.json", "{\"accounts\": {\"bob\": {\"reputation\": 20}}, \"queries\": " "[{\"signer\": \"bob\", "
                                            "\"contract\": \"_Info\", \"method\": \"isAlive\"}]}"),
               "--data", two_dir, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "queries at height 4\n  bob -> _Info.isAlive(): SUCCESS outputs (true)"));
    proc_result_free(&r);
    tmpdir_close(&t);
}

/* A continuation calls and queries a contract the store already holds
 * without listing it; refuses an account the store does not hold and a
 * contract that is nowhere, before anything is committed. */
static void test_continuation(void **state)
{
    (void)state;
    tmpdir t;
    tmp_open(&t);
    char data[128];
    snprintf(data, sizeof data, "%s/data", t.dir);
    proc_result r = coopvm("process", counter_scenario(&t, "first.json", BLOCK1), "--data", data, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);

    const char *next = tmpdir_put(&t, "next.json",
                           "{\"accounts\": {\"alice\": {\"reputation\": 150}, \"dora\": {}},\n"
                           " \"blocks\": [[{\"signer\": \"alice\", \"contract\": \"Counter\", \"method\": "
                           "\"increment\", \"args\": [3]}]],\n"
                           " \"queries\": [{\"signer\": \"alice\", \"contract\": \"Counter\", \"method\": \"get\"}]}\n");
    r = coopvm("process", next, "--data", data, "--json", NULL);
    if (r.status != 0)
        fail_msg("exit %d: %s", r.status, r.err);
    json_t *j = parse_json(r.out);
    json_t *blocks = json_object_get(j, "blocks");
    assert_int_equal(json_array_size(blocks), 1); /* no genesis, no deployment */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(blocks, 0), "height")), 4);
    json_t *q = json_array_get(json_object_get(j, "queries"), 0);
    assert_int_equal(json_integer_value(json_object_get(q, "result")), 8); /* 5 + 3 */
    json_decref(j);
    proc_result_free(&r);

    /* an account the store does not hold, with a reputation it would not get */
    const char *carol = tmpdir_put(&t, "carol.json",
                            "{\"accounts\": {\"carol\": {\"reputation\": 50}},\n"
                            " \"blocks\": [[{\"signer\": \"carol\", \"contract\": \"Counter\", \"method\": "
                            "\"increment\", \"args\": [1]}]]}\n");
    r = coopvm("process", carol, "--data", data, NULL);
    assert_int_equal(r.status, 1);
    char want[512];
    snprintf(want, sizeof want, "%s: accounts.carol: the store in %s holds no account carol", carol, data);
    if (!strstr(r.err, want))
        fail_msg("stderr lacks \"%s\":\n%s", want, r.err);
    assert_int_equal(r.out_len, 0);
    proc_result_free(&r);

    /* a contract neither listed, native nor deployed */
    const char *nope = tmpdir_put(&t, "nope.json",
                           "{\"accounts\": {\"alice\": {\"reputation\": 150}},\n"
                           " \"queries\": [{\"contract\": \"Counter\", \"method\": \"get\"},\n"
                           "             {\"contract\": \"Nope\", \"method\": \"get\"}]}\n");
    r = coopvm("process", nope, "--data", data, NULL);
    assert_int_equal(r.status, 1);
    snprintf(want, sizeof want, "%s: queries[1].contract: unknown contract \"Nope\" (not in \"contracts\", not a "
             "native service and not deployed in %s)", nope, data);
    if (!strstr(r.err, want))
        fail_msg("stderr lacks \"%s\":\n%s", want, r.err);
    proc_result_free(&r);

    /* nothing of the refused runs was committed: still at height 4 */
    r = coopvm("process", tmpdir_put(&t, "q.json", "{\"accounts\": {\"alice\": {\"reputation\": 150}}, \"queries\": "
                                            "[{\"signer\": \"alice\", \"contract\": \"Counter\", \"method\": \"get\"}]}"),
               "--data", data, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "queries at height 4\n  alice -> Counter.get(): SUCCESS result 8"));
    proc_result_free(&r);
    tmpdir_close(&t);
}

/* process --json receipts name their transaction: its hash, the signer's
 * name and address, the contract, method and arguments; a query's too
 * (without a signer when unsigned). */
static void test_receipts_name_the_tx(void **state)
{
    (void)state;
    tmpdir t;
    tmp_open(&t);
    const char *p = tmpdir_put(&t, "s.json", COUNTER_HEAD " \"blocks\": [[{\"signer\": \"alice\", \"contract\": \"Counter\", "
                                      "\"method\": \"increment\", \"args\": [5]}]],\n \"queries\": [{\"contract\": "
                                      "\"_Info\", \"method\": \"isAlive\"}]}\n");
    proc_result r = coopvm("process", p, "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *j = parse_json(r.out);
    json_t *rc = json_array_get(json_object_get(json_array_get(json_object_get(j, "blocks"), 2), "receipts"), 0);
    json_t *tx = json_object_get(rc, "tx");
    assert_string_equal(json_object_iter_key(json_object_iter(rc)), "tx"); /* first */
    assert_int_equal(json_string_length(json_object_get(tx, "hash")), 64);
    assert_string_equal(json_string_value(json_object_get(tx, "signer")), "alice");
    assert_string_equal(json_string_value(json_object_get(tx, "contract")), "Counter");
    assert_string_equal(json_string_value(json_object_get(tx, "method")), "increment");
    assert_int_equal(json_integer_value(json_array_get(json_object_get(tx, "args"), 0)), 5);
    /* the address is alice's development key's, as keygen prints it */
    const char *addr = json_string_value(json_object_get(tx, "address"));
    assert_non_null(addr);
    assert_int_equal(strlen(addr), 42);
    proc_result k = coopvm("keygen", "--name", "alice", NULL);
    assert_int_equal(k.status, 0);
    if (!strstr(k.out, addr + 2))
        fail_msg("address %s not in keygen's output:\n%s", addr, k.out);
    proc_result_free(&k);
    /* the deployment names the deployer; an unsigned query has no signer */
    json_t *dep = json_array_get(json_object_get(json_array_get(json_object_get(j, "blocks"), 1), "receipts"), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(dep, "tx"), "signer")), "deployer");
    json_t *qtx = json_object_get(json_array_get(json_object_get(j, "queries"), 0), "tx");
    assert_string_equal(json_string_value(json_object_get(qtx, "contract")), "_Info");
    assert_null(json_object_get(qtx, "signer"));
    assert_null(json_object_get(qtx, "address"));
    assert_int_equal(json_string_length(json_object_get(qtx, "hash")), 64);
    json_decref(j);
    proc_result_free(&r);
    tmpdir_close(&t);
}

/* A failed receipt has one shape: run --json's (less the block's
 * state_diff) is process --json's for the same call on the same chain
 * (run's chain is a scenario: "signer" at genesis, the contract at height
 * 2, the call at height 3), member for member, hash included. */
static void test_failed_receipt_same_in_run_and_process(void **state)
{
    (void)state;
    tmpdir t;
    tmp_open(&t);
    const char *p = tmpdir_put(&t, "s.json", "{\"accounts\": {\"signer\": {\"reputation\": 10}},\n"
                                      " \"contracts\": {\"Counter\": \"counter.asm\"},\n"
                                      " \"blocks\": [[{\"signer\": \"signer\", \"contract\": \"Counter\", "
                                      "\"method\": \"increment\", \"args\": [0]}]]}\n");
    proc_result pr = coopvm("process", p, "--json", NULL);
    assert_int_equal(pr.status, 0);
    proc_result rr = coopvm("run", "examples/counter.asm", "--method", "increment", "--arg", "0", "--reputation",
                            "10", "--json", NULL);
    assert_int_equal(rr.status, 1);
    json_t *pj = parse_json(pr.out), *rj = parse_json(rr.out);
    json_t *rc = json_array_get(json_object_get(json_array_get(json_object_get(pj, "blocks"), 2), "receipts"), 0);
    assert_string_equal(json_string_value(json_object_get(rc, "status")), "ERROR_SMART_CONTRACT");
    assert_null(json_object_get(rc, "result")); /* a failure has no result */
    assert_null(json_object_get(rc, "outputs"));
    assert_int_equal(json_object_del(rj, "state_diff"), 0);
    char *a = json_dumps(rc, JSON_COMPACT | JSON_PRESERVE_ORDER), *b = json_dumps(rj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(a, b);
    free(a);
    free(b);
    json_decref(pj);
    json_decref(rj);
    proc_result_free(&pr);
    proc_result_free(&rr);
    tmpdir_close(&t);
}

/* State values of known type show decoded, in text and JSON: a contract's
 * and _Reputation's int64s as numbers (with "raw" in JSON), an account's
 * address key as its name; others as bytes. */
static void test_decoded_state_values(void **state)
{
    (void)state;
    proc_result r = coopvm("process", "examples/counter.json", NULL);
    assert_int_equal(r.status, 0);
    const char *want[] = {"  state diff: 1 change, hash ", "\n    Counter count = 5\n",
                          "\n    _Reputation alice = 150\n", "\n    _Deployments 0x"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(r.out, want[i]))
            fail_msg("missing \"%s\" in:\n%s", want[i], r.out);
    proc_result_free(&r);
    r = coopvm("process", "examples/counter.json", "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *j = parse_json(r.out);
    json_t *genesis = json_object_get(json_array_get(json_object_get(j, "blocks"), 0), "state_diff");
    size_t ints = 0, raws = 0;
    for (size_t i = 0; i < json_array_size(genesis); i++) {
        json_t *d = json_array_get(genesis, i);
        const char *svc = json_string_value(json_object_get(d, "service"));
        if (strcmp(svc, "_Reputation") == 0) {
            assert_int_equal(json_integer_value(json_object_get(d, "value")), 150);
            assert_string_equal(json_string_value(json_object_get(d, "raw")), "9600000000000000");
            ints++;
        } else { /* _Deployments' records: their type is not known from the key */
            assert_true(json_is_string(json_object_get(d, "value")));
            assert_null(json_object_get(d, "raw"));
            raws++;
        }
    }
    assert_int_equal(ints, 1);
    assert_true(raws > 0);
    json_decref(j);
    proc_result_free(&r);
}

/* Typed arguments to native services, an admin, unsigned queries. */
static void test_native_services_and_queries(void **state)
{
    (void)state;
    tmpdir t;
    tmp_open(&t);
    const char *p = tmpdir_put(&t, "coop.json",
                        "{\"accounts\": {\"ann\": {\"reputation\": 5, \"admin\": true}, \"ben\": {}},\n"
                        " \"blocks\": [[{\"signer\": \"ann\", \"contract\": \"_Cooperatives\", \"method\": \"create\",\n"
                        "   \"args\": [\"garden\", \"Shared garden\", 1, 2, 3, 4, 5, {\"string\": \"north\"}]},\n"
                        "  {\"signer\": \"ben\", \"contract\": \"_Cooperatives\", \"method\": \"join\", \"args\": "
                        "[\"garden\"]},\n"
                        "  {\"signer\": \"ben\", \"contract\": \"_Cooperatives\", \"method\": \"join\", \"args\": "
                        "[\"garden\"]}]],\n"
                        " \"queries\": [{\"contract\": \"_Cooperatives\", \"method\": \"getInfo\", \"args\": "
                        "[\"garden\"]},\n"
                        "  {\"contract\": \"_Info\", \"method\": \"isAlive\"}]}\n");
    proc_result r = coopvm("process", p, "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *j = parse_json(r.out);
    /* no contracts: genesis, then the block at height 2 */
    json_t *blk = json_array_get(json_object_get(j, "blocks"), 1);
    assert_int_equal(json_integer_value(json_object_get(blk, "height")), 2);
    json_t *rs = json_object_get(blk, "receipts");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rs, 0), "status")), "SUCCESS");
    json_t *ev = json_array_get(json_object_get(json_array_get(rs, 0), "events"), 0);
    assert_string_equal(json_string_value(json_object_get(ev, "name")), "CooperativeCreated");
    assert_string_equal(json_string_value(json_object_get(json_object_get(ev, "fields"), "purpose")),
                        "Shared garden");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rs, 1), "status")), "SUCCESS");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_array_get(rs, 2), "error"), "code")),
        "ALREADY_MEMBER");
    json_t *q = json_object_get(j, "queries");
    json_t *info = json_object_get(json_array_get(q, 0), "outputs");
    assert_int_equal(json_array_size(info), 10);
    assert_string_equal(json_string_value(json_array_get(info, 1)), "Shared garden");
    assert_int_equal(json_integer_value(json_array_get(info, 8)), 2); /* members */
    assert_true(json_is_true(json_array_get(json_object_get(json_array_get(q, 1), "outputs"), 0)));
    json_decref(j);
    proc_result_free(&r);

    /* the text form of the same */
    r = coopvm("process", p, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "ann -> _Cooperatives.create(\"garden\", \"Shared garden\", 1, 2, 3, 4, 5, "
                                  "\"north\"): SUCCESS, gas 4230\n      event _Cooperatives.CooperativeCreated "
                                  "cooperative_id=\"garden\" creator=ann purpose=\"Shared garden\"\n"));
    assert_non_null(strstr(r.out, "ben -> _Cooperatives.join(\"garden\"): ERROR_SMART_CONTRACT ALREADY_MEMBER: "));
    assert_non_null(strstr(r.out, "(unsigned) -> _Info.isAlive(): SUCCESS outputs (true)"));
    proc_result_free(&r);
    tmpdir_close(&t);
}

/* --trace: each instruction of each transaction, with height and index. */
static void test_trace(void **state)
{
    (void)state;
    tmpdir t;
    tmp_open(&t);
    char blocks[1024];
    snprintf(blocks, sizeof blocks, "%s, %s", BLOCK1, BLOCK2);
    proc_result r = coopvm("process", counter_scenario(&t, "s.json", blocks), "--trace", NULL);
    assert_int_equal(r.status, 0);
    size_t lines = 0, at3_0 = 0, at3_1 = 0, at4_0 = 0;
    for (char *line = r.err; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        json_t *s = parse_json(line);
        json_int_t h = json_integer_value(json_object_get(s, "height")),
                   tx = json_integer_value(json_object_get(s, "tx"));
        assert_non_null(json_object_get(s, "op"));
        at3_0 += h == 3 && tx == 0;
        at3_1 += h == 3 && tx == 1;
        at4_0 += h == 4 && tx == 0;
        lines++;
        json_decref(s);
        line = nl ? nl + 1 : NULL;
    }
    assert_int_equal(at3_0, 13); /* increment(5) to its Halt */
    assert_int_equal(at3_1, 6);  /* increment(0): Dup Push Le JumpIf, Push Abort */
    assert_int_equal(at4_0, 13 + 1); /* and the query's Load: its reference height, index 0 */
    assert_int_equal(lines, 13 + 6 + 13 + 1);
    proc_result_free(&r);
    tmpdir_close(&t);
}

/* Pre-order runs on every block: each fault of a scenario entry gets its
 * status, a rejected transaction is not executed (its receipt says REJECTED
 * and why), the others run as if it were not there, every receipt carries
 * "preorder", the trace numbers transactions as the block does, and a local
 * call's signature is checked too. Block 3 has the timestamp 3 s. */
static void test_preorder(void **state)
{
    (void)state;
    tmpdir t;
    tmp_open(&t);
#define INC(extra) "{\"signer\": \"alice\", \"contract\": \"Counter\", \"method\": \"increment\", \"args\": [1]" extra "}"
    const char *text = COUNTER_HEAD
        " \"blocks\": [[" INC("") ", " INC(", \"tamper\": true") ", " INC(", \"scheme\": 7") ", "
        INC(", \"scheme\": 0") ", " INC(", \"chain\": 43") ", " INC(", \"protocol\": 2") ", "
        INC(", \"timestamp\": 1803000000000") ", " INC(", \"timestamp\": 1803000000001") ", "
        INC(", \"timestamp\": 0") ", " INC(", \"tamper\": false") "]],\n"
        " \"queries\": [{\"signer\": \"alice\", \"contract\": \"Counter\", \"method\": \"get\"},\n"
        "             {\"signer\": \"alice\", \"contract\": \"Counter\", \"method\": \"get\", \"tamper\": true}]}\n";
#undef INC
    static const char *const want[] = {"VALID", "INVALID_SIGNATURE", "INVALID_ADDRESS_SCHEME",
                                       "INVALID_ADDRESS_SCHEME", "WRONG_VIRTUAL_CHAIN", "WRONG_PROTOCOL_VERSION",
                                       "VALID", "TIMESTAMP_OUT_OF_WINDOW", "VALID", "VALID"};
    const size_t n = sizeof want / sizeof want[0];
    const char *p = tmpdir_put(&t, "s.json", text);
    proc_result r = coopvm("process", p, "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *j = parse_json(r.out);
    const json_t *blocks = json_object_get(j, "blocks");
    for (size_t b = 0; b < json_array_size(blocks); b++) { /* genesis has none; deployments too */
        const json_t *rs = json_object_get(json_array_get(blocks, b), "receipts");
        for (size_t i = 0; i < json_array_size(rs); i++)
            assert_non_null(json_object_get(json_array_get(rs, i), "preorder"));
    }
    const json_t *rs = json_object_get(json_array_get(blocks, 2), "receipts");
    assert_int_equal(json_array_size(rs), n);
    int64_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *rc = json_array_get(rs, i);
        const char *po = json_string_value(json_object_get(rc, "preorder"));
        const char *status = json_string_value(json_object_get(rc, "status"));
        if (!po || strcmp(po, want[i]) != 0)
            fail_msg("tx %zu: preorder %s, expected %s", i, po ? po : "(none)", want[i]);
        if (strcmp(want[i], "VALID") == 0) {
            assert_string_equal(status, "SUCCESS");
            assert_int_equal(json_integer_value(json_object_get(rc, "result")), ++count);
            assert_null(json_object_get(rc, "preorder_reason"));
        } else {
            assert_string_equal(status, "REJECTED");
            assert_true(json_string_length(json_object_get(rc, "preorder_reason")) > 0);
            assert_int_equal(json_integer_value(json_object_get(rc, "gas_used")), 0);
            assert_int_equal(json_array_size(json_object_get(rc, "events")), 0);
        }
    }
    const json_t *qs = json_object_get(j, "queries");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(qs, 0), "result")), count);
    const json_t *bad = json_array_get(qs, 1);
    assert_string_equal(json_string_value(json_object_get(bad, "status")), "ERROR_INPUT");
    assert_string_equal(json_string_value(json_object_get(json_object_get(bad, "error"), "code")),
                        "INVALID_SIGNATURE");
    json_decref(j);
    proc_result_free(&r);

    /* text: the rejection and its reason; the trace: block indices */
    r = coopvm("process", p, "--trace", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "alice -> Counter.increment(1): REJECTED by pre-order: INVALID_SIGNATURE: "));
    assert_non_null(strstr(r.out, "REJECTED by pre-order: TIMESTAMP_OUT_OF_WINDOW: "));
    for (size_t i = 0; i < n; i++) {
        char at[64];
        snprintf(at, sizeof at, "{\"height\":3,\"tx\":%zu,", i);
        bool traced = strstr(r.err, at) != NULL;
        if (traced != (strcmp(want[i], "VALID") == 0))
            fail_msg("tx %zu (%s): traced %d", i, want[i], traced);
    }
    proc_result_free(&r);
    tmpdir_close(&t);
}

/* --quiet: no blocks, queries or receipts, only the summary; with --json
 * the summary object alone. Errors still go to stderr. */
static void test_quiet(void **state)
{
    (void)state;
    proc_result r = coopvm("process", "examples/counter.json", "--quiet", NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "played 4 blocks (heights 1..4): 3 transactions (2 succeeded, 1 failed, 0 rejected "
                               "by pre-order), 1 query; the chain is at height 4\n");
    assert_int_equal(r.err_len, 0);
    proc_result_free(&r);
    /* the same line ends the full text */
    r = coopvm("process", "examples/counter.json", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "block 4\n"));
    assert_non_null(strstr(r.out, "\nplayed 4 blocks (heights 1..4): 3 transactions"));
    proc_result_free(&r);
    r = coopvm("process", "examples/counter.json", "--quiet", "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *j = parse_json(r.out);
    assert_int_equal(json_object_size(j), 1);
    json_t *sm = json_object_get(j, "summary");
    assert_int_equal(json_integer_value(json_object_get(sm, "blocks")), 4);
    assert_int_equal(json_integer_value(json_object_get(sm, "from")), 1);
    assert_int_equal(json_integer_value(json_object_get(sm, "to")), 4);
    assert_int_equal(json_integer_value(json_object_get(sm, "transactions")), 3);
    assert_int_equal(json_integer_value(json_object_get(sm, "failed")), 1);
    assert_int_equal(json_integer_value(json_object_get(sm, "queries")), 1);
    assert_int_equal(json_integer_value(json_object_get(sm, "height")), 4);
    assert_int_equal(json_string_length(json_object_get(sm, "state_diff_hash")), 64);
    json_decref(j);
    proc_result_free(&r);
    /* an error is still an error */
    r = coopvm("process", "/nonexistent/s.json", "--quiet", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "/nonexistent/s.json"));
    assert_int_equal(r.out_len, 0);
    proc_result_free(&r);
}

/* The pre-order status of every receipt of the blocks after the
 * deployment, "VALID DUPLICATE | ...", and the final count. */
static void replay_outcomes(const char *out, char *buf, size_t cap)
{
    buf[0] = '\0';
    json_t *j = parse_json(out);
    const json_t *blocks = json_object_get(j, "blocks");
    for (size_t b = 0; b < json_array_size(blocks); b++) {
        const json_t *blk = json_array_get(blocks, b);
        if (json_integer_value(json_object_get(blk, "height")) < 3)
            continue;
        const json_t *rs = json_object_get(blk, "receipts");
        for (size_t i = 0; i < json_array_size(rs); i++) {
            const json_t *rc = json_array_get(rs, i);
            const char *po = json_string_value(json_object_get(rc, "preorder"));
            const char *st = json_string_value(json_object_get(rc, "status"));
            snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s/%s", i ? " " : strlen(buf) ? " | " : "", po, st);
            if (strcmp(po, "DUPLICATE") == 0) {
                const char *why = json_string_value(json_object_get(rc, "preorder_reason"));
                assert_non_null(why);
                assert_non_null(strstr(why, "was committed at height 3, index 0"));
                assert_int_equal(json_integer_value(json_object_get(rc, "gas_used")), 0);
                assert_int_equal(json_array_size(json_object_get(rc, "events")), 0);
            }
        }
    }
    const json_t *q = json_array_get(json_object_get(j, "queries"), 0);
    snprintf(buf + strlen(buf), cap - strlen(buf), " = %lld", (long long)json_integer_value(json_object_get(q, "result")));
    json_decref(j);
}

/* Issue 10's replay through `coopvm process`: one signed transaction (its
 * timestamp pinned, so the same bytes and hash) in blocks 3 and 4 and
 * twice in block 5 runs once; and again after the store is reopened. */
static void test_replay(void **state)
{
    (void)state;
    tmpdir t;
    tmp_open(&t);
#define R "{\"signer\": \"alice\", \"contract\": \"Counter\", \"method\": \"increment\", \"args\": [5], " \
          "\"timestamp\": 3000000000}"
#define FRESH "{\"signer\": \"alice\", \"contract\": \"Counter\", \"method\": \"increment\", \"args\": [5]}"
    const char *p = counter_scenario(&t, "s.json", "[" R "], [" R "], [" R ", " R ", " FRESH ", " FRESH "]");
    char data[128], got[512];
    snprintf(data, sizeof data, "%s/data", t.dir);
    proc_result r = coopvm("process", p, "--json", "--data", data, NULL);
    assert_int_equal(r.status, 0);
    replay_outcomes(r.out, got, sizeof got);
    /* two alike calls in one block without a pinned timestamp are two transactions */
    assert_string_equal(got, "VALID/SUCCESS | DUPLICATE/REJECTED | DUPLICATE/REJECTED DUPLICATE/REJECTED "
                             "VALID/SUCCESS VALID/SUCCESS = 15");
    proc_result_free(&r);

    /* the text names the status and where the first was committed */
    r = coopvm("process", p, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "alice -> Counter.increment(5): REJECTED by pre-order: DUPLICATE: transaction "));
    assert_non_null(strstr(r.out, " was committed at height 3, index 0"));
    proc_result_free(&r);

    /* a continuation of the store refuses it too (block 6: still inside the window) */
    p = counter_scenario(&t, "more.json", "[" R "]");
    r = coopvm("process", p, "--json", "--data", data, NULL);
    assert_int_equal(r.status, 0);
    replay_outcomes(r.out, got, sizeof got);
    assert_string_equal(got, "DUPLICATE/REJECTED = 15");
    proc_result_free(&r);
#undef R
#undef FRESH
    tmpdir_close(&t);
}

static void test_usage(void **state)
{
    (void)state;
    proc_result r = coopvm("process", NULL);
    assert_int_equal(r.status, 2);
    proc_result_free(&r);
    r = coopvm("process", "a.json", "--bogus", NULL);
    assert_int_equal(r.status, 2);
    proc_result_free(&r);
    r = coopvm("process", "a.json", "--data", NULL);
    assert_int_equal(r.status, 2);
    proc_result_free(&r);
    r = coopvm("process", "--help", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "--data DIR"));
    proc_result_free(&r);
}

/* run --dispatch selects the loop: each trace step says which one ran it. */
static void test_run_dispatch(void **state)
{
    (void)state;
    proc_result r = coopvm("run", "examples/counter.asm", "--method", "get", "--reputation", "10", "--trace",
                           "--dispatch", "switch", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "\"dispatch\":\"switch\""));
    assert_null(strstr(r.err, "\"dispatch\":\"goto\""));
    assert_null(strstr(r.err, "\"height\"")); /* run's trace is as it was */
    proc_result_free(&r);
    r = coopvm("run", "examples/counter.asm", "--method", "get", "--reputation", "10", "--trace", "--dispatch",
               "goto", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "\"dispatch\":\"goto\"")); /* gcc and clang have computed goto */
    proc_result_free(&r);
}

/* A method name the transaction codec refuses: run says why, not only
 * which call (the name itself is not allowed to crowd the reason out). */
static void test_run_long_method(void **state)
{
    (void)state;
    proc_result r = coopvm("run", "examples/counter.asm", "--method", M1025, NULL);
    assert_int_equal(r.status, 1);
    if (!strstr(r.err, "method name is 1,025 bytes; a transaction carries at most 1,024"))
        fail_msg("no reason in: %s", r.err);
    proc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_text),
        cmocka_unit_test(test_json_shape),
        cmocka_unit_test(test_bad_scenarios),
        cmocka_unit_test(test_data_continues),
        cmocka_unit_test(test_continuation),
        cmocka_unit_test(test_receipts_name_the_tx),
        cmocka_unit_test(test_failed_receipt_same_in_run_and_process),
        cmocka_unit_test(test_decoded_state_values),
        cmocka_unit_test(test_native_services_and_queries),
        cmocka_unit_test(test_trace),
        cmocka_unit_test(test_preorder),
        cmocka_unit_test(test_quiet),
        cmocka_unit_test(test_block_limits),
        cmocka_unit_test(test_replay),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_run_dispatch),
        cmocka_unit_test(test_run_long_method),
    };
    return cmocka_run_group_tests_name("process", tests, NULL, NULL);
}
