/*
 * test_client.c — the client commands against a real node: `coopvm node`
 * started as a child process on 127.0.0.1 with an ephemeral port (on
 * virtual chain 7, so that `tx build --node` visibly takes the node's chain
 * id), the example cooperative's genesis, and stopped at the end. Covers
 * send (202, --wait, 409 DUPLICATE, 422 pre-order, 400), receipt (text,
 * --json, 404), call (unsigned, --key, a failed call), block (latest, a
 * height, 404), events --node (the same text and JSON as --data, paged),
 * deploy (and a second deployment refused), names with --scenario.
 *
 * Skipped when this coopvm has no client commands (built without libcurl)
 * or its node no HTTP server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "cli/clitest.h"
#include "support/node_proc.h"

#define GENESIS "examples/cooperative/genesis.json"

static node_proc node;
static char dir[64], data[96], alice[128], carol[128], tx[128];
static const char *url;

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

static void expect(proc_result r, int status, const char *in_out, const char *in_err)
{
    if (r.status != status || (in_out && !strstr(r.out, in_out)) || (in_err && !strstr(r.err, in_err)))
        fail_msg("exit %d (expected %d)\nstdout (expected \"%s\"):\n%s\nstderr (expected \"%s\"):\n%s", r.status,
                 status, in_out ? in_out : "", r.out, in_err ? in_err : "", r.err);
    proc_result_free(&r);
}

/* Builds a transaction of signer's key (through the node: its chain id)
 * into tx. */
static void build(const char *key, const char *service, const char *method, const char *arg)
{
    proc_result r = arg ? coopvm("tx", "build", "--node", url, "--key", key, "--service", service, "--method", method,
                                 "--arg", arg, "-o", tx, NULL)
                        : coopvm("tx", "build", "--node", url, "--key", key, "--service", service, "--method",
                                 method, "-o", tx, NULL);
    if (r.status != 0)
        fail_msg("tx build: %s", r.err);
    proc_result_free(&r);
}

/* `send` without --wait: the hash, checked, into out (65 bytes). */
static void send_tx(char *out)
{
    proc_result r = coopvm("send", "--node", url, tx, NULL);
    if (r.status != 0)
        fail_msg("send: %s", r.err);
    assert_int_equal(strlen(r.out), 64 + strlen(" PENDING\n"));
    assert_string_equal(r.out + 64, " PENDING\n");
    memcpy(out, r.out, 64);
    out[64] = '\0';
    proc_result_free(&r);
}

static int setup(void **state)
{
    (void)state;
    proc_result r = coopvm("block", "--node", "http://127.0.0.1:1", NULL);
    bool no_client = strstr(r.err, "built without libcurl") != NULL;
    proc_result_free(&r);
    r = coopvm("node", "--help", NULL);
    bool no_node = r.status != 0;
    proc_result_free(&r);
    if (no_client || no_node)
        return 0; /* every test skips */
    snprintf(dir, sizeof dir, "/tmp/coopvm-client-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(alice, sizeof alice, "%s/alice.json", dir);
    snprintf(carol, sizeof carol, "%s/carol.json", dir);
    snprintf(tx, sizeof tx, "%s/tx.json", dir);
    const char *names[] = {"alice", "carol"}, *paths[] = {alice, carol};
    for (int i = 0; i < 2; i++) {
        r = coopvm("keygen", "--name", names[i], "--json", NULL);
        assert_int_equal(r.status, 0);
        write_file(paths[i], r.out, r.out_len);
        proc_result_free(&r);
    }
    const char *extra[] = {"--genesis", GENESIS, "--chain", "7", "--block-interval", "50ms", NULL};
    if (node_start(&node, data, extra) != 0) {
        /* a node built before its HTTP server: nothing to test here yet */
        char *log = node_log(&node);
        bool no_http = log && strstr(log, "no HTTP API in this build");
        free(log);
        return no_http ? 0 : -1;
    }
    url = node.url;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!url)
        return 0;
    int st = node_stop(&node);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        print_message("could not remove %s\n", dir);
    if (st != 0) {
        print_message("the node exited with %d\n", st);
        return -1;
    }
    return 0;
}

