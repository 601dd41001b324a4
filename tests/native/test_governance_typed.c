/*
 * test_governance_typed.c — _Governance reached from contracts through
 * typed CallService imports: createProposal imported with one, two or
 * three of its parameters (the last two optional), an import whose types
 * or count do not fit refused WRONG_ARGUMENTS naming both signatures,
 * getProposal's five outputs and getProposalInfo's two pushed typed, a
 * late castVote failing the contract with the deadline in its message,
 * and the CreateProposal opcode unchanged beside them.
 */
#include "native/cooptest.h"

static const int64_t REPS[] = {100, 100, 100};

static void coop_of(chain *c, size_t m)
{
    cvm_arg a[8];
    create_args(a, "coop1", "p", 0, 0, 0, 0, 0, "");
    ok1(c, 1, "_Cooperatives", "create", a, 8);
    cvm_arg id = str("coop1");
    for (size_t k = 2; k <= m; k++)
        ok1(c, (uint8_t)k, "_Cooperatives", "join", &id, 1);
}

static const char SHORT[] = ".contract Short\n"
                            ".import _Governance.createProposal params string returns int\n"
                            ".method open returns int\n"
                            "    Push \"coop1\"\n"
                            "    CallService \"_Governance.createProposal\"\n";

static const char TITLED[] = ".contract Titled\n"
                             ".import _Governance.createProposal params string string returns int\n"
                             ".method open params title:string returns int\n"
                             "    Push \"coop1\"\n"
                             "    Swap\n"
                             "    CallService \"_Governance.createProposal\"\n";

static const char TIMED[] = ".contract Timed\n"
                            ".import _Governance.createProposal params string string int returns int\n"
                            ".import _Governance.castVote params int int returns\n"
                            ".import _Governance.getProposal params int returns string bytes string int int\n"
                            ".import _Governance.getProposalInfo params int returns string int\n"
                            ".method open params title:string period:int returns int\n"
                            "    Push \"coop1\"\n"
                            "    Rot\n"
                            "    Rot\n"
                            "    CallService \"_Governance.createProposal\"\n"
                            ".method vote params id:int yes:int returns\n"
                            "    CallService \"_Governance.castVote\"\n"
                            ".method proposal readonly params id:int returns string bytes string int int\n"
                            "    CallService \"_Governance.getProposal\"\n"
                            ".method info readonly params id:int returns string int\n"
                            "    CallService \"_Governance.getProposalInfo\"\n";

/* A title passed as an integer, and one parameter too many. */
static const char BADTYPE[] = ".contract BadType\n"
                              ".import _Governance.createProposal params string int returns int\n"
                              ".method open returns int\n"
                              "    Push \"coop1\"\n"
                              "    Push 5\n"
                              "    CallService \"_Governance.createProposal\"\n";

static const char TOOMANY[] = ".contract TooMany\n"
                              ".import _Governance.createProposal params string string int int returns int\n"
                              ".method open returns int\n"
                              "    Push \"coop1\"\n"
                              "    Push \"t\"\n"
                              "    Push 1\n"
                              "    Push 2\n"
                              "    CallService \"_Governance.createProposal\"\n";

/* The opcode, in a module that is typed (it imports) and has the metadata. */
static const char OPCODE[] = ".contract Op\n"
                             ".cooperative coop1 purpose=p cpu=0 memory=0 network=0 storage=0 bandwidth=0 federation=n\n"
                             ".import _Governance.getProposalInfo params int returns string int\n"
                             ".method propose\n"
                             "    CreateProposal\n"
                             ".method info readonly params id:int returns string int\n"
                             "    CallService \"_Governance.getProposalInfo\"\n";

static int64_t opened(chain *c, uint8_t k, const char *svc, const cvm_arg *args, size_t n)
{
    cvm_block_result *b = tx1(c, k, svc, "open", args, n, CVM_SUCCESS, CVM_CODE_NONE);
    const cvm_receipt *r = &b->receipts[0];
    assert_int_equal(r->noutputs, 1);
    int64_t pid = r->outputs[0].v.i64;
    cvm_block_result_free(b);
    return pid;
}

