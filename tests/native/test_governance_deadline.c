/*
 * test_governance_deadline.c — _Governance.createProposal's optional title
 * and voting period: the three calling forms, the deadline (votes before,
 * at and after it), PROPOSAL_CLOSED "voting ended at height H",
 * getProposal's "expired", getProposalInfo, the ProposalCreated event
 * with its fields only when given, the argument errors, and that a
 * proposal without title and period keeps today's exact state bytes (the
 * short call and the call with "" and 0 leave equal stores).
 */
#include "native/cooptest.h"
#include "native/native.h"

static const int64_t REPS[] = {100, 100, 100, 100, 100};

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

/* The value of (service, key) in b's diff; fails when absent. */
static const cvm_state_change *diff_get(const cvm_block_result *b, const char *service, const char *key)
{
    for (size_t i = 0; i < b->ndiff; i++) {
        const cvm_state_change *ch = &b->diff[i];
        if (ch->service_len == strlen(service) && memcmp(ch->service, service, ch->service_len) == 0 &&
            ch->key_len == strlen(key) && memcmp(ch->key, key, ch->key_len) == 0)
            return ch;
    }
    fail_msg("no %s %s in the diff", service, key);
    return NULL;
}

/* A committed empty block: the height moves on. */
static void empty_block(chain *c)
{
    cvm_block_result *b = run_block(c, NULL, 0);
    commit_block(c, b);
}

static int64_t height(chain *c) { return (int64_t)cvm_store_height(c->store); }

/* createProposal by account k with n of (coop1, title, period). */
static cvm_block_result *create(chain *c, uint8_t k, size_t n, const char *title, int64_t period)
{
    cvm_arg a[3] = {str("coop1"), str(title), cvm_arg_int64(period)};
    return tx1(c, k, "_Governance", "createProposal", a, n, CVM_SUCCESS, CVM_CODE_NONE);
}

static void vote(chain *c, uint8_t k, int64_t pid, int64_t v)
{
    cvm_arg a[2] = {cvm_arg_int64(pid), cvm_arg_int64(v)};
    ok1(c, k, "_Governance", "castVote", a, 2);
}

