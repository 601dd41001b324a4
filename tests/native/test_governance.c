/*
 * test_governance.c — _Governance called by transactions: proposals and
 * the threshold, votes and the pass/reject arithmetic at the edges (a
 * table over m = 1..4 members and quorums 50, 51, 100 that says at which
 * vote ProposalPassed or ProposalRejected fires), quorum updates, and
 * every error with its message.
 */
#include "native/cooptest.h"

static const int64_t REPS[] = {100, 100, 100, 100, 100, 99};

/* Account 1 founds "coop1"; accounts 2..m join. */
static void coop_of(chain *c, size_t m)
{
    cvm_arg a[8];
    create_args(a, "coop1", "p", 0, 0, 0, 0, 0, "");
    ok1(c, 1, "_Cooperatives", "create", a, 8);
    cvm_arg id = str("coop1");
    for (size_t k = 2; k <= m; k++)
        ok1(c, (uint8_t)k, "_Cooperatives", "join", &id, 1);
}

static int64_t propose(chain *c, uint8_t k, const char *coop)
{
    cvm_arg id = str(coop);
    cvm_block_result *b = tx1(c, k, "_Governance", "createProposal", &id, 1, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[0].noutputs, 1);
    int64_t pid = b->receipts[0].outputs[0].v.i64;
    cvm_block_result_free(b);
    return pid;
}

static void test_create_proposal(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 6);
    coop_of(&c, 2);
    cvm_arg a[8];
    create_args(a, "coop2", "p", 0, 0, 0, 0, 0, "");
    ok1(&c, 3, "_Cooperatives", "create", a, 8);

    cvm_arg id = str("coop1");
    cvm_block_result *b = tx1(&c, 2, "_Governance", "createProposal", &id, 1, CVM_SUCCESS, CVM_CODE_NONE);
    const cvm_receipt *r = &b->receipts[0];
    assert_int_equal(r->noutputs, 1);
    out_i64(r, 0, 1);
    assert_int_equal(r->nevents, 1);
    ev_is(&r->events[0], "_Governance", "ProposalCreated", 3);
    field_str(&r->events[0], 0, "cooperative_id", "coop1");
    field_i64(&r->events[0], 1, "proposal_id", 1);
    field_addr(&r->events[0], 2, "creator", 2);
    assert_true(diff_has(b, "_Governance", "proposals", 9, 8));
    assert_true(diff_has(b, "_Governance", "proposal:1:cooperative", 22, 5));
    assert_true(diff_has(b, "_Governance", "proposal:1:creator", 18, CVM_ADDRESS_BYTES));
    assert_true(diff_has(b, "_Governance", "proposal:1:status", 17, 8));
    assert_int_equal(b->ndiff, 4);
    cvm_block_result_free(b);
    /* ids count per chain, across cooperatives */
    assert_int_equal(propose(&c, 3, "coop2"), 2);
    assert_int_equal(propose(&c, 1, "coop1"), 3);

    cvm_arg pid = cvm_arg_int64(2);
    cvm_local_result *q = query(&c, "_Governance", "getProposal", &pid, 1, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(q->receipt.noutputs, 5);
    out_str(&q->receipt, 0, "coop2");
    out_addr(&q->receipt, 1, 3);
    out_str(&q->receipt, 2, "open");
    out_i64(&q->receipt, 3, 0);
    out_i64(&q->receipt, 4, 0);
    cvm_local_result_free(q);
    chain_close(&c);
}

static void test_create_proposal_errors(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 6);
    coop_of(&c, 1);
    cvm_arg id = str("coop1");
    ok1(&c, 6, "_Cooperatives", "join", &id, 1); /* reputation 99 */
    char hex[43], msg[200];
    hex_of(2, hex);
    snprintf(msg, sizeof msg, "account %s is not a member of cooperative coop1", hex);
    bad1(&c, 2, "_Governance", "createProposal", &id, 1, CVM_CODE_NOT_A_MEMBER, msg);
    hex_of(6, hex);
    snprintf(msg, sizeof msg, "account %s has reputation 99; a proposal in cooperative coop1 needs 100", hex);
    bad1(&c, 6, "_Governance", "createProposal", &id, 1, CVM_CODE_INSUFFICIENT_REPUTATION, msg);
    cvm_arg none = str("nope");
    bad1(&c, 1, "_Governance", "createProposal", &none, 1, CVM_CODE_COOPERATIVE_NOT_FOUND,
         "cooperative nope does not exist");
    cvm_arg bad = str("9lives");
    bad1(&c, 1, "_Governance", "createProposal", &bad, 1, CVM_CODE_WRONG_ARGUMENTS, "_Governance.createProposal: ");
    /* failed attempts used no id */
    assert_int_equal(propose(&c, 1, "coop1"), 1);
    chain_close(&c);
}

