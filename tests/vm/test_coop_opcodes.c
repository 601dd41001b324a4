/*
 * test_coop_opcodes.c — the cooperative and governance opcodes of deployed
 * bytecode: each becomes a call of _Cooperatives or _Governance on the
 * cooperative of the module's .cooperative metadata, as the signer; the
 * events belong to the services, interleaved with the contract's own; a
 * service's failure fails the contract with the service's code (at the
 * opcode, message prefixed by "Svc.method: ") and rolls it all back.
 */
#include "base/arena.h"
#include "codec/event.h"
#include "native/cooptest.h"
#include "state/store.h"

/* Line numbers matter: errors are asserted at their source lines. */
static const char *COOP = ".contract Coop\n"                                                      /* 1 */
                          ".cooperative coop1 purpose=\"Shared housing\" cpu=10 memory=20 network=30 "
                          "storage=40 bandwidth=50 federation=north\n"                              /* 2 */
                          ".method found\n"                                                         /* 3 */
                          "  Push 1\n"                                                              /* 4 */
                          "  Emit \"Before\"\n"                                                     /* 5 */
                          "  CreateCooperative\n"                                                   /* 6 */
                          "  Push 2\n"                                                              /* 7 */
                          "  Emit \"After\"\n"                                                      /* 8 */
                          ".method join\n"                                                          /* 9 */
                          "  JoinCooperative\n"                                                     /* 10 */
                          ".method alloc params 1\n"                                                /* 11 */
                          "  AllocateResource 7\n"                                                  /* 12 */
                          ".method propose\n"                                                       /* 13 */
                          "  CreateProposal\n"                                                      /* 14 */
                          ".method vote params 2\n"                                                 /* 15 */
                          "  CastVote\n"                                                            /* 16 */
                          ".method quorum params 1\n"                                               /* 17 */
                          "  UpdateQuorum\n"                                                        /* 18 */
                          ".method storeThenJoin\n"                                                 /* 19 */
                          "  Push 5\n"                                                              /* 20 */
                          "  Store \"x\"\n"                                                         /* 21 */
                          "  JoinCooperative\n";                                                    /* 22 */

static const int64_t REPS[] = {100, 100, 100, 50};

static chain setup(void)
{
    chain c;
    chain_with(&c, REPS, 4);
    deploy(&c, "Coop", COOP);
    return c;
}

static cvm_block_result *call(chain *c, uint8_t k, const char *method, const int64_t *args, size_t n,
                              cvm_exec_status st, cvm_code code)
{
    cvm_arg a[4];
    for (size_t i = 0; i < n; i++)
        a[i] = cvm_arg_int64(args[i]);
    return tx1(c, k, "Coop", method, a, n, st, code);
}

/* A contract call that must fail with code at line, with message msg. */
static void call_fails(chain *c, uint8_t k, const char *method, const int64_t *args, size_t n, cvm_code code,
                       int64_t line, const char *msg)
{
    cvm_block_result *b = call(c, k, method, args, n, CVM_ERROR_SMART_CONTRACT, code);
    const cvm_error *e = &b->receipts[0].error;
    assert_string_equal(e->method, method);
    assert_int_equal(e->line, line);
    if (msg && !strstr(e->message, msg))
        fail_msg("message '%s' does not contain '%s'", e->message, msg);
    cvm_block_result_free(b);
}

