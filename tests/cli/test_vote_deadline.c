/*
 * test_vote_deadline.c — examples/vote-deadline as `coopvm process --json`
 * plays it: a contract opening a proposal with a title and a voting period
 * through a typed CallService to _Governance, votes before, at and after
 * the deadline (the late one PROPOSAL_CLOSED with the height voting ended
 * at in its message), and the typed results of its read-only methods and
 * of _Governance's own queries. Every row of the example's README.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "cli/clitest.h"

#define SCENARIO "examples/vote-deadline/scenario.json"

/* The receipts of the scenario's transactions, in order: height, method,
 * and "ok" or the error code. */
static const struct {
    int height;
    const char *method;
    const char *outcome;
} ROWS[] = {
    {2, "deployService", "ok"},
    {3, "create", "ok"},
    {4, "join", "ok"},
    {4, "join", "ok"},
    {5, "open", "ok"},
    {5, "open", "ok"},
    {6, "vote", "ok"},
    {7, "vote", "ok"},
    {8, "vote", "PROPOSAL_CLOSED"},
    {8, "vote", "ok"},
};

static json_t *output(json_t *q, size_t i) { return json_array_get(json_object_get(q, "outputs"), i); }

static void test_vote_deadline(void **state)
{
    (void)state;
    proc_result r = coopvm("process", SCENARIO, "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *j = parse_json(r.out);
    json_t *blocks = json_object_get(j, "blocks");
    size_t n = 0;
    json_t *late = NULL;
    for (size_t b = 0; b < json_array_size(blocks); b++) {
        json_t *blk = json_array_get(blocks, b);
        json_t *rs = json_object_get(blk, "receipts");
        for (size_t i = 0; i < json_array_size(rs); i++, n++) {
            json_t *rc = json_array_get(rs, i);
            assert_true(n < sizeof ROWS / sizeof ROWS[0]);
            assert_int_equal(json_integer_value(json_object_get(blk, "height")), ROWS[n].height);
            assert_string_equal(json_string_value(json_object_get(json_object_get(rc, "tx"), "method")), ROWS[n].method);
            json_t *e = json_object_get(rc, "error");
            const char *got = e ? json_string_value(json_object_get(e, "code")) : "ok";
            if (strcmp(got, ROWS[n].outcome) != 0)
                fail_msg("row %zu (%s at height %d): %s, expected %s", n, ROWS[n].method, ROWS[n].height, got,
                         ROWS[n].outcome);
            if (e)
                late = rc;
        }
    }
    assert_int_equal(n, sizeof ROWS / sizeof ROWS[0]);

    /* the late vote: the deadline in its message, at the contract's call */
    assert_non_null(late);
    json_t *e = json_object_get(late, "error");
    assert_string_equal(json_string_value(json_object_get(e, "message")),
                        "_Governance.castVote: proposal 1 in cooperative garden is closed: voting ended at height 7");
    assert_string_equal(json_string_value(json_object_get(e, "method")), "vote");
    assert_string_equal(json_string_value(json_object_get(late, "status")), "ERROR_SMART_CONTRACT");
    assert_int_equal(json_array_size(json_object_get(late, "events")), 0);

    /* the first open: the proposal id, and the event with title and deadline */
    json_t *open = json_array_get(json_object_get(json_array_get(blocks, 4), "receipts"), 0);
    assert_int_equal(json_integer_value(json_object_get(open, "result")), 1);
    json_t *f = json_object_get(json_array_get(json_object_get(open, "events"), 0), "fields");
    assert_string_equal(json_string_value(json_object_get(f, "title")), "Plant apple trees");
    assert_int_equal(json_integer_value(json_object_get(f, "deadline")), 7);
    /* the second has a title and no deadline */
    open = json_array_get(json_object_get(json_array_get(blocks, 4), "receipts"), 1);
    f = json_object_get(json_array_get(json_object_get(open, "events"), 0), "fields");
    assert_string_equal(json_string_value(json_object_get(f, "title")), "Build a shed");
    assert_null(json_object_get(f, "deadline"));

    json_t *q = json_object_get(j, "queries");
    assert_int_equal(json_array_size(q), 6);
    assert_string_equal(json_string_value(output(json_array_get(q, 0), 0)), "expired");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(q, 1), "result")), 7);
    assert_string_equal(json_string_value(output(json_array_get(q, 2), 0)), "open");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(q, 3), "result")), 0);
    json_t *gp = json_array_get(q, 4);
    assert_int_equal(json_array_size(json_object_get(gp, "outputs")), 5);
    assert_string_equal(json_string_value(output(gp, 0)), "garden");
    assert_string_equal(json_string_value(output(gp, 2)), "expired");
    assert_int_equal(json_integer_value(output(gp, 3)), 1);
    assert_int_equal(json_integer_value(output(gp, 4)), 1);
    json_t *gi = json_array_get(q, 5);
    assert_string_equal(json_string_value(output(gi, 0)), "Plant apple trees");
    assert_int_equal(json_integer_value(output(gi, 1)), 7);
    for (size_t i = 0; i < json_array_size(q); i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(q, i), "status")), "SUCCESS");
    json_decref(j);
    proc_result_free(&r);
}

/* The text: the late vote's line names the contract's method and the
 * height voting ended at. */
static void test_text(void **state)
{
    (void)state;
    proc_result r = coopvm("process", SCENARIO, NULL);
    assert_int_equal(r.status, 0);
    if (!strstr(r.out, "bob -> Ballot.vote(1, 1): ERROR_SMART_CONTRACT PROPOSAL_CLOSED: _Governance.castVote: "
                       "proposal 1 in cooperative garden is closed: voting ended at height 7 (method vote"))
        fail_msg("no late vote in:\n%s", r.out);
    if (!strstr(r.out, "Ballot.status(1): SUCCESS outputs (\"expired\")"))
        fail_msg("no expired status in:\n%s", r.out);
    proc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vote_deadline),
        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
