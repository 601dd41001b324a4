/*
 * test_governance_cli.c — _Governance's titles and voting periods as a user
 * meets them: `coopvm process` of a scenario that opens a proposal with a
 * title and a period of one block beside one without, votes in the
 * creating block, at the deadline and after it (PROPOSAL_CLOSED "voting
 * ended at height 5" in text and JSON), and queries getProposal
 * ("expired") and getProposalInfo; then `coopvm events` showing the
 * ProposalCreated fields only where they were given.
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

/* Heights: 1 genesis, 2 create, 3 joins, 4 the proposals (deadline of the
 * first: 4 + 1 = 5) and carol's vote, 5 alice's vote (at the deadline),
 * 6 bob's (after it). */
static const char SCENARIO[] =
    "{\"accounts\": {\"alice\": {\"reputation\": 150}, \"bob\": {\"reputation\": 150}, \"carol\": {}},\n"
    " \"blocks\": [\n"
    "  [{\"signer\": \"alice\", \"contract\": \"_Cooperatives\", \"method\": \"create\",\n"
    "    \"args\": [\"garden\", \"Shared garden\", 10, 20, 5, 10, 5, \"north\"]}],\n"
    "  [{\"signer\": \"bob\", \"contract\": \"_Cooperatives\", \"method\": \"join\", \"args\": [\"garden\"]},\n"
    "   {\"signer\": \"carol\", \"contract\": \"_Cooperatives\", \"method\": \"join\", \"args\": [\"garden\"]}],\n"
    "  [{\"signer\": \"alice\", \"contract\": \"_Governance\", \"method\": \"createProposal\",\n"
    "    \"args\": [\"garden\", \"Plant apple trees\", 1]},\n"
    "   {\"signer\": \"bob\", \"contract\": \"_Governance\", \"method\": \"createProposal\", \"args\": [\"garden\"]},\n"
    "   {\"signer\": \"carol\", \"contract\": \"_Governance\", \"method\": \"castVote\", \"args\": [1, 0]}],\n"
    "  [{\"signer\": \"alice\", \"contract\": \"_Governance\", \"method\": \"castVote\", \"args\": [1, 1]}],\n"
    "  [{\"signer\": \"bob\", \"contract\": \"_Governance\", \"method\": \"castVote\", \"args\": [1, 1]}]\n"
    " ],\n"
    " \"queries\": [\n"
    "  {\"contract\": \"_Governance\", \"method\": \"getProposal\", \"args\": [1]},\n"
    "  {\"contract\": \"_Governance\", \"method\": \"getProposalInfo\", \"args\": [1]},\n"
    "  {\"contract\": \"_Governance\", \"method\": \"getProposal\", \"args\": [2]},\n"
    "  {\"contract\": \"_Governance\", \"method\": \"getProposalInfo\", \"args\": [2]}\n"
    " ]}\n";

typedef struct tmp {
    char dir[64];
    char scenario[128];
    char data[128];
} tmp;

static void tmp_open(tmp *t)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/coopvm-gov-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->scenario, sizeof t->scenario, "%s/s.json", t->dir);
    snprintf(t->data, sizeof t->data, "%s/data", t->dir);
    FILE *f = fopen(t->scenario, "w");
    assert_non_null(f);
    fputs(SCENARIO, f);
    fclose(f);
}

static void tmp_close(tmp *t)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", t->dir);
    assert_int_equal(system(cmd), 0);
}

static void contains(const char *s, const char *part)
{
    if (!strstr(s, part))
        fail_msg("'%s' not found in:\n%s", part, s);
}

static void test_text(void **state)
{
    (void)state;
    tmp t;
    tmp_open(&t);
    proc_result r = coopvm("process", t.scenario, NULL);
    assert_int_equal(r.status, 0);
    contains(r.out, "alice -> _Governance.createProposal(\"garden\", \"Plant apple trees\", 1): SUCCESS result 1");
    contains(r.out, "event _Governance.ProposalCreated cooperative_id=\"garden\" proposal_id=1 creator=alice "
                    "title=\"Plant apple trees\" deadline=5\n");
    contains(r.out, "event _Governance.ProposalCreated cooperative_id=\"garden\" proposal_id=2 creator=bob\n");
    contains(r.out, "carol -> _Governance.castVote(1, 0): SUCCESS");
    contains(r.out, "alice -> _Governance.castVote(1, 1): SUCCESS");
    contains(r.out, "bob -> _Governance.castVote(1, 1): ERROR_SMART_CONTRACT PROPOSAL_CLOSED: proposal 1 in "
                    "cooperative garden is closed: voting ended at height 5, gas 100");
    contains(r.out, "_Governance proposal:1:deadline = 0x0500000000000000");
    contains(r.out, "_Governance.getProposal(1): SUCCESS outputs (\"garden\", alice, \"expired\", 1, 1)");
    contains(r.out, "_Governance.getProposalInfo(1): SUCCESS outputs (\"Plant apple trees\", 5)");
    contains(r.out, "_Governance.getProposal(2): SUCCESS outputs (\"garden\", bob, \"open\", 0, 0)");
    contains(r.out, "_Governance.getProposalInfo(2): SUCCESS outputs (\"\", 0)");
    assert_null(strstr(r.out, "proposal:2:deadline"));
    assert_null(strstr(r.out, "proposal:2:title"));
    proc_result_free(&r);
    tmp_close(&t);
}

static void test_json_and_events(void **state)
{
    (void)state;
    tmp t;
    tmp_open(&t);
    proc_result r = coopvm("process", t.scenario, "--data", t.data, "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *j = parse_json(r.out);
    json_t *blocks = json_object_get(j, "blocks");
    json_t *late = json_array_get(json_object_get(json_array_get(blocks, 5), "receipts"), 0);
    assert_string_equal(json_string_value(json_object_get(late, "status")), "ERROR_SMART_CONTRACT");
    json_t *e = json_object_get(late, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "PROPOSAL_CLOSED");
    assert_string_equal(json_string_value(json_object_get(e, "message")),
                        "proposal 1 in cooperative garden is closed: voting ended at height 5");
    json_t *q = json_object_get(j, "queries");
    json_t *out = json_object_get(json_array_get(q, 0), "outputs");
    assert_int_equal(json_array_size(out), 5);
    assert_string_equal(json_string_value(json_array_get(out, 2)), "expired");
    out = json_object_get(json_array_get(q, 1), "outputs");
    assert_int_equal(json_array_size(out), 2);
    assert_string_equal(json_string_value(json_array_get(out, 0)), "Plant apple trees");
    assert_int_equal(json_integer_value(json_array_get(out, 1)), 5);
    json_decref(j);
    proc_result_free(&r);

    r = coopvm("events", "--data", t.data, "--name", "ProposalCreated", "--json", NULL);
    assert_int_equal(r.status, 0);
    j = parse_json(r.out);
    assert_int_equal(json_array_size(j), 2);
    json_t *f1 = json_object_get(json_array_get(j, 0), "fields");
    json_t *f2 = json_object_get(json_array_get(j, 1), "fields");
    assert_int_equal(json_object_size(f1), 5);
    assert_string_equal(json_string_value(json_object_get(f1, "title")), "Plant apple trees");
    assert_int_equal(json_integer_value(json_object_get(f1, "deadline")), 5);
    assert_int_equal(json_object_size(f2), 3);
    assert_null(json_object_get(f2, "title"));
    assert_null(json_object_get(f2, "deadline"));
    json_decref(j);
    proc_result_free(&r);
    tmp_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_json_and_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
