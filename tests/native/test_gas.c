/*
 * test_gas.c — the gas of what native methods make the chain do (coopvm.h
 * CVM_GAS_*, docs/vm.md "Gas"): each native method's gas for known inputs,
 * written as the sum of its parts (the call, each state write by its key
 * and value bytes, each event by its bytes); deployments by their code
 * bytes, up to the 64 KiB a deployment carries; createProposal's optional
 * title and period; OUT_OF_GAS inside a native
 * method, called by a transaction or by a cooperative opcode, rolling
 * everything back; and bytecode Emit paying for a long event name.
 */
#include "native/cooptest.h"

#define CALL CVM_GAS_NATIVE_CALL
/* A native state write of k key bytes and v value bytes. */
#define W(k, v) (((int64_t)(k) + (v)) * CVM_GAS_STATE_BYTE)
/* A native event of n bytes: name, field names and values. */
#define EV(n) (CVM_GAS_EVENT + (int64_t)(n)*CVM_GAS_EVENT_BYTE)
#define ADDR CVM_ADDRESS_BYTES

static const int64_t REPS[] = {100, 100, 100, 0};

/* A chain whose transactions get gas each (0: the default). */
static void chain_gas(chain *c, int64_t gas)
{
    assert_int_equal(cvm_memstore_open(NULL, &c->store), CVM_OK);
    cvm_vm_options o = {0};
    o.gas_limit = gas;
    assert_int_equal(cvm_vm_new(&o, c->store, &c->vm), CVM_OK);
    genesis(c, REPS, 4);
}

/* The same chain with a new VM whose transactions get gas each. */
static void regas(chain *c, int64_t gas)
{
    cvm_vm_free(c->vm);
    cvm_vm_options o = {0};
    o.gas_limit = gas;
    assert_int_equal(cvm_vm_new(&o, c->store, &c->vm), CVM_OK);
}

/* The gas of one successful transaction of account k (committed). */
static int64_t gas1(chain *c, uint8_t k, const char *svc, const char *method, const cvm_arg *args, size_t n)
{
    cvm_block_result *b = tx1(c, k, svc, method, args, n, CVM_SUCCESS, CVM_CODE_NONE);
    int64_t g = b->receipts[0].gas_used;
    cvm_block_result_free(b);
    return g;
}

/* The schedule is what the docs say. */
static void test_schedule(void **state)
{
    (void)state;
    assert_int_equal(CVM_GAS_NATIVE_CALL, 100);
    assert_int_equal(CVM_GAS_STATE_BYTE, 10);
    assert_int_equal(CVM_GAS_EVENT, 30);
    assert_int_equal(CVM_GAS_EVENT_BYTE, 10);
    assert_int_equal(CVM_GAS_CODE_BYTE, 2);
    assert_int_equal(CVM_GAS_EMIT_NAME_FREE, 32);
}