static void test_life_of_a_cooperative(void **state)
{
    (void)state;
    chain c = setup();
    /* CreateCooperative: the signer (account 2) is the creator, not Coop */
    cvm_block_result *b = call(&c, 2, "found", NULL, 0, CVM_SUCCESS, CVM_CODE_NONE);
    const cvm_receipt *r = &b->receipts[0];
    assert_int_equal(r->nevents, 3);
    ev_is(&r->events[0], "Coop", "Before", 1);
    ev_is(&r->events[1], "_Cooperatives", "CooperativeCreated", 3);
    field_str(&r->events[1], 0, "cooperative_id", "coop1");
    field_addr(&r->events[1], 1, "creator", 2);
    field_str(&r->events[1], 2, "purpose", "Shared housing");
    ev_is(&r->events[2], "Coop", "After", 1);
    /* gas: the instructions (Push, Emit, CreateCooperative 500, Push, Emit)
     * and what the service did, charged to the contract: _Cooperatives.create
     * costs 4,130 (tests/native/test_gas.c) */
    assert_int_equal(r->gas_used, 1 + 30 + 500 + 1 + 30 + 4130);
    cvm_block_result_free(b);
    cvm_arg id = str("coop1");
    cvm_local_result *q = query(&c, "_Cooperatives", "getInfo", &id, 1, CVM_SUCCESS, CVM_CODE_NONE);
    out_addr(&q->receipt, 0, 2);
    out_str(&q->receipt, 1, "Shared housing");
    for (size_t i = 0; i < 5; i++)
        out_i64(&q->receipt, 2 + i, 10 * (int64_t)(i + 1));
    out_str(&q->receipt, 7, "north");
    out_i64(&q->receipt, 8, 1);
    out_i64(&q->receipt, 9, 50);
    cvm_local_result_free(q);

    /* JoinCooperative */
    for (uint8_t k = 3; k <= 4; k++) {
        b = call(&c, k, "join", NULL, 0, CVM_SUCCESS, CVM_CODE_NONE);
        r = &b->receipts[0];
        assert_int_equal(r->nevents, 1);
        ev_is(&r->events[0], "_Cooperatives", "CooperativeJoined", 2);
        field_str(&r->events[0], 0, "cooperative_id", "coop1");
        field_addr(&r->events[0], 1, "member", k);
        assert_int_equal(r->gas_used, 200 + 1420); /* JoinCooperative + _Cooperatives.join's own */
        cvm_block_result_free(b);
    }

    /* AllocateResource 7 pops the amount */
    int64_t amount = 30;
    b = call(&c, 3, "alloc", &amount, 1, CVM_SUCCESS, CVM_CODE_NONE);
    r = &b->receipts[0];
    assert_int_equal(r->nevents, 1);
    ev_is(&r->events[0], "_Cooperatives", "ResourceAllocated", 4);
    field_str(&r->events[0], 0, "cooperative_id", "coop1");
    field_i64(&r->events[0], 1, "resource_id", 7);
    field_i64(&r->events[0], 2, "amount", 30);
    field_addr(&r->events[0], 3, "member", 3);
    out_i64(r, 0, 0); /* the stack is empty after it */
    cvm_block_result_free(b);
    cvm_arg al[2] = {str("coop1"), cvm_arg_int64(7)};
    q = query(&c, "_Cooperatives", "allocation", al, 2, CVM_SUCCESS, CVM_CODE_NONE);
    out_i64(&q->receipt, 0, 30);
    cvm_local_result_free(q);

    /* CreateProposal pushes the id: the method's result */
    for (int64_t want = 1; want <= 2; want++) {
        b = call(&c, 2, "propose", NULL, 0, CVM_SUCCESS, CVM_CODE_NONE);
        r = &b->receipts[0];
        out_i64(r, 0, want);
        assert_int_equal(r->nevents, 1);
        ev_is(&r->events[0], "_Governance", "ProposalCreated", 3);
        field_str(&r->events[0], 0, "cooperative_id", "coop1");
        field_i64(&r->events[0], 1, "proposal_id", want);
        field_addr(&r->events[0], 2, "creator", 2);
        cvm_block_result_free(b);
    }

    /* CastVote pops vote, then proposal id: 3 members, quorum 50, need 2 */
    int64_t v[2] = {1, 5};
    b = call(&c, 3, "vote", v, 2, CVM_SUCCESS, CVM_CODE_NONE);
    r = &b->receipts[0];
    assert_int_equal(r->nevents, 1);
    ev_is(&r->events[0], "_Governance", "VoteCast", 3);
    field_i64(&r->events[0], 0, "proposal_id", 1);
    field_addr(&r->events[0], 1, "voter", 3);
    field_i64(&r->events[0], 2, "vote", 1);
    cvm_block_result_free(b);
    b = call(&c, 4, "vote", v, 2, CVM_SUCCESS, CVM_CODE_NONE);
    r = &b->receipts[0];
    assert_int_equal(r->nevents, 2);
    ev_is(&r->events[1], "_Governance", "ProposalPassed", 3);
    field_i64(&r->events[1], 0, "proposal_id", 1);
    field_i64(&r->events[1], 1, "yes", 2);
    field_i64(&r->events[1], 2, "no", 0);
    cvm_block_result_free(b);
    int64_t nv[2] = {2, 0};
    cvm_block_result_free(call(&c, 3, "vote", nv, 2, CVM_SUCCESS, CVM_CODE_NONE));
    b = call(&c, 4, "vote", nv, 2, CVM_SUCCESS, CVM_CODE_NONE);
    r = &b->receipts[0];
    assert_int_equal(r->nevents, 2);
    ev_is(&r->events[1], "_Governance", "ProposalRejected", 3);
    field_i64(&r->events[1], 1, "yes", 0);
    field_i64(&r->events[1], 2, "no", 2);
    cvm_block_result_free(b);

    /* UpdateQuorum pops the quorum; only the creator */
    int64_t quorum = 67;
    b = call(&c, 2, "quorum", &quorum, 1, CVM_SUCCESS, CVM_CODE_NONE);
    r = &b->receipts[0];
    assert_int_equal(r->nevents, 1);
    ev_is(&r->events[0], "_Governance", "QuorumUpdated", 3);
    field_str(&r->events[0], 0, "cooperative_id", "coop1");
    field_i64(&r->events[0], 1, "old_quorum", 50);
    field_i64(&r->events[0], 2, "new_quorum", 67);
    cvm_block_result_free(b);
    chain_close(&c);
}

