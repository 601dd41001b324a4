/*
 * test_example.c — the example cooperative's life as `coopvm process`
 * plays it (what `make run` did before it started a node; its script is
 * tested by test_run_node.c): `coopvm process
 * examples/cooperative/scenario.json --data DIR`, then `coopvm events
 * --data DIR` in another process. Checks the outcome of every
 * transaction of every block, the final state through the scenario's
 * queries, the event history read back from disk, and that the same
 * scenario in memory gives the same state-diff hash at every height.
 *
 * (tests/native/test_cooperative_life.c plays the same life through the
 * library; this one goes through the command line and the files.)
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

#define SCENARIO "examples/cooperative/scenario.json"

/* Each block's outcomes from height 3 on, one word per transaction:
 * "ok" or the error code (examples/cooperative/README.md tells why). */
static const char *const outcomes[] = {
    "ok ok",                                   /* 3: housing and compute founded */
    "ok ok ok ALREADY_MEMBER",                 /* 4: bob, carol, dave join; carol again */
    "ok ok ok RESOURCE_IMPACT_TOO_HIGH",       /* 5: rooms, rooms, energy; compute refused */
    "ok",                                      /* 6: bob's proposal 1 */
    "ok ok",                                   /* 7: alice yes, carol no */
    "ok PROPOSAL_CLOSED",                      /* 8: dave yes passes it; bob too late */
    "PERMISSION_DENIED INVALID_QUORUM ok",     /* 9: quorum: carol, 0, then alice 75 */
    "ok",                                      /* 10: carol's proposal 2 */
    "ok ok",                                   /* 11: alice no, bob no: rejected */
    "INSUFFICIENT_REPUTATION",                 /* 12: dave may not propose */
};

/* "ok ALREADY_MEMBER ..." of one block's receipts, all pre-ordered VALID. */
static void block_outcomes(const json_t *block, char *buf, size_t cap)
{
    buf[0] = '\0';
    const json_t *rs = json_object_get(block, "receipts");
    for (size_t i = 0; i < json_array_size(rs); i++) {
        const json_t *r = json_array_get(rs, i);
        assert_string_equal(json_string_value(json_object_get(r, "preorder")), "VALID");
        const char *status = json_string_value(json_object_get(r, "status"));
        const char *word = strcmp(status, "SUCCESS") == 0
                               ? "ok"
                               : json_string_value(json_object_get(json_object_get(r, "error"), "code"));
        snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", i ? " " : "", word ? word : "?");
    }
}

/* The outputs of query i as compact JSON. */
static char *query_outputs(const json_t *j, size_t i)
{
    const json_t *q = json_array_get(json_object_get(j, "queries"), i);
    assert_string_equal(json_string_value(json_object_get(q, "status")), "SUCCESS");
    const json_t *out = json_object_get(q, "outputs");
    if (!out)
        out = json_object_get(q, "result");
    return json_dumps(out, JSON_COMPACT | JSON_ENCODE_ANY);
}