/* Methods that only read cost the call, in a transaction or a local call. */
static void test_reads_cost_the_call(void **state)
{
    (void)state;
    chain c;
    chain_gas(&c, 0);
    cvm_arg a[8];
    create_args(a, "coop1", "p", 0, 0, 0, 0, 0, "");
    ok1(&c, 1, "_Cooperatives", "create", a, 8);
    uint8_t who[ADDR];
    address_of(1, who);
    cvm_arg id = str("coop1"), info = str("_Info"), addr = cvm_arg_bytes(who, ADDR);
    cvm_arg member[2] = {id, addr}, alloc[2] = {id, cvm_arg_int64(1)};
    assert_int_equal(gas1(&c, 1, "_Info", "getInfo", NULL, 0), CALL);
    assert_int_equal(gas1(&c, 1, "_Info", "isAlive", NULL, 0), CALL);
    assert_int_equal(gas1(&c, 1, "_Reputation", "get", &addr, 1), CALL);
    assert_int_equal(gas1(&c, 1, "_Deployments", "getInfo", &info, 1), CALL);
    assert_int_equal(gas1(&c, 1, "_Deployments", "getCode", &info, 1), CALL);
    assert_int_equal(gas1(&c, 1, "_Cooperatives", "getInfo", &id, 1), CALL);
    assert_int_equal(gas1(&c, 1, "_Cooperatives", "isMember", member, 2), CALL);
    assert_int_equal(gas1(&c, 1, "_Cooperatives", "allocation", alloc, 2), CALL);
    assert_int_equal(gas1(&c, 1, "_Governance", "getThreshold", NULL, 0), CALL);
    assert_int_equal(gas1(&c, 1, "_GlobalPreOrder", "getSubscriptionProblem", NULL, 0), CALL);
    cvm_local_result *q = query(&c, "_Info", "isAlive", NULL, 0, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(q->receipt.gas_used, CALL);
    cvm_local_result_free(q);
    chain_close(&c);
}

static void test_reputation_set(void **state)
{
    (void)state;
    chain c;
    chain_gas(&c, 0);
    uint8_t who[ADDR];
    address_of(2, who);
    cvm_arg a[2] = {cvm_arg_bytes(who, ADDR), cvm_arg_int64(70)};
    /* the address key (20) with 8 value bytes; ReputationChanged: name 17,
     * address 7 + 20, old 3 + 8, new 3 + 8 */
    assert_int_equal(gas1(&c, 1, "_Reputation", "set", a, 2), CALL + W(ADDR, 8) + EV(17 + 27 + 11 + 11));
    assert_int_equal(gas1(&c, 1, "_Reputation", "set", a, 2), 1070);
    /* 0 deletes the key: its bytes only */
    a[1] = cvm_arg_int64(0);
    assert_int_equal(gas1(&c, 1, "_Reputation", "set", a, 2), CALL + W(ADDR, 0) + EV(17 + 27 + 11 + 11));
    chain_close(&c);
}

static void test_cooperatives(void **state)
{
    (void)state;
    chain c;
    chain_gas(&c, 0);
    cvm_arg a[8];
    create_args(a, "coop1", "Shared housing", 10, 20, 30, 40, 50, "north");
    /* "coop:coop1:" is 11 bytes: creator (7) = 20 bytes, purpose (7) = 14,
     * federation (10) = 5, cpu memory network storage bandwidth (3 6 7 7 9)
     * = 8 each, members (7) and quorum (6) = 8 each; "member:coop1:" + 20
     * = 33 bytes = 8. CooperativeCreated: name 18, cooperative_id 14 + 5,
     * creator 7 + 20, purpose 7 + 14. */
    int64_t create = CALL + W(18, 20) + W(18, 14) + W(21, 5) + W(14, 8) + W(17, 8) + W(18, 8) + W(18, 8) +
                     W(20, 8) + W(18, 8) + W(17, 8) + W(33, 8) + EV(18 + 19 + 27 + 21);
    assert_int_equal(create, 4130);
    assert_int_equal(gas1(&c, 1, "_Cooperatives", "create", a, 8), create);
    /* a longer purpose costs its bytes twice: stored and in the event */
    create_args(a, "coop2", "Shared housing, longer", 10, 20, 30, 40, 50, "north");
    assert_int_equal(gas1(&c, 1, "_Cooperatives", "create", a, 8), create + 8 * 10 + 8 * 10);

    cvm_arg id = str("coop1");
    /* the member key (33) = 8, members = 8; CooperativeJoined: name 17,
     * cooperative_id 14 + 5, member 6 + 20 */
    assert_int_equal(gas1(&c, 2, "_Cooperatives", "join", &id, 1), CALL + W(33, 8) + W(18, 8) + EV(17 + 19 + 26));
    assert_int_equal(gas1(&c, 3, "_Cooperatives", "join", &id, 1), 1420);

    /* "alloc:coop1:7" (13) = 8; ResourceAllocated: name 17,
     * cooperative_id 14 + 5, resource_id 11 + 8, amount 6 + 8, member 6 + 20 */
    cvm_arg al[3] = {id, cvm_arg_int64(7), cvm_arg_int64(3)};
    assert_int_equal(gas1(&c, 2, "_Cooperatives", "allocate", al, 3), CALL + W(13, 8) + EV(17 + 19 + 19 + 14 + 26));
    assert_int_equal(gas1(&c, 2, "_Cooperatives", "allocate", al, 3), 1290);
    chain_close(&c);
}

static void test_governance(void **state)
{
    (void)state;
    chain c;
    chain_gas(&c, 0);
    cvm_arg a[8];
    create_args(a, "coop1", "p", 0, 0, 0, 0, 0, "");
    ok1(&c, 1, "_Cooperatives", "create", a, 8);
    cvm_arg id = str("coop1");
    ok1(&c, 2, "_Cooperatives", "join", &id, 1);
    ok1(&c, 3, "_Cooperatives", "join", &id, 1);

    /* proposals (9) = 8, "proposal:1:cooperative" (22) = "coop1",
     * "proposal:1:creator" (18) = 20, "proposal:1:status" (17) = 8;
     * ProposalCreated: name 15, cooperative_id 14 + 5, proposal_id 11 + 8,
     * creator 7 + 20 */
    int64_t propose = CALL + W(9, 8) + W(22, 5) + W(18, ADDR) + W(17, 8) + EV(15 + 19 + 19 + 27);
    assert_int_equal(propose, 2000);
    assert_int_equal(gas1(&c, 1, "_Governance", "createProposal", &id, 1), propose);

    /* the first of 3 votes (quorum 50: 2 needed) leaves it open: "vote:1:"
     * + 20 = 8, "proposal:1:yes" (14) = 8; VoteCast: name 8, proposal_id
     * 11 + 8, voter 5 + 20, vote 4 + 8 */
    cvm_arg v[2] = {cvm_arg_int64(1), cvm_arg_int64(1)};
    int64_t vote = CALL + W(27, 8) + W(14, 8) + EV(8 + 19 + 25 + 12);
    assert_int_equal(vote, 1340);
    assert_int_equal(gas1(&c, 1, "_Governance", "castVote", v, 2), vote);
    /* the second passes it: also the status and ProposalPassed (name 14,
     * proposal_id 11 + 8, yes 3 + 8, no 2 + 8) */
    assert_int_equal(gas1(&c, 2, "_Governance", "castVote", v, 2), vote + W(17, 8) + EV(14 + 19 + 11 + 10));

    /* updateQuorum calls _Cooperatives.setQuorum: two calls, its write of
     * "coop:coop1:quorum" (17) = 8; QuorumUpdated: name 13, cooperative_id
     * 14 + 5, old_quorum 10 + 8, new_quorum 10 + 8 */
    cvm_arg q[2] = {id, cvm_arg_int64(60)};
    assert_int_equal(gas1(&c, 1, "_Governance", "updateQuorum", q, 2),
                     CALL + CALL + W(17, 8) + EV(13 + 19 + 18 + 18));

    /* "threshold" (9) = 8; ThresholdChanged: name 16, old 3 + 8, new 3 + 8 */
    cvm_arg t = cvm_arg_int64(5);
    assert_int_equal(gas1(&c, 1, "_Governance", "setThreshold", &t, 1), CALL + W(9, 8) + EV(16 + 11 + 11));

    /* createProposal's optional title and period pay for what they add:
     * "proposal:2:title" (16) = 12, "proposal:2:deadline" (19) = 8; the
     * event's title 5 + 12, deadline 8 + 8. Given as "" and 0 they add
     * nothing. */
    cvm_arg tp[3] = {id, str("Fix the roof"), cvm_arg_int64(10)};
    int64_t titled = propose + W(16, 12) + W(19, 8) + (5 + 12 + 8 + 8) * CVM_GAS_EVENT_BYTE;
    assert_int_equal(titled, 2880);
    assert_int_equal(gas1(&c, 1, "_Governance", "createProposal", tp, 3), titled);
    tp[1] = str("");
    tp[2] = cvm_arg_int64(0);
    assert_int_equal(gas1(&c, 1, "_Governance", "createProposal", tp, 3), propose);
    chain_close(&c);
}

static void test_global_preorder_set(void **state)
{
    (void)state;
    chain c;
    chain_gas(&c, 0);
    cvm_arg r = str("unpaid");
    cvm_transaction t = tx_of(0, "_GlobalPreOrder", "setSubscriptionProblem", &r, 1);
    t.signer_scheme = CVM_SCHEME_NONE;
    cvm_block_result *b = NULL;
    assert_int_equal(cvm_vm_process_system_set(c.vm, cvm_store_height(c.store) + 1, 5000, &t, 1, &b), CVM_OK);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    /* "subscriptionProblem" (19) = "unpaid"; SubscriptionProblem: name 19,
     * reason 6 + 6 */
    assert_int_equal(b->receipts[0].gas_used, CALL + W(19, 6) + EV(19 + 12));
    commit_block(&c, b);
    chain_close(&c);
}

/* Assembly of a module of about n bytes: constant-free code, so its size
 * grows by the same bytes with each instruction. */
static char *module_src(size_t lines)
{
    size_t cap = 64 + lines * 24;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t n = (size_t)snprintf(s, cap, ".contract Big\n.state count 5\n.method main\n");
    for (size_t i = 0; i < lines; i++)
        n += (size_t)snprintf(s + n, cap - n, "  Push 1000000\n  Pop\n");
    return s;
}

/* Deploys the module of lines instruction pairs as name; its gas, and the
 * code's length in *len. */
static cvm_block_result *deploy_big(chain *c, uint8_t k, const char *name, size_t lines, size_t *len)
{
    char *src = module_src(lines);
    uint8_t *code = code_of(src, len);
    free(src);
    cvm_arg a[3] = {str(name), cvm_arg_uint64(CVM_PROCESSOR_BYTECODE), cvm_arg_bytes(code, *len)};
    cvm_transaction t = tx_of(k, "_Deployments", "deployService", a, 3);
    cvm_block_result *b = run_block(c, &t, 1);
    free_code(code);
    return b;
}

/* A deployment: the call, loading its code, its three records (the
 * processor, the height, the code) and its .state entries. */
static int64_t deploy_gas(size_t len)
{
    return CALL + 2 * (int64_t)len + W(32, 8) + W(32, 8) + W(32, len) + W(5, 8);
}

static void test_deployment_grows_with_its_bytes(void **state)
{
    (void)state;
    chain c;
    chain_gas(&c, 0);
    int64_t last = 0;
    size_t sizes[] = {1, 100, 1000, 5000};
    for (size_t i = 0; i < 4; i++) {
        char name[16];
        snprintf(name, sizeof name, "Big%zu", i);
        size_t len;
        cvm_block_result *b = deploy_big(&c, 4, name, sizes[i], &len); /* reputation 0 may deploy */
        expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
        assert_int_equal(b->receipts[0].gas_used, deploy_gas(len));
        assert_true(b->receipts[0].gas_used > last);
        last = b->receipts[0].gas_used;
        commit_block(&c, b);
    }
    /* about 54 KB costs a lot, and the most a deployment carries (64 KiB)
     * still fits the default limit */
    size_t len;
    cvm_block_result *b = deploy_big(&c, 4, "Big54", 5900, &len); /* 9 bytes a line */
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    assert_true(len > 53000 && len < 55000);
    assert_int_equal(b->receipts[0].gas_used, deploy_gas(len));
    assert_true(b->receipts[0].gas_used > 600000);
    commit_block(&c, b);
    size_t lines = 7290;
    b = deploy_big(&c, 4, "Big64", lines, &len);
    assert_true(len > 65400 && len <= 65536);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[0].gas_used, deploy_gas(len));
    assert_true(b->receipts[0].gas_used < CVM_DEFAULT_GAS_LIMIT);
    commit_block(&c, b);
    chain_close(&c);
}

