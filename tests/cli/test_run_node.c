/*
 * test_run_node.c — `make run` as a test: examples/cooperative/live.sh
 * with --exit starts a real node on a fresh directory with the example's
 * genesis, submits the cooperative's life through the HTTP API with the
 * client commands, prints each block, and stops the node. Checks each
 * scenario block's outcomes against the scenario's (the table of
 * tests/cli/test_example.c, which plays the same life with `process`), that
 * the node stopped cleanly, that the chain verifies, and that its event
 * history holds the life's 20 events.
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

#include <cmocka.h>
#include <jansson.h>

#include "cli/clitest.h"

/* Each scenario block's outcomes (tests/cli/test_example.c's table). */
static const char *const outcomes[] = {
    "ok ok",
    "ok ok ok ALREADY_MEMBER",
    "ok ok ok RESOURCE_IMPACT_TOO_HIGH",
    "ok",
    "ok ok",
    "ok PROPOSAL_CLOSED",
    "PERMISSION_DENIED INVALID_QUORUM ok",
    "ok",
    "ok ok",
    "INSUFFICIENT_REPUTATION",
};

static void test_the_life_on_a_node(void **state)
{
    (void)state;
    proc_result r = coopvm("block", "--node", "http://127.0.0.1:1", NULL);
    bool no_client = strstr(r.err, "built without libcurl") != NULL;
    proc_result_free(&r);
    if (no_client)
        skip();
    char dir[] = "/tmp/coopvm-run-node-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char data[64], logpath[80];
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(logpath, sizeof logpath, "%s.log", data);
    char *argv[] = {"/bin/sh", "examples/cooperative/live.sh", "--bin", (char *)proc_coopvm(), "--data", data,
                    "--listen", "127.0.0.1:0", "--block-interval", "100ms", "--exit", NULL};
    assert_int_equal(proc_run(argv, &r), 0);
    if (r.status != 0 && strstr(r.err, "no HTTP API in this build")) {
        proc_result_free(&r);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
        skip(); /* a node built before its HTTP server */
    }
    if (r.status != 0)
        fail_msg("live.sh exited %d:\n%s\n%s", r.status, r.out, r.err);

    /* one line of outcomes per scenario block, in order */
    const char *p = r.out;
    for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++) {
        char head[32];
        snprintf(head, sizeof head, "life block %zu (heights ", i + 1);
        const char *line = strstr(p, head);
        if (!line)
            fail_msg("no \"%s\" line after:\n%s", head, p);
        const char *colon = strstr(line, "): ");
        const char *end = strchr(line, '\n');
        assert_non_null(colon);
        assert_non_null(end);
        char got[256];
        snprintf(got, sizeof got, "%.*s", (int)(end - colon - 3), colon + 3);
        if (strcmp(got, outcomes[i]) != 0)
            fail_msg("life block %zu: \"%s\", expected \"%s\"", i + 1, got, outcomes[i]);
        p = end;
    }
    /* each block printed as it committed, with the accounts by name */
    assert_non_null(strstr(r.out, "block 3  "));
    assert_non_null(strstr(r.out, "alice -> Housing.found(): SUCCESS result 0, gas 4870\n"));
    assert_non_null(strstr(r.out, "dave -> Housing.propose(): ERROR_SMART_CONTRACT INSUFFICIENT_REPUTATION: "));
    assert_non_null(strstr(r.out, "node: http://127.0.0.1:"));
    assert_non_null(strstr(r.out, "the life is committed"));
    assert_non_null(strstr(r.out, "node stopped\n"));
    proc_result_free(&r);

    /* the chain the node left: whole, with the life's 20 events */
    r = coopvm("verify", "--data", data, NULL);
    if (r.status != 0)
        fail_msg("verify: %s%s", r.out, r.err);
    proc_result_free(&r);
    r = coopvm("events", "--data", data, "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *ev = parse_json(r.out);
    assert_int_equal(json_array_size(ev), 20);
    json_decref(ev);
    proc_result_free(&r);
    r = coopvm("events", "--data", data, "--service", "_Governance", "--name", "ProposalRejected", "--scenario",
               "examples/cooperative/genesis.json", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "_Governance.ProposalRejected proposal_id=2 yes=0 no=2\n"));
    proc_result_free(&r);

    /* a second run refuses the directory: the life starts from genesis */
    char *again[] = {"/bin/sh", "examples/cooperative/live.sh", "--bin", (char *)proc_coopvm(), "--data", data,
                     "--exit", NULL};
    assert_int_equal(proc_run(again, &r), 0);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "exists; the life starts from genesis"));
    proc_result_free(&r);
    /* usage */
    char *bad[] = {"/bin/sh", "examples/cooperative/live.sh", "--frob", NULL};
    assert_int_equal(proc_run(bad, &r), 0);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "unknown argument '--frob'"));
    proc_result_free(&r);

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_life_on_a_node),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