/* getProposal's status and getProposalInfo's title and deadline. */
static void expect_proposal(chain *c, int64_t pid, const char *status, const char *title, int64_t deadline)
{
    cvm_arg p = cvm_arg_int64(pid);
    cvm_local_result *q = query(c, "_Governance", "getProposal", &p, 1, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(q->receipt.noutputs, 5); /* as ever */
    out_str(&q->receipt, 0, "coop1");
    out_str(&q->receipt, 2, status);
    cvm_local_result_free(q);
    q = query(c, "_Governance", "getProposalInfo", &p, 1, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(q->receipt.noutputs, 2);
    out_str(&q->receipt, 0, title);
    out_i64(&q->receipt, 1, deadline);
    cvm_local_result_free(q);
}

/* The three forms: (id), (id, title), (id, title, period); what each
 * writes and emits. */
static void test_forms(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 3);
    coop_of(&c, 3);

    cvm_block_result *b = create(&c, 1, 1, "", 0);
    const cvm_receipt *r = &b->receipts[0];
    out_i64(r, 0, 1);
    ev_is(&r->events[0], "_Governance", "ProposalCreated", 3);
    assert_int_equal(b->ndiff, 4); /* proposals, cooperative, creator, status: as ever */
    cvm_block_result_free(b);
    expect_proposal(&c, 1, "open", "", 0);

    b = create(&c, 2, 2, "Fix the roof", 0);
    r = &b->receipts[0];
    out_i64(r, 0, 2);
    ev_is(&r->events[0], "_Governance", "ProposalCreated", 4);
    field_str(&r->events[0], 0, "cooperative_id", "coop1");
    field_i64(&r->events[0], 1, "proposal_id", 2);
    field_addr(&r->events[0], 2, "creator", 2);
    field_str(&r->events[0], 3, "title", "Fix the roof");
    assert_int_equal(b->ndiff, 5);
    const cvm_state_change *ch = diff_get(b, "_Governance", "proposal:2:title");
    assert_int_equal(ch->value_len, 12);
    assert_memory_equal(ch->value, "Fix the roof", 12);
    cvm_block_result_free(b);
    expect_proposal(&c, 2, "open", "Fix the roof", 0);

    int64_t h = height(&c) + 1; /* the block the next proposal is created in */
    b = create(&c, 3, 3, "Paint the hall", 10);
    r = &b->receipts[0];
    out_i64(r, 0, 3);
    ev_is(&r->events[0], "_Governance", "ProposalCreated", 5);
    field_str(&r->events[0], 3, "title", "Paint the hall");
    field_i64(&r->events[0], 4, "deadline", h + 10);
    assert_int_equal(b->ndiff, 6);
    ch = diff_get(b, "_Governance", "proposal:3:deadline");
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)((uint64_t)(h + 10) >> (8 * i));
    assert_int_equal(ch->value_len, 8);
    assert_memory_equal(ch->value, le, 8);
    cvm_block_result_free(b);
    expect_proposal(&c, 3, "open", "Paint the hall", h + 10);

    /* a period without a title: the deadline only */
    h = height(&c) + 1;
    b = create(&c, 1, 3, "", 1);
    ev_is(&b->receipts[0].events[0], "_Governance", "ProposalCreated", 4);
    field_i64(&b->receipts[0].events[0], 3, "deadline", h + 1);
    assert_int_equal(b->ndiff, 5);
    cvm_block_result_free(b);
    expect_proposal(&c, 4, "open", "", h + 1);

    /* a title of the largest length, in UTF-8 */
    char big[CVM_PROPOSAL_TITLE_MAX + 1];
    memset(big, 'a', sizeof big - 1);
    memcpy(big, "\xc3\xa9t\xc3\xa9", 6); /* été */
    big[CVM_PROPOSAL_TITLE_MAX] = '\0';
    b = create(&c, 1, 2, big, 0);
    field_str(&b->receipts[0].events[0], 3, "title", big);
    cvm_block_result_free(b);
    expect_proposal(&c, 5, "open", big, 0);
    chain_close(&c);
}

/* Votes before, at and after the deadline: a vote counts in every block
 * up to the deadline height (created at h with period p: h .. h+p) and is
 * refused above it; a query at the deadline height still reads open. */
static void test_deadline(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 5);
    coop_of(&c, 5); /* need 3 of 5 at quorum 50 */
    int64_t h = height(&c) + 1;
    cvm_block_result_free(create(&c, 1, 3, "Budget", 2)); /* deadline h + 2 */
    int64_t deadline = h + 2;
    vote(&c, 1, 1, 1); /* at h + 1: before */
    expect_proposal(&c, 1, "open", "Budget", deadline);
    vote(&c, 2, 1, 0); /* at h + 2: at the deadline, still counted */
    assert_int_equal(height(&c), deadline);
    expect_proposal(&c, 1, "open", "Budget", deadline);

    char msg[120];
    snprintf(msg, sizeof msg, "proposal 1 in cooperative coop1 is closed: voting ended at height %lld",
             (long long)deadline);
    cvm_arg v[2] = {cvm_arg_int64(1), cvm_arg_int64(1)};
    cvm_block_result *b = tx1(&c, 3, "_Governance", "castVote", v, 2, CVM_ERROR_SMART_CONTRACT,
                              CVM_CODE_PROPOSAL_CLOSED); /* at h + 3: after */
    assert_string_equal(b->receipts[0].error.message, msg);
    cvm_block_result_free(b);
    expect_proposal(&c, 1, "expired", "Budget", deadline);
    /* the counts stay as they were; a voter who already voted is told it is closed first */
    cvm_arg p = cvm_arg_int64(1);
    cvm_local_result *q = query(&c, "_Governance", "getProposal", &p, 1, CVM_SUCCESS, CVM_CODE_NONE);
    out_i64(&q->receipt, 3, 1);
    out_i64(&q->receipt, 4, 1);
    cvm_local_result_free(q);
    bad1(&c, 1, "_Governance", "castVote", v, 2, CVM_CODE_PROPOSAL_CLOSED, "voting ended at height");
    empty_block(&c);
    expect_proposal(&c, 1, "expired", "Budget", deadline);

    /* period 0: no deadline, however late */
    cvm_block_result_free(create(&c, 1, 3, "", 0));
    for (int i = 0; i < 3; i++)
        empty_block(&c);
    vote(&c, 1, 2, 1);
    expect_proposal(&c, 2, "open", "", 0);
    chain_close(&c);
}