/* Out of gas inside a native method: OUT_OF_GAS, nothing written, no
 * event, and the gas charged before the charge it could not pay. */
static void test_out_of_gas_rolls_back(void **state)
{
    (void)state;
    chain c;
    chain_gas(&c, 1000);
    cvm_arg a[8];
    create_args(a, "coop1", "Shared housing", 10, 20, 30, 40, 50, "north");
    cvm_block_result *b = tx1(&c, 1, "_Cooperatives", "create", a, 8, CVM_ERROR_SMART_CONTRACT, CVM_CODE_OUT_OF_GAS);
    /* the call and the first two writes fit (100 + 380 + 320), the third
     * (260) does not */
    assert_int_equal(b->receipts[0].gas_used, CALL + W(18, 20) + W(18, 14));
    assert_string_equal(b->receipts[0].error.message,
                        "_Cooperatives: writing 26 bytes of state costs 260 gas, 200 left");
    cvm_block_result_free(b);
    cvm_arg id = str("coop1");
    cvm_local_result_free(query(&c, "_Cooperatives", "getInfo", &id, 1, CVM_ERROR_SMART_CONTRACT,
                                CVM_CODE_COOPERATIVE_NOT_FOUND));

    /* a deployment too big for the gas is refused before its code loads */
    size_t len;
    b = deploy_big(&c, 1, "Big", 10, &len);
    expect(&b->receipts[0], CVM_ERROR_SMART_CONTRACT, CVM_CODE_OUT_OF_GAS);
    assert_int_equal(b->ndiff, 0);
    assert_int_equal(b->receipts[0].gas_used, CALL + 2 * (int64_t)len);
    assert_non_null(strstr(b->receipts[0].error.message, "deploying Big: storing"));
    commit_block(&c, b);
    cvm_arg name = str("Big");
    cvm_local_result_free(
        query(&c, "_Deployments", "getInfo", &name, 1, CVM_ERROR_SMART_CONTRACT, CVM_CODE_CONTRACT_NOT_DEPLOYED));
    chain_close(&c);
    /* not even the call */
    chain_gas(&c, 99);
    b = tx1(&c, 1, "_Info", "isAlive", NULL, 0, CVM_ERROR_SMART_CONTRACT, CVM_CODE_OUT_OF_GAS);
    assert_string_equal(b->receipts[0].error.message, "calling _Info.isAlive costs 100 gas, 99 left");
    assert_int_equal(b->receipts[0].gas_used, 0);
    cvm_block_result_free(b);
    chain_close(&c);
}