/* The threshold: 100 by default (equal passes), changed by an admin only;
 * 0 can be set. */
static void test_threshold(void **state)
{
    (void)state;
    static const int64_t reps[] = {100, 0, 100, 150};
    chain c;
    chain_with(&c, reps, 4);
    coop_of(&c, 4);
    cvm_local_result *q = query(&c, "_Governance", "getThreshold", NULL, 0, CVM_SUCCESS, CVM_CODE_NONE);
    out_i64(&q->receipt, 0, 100);
    cvm_local_result_free(q);
    cvm_arg id = str("coop1");
    assert_int_equal(propose(&c, 3, "coop1"), 1); /* 100 >= 100 */
    bad1(&c, 2, "_Governance", "createProposal", &id, 1, CVM_CODE_INSUFFICIENT_REPUTATION, "has reputation 0");

    cvm_arg v = cvm_arg_int64(120);
    char hex[43], msg[160];
    hex_of(4, hex);
    snprintf(msg, sizeof msg, "_Governance.setThreshold: account %s is not an admin", hex);
    bad1(&c, 4, "_Governance", "setThreshold", &v, 1, CVM_CODE_PERMISSION_DENIED, msg);
    cvm_block_result *b = tx1(&c, 1, "_Governance", "setThreshold", &v, 1, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[0].nevents, 1);
    ev_is(&b->receipts[0].events[0], "_Governance", "ThresholdChanged", 2);
    field_i64(&b->receipts[0].events[0], 0, "old", 100);
    field_i64(&b->receipts[0].events[0], 1, "new", 120);
    cvm_block_result_free(b);
    bad1(&c, 3, "_Governance", "createProposal", &id, 1, CVM_CODE_INSUFFICIENT_REPUTATION,
         "has reputation 100; a proposal in cooperative coop1 needs 120");
    assert_int_equal(propose(&c, 4, "coop1"), 2);

    v = cvm_arg_int64(0);
    b = tx1(&c, 1, "_Governance", "setThreshold", &v, 1, CVM_SUCCESS, CVM_CODE_NONE);
    assert_true(diff_has(b, "_Governance", "threshold", 9, 8)); /* 0 is stored, not the default */
    cvm_block_result_free(b);
    q = query(&c, "_Governance", "getThreshold", NULL, 0, CVM_SUCCESS, CVM_CODE_NONE);
    out_i64(&q->receipt, 0, 0);
    cvm_local_result_free(q);
    assert_int_equal(propose(&c, 2, "coop1"), 3);
    v = cvm_arg_int64(-1);
    bad1(&c, 1, "_Governance", "setThreshold", &v, 1, CVM_CODE_WRONG_ARGUMENTS, "a threshold is at least 0, got -1");
    chain_close(&c);
}

