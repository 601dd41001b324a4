/*
 * test_cooperatives.c — _Cooperatives called by transactions: create, join,
 * allocate and their errors, the read-only methods, the events with their
 * exact fields, the state layout of docs/cooperatives.md, and setQuorum
 * being for system services only.
 */
#include "native/cooptest.h"

static const int64_t REPS[] = {100, 100, 100, 100};

/* Account 1 creates "coop1" (cpu 10, memory 20, network 30, storage 40,
 * bandwidth 50). */
static void found(chain *c)
{
    cvm_arg a[8];
    create_args(a, "coop1", "Shared housing", 10, 20, 30, 40, 50, "north");
    ok1(c, 1, "_Cooperatives", "create", a, 8);
}

static void test_create(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 2);
    cvm_arg a[8];
    create_args(a, "coop1", "Shared housing", 10, 20, 30, 40, 50, "north");
    cvm_block_result *b = tx1(&c, 2, "_Cooperatives", "create", a, 8, CVM_SUCCESS, CVM_CODE_NONE);
    const cvm_receipt *r = &b->receipts[0];
    assert_int_equal(r->noutputs, 0);
    /* 100 to call; 315 bytes of state (eleven keys "coop:coop1:..." and
     * "member:coop1:<address>" with their values) at 10; the 85-byte event
     * at 30 + 10 per byte */
    assert_int_equal(r->gas_used, 100 + 3150 + 880);
    assert_int_equal(r->nevents, 1);
    ev_is(&r->events[0], "_Cooperatives", "CooperativeCreated", 3);
    field_str(&r->events[0], 0, "cooperative_id", "coop1");
    field_addr(&r->events[0], 1, "creator", 2);
    field_str(&r->events[0], 2, "purpose", "Shared housing");
    /* the documented layout */
    uint8_t member[7 + 5 + 1 + CVM_ADDRESS_BYTES];
    memcpy(member, "member:coop1:", 13);
    address_of(2, member + 13);
    assert_true(diff_has(b, "_Cooperatives", "coop:coop1:creator", 18, CVM_ADDRESS_BYTES));
    assert_true(diff_has(b, "_Cooperatives", "coop:coop1:purpose", 18, 14));
    assert_true(diff_has(b, "_Cooperatives", "coop:coop1:federation", 21, 5));
    assert_true(diff_has(b, "_Cooperatives", "coop:coop1:cpu", 14, 8));
    assert_true(diff_has(b, "_Cooperatives", "coop:coop1:bandwidth", 20, 8));
    assert_true(diff_has(b, "_Cooperatives", "coop:coop1:members", 18, 8));
    assert_true(diff_has(b, "_Cooperatives", "coop:coop1:quorum", 17, 8));
    assert_true(diff_has(b, "_Cooperatives", member, sizeof member, 8));
    assert_int_equal(b->ndiff, 11);
    cvm_block_result_free(b);

    /* getInfo: creator, purpose, cpu, memory, network, storage, bandwidth,
     * federation, members, quorum */
    cvm_arg id = str("coop1");
    cvm_local_result *q = query(&c, "_Cooperatives", "getInfo", &id, 1, CVM_SUCCESS, CVM_CODE_NONE);
    const cvm_receipt *qr = &q->receipt;
    assert_int_equal(qr->noutputs, 10);
    out_addr(qr, 0, 2);
    out_str(qr, 1, "Shared housing");
    out_i64(qr, 2, 10);
    out_i64(qr, 3, 20);
    out_i64(qr, 4, 30);
    out_i64(qr, 5, 40);
    out_i64(qr, 6, 50);
    out_str(qr, 7, "north");
    out_i64(qr, 8, 1);
    out_i64(qr, 9, 50);
    cvm_local_result_free(q);

    /* the creator is the first member */
    uint8_t addr[CVM_ADDRESS_BYTES];
    address_of(2, addr);
    cvm_arg m[2] = {str("coop1"), cvm_arg_bytes(addr, CVM_ADDRESS_BYTES)};
    q = query(&c, "_Cooperatives", "isMember", m, 2, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(q->receipt.noutputs, 1);
    assert_int_equal(q->receipt.outputs[0].type, CVM_ARG_BOOL);
    assert_int_equal(q->receipt.outputs[0].v.boolean, 1);
    cvm_local_result_free(q);
    address_of(1, addr);
    q = query(&c, "_Cooperatives", "isMember", m, 2, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(q->receipt.outputs[0].v.boolean, 0);
    cvm_local_result_free(q);
    chain_close(&c);
}

static void test_create_empty_texts(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 1);
    cvm_arg a[8];
    create_args(a, "c2", "", 0, 0, 0, 0, 0, "");
    cvm_block_result *b = tx1(&c, 1, "_Cooperatives", "create", a, 8, CVM_SUCCESS, CVM_CODE_NONE);
    /* "" and 0 are not stored: creator, members, quorum, the member */
    assert_int_equal(b->ndiff, 4);
    cvm_block_result_free(b);
    cvm_arg id = str("c2");
    cvm_local_result *q = query(&c, "_Cooperatives", "getInfo", &id, 1, CVM_SUCCESS, CVM_CODE_NONE);
    out_str(&q->receipt, 1, "");
    out_i64(&q->receipt, 2, 0);
    out_str(&q->receipt, 7, "");
    cvm_local_result_free(q);
    chain_close(&c);
}