static void test_send_and_receipt(void **state)
{
    (void)state;
    if (!url)
        skip();
    /* tx build --node: the node's chain (7), not the default 42 */
    build(alice, "Housing", "found", NULL);
    json_error_t je;
    json_t *j = json_load_file(tx, 0, &je);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "virtual_chain_id")), 7);
    json_decref(j);

    char hash[65];
    send_tx(hash);
    char want[160];
    snprintf(want, sizeof want, "tx %s: COMMITTED at height 3, index 0\n", hash);
    expect(coopvm("receipt", "--node", url, "--wait", "30", hash, NULL), 0, want, NULL);
    /* names with --scenario; the event's creator too */
    expect(coopvm("receipt", "--node", url, hash, "--scenario", GENESIS, NULL), 0,
           "  alice -> Housing.found(): SUCCESS result 0, gas 4870\n"
           "      event _Cooperatives.CooperativeCreated cooperative_id=\"housing\" creator=alice "
           "purpose=\"Shared housing\"\n",
           NULL);
    /* --json: the API's answer */
    proc_result r = coopvm("receipt", "--node", url, hash, "--json", NULL);
    assert_int_equal(r.status, 0);
    j = parse_json(r.out);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "COMMITTED");
    assert_string_equal(json_string_value(json_object_get(j, "tx_hash")), hash);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "receipt"), "status")), "SUCCESS");
    json_decref(j);
    proc_result_free(&r);

    /* the same transaction again: 409 DUPLICATE, whether pending or committed */
    expect(coopvm("send", "--node", url, tx, NULL), 1, NULL, "/v1/transactions: 409 DUPLICATE: ");
    r = coopvm("send", "--node", url, tx, "--json", NULL);
    assert_int_equal(r.status, 1);
    j = parse_json(r.out); /* the API's error, as answered */
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "code")), "DUPLICATE");
    json_decref(j);
    proc_result_free(&r);

    /* --wait: the receipt once committed; a failed transaction exits 1 */
    build(carol, "Housing", "join", NULL);
    expect(coopvm("send", "--node", url, tx, "--wait", "--scenario", GENESIS, NULL), 0,
           "  carol -> Housing.join(): SUCCESS result 0", NULL);
    build(carol, "Housing", "join", NULL);
    expect(coopvm("send", "--node", url, tx, "--wait", NULL), 1, "ERROR_SMART_CONTRACT ALREADY_MEMBER: ", NULL);

    /* 422: pre-order refuses a transaction of another chain (tx build's
     * default, 42, without --node) */
    proc_result b = coopvm("tx", "build", "--key", alice, "--service", "Housing", "--method", "booked", "-o", tx, NULL);
    assert_int_equal(b.status, 0);
    proc_result_free(&b);
    expect(coopvm("send", "--node", url, tx, NULL), 1, NULL, "422 WRONG_VIRTUAL_CHAIN: ");
    /* 400: a body that does not decode, named by its path */
    const char bad[] = "{\"protocol_version\": 1}";
    write_file(tx, bad, strlen(bad));
    expect(coopvm("send", "--node", url, tx, NULL), 1, NULL, "400 BAD_REQUEST: ");

    /* 404: a hash the node does not know */
    static const char unknown[] = "00000000000000000000000000000000000000000000000000000000000000aa";
    expect(coopvm("receipt", "--node", url, unknown, NULL), 1, NULL, "404 NOT_FOUND: ");
}

static void test_call(void **state)
{
    (void)state;
    if (!url)
        skip();
    build(alice, "Housing", "rooms", "3");
    expect(coopvm("send", "--node", url, tx, "--wait", NULL), 0, "SUCCESS result 3", NULL);
    expect(coopvm("call", "--node", url, "_Cooperatives", "allocation", "\"housing\"", "1", NULL), 0,
           "(unsigned) -> _Cooperatives.allocation(\"housing\", 1): SUCCESS result 3, gas ", NULL);
    proc_result r = coopvm("call", "--node", url, "_Cooperatives", "getInfo", "\"housing\"", "--scenario", GENESIS, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "SUCCESS outputs (alice, \"Shared housing\", 30, 40, 20, 60, 30, \"north\""));
    assert_non_null(strstr(r.out, "\nat height "));
    proc_result_free(&r);
    /* a contract's getter needs a signer with its .reputation: --key */
    expect(coopvm("call", "--node", url, "Housing", "booked", NULL), 1, "INSUFFICIENT_REPUTATION", NULL);
    expect(coopvm("call", "--node", url, "Housing", "booked", "--key", alice, NULL), 0, "SUCCESS result 3", NULL);
    r = coopvm("call", "--node", url, "Housing", "booked", "--key", alice, "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *j = parse_json(r.out);
    assert_true(json_integer_value(json_object_get(j, "height")) >= 3);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "receipt"), "result")), 3);
    json_decref(j);
    proc_result_free(&r);
    /* an unknown method: the call ran and failed */
    expect(coopvm("call", "--node", url, "Housing", "bookd", "--key", alice, NULL), 1, "Housing.bookd()", NULL);
}