static void test_cast_vote(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 5);
    coop_of(&c, 4); /* need 2 of 4 at quorum 50 */
    int64_t pid = propose(&c, 1, "coop1");
    cvm_arg v[2] = {cvm_arg_int64(pid), cvm_arg_int64(0)};
    cvm_block_result *b = tx1(&c, 2, "_Governance", "castVote", v, 2, CVM_SUCCESS, CVM_CODE_NONE);
    const cvm_receipt *r = &b->receipts[0];
    assert_int_equal(r->noutputs, 0);
    assert_int_equal(r->nevents, 1);
    ev_is(&r->events[0], "_Governance", "VoteCast", 3);
    field_i64(&r->events[0], 0, "proposal_id", pid);
    field_addr(&r->events[0], 1, "voter", 2);
    field_i64(&r->events[0], 2, "vote", 0);
    uint8_t key[7 + CVM_ADDRESS_BYTES];
    memcpy(key, "vote:1:", 7);
    address_of(2, key + 7);
    assert_true(diff_has(b, "_Governance", key, sizeof key, 8));
    assert_true(diff_has(b, "_Governance", "proposal:1:no", 13, 8));
    assert_int_equal(b->ndiff, 2);
    cvm_block_result_free(b);

    char hex[43], msg[200];
    hex_of(2, hex);
    snprintf(msg, sizeof msg, "account %s has already voted on proposal 1", hex);
    v[1] = cvm_arg_int64(1);
    bad1(&c, 2, "_Governance", "castVote", v, 2, CVM_CODE_ALREADY_VOTED, msg);
    hex_of(5, hex);
    snprintf(msg, sizeof msg, "account %s is not a member of cooperative coop1 (proposal 1)", hex);
    bad1(&c, 5, "_Governance", "castVote", v, 2, CVM_CODE_NOT_A_MEMBER, msg);
    cvm_arg nf[2] = {cvm_arg_int64(2), cvm_arg_int64(1)};
    bad1(&c, 1, "_Governance", "castVote", nf, 2, CVM_CODE_PROPOSAL_NOT_FOUND, "proposal 2 does not exist");
    nf[0] = cvm_arg_int64(0);
    bad1(&c, 1, "_Governance", "castVote", nf, 2, CVM_CODE_PROPOSAL_NOT_FOUND, "proposal 0 does not exist");
    nf[0] = cvm_arg_int64(-1);
    bad1(&c, 1, "_Governance", "castVote", nf, 2, CVM_CODE_PROPOSAL_NOT_FOUND, "proposal -1 does not exist");

    /* any non-zero vote is yes, recorded as 1 */
    v[1] = cvm_arg_int64(-7);
    b = tx1(&c, 3, "_Governance", "castVote", v, 2, CVM_SUCCESS, CVM_CODE_NONE);
    field_i64(&b->receipts[0].events[0], 2, "vote", 1);
    assert_int_equal(b->receipts[0].nevents, 1); /* 1 yes of 2 needed, 2 to vote: open */
    cvm_block_result_free(b);
    v[1] = cvm_arg_int64(1);
    b = tx1(&c, 4, "_Governance", "castVote", v, 2, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[0].nevents, 2);
    ev_is(&b->receipts[0].events[1], "_Governance", "ProposalPassed", 3);
    field_i64(&b->receipts[0].events[1], 0, "proposal_id", 1);
    field_i64(&b->receipts[0].events[1], 1, "yes", 2);
    field_i64(&b->receipts[0].events[1], 2, "no", 1);
    cvm_block_result_free(b);
    bad1(&c, 1, "_Governance", "castVote", v, 2, CVM_CODE_PROPOSAL_CLOSED,
         "proposal 1 in cooperative coop1 is closed: it passed");

    cvm_arg p = cvm_arg_int64(1);
    cvm_local_result *q = query(&c, "_Governance", "getProposal", &p, 1, CVM_SUCCESS, CVM_CODE_NONE);
    out_str(&q->receipt, 2, "passed");
    out_i64(&q->receipt, 3, 2);
    out_i64(&q->receipt, 4, 1);
    cvm_local_result_free(q);
    p = cvm_arg_int64(9);
    q = query(&c, "_Governance", "getProposal", &p, 1, CVM_ERROR_SMART_CONTRACT, CVM_CODE_PROPOSAL_NOT_FOUND);
    cvm_local_result_free(q);
    chain_close(&c);
}

/* One row: m members, quorum q, the votes of accounts 1, 2, ... in order
 * ('y' or 'n'), and after each vote what fires: '-' nothing, 'P'
 * ProposalPassed, 'R' ProposalRejected. need = max(1, ceil(q*m/100)). */
typedef struct vote_row {
    int m, q;
    const char *votes;
    const char *fires;
} vote_row;

static const vote_row ROWS[] = {
    /* m = 1: need 1 whatever the quorum */
    {1, 50, "y", "P"},
    {1, 50, "n", "R"},
    {1, 51, "y", "P"},
    {1, 51, "n", "R"},
    {1, 100, "y", "P"},
    {1, 100, "n", "R"},
    /* m = 2: need 1 at 50, 2 at 51 and 100 */
    {2, 50, "y", "P"},
    {2, 50, "nn", "-R"},
    {2, 50, "ny", "-P"},
    {2, 51, "yy", "-P"},
    {2, 51, "n", "R"},
    {2, 51, "yn", "-R"},
    {2, 100, "yy", "-P"},
    {2, 100, "n", "R"},
    {2, 100, "yn", "-R"},
    /* m = 3: need 2 at 50 and 51, 3 at 100 */
    {3, 50, "yy", "-P"},
    {3, 50, "nn", "-R"},
    {3, 50, "yny", "--P"},
    {3, 50, "nyn", "--R"},
    {3, 51, "yy", "-P"},
    {3, 51, "nn", "-R"},
    {3, 51, "nyy", "--P"},
    {3, 100, "yyy", "--P"},
    {3, 100, "n", "R"},
    {3, 100, "yyn", "--R"},
    /* m = 4: need 2 at 50, 3 at 51, 4 at 100 */
    {4, 50, "yy", "-P"},
    {4, 50, "nnn", "--R"},
    {4, 50, "nnyy", "---P"},
    {4, 50, "nyny", "---P"},
    {4, 51, "yyy", "--P"},
    {4, 51, "nn", "-R"},
    {4, 51, "ynyy", "---P"},
    {4, 51, "ynn", "--R"},
    {4, 100, "yyyy", "---P"},
    {4, 100, "n", "R"},
    {4, 100, "yyyn", "---R"},
};