/* The cooperative opcodes charge the service's gas to the contract, and a
 * service out of gas traps the contract at the opcode with nothing kept. */
static void test_opcode_pays_the_service(void **state)
{
    (void)state;
    static const char *src = ".contract Coop\n"
                             ".cooperative coop1 purpose=\"Shared housing\" cpu=10 memory=20 network=30 "
                             "storage=40 bandwidth=50 federation=north\n"
                             ".method found\n"
                             "  Push 5\n"
                             "  Store \"x\"\n"
                             "  CreateCooperative\n"
                             "  Push 1\n";
    for (int pass = 0; pass < 2; pass++) {
        chain c;
        /* Push 1, Store 100, CreateCooperative 500, the service 4,130, Push 1 */
        int64_t full = 1 + 100 + 500 + 4130 + 1;
        chain_gas(&c, 0);
        deploy(&c, "Coop", src);
        regas(&c, pass == 0 ? full : full - 1);
        if (pass == 0) {
            cvm_block_result *b = tx1(&c, 2, "Coop", "found", NULL, 0, CVM_SUCCESS, CVM_CODE_NONE);
            assert_int_equal(b->receipts[0].gas_used, full);
            cvm_block_result_free(b);
        } else {
            /* one short: the service completes (4,130 fit), the last Push cannot */
            cvm_block_result *b =
                tx1(&c, 2, "Coop", "found", NULL, 0, CVM_ERROR_SMART_CONTRACT, CVM_CODE_OUT_OF_GAS);
            assert_int_equal(b->receipts[0].error.pc, 3);
            assert_int_equal(b->receipts[0].gas_used, full - 1);
            cvm_block_result_free(b);
        }
        chain_close(&c);
    }
    /* with less, the service itself runs out: the trap is at the opcode */
    chain c;
    chain_gas(&c, 0);
    deploy(&c, "Coop", src);
    regas(&c, 1 + 100 + 500 + 1000);
    cvm_block_result *b = tx1(&c, 2, "Coop", "found", NULL, 0, CVM_ERROR_SMART_CONTRACT, CVM_CODE_OUT_OF_GAS);
    assert_int_equal(b->receipts[0].error.pc, 2);
    assert_int_equal(b->receipts[0].error.line, 6);
    assert_non_null(strstr(b->receipts[0].error.message, "_Cooperatives.create: _Cooperatives: writing"));
    assert_int_equal(b->receipts[0].gas_used, 1 + 100 + 500 + CALL + W(18, 20) + W(18, 14));
    cvm_block_result_free(b);
    cvm_arg id = str("coop1");
    cvm_local_result_free(
        query(&c, "_Cooperatives", "getInfo", &id, 1, CVM_ERROR_SMART_CONTRACT, CVM_CODE_COOPERATIVE_NOT_FOUND));
    chain_close(&c);
}