static void test_create_errors(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 2);
    found(&c);
    cvm_arg a[8];
    create_args(a, "coop1", "Another", 0, 0, 0, 0, 0, "");
    bad1(&c, 2, "_Cooperatives", "create", a, 8, CVM_CODE_COOPERATIVE_EXISTS, "cooperative coop1 already exists");
    create_args(a, "bad-id", "x", 0, 0, 0, 0, 0, "");
    bad1(&c, 1, "_Cooperatives", "create", a, 8, CVM_CODE_WRONG_ARGUMENTS, "is an identifier");
    create_args(a, "", "x", 0, 0, 0, 0, 0, "");
    bad1(&c, 1, "_Cooperatives", "create", a, 8, CVM_CODE_WRONG_ARGUMENTS, NULL);
    create_args(a, "c9", "x", 0, 101, 0, 0, 0, "");
    bad1(&c, 1, "_Cooperatives", "create", a, 8, CVM_CODE_WRONG_ARGUMENTS, "the memory impact is 0..100, got 101");
    create_args(a, "c9", "x", 0, 0, 0, 0, -1, "");
    bad1(&c, 1, "_Cooperatives", "create", a, 8, CVM_CODE_WRONG_ARGUMENTS, "the bandwidth impact is 0..100, got -1");
    create_args(a, "c9", "x", 0, 0, 0, 0, 0, "");
    a[1] = cvm_arg_stringn("a\0b", 3);
    bad1(&c, 1, "_Cooperatives", "create", a, 8, CVM_CODE_WRONG_ARGUMENTS, "purpose has a NUL byte");
    /* wrong types are the call path's */
    create_args(a, "c9", "x", 0, 0, 0, 0, 0, "");
    a[2] = cvm_arg_uint64(1);
    cvm_block_result_free(
        tx1(&c, 1, "_Cooperatives", "create", a, 8, CVM_ERROR_INPUT, CVM_CODE_WRONG_ARGUMENTS));
    chain_close(&c);
}

static void test_join(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 3);
    found(&c);
    cvm_arg id = str("coop1");
    cvm_block_result *b = tx1(&c, 2, "_Cooperatives", "join", &id, 1, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[0].nevents, 1);
    ev_is(&b->receipts[0].events[0], "_Cooperatives", "CooperativeJoined", 2);
    field_str(&b->receipts[0].events[0], 0, "cooperative_id", "coop1");
    field_addr(&b->receipts[0].events[0], 1, "member", 2);
    assert_int_equal(b->ndiff, 2); /* the member and the count */
    cvm_block_result_free(b);
    ok1(&c, 3, "_Cooperatives", "join", &id, 1);
    cvm_local_result *q = query(&c, "_Cooperatives", "getInfo", &id, 1, CVM_SUCCESS, CVM_CODE_NONE);
    out_i64(&q->receipt, 8, 3);
    cvm_local_result_free(q);

    char hex[43], msg[160];
    hex_of(1, hex);
    snprintf(msg, sizeof msg, "account %s is already a member of cooperative coop1", hex);
    bad1(&c, 1, "_Cooperatives", "join", &id, 1, CVM_CODE_ALREADY_MEMBER, msg);
    hex_of(2, hex);
    snprintf(msg, sizeof msg, "account %s is already a member of cooperative coop1", hex);
    bad1(&c, 2, "_Cooperatives", "join", &id, 1, CVM_CODE_ALREADY_MEMBER, msg);
    cvm_arg none = str("nope");
    bad1(&c, 2, "_Cooperatives", "join", &none, 1, CVM_CODE_COOPERATIVE_NOT_FOUND, "cooperative nope does not exist");
    chain_close(&c);
}

