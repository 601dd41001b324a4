/*
 * test_reputation.c — _Reputation: get (genesis values, 0 when unknown),
 * set by an admin (the event, the state, its effect on a contract's
 * required reputation and on the proposal threshold), and set refused to
 * anyone else.
 */
#include "native/cooptest.h"

static int64_t rep_of(chain *c, uint8_t k)
{
    uint8_t a[CVM_ADDRESS_BYTES];
    address_of(k, a);
    cvm_arg arg = cvm_arg_bytes(a, CVM_ADDRESS_BYTES);
    cvm_local_result *r = query(c, "_Reputation", "get", &arg, 1, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(r->receipt.noutputs, 1);
    assert_int_equal(r->receipt.outputs[0].type, CVM_ARG_INT64);
    int64_t v = r->receipt.outputs[0].v.i64;
    cvm_local_result_free(r);
    return v;
}

static void test_get(void **state)
{
    (void)state;
    static const int64_t reps[] = {100, 42, -5};
    chain c;
    chain_with(&c, reps, 3);
    assert_int_equal(rep_of(&c, 1), 100);
    assert_int_equal(rep_of(&c, 2), 42);
    assert_int_equal(rep_of(&c, 3), -5);
    assert_int_equal(rep_of(&c, 9), 0); /* unknown */
    uint8_t a[4] = {0};
    cvm_arg arg = cvm_arg_bytes(a, 4);
    cvm_local_result *r = query(&c, "_Reputation", "get", &arg, 1, CVM_ERROR_SMART_CONTRACT, CVM_CODE_WRONG_ARGUMENTS);
    assert_string_equal(r->receipt.error.message, "_Reputation.get: the address must be 20 bytes, got 4");
    cvm_local_result_free(r);
    chain_close(&c);
}

static void test_set_by_admin(void **state)
{
    (void)state;
    static const int64_t reps[] = {100, 42};
    chain c;
    chain_with(&c, reps, 2);
    uint8_t a[CVM_ADDRESS_BYTES];
    address_of(2, a);
    cvm_arg args[2] = {cvm_arg_bytes(a, CVM_ADDRESS_BYTES), cvm_arg_int64(250)};
    cvm_block_result *b = tx1(&c, 1, "_Reputation", "set", args, 2, CVM_SUCCESS, CVM_CODE_NONE);
    const cvm_receipt *r = &b->receipts[0];
    assert_int_equal(r->noutputs, 0);
    assert_int_equal(r->nevents, 1);
    ev_is(&r->events[0], "_Reputation", "ReputationChanged", 3);
    field_addr(&r->events[0], 0, "address", 2);
    field_i64(&r->events[0], 1, "old", 42);
    field_i64(&r->events[0], 2, "new", 250);
    assert_true(diff_has(b, "_Reputation", a, CVM_ADDRESS_BYTES, 8));
    assert_int_equal(b->ndiff, 1);
    cvm_block_result_free(b);
    assert_int_equal(rep_of(&c, 2), 250);

    /* an unknown account gets one; 0 deletes the key */
    address_of(7, a);
    args[1] = cvm_arg_int64(3);
    b = tx1(&c, 1, "_Reputation", "set", args, 2, CVM_SUCCESS, CVM_CODE_NONE);
    field_i64(&b->receipts[0].events[0], 1, "old", 0);
    cvm_block_result_free(b);
    assert_int_equal(rep_of(&c, 7), 3);
    args[1] = cvm_arg_int64(0);
    b = tx1(&c, 1, "_Reputation", "set", args, 2, CVM_SUCCESS, CVM_CODE_NONE);
    assert_true(diff_has(b, "_Reputation", a, CVM_ADDRESS_BYTES, 0));
    cvm_block_result_free(b);
    assert_int_equal(rep_of(&c, 7), 0);
    /* the admin may set its own */
    address_of(1, a);
    args[1] = cvm_arg_int64(-1);
    ok1(&c, 1, "_Reputation", "set", args, 2);
    assert_int_equal(rep_of(&c, 1), -1);
    chain_close(&c);
}

static void test_set_refused(void **state)
{
    (void)state;
    static const int64_t reps[] = {100, 500};
    chain c;
    chain_with(&c, reps, 2);
    uint8_t a[CVM_ADDRESS_BYTES];
    address_of(2, a);
    cvm_arg args[2] = {cvm_arg_bytes(a, CVM_ADDRESS_BYTES), cvm_arg_int64(1000)};
    char hex[43], msg[120];
    hex_of(2, hex);
    snprintf(msg, sizeof msg, "_Reputation.set: account %s is not an admin", hex);
    /* high reputation is not admin */
    bad1(&c, 2, "_Reputation", "set", args, 2, CVM_CODE_PERMISSION_DENIED, msg);
    /* an account unknown at genesis, an unsigned transaction */
    bad1(&c, 5, "_Reputation", "set", args, 2, CVM_CODE_PERMISSION_DENIED, "is not an admin");
    bad1(&c, 0, "_Reputation", "set", args, 2, CVM_CODE_PERMISSION_DENIED,
         "account 0x0000000000000000000000000000000000000000 is not an admin");
    assert_int_equal(rep_of(&c, 2), 500);
    /* bad address, wrong types */
    uint8_t a21[CVM_ADDRESS_BYTES + 1] = {0}; /* a real 21 bytes: a signed transaction is hashed before it runs */
    memcpy(a21, a, CVM_ADDRESS_BYTES);
    args[0] = cvm_arg_bytes(a21, sizeof a21);
    bad1(&c, 1, "_Reputation", "set", args, 2, CVM_CODE_WRONG_ARGUMENTS,
         "_Reputation.set: the address must be 20 bytes, got 21");
    args[0] = cvm_arg_bytes(a, CVM_ADDRESS_BYTES);
    args[1] = cvm_arg_uint64(5);
    cvm_block_result_free(tx1(&c, 1, "_Reputation", "set", args, 2, CVM_ERROR_INPUT, CVM_CODE_WRONG_ARGUMENTS));
    /* local calls cannot write */
    args[1] = cvm_arg_int64(5);
    cvm_local_result_free(query(&c, "_Reputation", "set", args, 2, CVM_ERROR_INPUT, CVM_CODE_READ_ONLY_VIOLATION));
    chain_close(&c);
}

/* What set changes is what contracts and governance see next. */
static void test_set_takes_effect(void **state)
{
    (void)state;
    static const int64_t reps[] = {100, 10};
    chain c;
    chain_with(&c, reps, 2);
    deploy(&c, "Gate", ".contract Gate\n.reputation 50\n.method run\n  Push 1\n");
    run1(&c, tx_of(2, "Gate", "run", NULL, 0), CVM_ERROR_SMART_CONTRACT, CVM_CODE_INSUFFICIENT_REPUTATION, NULL);
    cvm_arg a8[8];
    create_args(a8, "coop1", "p", 0, 0, 0, 0, 0, "");
    ok1(&c, 2, "_Cooperatives", "create", a8, 8);
    cvm_arg id = str("coop1");
    bad1(&c, 2, "_Governance", "createProposal", &id, 1, CVM_CODE_INSUFFICIENT_REPUTATION, "has reputation 10");

    uint8_t a[CVM_ADDRESS_BYTES];
    address_of(2, a);
    cvm_arg args[2] = {cvm_arg_bytes(a, CVM_ADDRESS_BYTES), cvm_arg_int64(100)};
    ok1(&c, 1, "_Reputation", "set", args, 2);
    int64_t out;
    run1(&c, tx_of(2, "Gate", "run", NULL, 0), CVM_SUCCESS, CVM_CODE_NONE, &out);
    assert_int_equal(out, 1);
    ok1(&c, 2, "_Governance", "createProposal", &id, 1);
    chain_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get),
        cmocka_unit_test(test_set_by_admin),
        cmocka_unit_test(test_set_refused),
        cmocka_unit_test(test_set_takes_effect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