static void test_opcode_errors(void **state)
{
    (void)state;
    chain c = setup();
    char hex[43], msg[200];
    call_fails(&c, 3, "join", NULL, 0, CVM_CODE_COOPERATIVE_NOT_FOUND, 10,
               "_Cooperatives.join: cooperative coop1 does not exist");
    cvm_block_result_free(call(&c, 2, "found", NULL, 0, CVM_SUCCESS, CVM_CODE_NONE));
    call_fails(&c, 3, "found", NULL, 0, CVM_CODE_COOPERATIVE_EXISTS, 6,
               "_Cooperatives.create: cooperative coop1 already exists");
    hex_of(2, hex);
    snprintf(msg, sizeof msg, "_Cooperatives.join: account %s is already a member of cooperative coop1", hex);
    call_fails(&c, 2, "join", NULL, 0, CVM_CODE_ALREADY_MEMBER, 10, msg);

    int64_t amount = 5;
    hex_of(3, hex);
    snprintf(msg, sizeof msg, "_Cooperatives.allocate: account %s is not a member of cooperative coop1", hex);
    call_fails(&c, 3, "alloc", &amount, 1, CVM_CODE_NOT_A_MEMBER, 12, msg);
    amount = 0;
    call_fails(&c, 2, "alloc", &amount, 1, CVM_CODE_INVALID_AMOUNT, 12,
               "allocating 0 to resource 7 of cooperative coop1: the amount must be positive");

    snprintf(msg, sizeof msg, "_Governance.createProposal: account %s is not a member of cooperative coop1", hex);
    call_fails(&c, 3, "propose", NULL, 0, CVM_CODE_NOT_A_MEMBER, 14, msg);
    cvm_block_result_free(call(&c, 4, "join", NULL, 0, CVM_SUCCESS, CVM_CODE_NONE));
    hex_of(4, hex);
    snprintf(msg, sizeof msg, "account %s has reputation 50; a proposal in cooperative coop1 needs 100", hex);
    call_fails(&c, 4, "propose", NULL, 0, CVM_CODE_INSUFFICIENT_REPUTATION, 14, msg);

    int64_t v[2] = {1, 1};
    call_fails(&c, 2, "vote", v, 2, CVM_CODE_PROPOSAL_NOT_FOUND, 16, "_Governance.castVote: proposal 1 does not exist");
    cvm_block_result_free(call(&c, 2, "propose", NULL, 0, CVM_SUCCESS, CVM_CODE_NONE));
    int64_t no[2] = {1, 0};
    cvm_block_result_free(call(&c, 2, "vote", no, 2, CVM_SUCCESS, CVM_CODE_NONE)); /* need 1 of 2: open */
    hex_of(2, hex);
    snprintf(msg, sizeof msg, "_Governance.castVote: account %s has already voted on proposal 1", hex);
    call_fails(&c, 2, "vote", v, 2, CVM_CODE_ALREADY_VOTED, 16, msg);
    call_fails(&c, 3, "vote", v, 2, CVM_CODE_NOT_A_MEMBER, 16, "(proposal 1)");
    cvm_block_result_free(call(&c, 4, "vote", v, 2, CVM_SUCCESS, CVM_CODE_NONE)); /* passes */
    cvm_block_result_free(call(&c, 3, "join", NULL, 0, CVM_SUCCESS, CVM_CODE_NONE));
    call_fails(&c, 3, "vote", v, 2, CVM_CODE_PROPOSAL_CLOSED, 16, "proposal 1 in cooperative coop1 is closed: it passed");

    int64_t quorum = 80;
    hex_of(3, hex);
    snprintf(msg, sizeof msg, "_Governance.updateQuorum: account %s is not the creator of cooperative coop1", hex);
    call_fails(&c, 3, "quorum", &quorum, 1, CVM_CODE_PERMISSION_DENIED, 18, msg);
    quorum = 0;
    call_fails(&c, 2, "quorum", &quorum, 1, CVM_CODE_INVALID_QUORUM, 18,
               "_Governance.updateQuorum: quorum 0 for cooperative coop1: a quorum is 1..100 (%)");
    quorum = 101;
    call_fails(&c, 2, "quorum", &quorum, 1, CVM_CODE_INVALID_QUORUM, 18, NULL);

    /* the contract's own write before a failing opcode is rolled back too
     * (tx1 asserts an empty diff and no events) */
    call_fails(&c, 2, "storeThenJoin", NULL, 0, CVM_CODE_ALREADY_MEMBER, 22, NULL);
    chain_close(&c);
}