static void test_imports_of_each_length(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 3);
    coop_of(&c, 3);
    deploy(&c, "Short", SHORT);
    deploy(&c, "Titled", TITLED);
    deploy(&c, "Timed", TIMED);

    assert_int_equal(opened(&c, 1, "Short", NULL, 0), 1);
    cvm_arg t = str("Fix the roof");
    assert_int_equal(opened(&c, 2, "Titled", &t, 1), 2);
    int64_t h = (int64_t)cvm_store_height(c.store) + 1;
    cvm_arg tp[2] = {str("Paint the hall"), cvm_arg_int64(1)};
    assert_int_equal(opened(&c, 3, "Timed", tp, 2), 3);

    /* what each wrote, read back by the contract: typed results */
    static const struct {
        int64_t pid;
        const char *title;
        int64_t deadline;
    } want[] = {{1, "", 0}, {2, "Fix the roof", 0}, {3, "Paint the hall", 0}};
    for (size_t i = 0; i < 3; i++) {
        cvm_arg p = cvm_arg_int64(want[i].pid);
        cvm_local_result *q = query(&c, "Timed", "info", &p, 1, CVM_SUCCESS, CVM_CODE_NONE);
        assert_int_equal(q->receipt.noutputs, 2);
        out_str(&q->receipt, 0, want[i].title);
        out_i64(&q->receipt, 1, want[i].pid == 3 ? h + 1 : 0);
        cvm_local_result_free(q);
    }

    /* getProposal's five outputs, pushed typed and returned as declared */
    cvm_arg p = cvm_arg_int64(3);
    cvm_local_result *q = query(&c, "Timed", "proposal", &p, 1, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(q->receipt.noutputs, 5);
    out_str(&q->receipt, 0, "coop1");
    assert_int_equal(q->receipt.outputs[1].type, CVM_ARG_BYTES); /* the import says bytes */
    assert_int_equal(q->receipt.outputs[1].v.bytes.len, CVM_ADDRESS_BYTES);
    out_str(&q->receipt, 2, "open");
    out_i64(&q->receipt, 3, 0);
    out_i64(&q->receipt, 4, 0);
    cvm_local_result_free(q);

    /* votes through the contract: at the deadline counted, after it refused */
    cvm_arg v[2] = {cvm_arg_int64(3), cvm_arg_int64(1)};
    ok1(&c, 1, "Timed", "vote", v, 2); /* at h + 1, the deadline */
    char msg[160];
    snprintf(msg, sizeof msg,
             "_Governance.castVote: proposal 3 in cooperative coop1 is closed: voting ended at height %lld",
             (long long)(h + 1));
    bad1(&c, 2, "Timed", "vote", v, 2, CVM_CODE_PROPOSAL_CLOSED, msg);
    q = query(&c, "Timed", "proposal", &p, 1, CVM_SUCCESS, CVM_CODE_NONE);
    out_str(&q->receipt, 2, "expired");
    out_i64(&q->receipt, 3, 1);
    cvm_local_result_free(q);
    chain_close(&c);
}

static void test_imports_that_do_not_fit(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 1);
    coop_of(&c, 1);
    deploy(&c, "BadType", BADTYPE);
    deploy(&c, "TooMany", TOOMANY);
    bad1(&c, 1, "BadType", "open", NULL, 0, CVM_CODE_WRONG_ARGUMENTS,
         "_Governance.createProposal: the import declares params string int returns int; the native method has "
         "params string string int64 (the last 2 optional)");
    bad1(&c, 1, "TooMany", "open", NULL, 0, CVM_CODE_WRONG_ARGUMENTS,
         "the import declares params string string int int returns int");
    /* nothing was opened: the next id is 1 */
    cvm_arg id = str("coop1");
    cvm_block_result *b = tx1(&c, 1, "_Governance", "createProposal", &id, 1, CVM_SUCCESS, CVM_CODE_NONE);
    out_i64(&b->receipts[0], 0, 1);
    cvm_block_result_free(b);
    chain_close(&c);
}

/* CreateProposal keeps its stack effect and calls createProposal(id): no
 * title, no deadline, the event of three fields. */
static void test_opcode_unchanged(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 1);
    coop_of(&c, 1);
    deploy(&c, "Op", OPCODE);
    cvm_block_result *b = tx1(&c, 1, "Op", "propose", NULL, 0, CVM_SUCCESS, CVM_CODE_NONE);
    out_i64(&b->receipts[0], 0, 1);
    ev_is(&b->receipts[0].events[0], "_Governance", "ProposalCreated", 3);
    assert_int_equal(b->ndiff, 4);
    cvm_block_result_free(b);
    cvm_arg p = cvm_arg_int64(1);
    cvm_local_result *q = query(&c, "Op", "info", &p, 1, CVM_SUCCESS, CVM_CODE_NONE);
    out_str(&q->receipt, 0, "");
    out_i64(&q->receipt, 1, 0);
    cvm_local_result_free(q);
    chain_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_imports_of_each_length),
        cmocka_unit_test(test_imports_that_do_not_fit),
        cmocka_unit_test(test_opcode_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