static void test_allocate(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 3);
    found(&c);
    cvm_arg id = str("coop1");
    ok1(&c, 2, "_Cooperatives", "join", &id, 1);
    cvm_arg a[3] = {str("coop1"), cvm_arg_int64(7), cvm_arg_int64(30)};
    cvm_block_result *b = tx1(&c, 2, "_Cooperatives", "allocate", a, 3, CVM_SUCCESS, CVM_CODE_NONE);
    const cvm_receipt *r = &b->receipts[0];
    assert_int_equal(r->nevents, 1);
    ev_is(&r->events[0], "_Cooperatives", "ResourceAllocated", 4);
    field_str(&r->events[0], 0, "cooperative_id", "coop1");
    field_i64(&r->events[0], 1, "resource_id", 7);
    field_i64(&r->events[0], 2, "amount", 30);
    field_addr(&r->events[0], 3, "member", 2);
    assert_true(diff_has(b, "_Cooperatives", "alloc:coop1:7", 13, 8));
    assert_int_equal(b->ndiff, 1);
    cvm_block_result_free(b);
    a[2] = cvm_arg_int64(12);
    ok1(&c, 1, "_Cooperatives", "allocate", a, 3);
    a[1] = cvm_arg_int64(-3); /* any int64 names a resource */
    ok1(&c, 1, "_Cooperatives", "allocate", a, 3);

    cvm_arg q[2] = {str("coop1"), cvm_arg_int64(7)};
    cvm_local_result *lr = query(&c, "_Cooperatives", "allocation", q, 2, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(lr->receipt.noutputs, 1);
    out_i64(&lr->receipt, 0, 42);
    cvm_local_result_free(lr);
    q[1] = cvm_arg_int64(-3);
    lr = query(&c, "_Cooperatives", "allocation", q, 2, CVM_SUCCESS, CVM_CODE_NONE);
    out_i64(&lr->receipt, 0, 12);
    cvm_local_result_free(lr);
    q[1] = cvm_arg_int64(8);
    lr = query(&c, "_Cooperatives", "allocation", q, 2, CVM_SUCCESS, CVM_CODE_NONE);
    out_i64(&lr->receipt, 0, 0);
    cvm_local_result_free(lr);

    /* errors */
    char hex[43], msg[160];
    hex_of(3, hex);
    snprintf(msg, sizeof msg, "account %s is not a member of cooperative coop1", hex);
    a[1] = cvm_arg_int64(7);
    a[2] = cvm_arg_int64(5);
    bad1(&c, 3, "_Cooperatives", "allocate", a, 3, CVM_CODE_NOT_A_MEMBER, msg);
    a[2] = cvm_arg_int64(0);
    bad1(&c, 2, "_Cooperatives", "allocate", a, 3, CVM_CODE_INVALID_AMOUNT,
         "allocating 0 to resource 7 of cooperative coop1: the amount must be positive");
    a[2] = cvm_arg_int64(-5);
    bad1(&c, 2, "_Cooperatives", "allocate", a, 3, CVM_CODE_INVALID_AMOUNT, NULL);
    a[2] = cvm_arg_int64(INT64_MAX - 41);
    bad1(&c, 2, "_Cooperatives", "allocate", a, 3, CVM_CODE_INVALID_AMOUNT, "the total 42 would overflow");
    a[2] = cvm_arg_int64(INT64_MAX - 42); /* exactly INT64_MAX */
    ok1(&c, 2, "_Cooperatives", "allocate", a, 3);
    a[0] = str("nope");
    bad1(&c, 2, "_Cooperatives", "allocate", a, 3, CVM_CODE_COOPERATIVE_NOT_FOUND, "cooperative nope does not exist");
    chain_close(&c);
}

/* Impacts at the limit pass; above it (cpu, memory or network) refuse;
 * storage and bandwidth do not count. */
static void test_allocate_impact(void **state)
{
    (void)state;
    static const struct {
        const char *id;
        int64_t cpu, memory, network, storage, bandwidth;
        cvm_code code;
        const char *msg;
    } rows[] = {
        {"at", 80, 80, 80, 100, 100, CVM_CODE_NONE, NULL},
        {"cpu", 81, 0, 0, 0, 0, CVM_CODE_RESOURCE_IMPACT_TOO_HIGH,
         "cooperative cpu: its cpu impact 81 is above 80, so it may not allocate resources"},
        {"mem", 0, 90, 0, 0, 0, CVM_CODE_RESOURCE_IMPACT_TOO_HIGH, "its memory impact 90 is above 80"},
        {"net", 0, 0, 100, 0, 0, CVM_CODE_RESOURCE_IMPACT_TOO_HIGH, "its network impact 100 is above 80"},
    };
    chain c;
    chain_with(&c, REPS, 1);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        cvm_arg a[8];
        create_args(a, rows[i].id, "p", rows[i].cpu, rows[i].memory, rows[i].network, rows[i].storage,
                    rows[i].bandwidth, "");
        ok1(&c, 1, "_Cooperatives", "create", a, 8);
        cvm_arg al[3] = {str(rows[i].id), cvm_arg_int64(1), cvm_arg_int64(1)};
        if (rows[i].code == CVM_CODE_NONE)
            ok1(&c, 1, "_Cooperatives", "allocate", al, 3);
        else
            bad1(&c, 1, "_Cooperatives", "allocate", al, 3, rows[i].code, rows[i].msg);
    }
    chain_close(&c);
}