/* The impact rule through AllocateResource. */
static void test_impact_too_high(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 1);
    deploy(&c, "Heavy",
           ".contract Heavy\n.cooperative heavy purpose=mining cpu=95\n.method found\n  CreateCooperative\n"
           ".method alloc\n  Push 10\n  AllocateResource 1\n");
    cvm_block_result_free(tx1(&c, 1, "Heavy", "found", NULL, 0, CVM_SUCCESS, CVM_CODE_NONE));
    cvm_block_result *b = tx1(&c, 1, "Heavy", "alloc", NULL, 0, CVM_ERROR_SMART_CONTRACT,
                              CVM_CODE_RESOURCE_IMPACT_TOO_HIGH);
    assert_string_equal(b->receipts[0].error.message,
                        "_Cooperatives.allocate: cooperative heavy: its cpu impact 95 is above 80, so it may not "
                        "allocate resources");
    cvm_block_result_free(b);
    chain_close(&c);
}

/* Without .cooperative metadata, every opcode fails before any call. */
static void test_not_configured(void **state)
{
    (void)state;
    static const char *ops[] = {"CreateCooperative", "JoinCooperative", "Push 1\n  AllocateResource 3",
                                "CreateProposal",    "Push 1\n  Push 1\n  CastVote", "Push 60\n  UpdateQuorum"};
    static const char *names[] = {"CreateCooperative", "JoinCooperative", "AllocateResource",
                                  "CreateProposal",    "CastVote",        "UpdateQuorum"};
    chain c;
    chain_with(&c, REPS, 1);
    char src[200], msg[160];
    for (size_t i = 0; i < 6; i++) {
        char name[16];
        snprintf(name, sizeof name, "Bare%zu", i);
        snprintf(src, sizeof src, ".contract Bare\n.method main\n  %s\n", ops[i]);
        deploy(&c, name, src);
        cvm_block_result *b =
            tx1(&c, 1, name, "main", NULL, 0, CVM_ERROR_SMART_CONTRACT, CVM_CODE_COOPERATIVE_NOT_CONFIGURED);
        snprintf(msg, sizeof msg, "%s acts on the module's cooperative, and %s has no .cooperative metadata",
                 names[i], name);
        assert_string_equal(b->receipts[0].error.message, msg);
        assert_string_equal(b->receipts[0].error.method, "main");
        cvm_block_result_free(b);
    }
    chain_close(&c);
}

/* A contract that calls Coop: the identity is still the signer, and the
 * events still belong to the services. */