static void run_row(const vote_row *row)
{
    chain c;
    chain_with(&c, REPS, 5);
    coop_of(&c, (size_t)row->m);
    if (row->q != 50) {
        cvm_arg u[2] = {str("coop1"), cvm_arg_int64(row->q)};
        ok1(&c, 1, "_Governance", "updateQuorum", u, 2);
    }
    int64_t pid = propose(&c, 1, "coop1");
    int64_t yes = 0, no = 0;
    size_t n = strlen(row->votes);
    for (size_t i = 0; i < n; i++) {
        bool y = row->votes[i] == 'y';
        yes += y;
        no += !y;
        cvm_arg v[2] = {cvm_arg_int64(pid), cvm_arg_int64(y)};
        cvm_block_result *b = tx1(&c, (uint8_t)(i + 1), "_Governance", "castVote", v, 2, CVM_SUCCESS, CVM_CODE_NONE);
        const cvm_receipt *r = &b->receipts[0];
        char f = row->fires[i];
        if (r->nevents != (f == '-' ? 1u : 2u))
            fail_msg("m %d q %d votes %s: vote %zu gave %zu events", row->m, row->q, row->votes, i + 1, r->nevents);
        ev_is(&r->events[0], "_Governance", "VoteCast", 3);
        if (f != '-') {
            ev_is(&r->events[1], "_Governance", f == 'P' ? "ProposalPassed" : "ProposalRejected", 3);
            field_i64(&r->events[1], 0, "proposal_id", pid);
            field_i64(&r->events[1], 1, "yes", yes);
            field_i64(&r->events[1], 2, "no", no);
        }
        cvm_block_result_free(b);
    }
    assert_int_not_equal(row->fires[n - 1], '-');
    cvm_arg p = cvm_arg_int64(pid);
    cvm_local_result *q = query(&c, "_Governance", "getProposal", &p, 1, CVM_SUCCESS, CVM_CODE_NONE);
    out_str(&q->receipt, 2, row->fires[n - 1] == 'P' ? "passed" : "rejected");
    cvm_local_result_free(q);
    /* a member yet to vote finds it closed */
    if ((int)n < row->m) {
        cvm_arg v[2] = {cvm_arg_int64(pid), cvm_arg_int64(1)};
        bad1(&c, (uint8_t)(n + 1), "_Governance", "castVote", v, 2, CVM_CODE_PROPOSAL_CLOSED,
             row->fires[n - 1] == 'P' ? "it passed" : "it was rejected");
    }
    chain_close(&c);
}

static void test_pass_reject_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ROWS / sizeof ROWS[0]; i++) {
        assert_int_equal(strlen(ROWS[i].votes), strlen(ROWS[i].fires));
        run_row(&ROWS[i]);
    }
}

/* m is the member count at each vote: a member who joins while a proposal
 * is open raises what it needs and may vote on it. */
static void test_members_at_the_vote(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 5);
    coop_of(&c, 2);
    cvm_arg u[2] = {str("coop1"), cvm_arg_int64(100)};
    ok1(&c, 1, "_Governance", "updateQuorum", u, 2);
    int64_t pid = propose(&c, 1, "coop1");
    cvm_arg v[2] = {cvm_arg_int64(pid), cvm_arg_int64(1)};
    cvm_block_result *b = tx1(&c, 1, "_Governance", "castVote", v, 2, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[0].nevents, 1); /* 1 of 2 */
    cvm_block_result_free(b);
    cvm_arg id = str("coop1");
    ok1(&c, 3, "_Cooperatives", "join", &id, 1);
    b = tx1(&c, 2, "_Governance", "castVote", v, 2, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[0].nevents, 1); /* 2 of 3 now */
    cvm_block_result_free(b);
    b = tx1(&c, 3, "_Governance", "castVote", v, 2, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[0].nevents, 2);
    ev_is(&b->receipts[0].events[1], "_Governance", "ProposalPassed", 3);
    field_i64(&b->receipts[0].events[1], 1, "yes", 3);
    cvm_block_result_free(b);
    chain_close(&c);
}