static void test_the_life_on_disk(void **state)
{
    (void)state;
    char dir[] = "/tmp/coopvm-example-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char data[64];
    snprintf(data, sizeof data, "%s/data", dir);

    proc_result r = coopvm("process", SCENARIO, "--data", data, "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *disk = parse_json(r.out);
    proc_result_free(&r);

    const json_t *blocks = json_object_get(disk, "blocks");
    const size_t n = sizeof outcomes / sizeof outcomes[0];
    assert_int_equal(json_array_size(blocks), 2 + n); /* genesis, deployments, the story */
    for (size_t i = 0; i < n; i++) {
        const json_t *b = json_array_get(blocks, 2 + i);
        assert_int_equal(json_integer_value(json_object_get(b, "height")), 3 + i);
        char got[256];
        block_outcomes(b, got, sizeof got);
        if (strcmp(got, outcomes[i]) != 0)
            fail_msg("height %zu: \"%s\", expected \"%s\"", 3 + i, got, outcomes[i]);
    }

    /* the final state, through the scenario's queries (in its order) */
    static const char *const want[] = {
        "[\"0xd21b6d72a95502cbc0128326b938aa55a2325cf1\",\"Shared housing\",30,40,20,60,30,\"north\",4,75]",
        "[\"0x2e12ed3f1c22859b759c728166dc9999df100e2d\",\"GPU sharing\",95,85,90,20,70,\"north\",1,50]",
        "5", "40", "0",
        "[\"housing\",\"0x2e12ed3f1c22859b759c728166dc9999df100e2d\",\"passed\",2,1]",
        "[\"housing\",\"0x579991f2e2ce820cb96db88050db13f8a6cf81db\",\"rejected\",0,2]",
        "5", "2",
    };
    assert_int_equal(json_array_size(json_object_get(disk, "queries")), sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char *got = query_outputs(disk, i);
        if (strcmp(got, want[i]) != 0)
            fail_msg("query %zu: %s, expected %s", i, got, want[i]);
        free(got);
    }

    /* the same scenario in memory: the same state at every height */
    r = coopvm("process", SCENARIO, "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *mem = parse_json(r.out);
    proc_result_free(&r);
    const json_t *mblocks = json_object_get(mem, "blocks");
    assert_int_equal(json_array_size(mblocks), json_array_size(blocks));
    for (size_t i = 0; i < json_array_size(blocks); i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(blocks, i), "state_diff_hash")),
                            json_string_value(json_object_get(json_array_get(mblocks, i), "state_diff_hash")));
    json_decref(mem);
    json_decref(disk);

    /* the history, read back by another process: 20 events, none of a failure */
    r = coopvm("events", "--data", data, "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *ev = parse_json(r.out);
    assert_int_equal(json_array_size(ev), 20);
    json_decref(ev);
    proc_result_free(&r);

    r = coopvm("events", "--data", data, "--service", "_Governance", "--name", "ProposalRejected", NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "height 11 tx 1 _Governance.ProposalRejected proposal_id=2 yes=0 no=2\n");
    proc_result_free(&r);

    r = coopvm("events", "--data", data, "--name", "CooperativeJoined", "--from", "4", "--to", "4", NULL);
    assert_int_equal(r.status, 0);
    size_t lines = 0;
    for (const char *p = r.out; (p = strchr(p, '\n')); p++)
        lines++;
    assert_int_equal(lines, 3); /* bob, carol, dave — not carol's second join */
    proc_result_free(&r);

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* process' text: readable, with the refusals spelled out. */
static void test_the_life_as_text(void **state)
{
    (void)state;
    proc_result r = coopvm("process", SCENARIO, NULL);
    assert_int_equal(r.status, 0);
    static const char *const want[] = {
        "block 1  genesis\n",
        "block 2  deployments\n",
        "block 3\n  alice -> Housing.found(): SUCCESS",
        "carol -> Housing.join(): ERROR_SMART_CONTRACT ALREADY_MEMBER: ",
        "bob -> Compute.reserve(8): ERROR_SMART_CONTRACT RESOURCE_IMPACT_TOO_HIGH: ",
        "event _Governance.ProposalPassed proposal_id=1 yes=2 no=1\n",
        "event _Governance.ProposalRejected proposal_id=2 yes=0 no=2\n",
        "dave -> Housing.propose(): ERROR_SMART_CONTRACT INSUFFICIENT_REPUTATION: ",
        "queries at height 12\n",
        /* an account's address shows as its name; a string stays quoted */
        "event _Cooperatives.CooperativeCreated cooperative_id=\"housing\" creator=alice purpose=\"Shared housing\"\n",
        "_Governance.getProposal(1): SUCCESS outputs (\"housing\", bob, \"passed\", 2, 1)\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(r.out, want[i]))
            fail_msg("missing \"%s\" in:\n%s", want[i], r.out);
    proc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_life_on_disk),
        cmocka_unit_test(test_the_life_as_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