static void test_through_another_contract(void **state)
{
    (void)state;
    chain c = setup();
    deploy(&c, "Front", ".contract Front\n.method enroll\n  CallService \"Coop.join\"\n");
    cvm_block_result_free(call(&c, 2, "found", NULL, 0, CVM_SUCCESS, CVM_CODE_NONE));
    cvm_block_result *b = tx1(&c, 3, "Front", "enroll", NULL, 0, CVM_SUCCESS, CVM_CODE_NONE);
    const cvm_receipt *r = &b->receipts[0];
    assert_int_equal(r->nevents, 1);
    ev_is(&r->events[0], "_Cooperatives", "CooperativeJoined", 2);
    field_addr(&r->events[0], 1, "member", 3);
    /* CallService + JoinCooperative + _Cooperatives.join's own (100 to call,
     * 670 for 67 bytes of state, 650 for a 62-byte event) */
    assert_int_equal(r->gas_used, 100 + 200 + 1420);
    cvm_block_result_free(b);
    /* the failure of the service reaches the outer contract's receipt */
    b = tx1(&c, 3, "Front", "enroll", NULL, 0, CVM_ERROR_SMART_CONTRACT, CVM_CODE_ALREADY_MEMBER);
    assert_string_equal(b->receipts[0].error.method, "enroll");
    if (!strstr(b->receipts[0].error.message, "Coop.join: _Cooperatives.join: account 0x"))
        fail_msg("message: %s", b->receipts[0].error.message);
    cvm_block_result_free(b);
    chain_close(&c);
}

/* A read-only context never reaches the services' writes. */
static void test_local_call_is_read_only(void **state)
{
    (void)state;
    chain c = setup();
    cvm_local_result *r = local_call(&c, 2, "Coop", "found", NULL, 0);
    expect(&r->receipt, CVM_ERROR_INPUT, CVM_CODE_READ_ONLY_VIOLATION);
    cvm_local_result_free(r);
    chain_close(&c);
}

/* ------------------------------------------------------- event history */

typedef struct history {
    cvm_arena arena;
    cvm_event_record recs[16];
    size_t n;
} history;

static int collect(void *ud, uint64_t height, uint64_t index, const uint8_t *data, size_t len)
{
    history *h = ud;
    char err[160];
    (void)height;
    (void)index;
    assert_true(h->n < 16);
    if (cvm_event_record_decode(data, len, &h->arena, &h->recs[h->n], err, sizeof err) != CVM_OK)
        fail_msg("decode: %s", err);
    h->n++;
    return 0;
}

/* The services' events reach the durable history as the receipts show
 * them (bytes addresses, strings, int64), with their height and index;
 * a failed transaction's do not. */
static void test_events_in_the_history(void **state)
{
    (void)state;
    chain c = setup();
    uint64_t height = cvm_store_height(c.store) + 1;
    cvm_arg pid = cvm_arg_int64(1);
    cvm_arg v[2] = {pid, cvm_arg_int64(1)};
    cvm_transaction txs[4] = {tx_of(2, "Coop", "found", NULL, 0), tx_of(2, "Coop", "found", NULL, 0),
                              tx_of(2, "Coop", "propose", NULL, 0), tx_of(2, "Coop", "vote", v, 2)};
    cvm_block_result *b = run_block(&c, txs, 4);
    expect(&b->receipts[1], CVM_ERROR_SMART_CONTRACT, CVM_CODE_COOPERATIVE_EXISTS);
    commit_block(&c, b);
    history h;
    memset(&h, 0, sizeof h);
    cvm_arena_init(&h.arena, NULL);
    assert_int_equal(cvm_store_events(c.store, height, height, collect, &h), CVM_OK);
    assert_int_equal(h.n, 3 + 1 + 2); /* found (Before, Created, After), propose, vote (Cast, Passed) */
    const cvm_event_record *r = h.recs;
    assert_int_equal(r[1].height, height);
    assert_int_equal(r[1].tx_index, 0);
    ev_is(&r[1].event, "_Cooperatives", "CooperativeCreated", 3);
    field_str(&r[1].event, 0, "cooperative_id", "coop1");
    field_addr(&r[1].event, 1, "creator", 2);
    field_str(&r[1].event, 2, "purpose", "Shared housing");
    assert_int_equal(r[3].tx_index, 2);
    ev_is(&r[3].event, "_Governance", "ProposalCreated", 3);
    field_i64(&r[3].event, 1, "proposal_id", 1);
    assert_int_equal(r[4].tx_index, 3);
    ev_is(&r[4].event, "_Governance", "VoteCast", 3);
    field_addr(&r[4].event, 1, "voter", 2);
    ev_is(&r[5].event, "_Governance", "ProposalPassed", 3);
    field_i64(&r[5].event, 1, "yes", 1);
    field_i64(&r[5].event, 2, "no", 0);
    cvm_arena_free(&h.arena);
    chain_close(&c);
}