static void test_update_quorum(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 3);
    coop_of(&c, 2);
    cvm_arg u[2] = {str("coop1"), cvm_arg_int64(75)};
    cvm_block_result *b = tx1(&c, 1, "_Governance", "updateQuorum", u, 2, CVM_SUCCESS, CVM_CODE_NONE);
    const cvm_receipt *r = &b->receipts[0];
    assert_int_equal(r->nevents, 1);
    ev_is(&r->events[0], "_Governance", "QuorumUpdated", 3);
    field_str(&r->events[0], 0, "cooperative_id", "coop1");
    field_i64(&r->events[0], 1, "old_quorum", 50);
    field_i64(&r->events[0], 2, "new_quorum", 75);
    /* the quorum lives with the cooperative */
    assert_true(diff_has(b, "_Cooperatives", "coop:coop1:quorum", 17, 8));
    assert_int_equal(b->ndiff, 1);
    cvm_block_result_free(b);
    cvm_arg id = str("coop1");
    cvm_local_result *q = query(&c, "_Cooperatives", "getInfo", &id, 1, CVM_SUCCESS, CVM_CODE_NONE);
    out_i64(&q->receipt, 9, 75);
    cvm_local_result_free(q);

    char hex[43], msg[200];
    hex_of(2, hex);
    snprintf(msg, sizeof msg, "account %s is not the creator of cooperative coop1", hex);
    bad1(&c, 2, "_Governance", "updateQuorum", u, 2, CVM_CODE_PERMISSION_DENIED, msg);
    hex_of(3, hex);
    snprintf(msg, sizeof msg, "account %s is not the creator of cooperative coop1", hex);
    bad1(&c, 3, "_Governance", "updateQuorum", u, 2, CVM_CODE_PERMISSION_DENIED, msg);
    u[1] = cvm_arg_int64(0);
    bad1(&c, 1, "_Governance", "updateQuorum", u, 2, CVM_CODE_INVALID_QUORUM,
         "quorum 0 for cooperative coop1: a quorum is 1..100 (%)");
    u[1] = cvm_arg_int64(101);
    bad1(&c, 1, "_Governance", "updateQuorum", u, 2, CVM_CODE_INVALID_QUORUM, "quorum 101");
    u[1] = cvm_arg_int64(1);
    ok1(&c, 1, "_Governance", "updateQuorum", u, 2);
    u[1] = cvm_arg_int64(100);
    ok1(&c, 1, "_Governance", "updateQuorum", u, 2);
    u[0] = str("nope");
    bad1(&c, 1, "_Governance", "updateQuorum", u, 2, CVM_CODE_COOPERATIVE_NOT_FOUND, "cooperative nope does not exist");
    chain_close(&c);
}

/* The second proposal of a cooperative is independent of the first, and a
 * voter's vote on one does not count on the other. */
static void test_two_proposals(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 3);
    coop_of(&c, 3);
    int64_t p1 = propose(&c, 1, "coop1"), p2 = propose(&c, 2, "coop1");
    assert_int_equal(p1, 1);
    assert_int_equal(p2, 2);
    cvm_arg v[2] = {cvm_arg_int64(p1), cvm_arg_int64(1)};
    ok1(&c, 1, "_Governance", "castVote", v, 2);
    v[0] = cvm_arg_int64(p2);
    v[1] = cvm_arg_int64(0);
    ok1(&c, 1, "_Governance", "castVote", v, 2);
    ok1(&c, 2, "_Governance", "castVote", v, 2); /* rejected: 0 + 1 < 2 */
    v[0] = cvm_arg_int64(p1);
    v[1] = cvm_arg_int64(1);
    ok1(&c, 2, "_Governance", "castVote", v, 2); /* passed: 2 of 3 at 50 */
    cvm_arg p = cvm_arg_int64(p1);
    cvm_local_result *q = query(&c, "_Governance", "getProposal", &p, 1, CVM_SUCCESS, CVM_CODE_NONE);
    out_str(&q->receipt, 2, "passed");
    cvm_local_result_free(q);
    p = cvm_arg_int64(p2);
    q = query(&c, "_Governance", "getProposal", &p, 1, CVM_SUCCESS, CVM_CODE_NONE);
    out_str(&q->receipt, 2, "rejected");
    out_i64(&q->receipt, 3, 0);
    out_i64(&q->receipt, 4, 2);
    cvm_local_result_free(q);
    chain_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_proposal),
        cmocka_unit_test(test_create_proposal_errors),
        cmocka_unit_test(test_threshold),
        cmocka_unit_test(test_cast_vote),
        cmocka_unit_test(test_pass_reject_table),
        cmocka_unit_test(test_members_at_the_vote),
        cmocka_unit_test(test_update_quorum),
        cmocka_unit_test(test_two_proposals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