/* A proposal decided before its deadline stays passed or rejected after
 * it; a vote on it is refused for having been decided. A vote in the
 * block that creates it counts (period 1: that block and the next). */
static void test_decided_before_deadline(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 2);
    coop_of(&c, 2); /* need 1 of 2 at quorum 50 */
    int64_t h = height(&c) + 1;
    cvm_arg a[3] = {str("coop1"), str("Quick"), cvm_arg_int64(1)};
    cvm_arg v[2] = {cvm_arg_int64(1), cvm_arg_int64(1)};
    cvm_transaction t[2] = {tx_of(1, "_Governance", "createProposal", a, 3),
                            tx_of(2, "_Governance", "castVote", v, 2)};
    cvm_block_result *b = run_block(&c, t, 2);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    expect(&b->receipts[1], CVM_SUCCESS, CVM_CODE_NONE);
    ev_is(&b->receipts[1].events[1], "_Governance", "ProposalPassed", 3);
    commit_block(&c, b);
    empty_block(&c);
    empty_block(&c);
    assert_true(height(&c) > h + 1);
    expect_proposal(&c, 1, "passed", "Quick", h + 1);
    bad1(&c, 1, "_Governance", "castVote", v, 2, CVM_CODE_PROPOSAL_CLOSED,
         "proposal 1 in cooperative coop1 is closed: it passed");
    chain_close(&c);
}

/* The short call and the call with "" and 0 are one call: the same
 * receipt outputs, events and gas, and stores with equal commitments. */
static void test_short_form_same_bytes(void **state)
{
    (void)state;
    chain c1, c2;
    chain_with(&c1, REPS, 2);
    chain_with(&c2, REPS, 2);
    coop_of(&c1, 2);
    coop_of(&c2, 2);
    cvm_block_result *b1 = create(&c1, 2, 1, "", 0);
    cvm_block_result *b2 = create(&c2, 2, 3, "", 0);
    assert_int_equal(b1->receipts[0].gas_used, b2->receipts[0].gas_used);
    assert_int_equal(b1->receipts[0].nevents, 1);
    assert_int_equal(b2->receipts[0].events[0].nfields, 3);
    assert_int_equal(b1->ndiff, b2->ndiff);
    for (size_t i = 0; i < b1->ndiff; i++) {
        assert_int_equal(b1->diff[i].key_len, b2->diff[i].key_len);
        assert_memory_equal(b1->diff[i].key, b2->diff[i].key, b1->diff[i].key_len);
        assert_int_equal(b1->diff[i].value_len, b2->diff[i].value_len);
        assert_memory_equal(b1->diff[i].value, b2->diff[i].value, b1->diff[i].value_len);
    }
    cvm_block_result_free(b1);
    cvm_block_result_free(b2);
    assert_memory_equal(cvm_store_last_commitment(c1.store), cvm_store_last_commitment(c2.store), CVM_HASH_BYTES);
    /* and (id, title) with "" is the same again */
    b1 = create(&c1, 1, 2, "", 0);
    b2 = create(&c2, 1, 1, "", 0);
    assert_int_equal(b1->receipts[0].gas_used, b2->receipts[0].gas_used);
    cvm_block_result_free(b1);
    cvm_block_result_free(b2);
    assert_memory_equal(cvm_store_last_commitment(c1.store), cvm_store_last_commitment(c2.store), CVM_HASH_BYTES);
    chain_close(&c1);
    chain_close(&c2);
}