static void test_block(void **state)
{
    (void)state;
    if (!url)
        skip();
    expect(coopvm("block", "--node", url, "3", "--scenario", GENESIS, NULL), 0,
           "  alice -> Housing.found(): SUCCESS result 0, gas 4870\n", NULL);
    proc_result r = coopvm("block", "--node", url, "3", NULL);
    assert_int_equal(r.status, 0);
    assert_true(strncmp(r.out, "block 3  ", 9) == 0);
    assert_non_null(strstr(r.out, "\n  hash "));
    assert_non_null(strstr(r.out, "\n  prev "));
    proc_result_free(&r);
    r = coopvm("block", "--node", url, "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *j = parse_json(r.out);
    assert_true(json_integer_value(json_object_get(json_object_get(j, "header"), "height")) >= 3);
    json_decref(j);
    proc_result_free(&r);
    expect(coopvm("block", "--node", url, "999999", NULL), 1, NULL, "/v1/blocks/999999: 404 NOT_FOUND: ");
}

/* events --node prints what events --data prints from the same chain */
static void test_events(void **state)
{
    (void)state;
    if (!url)
        skip();
    const char *filters[][4] = {
        {NULL},
        {"--service", "_Cooperatives", NULL},
        {"--name", "CooperativeJoined", NULL},
        {"--from", "4", "--to", "4"},
    };
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        const char *const *f = filters[i];
        proc_result a = coopvm("events", "--data", data, "--scenario", GENESIS, f[0], f[1], f[2], f[3], NULL);
        proc_result b = coopvm("events", "--node", url, "--scenario", GENESIS, f[0], f[1], f[2], f[3], NULL);
        proc_result c = coopvm("events", "--node", url, "--page-size", "1", "--scenario", GENESIS, f[0], f[1], f[2],
                               f[3], NULL);
        assert_int_equal(a.status, 0);
        assert_int_equal(b.status, 0);
        assert_int_equal(c.status, 0);
        assert_string_equal(b.out, a.out);
        assert_string_equal(c.out, a.out);
        proc_result_free(&a);
        proc_result_free(&b);
        proc_result_free(&c);
    }
    proc_result a = coopvm("events", "--data", data, "--json", NULL);
    proc_result b = coopvm("events", "--node", url, "--json", "--page-size", "2", NULL);
    assert_int_equal(b.status, 0);
    json_t *ja = parse_json(a.out);
    assert_true(json_array_size(ja) >= 3);
    json_decref(ja);
    assert_string_equal(b.out, a.out); /* the same bytes */
    proc_result_free(&a);
    proc_result_free(&b);
    expect(coopvm("events", "--node", url, "--to", "0", "--json", NULL), 0, "[]\n", NULL);
    expect(coopvm("events", "--node", url, "--page-size", "1001", NULL), 2, NULL, "--page-size: '1001'");
    expect(coopvm("events", "--data", data, "--page-size", "5", NULL), 2, NULL, "--page-size goes with --node");
}

static void test_deploy(void **state)
{
    (void)state;
    if (!url)
        skip();
    expect(coopvm("deploy", "--node", url, "--key", alice, "examples/counter.asm", "--wait", NULL), 0,
           "-> _Deployments.deployService(\"Counter\", 2, 0x43564d1a", NULL);
    build(alice, "Counter", "increment", "5");
    expect(coopvm("send", "--node", url, tx, "--wait", NULL), 0, "Counter.increment(5): SUCCESS result 5", NULL);
    expect(coopvm("call", "--node", url, "Counter", "get", "--key", alice, NULL), 0, "SUCCESS result 5", NULL);
    /* --name, and a name already deployed */
    expect(coopvm("deploy", "--node", url, "--key", alice, "examples/counter.asm", "--name", "Counter2", "--wait",
                  NULL),
           0, "deployService(\"Counter2\"", NULL);
    expect(coopvm("deploy", "--node", url, "--key", alice, "examples/counter.asm", "--wait", NULL), 1,
           "DEPLOYMENT_FAILED: service Counter is already deployed", NULL);
    /* without --wait: the hash and PENDING */
    proc_result r = coopvm("deploy", "--node", url, "--key", alice, "examples/counter.asm", "--name", "Counter3", NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out + 64, " PENDING\n");
    proc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_and_receipt), cmocka_unit_test(test_call),   cmocka_unit_test(test_block),
        cmocka_unit_test(test_events),           cmocka_unit_test(test_deploy),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