/* Bytecode Emit: 30, plus 10 per byte of its name beyond 32. */
static void test_emit_pays_for_a_long_name(void **state)
{
    (void)state;
    chain c;
    chain_gas(&c, 0);
    deploy(&c, "E", ".contract E\n.method short\n  Push 1\n  Emit \"Short\"\n"
                    ".method edge\n  Push 1\n  Emit \"abcdefghijklmnopqrstuvwxyz012345\"\n"
                    ".method long\n  Push 1\n  Emit \"abcdefghijklmnopqrstuvwxyz0123456789ABCD\"\n");
    assert_int_equal(gas1(&c, 1, "E", "short", NULL, 0), 1 + 30);
    assert_int_equal(gas1(&c, 1, "E", "edge", NULL, 0), 1 + 30);        /* 32 bytes: free */
    assert_int_equal(gas1(&c, 1, "E", "long", NULL, 0), 1 + 30 + 8 * 10); /* 40 bytes */
    chain_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_reads_cost_the_call),
        cmocka_unit_test(test_reputation_set),
        cmocka_unit_test(test_cooperatives),
        cmocka_unit_test(test_governance),
        cmocka_unit_test(test_global_preorder_set),
        cmocka_unit_test(test_deployment_grows_with_its_bytes),
        cmocka_unit_test(test_out_of_gas_rolls_back),
        cmocka_unit_test(test_opcode_pays_the_service),
        cmocka_unit_test(test_emit_pays_for_a_long_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