static void test_read_only_errors(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 1);
    found(&c);
    cvm_arg id = str("nope");
    cvm_local_result *q = query(&c, "_Cooperatives", "getInfo", &id, 1, CVM_ERROR_SMART_CONTRACT,
                                CVM_CODE_COOPERATIVE_NOT_FOUND);
    assert_string_equal(q->receipt.error.message, "cooperative nope does not exist");
    cvm_local_result_free(q);
    uint8_t addr[CVM_ADDRESS_BYTES] = {0};
    cvm_arg m[2] = {str("nope"), cvm_arg_bytes(addr, CVM_ADDRESS_BYTES)};
    cvm_local_result_free(
        query(&c, "_Cooperatives", "isMember", m, 2, CVM_ERROR_SMART_CONTRACT, CVM_CODE_COOPERATIVE_NOT_FOUND));
    m[0] = str("coop1");
    m[1] = cvm_arg_bytes(addr, 19);
    q = query(&c, "_Cooperatives", "isMember", m, 2, CVM_ERROR_SMART_CONTRACT, CVM_CODE_WRONG_ARGUMENTS);
    assert_string_equal(q->receipt.error.message, "_Cooperatives.isMember: the address must be 20 bytes, got 19");
    cvm_local_result_free(q);
    cvm_arg al[2] = {str("nope"), cvm_arg_int64(1)};
    cvm_local_result_free(
        query(&c, "_Cooperatives", "allocation", al, 2, CVM_ERROR_SMART_CONTRACT, CVM_CODE_COOPERATIVE_NOT_FOUND));
    /* writes are refused in a local call */
    cvm_arg j = str("coop1");
    cvm_local_result_free(query(&c, "_Cooperatives", "join", &j, 1, CVM_ERROR_INPUT, CVM_CODE_READ_ONLY_VIOLATION));
    chain_close(&c);
}

/* setQuorum is how _Governance changes a quorum: nobody else may. */
static void test_set_quorum_is_system_only(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 1);
    found(&c);
    cvm_arg a[2] = {str("coop1"), cvm_arg_int64(90)};
    cvm_block_result_free(
        tx1(&c, 1, "_Cooperatives", "setQuorum", a, 2, CVM_ERROR_INPUT, CVM_CODE_PERMISSION_DENIED));
    cvm_arg id = str("coop1");
    cvm_local_result *q = query(&c, "_Cooperatives", "getInfo", &id, 1, CVM_SUCCESS, CVM_CODE_NONE);
    out_i64(&q->receipt, 9, 50);
    cvm_local_result_free(q);
    chain_close(&c);
}

/* A failed transaction in a set leaves no trace; the next one sees the
 * earlier ones of the same set. */
static void test_in_one_set(void **state)
{
    (void)state;
    chain c;
    chain_with(&c, REPS, 2);
    cvm_arg a[8];
    create_args(a, "coop1", "p", 0, 0, 0, 0, 0, "");
    cvm_arg id = str("coop1");
    cvm_transaction txs[4] = {tx_of(2, "_Cooperatives", "join", &id, 1), tx_of(1, "_Cooperatives", "create", a, 8),
                              tx_of(2, "_Cooperatives", "join", &id, 1), tx_of(2, "_Cooperatives", "join", &id, 1)};
    cvm_block_result *b = run_block(&c, txs, 4);
    expect(&b->receipts[0], CVM_ERROR_SMART_CONTRACT, CVM_CODE_COOPERATIVE_NOT_FOUND);
    expect(&b->receipts[1], CVM_SUCCESS, CVM_CODE_NONE);
    expect(&b->receipts[2], CVM_SUCCESS, CVM_CODE_NONE);
    expect(&b->receipts[3], CVM_ERROR_SMART_CONTRACT, CVM_CODE_ALREADY_MEMBER);
    commit_block(&c, b);
    cvm_local_result *q = query(&c, "_Cooperatives", "getInfo", &id, 1, CVM_SUCCESS, CVM_CODE_NONE);
    out_i64(&q->receipt, 8, 2);
    cvm_local_result_free(q);
    chain_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create),
        cmocka_unit_test(test_create_empty_texts),
        cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_join),
        cmocka_unit_test(test_allocate),
        cmocka_unit_test(test_allocate_impact),
        cmocka_unit_test(test_read_only_errors),
        cmocka_unit_test(test_set_quorum_is_system_only),
        cmocka_unit_test(test_in_one_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