/* ------------------------------------------- every allocation failure */

/* The life of a cooperative in one set, then local reads; 1 when it all
 * succeeded. */
static int oom_scenario(const cvm_allocator *al, const uint8_t *code, size_t len)
{
    cvm_store *s;
    assert_int_equal(cvm_memstore_open(NULL, &s), CVM_OK);
    cvm_vm *vm = NULL;
    cvm_vm_options o = {0};
    o.al = al;
    int ok = 0;
    cvm_block_result *b = NULL;
    cvm_local_result *r = NULL;
    if (cvm_vm_new(&o, s, &vm) != CVM_OK)
        goto out;
    cvm_genesis_account acc[2] = {{{0}, 100, 1}, {{0}, 100, 0}};
    address_of(1, acc[0].address);
    address_of(2, acc[1].address);
    if (cvm_vm_genesis(vm, 1, acc, 2, &b) != CVM_OK || cvm_vm_commit(vm, b) != CVM_OK)
        goto out;
    cvm_block_result_free(b);
    b = NULL;
    cvm_arg d[3] = {cvm_arg_stringn("Coop", 4), cvm_arg_uint64(CVM_PROCESSOR_BYTECODE), cvm_arg_bytes(code, len)};
    cvm_arg amount = cvm_arg_int64(3), vote[2] = {cvm_arg_int64(1), cvm_arg_int64(1)}, quorum = cvm_arg_int64(90);
    cvm_arg id = str("coop1"), pid = cvm_arg_int64(1);
    cvm_transaction txs[9] = {tx_of(1, "_Deployments", "deployService", d, 3), tx_of(1, "Coop", "found", NULL, 0),
                              tx_of(2, "Coop", "join", NULL, 0),          tx_of(2, "Coop", "alloc", &amount, 1),
                              tx_of(1, "Coop", "propose", NULL, 0),       tx_of(1, "Coop", "vote", vote, 2),
                              tx_of(1, "Coop", "quorum", &quorum, 1),     tx_of(1, "_Cooperatives", "getInfo", &id, 1),
                              tx_of(1, "_Governance", "getProposal", &pid, 1)};
    if (cvm_vm_process_transaction_set(vm, 2, 0, txs, 9, &b) != CVM_OK)
        goto out;
    for (int i = 0; i < 9; i++)
        if (b->receipts[i].status != CVM_SUCCESS)
            goto out;
    if (cvm_vm_commit(vm, b) != CVM_OK)
        goto out;
    cvm_transaction q = tx_of(1, "_Cooperatives", "getInfo", &id, 1);
    uint8_t qsig[CVM_SIGNATURE_BYTES];
    sign_as(1, &q, qsig);
    if (cvm_vm_run_local_method(vm, &q, &r) != CVM_OK)
        goto out;
    assert_int_equal(r->receipt.status, CVM_SUCCESS);
    assert_int_equal(r->receipt.outputs[8].v.i64, 2);
    assert_int_equal(r->receipt.outputs[9].v.i64, 90);
    ok = 1;
out:
    cvm_local_result_free(r);
    cvm_block_result_free(b);
    cvm_vm_free(vm);
    cvm_store_close(s);
    return ok;
}

static void test_every_allocation_failure(void **state)
{
    (void)state;
    size_t len;
    uint8_t *code = code_of(COOP, &len);
    long n = every_allocation_failure(oom_scenario, code, len, 100000);
    printf("the cooperative scenario succeeded with %ld allocations allowed\n", n);
    assert_true(n > 5 && n < 100000);
    free_code(code);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_life_of_a_cooperative),
        cmocka_unit_test(test_opcode_errors),
        cmocka_unit_test(test_impact_too_high),
        cmocka_unit_test(test_not_configured),
        cmocka_unit_test(test_through_another_contract),
        cmocka_unit_test(test_local_call_is_read_only),
        cmocka_unit_test(test_events_in_the_history),
        cmocka_unit_test(test_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