/* Each argument error, with nothing written and no id used. */
static void test_argument_errors(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 2);
    coop_of(&c, 2);
    cvm_arg a[4] = {str("coop1"), str("t"), cvm_arg_int64(-1), cvm_arg_int64(0)};
    bad1(&c, 1, "_Governance", "createProposal", a, 3, CVM_CODE_WRONG_ARGUMENTS,
         "_Governance.createProposal: a voting period is at least 0 blocks (0: no deadline), got -1");
    a[2] = cvm_arg_int64(INT64_MAX);
    bad1(&c, 1, "_Governance", "createProposal", a, 3, CVM_CODE_WRONG_ARGUMENTS, "ends past the largest height");
    a[2] = cvm_arg_int64(INT64_MAX - 1000); /* the largest deadline fits */
    cvm_block_result_free(tx1(&c, 1, "_Governance", "createProposal", a, 3, CVM_SUCCESS, CVM_CODE_NONE));
    a[2] = cvm_arg_int64(0);

    char big[CVM_PROPOSAL_TITLE_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[CVM_PROPOSAL_TITLE_MAX + 1] = '\0';
    a[1] = str(big);
    bad1(&c, 1, "_Governance", "createProposal", a, 3, CVM_CODE_WRONG_ARGUMENTS,
         "_Governance.createProposal: a title is at most 256 bytes, got 257");
    a[1] = cvm_arg_stringn("a\0b", 3);
    bad1(&c, 1, "_Governance", "createProposal", a, 2, CVM_CODE_WRONG_ARGUMENTS,
         "_Governance.createProposal: the title must be UTF-8 text without NUL");
    /* the title and the period are checked before the cooperative */
    cvm_arg nope[3] = {str("nope"), cvm_arg_stringn("a\0b", 3), cvm_arg_int64(0)};
    bad1(&c, 1, "_Governance", "createProposal", nope, 3, CVM_CODE_WRONG_ARGUMENTS, "the title must be UTF-8");
    nope[1] = str("fine");
    bad1(&c, 1, "_Governance", "createProposal", nope, 3, CVM_CODE_COOPERATIVE_NOT_FOUND,
         "cooperative nope does not exist");

    /* counts and types: the call path (ERROR_INPUT) */
    a[1] = str("t");
    cvm_block_result *b = tx1(&c, 1, "_Governance", "createProposal", a, 4, CVM_ERROR_INPUT,
                              CVM_CODE_WRONG_ARGUMENTS);
    assert_string_equal(b->receipts[0].error.message, "_Governance.createProposal takes 1 to 3 arguments, got 4");
    cvm_block_result_free(b);
    b = tx1(&c, 1, "_Governance", "createProposal", NULL, 0, CVM_ERROR_INPUT, CVM_CODE_WRONG_ARGUMENTS);
    assert_string_equal(b->receipts[0].error.message, "_Governance.createProposal takes 1 to 3 arguments, got 0");
    cvm_block_result_free(b);
    cvm_arg wrong[2] = {str("coop1"), cvm_arg_int64(5)};
    b = tx1(&c, 1, "_Governance", "createProposal", wrong, 2, CVM_ERROR_INPUT, CVM_CODE_WRONG_ARGUMENTS);
    assert_string_equal(b->receipts[0].error.message,
                        "_Governance.createProposal: argument 2 must be string, got int64");
    cvm_block_result_free(b);
    /* a method without optional parameters keeps its message */
    b = tx1(&c, 1, "_Governance", "castVote", a, 1, CVM_ERROR_INPUT, CVM_CODE_WRONG_ARGUMENTS);
    assert_string_equal(b->receipts[0].error.message, "_Governance.castVote takes 2 arguments, got 1");
    cvm_block_result_free(b);

    /* failed attempts used no id */
    b = create(&c, 1, 1, "", 0);
    out_i64(&b->receipts[0], 0, 2);
    cvm_block_result_free(b);
    cvm_arg p = cvm_arg_int64(9);
    cvm_local_result *q = query(&c, "_Governance", "getProposalInfo", &p, 1, CVM_ERROR_SMART_CONTRACT,
                                CVM_CODE_PROPOSAL_NOT_FOUND);
    assert_string_equal(q->receipt.error.message, "proposal 9 does not exist");
    cvm_local_result_free(q);
    chain_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_decided_before_deadline),
        cmocka_unit_test(test_short_form_same_bytes),
        cmocka_unit_test(test_argument_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
