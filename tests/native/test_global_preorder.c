/*
 * test_global_preorder.c — _GlobalPreOrder as a service: deployed at
 * genesis; approve refuses with the stored problem except for calls
 * addressed to _GlobalPreOrder; setSubscriptionProblem is system-only,
 * reachable from the host through cvm_vm_process_system_set, checks its
 * reason, emits SubscriptionProblem and clears with an empty string.
 */
#include "native/cooptest.h"
#include "native/native.h"

static cvm_block_result *system_call(chain *c, cvm_transaction t)
{
    cvm_block_result *b = NULL;
    if (cvm_vm_process_system_set(c->vm, cvm_store_height(c->store) + 1, 5000, &t, 1, &b) != CVM_OK)
        fail_msg("system set: %s", cvm_vm_errmsg(c->vm));
    return b;
}

/* setSubscriptionProblem(reason) as a system call; asserts its status and
 * code, commits. */
static void set_problem(chain *c, const char *reason, size_t len, cvm_exec_status st, cvm_code code)
{
    cvm_arg a = cvm_arg_stringn(reason, len);
    cvm_block_result *b = system_call(c, tx_of(0, "_GlobalPreOrder", "setSubscriptionProblem", &a, 1));
    expect(&b->receipts[0], st, code);
    commit_block(c, b);
}

static void approve_is(chain *c, const char *service, cvm_exec_status st, cvm_code code, const char *message)
{
    cvm_arg a[2] = {str(service), str("m")};
    cvm_local_result *r = local_call(c, 2, "_GlobalPreOrder", "approve", a, 2);
    expect(&r->receipt, st, code);
    if (message)
        assert_string_equal(r->receipt.error.message, message);
    assert_int_equal(r->receipt.noutputs, 0);
    cvm_local_result_free(r);
}

static void problem_is(chain *c, const char *want)
{
    cvm_local_result *r = local_call(c, 0, "_GlobalPreOrder", "getSubscriptionProblem", NULL, 0);
    expect(&r->receipt, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(r->receipt.noutputs, 1);
    assert_int_equal(r->receipt.outputs[0].type, CVM_ARG_STRING);
    assert_int_equal(r->receipt.outputs[0].v.bytes.len, strlen(want));
    assert_memory_equal(r->receipt.outputs[0].v.bytes.ptr, want, strlen(want));
    cvm_local_result_free(r);
}

static void test_deployed_at_genesis(void **state)
{
    (void)state;
    chain c;
    chain_open(&c);
    int64_t reps[1] = {10};
    genesis(&c, reps, 1);
    cvm_arg n = str("_GlobalPreOrder");
    cvm_local_result *r = local_call(&c, 1, "_Deployments", "getInfo", &n, 1);
    expect(&r->receipt, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(r->receipt.outputs[0].v.u64, CVM_PROCESSOR_NATIVE);
    cvm_local_result_free(r);
    problem_is(&c, "");
    approve_is(&c, "Counter", CVM_SUCCESS, CVM_CODE_NONE, NULL);
    chain_close(&c);
}

static void test_refusal_and_exception(void **state)
{
    (void)state;
    chain c;
    chain_open(&c);
    int64_t reps[2] = {10, 10};
    genesis(&c, reps, 2);
    set_problem(&c, "unpaid since March", 18, CVM_SUCCESS, CVM_CODE_NONE);
    problem_is(&c, "unpaid since March");
    approve_is(&c, "Counter", CVM_ERROR_SMART_CONTRACT, CVM_CODE_NOT_APPROVED, "unpaid since March");
    approve_is(&c, "_Info", CVM_ERROR_SMART_CONTRACT, CVM_CODE_NOT_APPROVED, "unpaid since March");
    approve_is(&c, "_GlobalPreOrder", CVM_SUCCESS, CVM_CODE_NONE, NULL);
    approve_is(&c, "_GlobalPreOrderX", CVM_ERROR_SMART_CONTRACT, CVM_CODE_NOT_APPROVED, NULL);
    approve_is(&c, "_GlobalPreOrde", CVM_ERROR_SMART_CONTRACT, CVM_CODE_NOT_APPROVED, NULL);
    /* approve as a transaction: read-only, allowed in a set too */
    cvm_arg a[2] = {str("Counter"), str("m")};
    cvm_block_result *b = tx1(&c, 1, "_GlobalPreOrder", "approve", a, 2, CVM_ERROR_SMART_CONTRACT,
                              CVM_CODE_NOT_APPROVED);
    cvm_block_result_free(b);
    /* an empty reason clears: the key is deleted */
    cvm_arg e = str("");
    b = system_call(&c, tx_of(0, "_GlobalPreOrder", "setSubscriptionProblem", &e, 1));
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->ndiff, 1);
    assert_int_equal(b->diff[0].value_len, 0);
    assert_memory_equal(b->diff[0].key, "subscriptionProblem", 19);
    commit_block(&c, b);
    problem_is(&c, "");
    approve_is(&c, "Counter", CVM_SUCCESS, CVM_CODE_NONE, NULL);
    chain_close(&c);
}

static void test_set_is_system_only(void **state)
{
    (void)state;
    chain c;
    chain_open(&c);
    int64_t reps[2] = {10, 10};
    genesis(&c, reps, 2);
    cvm_arg a = str("x");
    /* a signer, even the admin, may not */
    cvm_block_result *b =
        tx1(&c, 1, "_GlobalPreOrder", "setSubscriptionProblem", &a, 1, CVM_ERROR_INPUT, CVM_CODE_PERMISSION_DENIED);
    assert_non_null(strstr(b->receipts[0].error.message, "system method"));
    cvm_block_result_free(b);
    /* nor a local call */
    cvm_local_result *r = local_call(&c, 1, "_GlobalPreOrder", "setSubscriptionProblem", &a, 1);
    expect(&r->receipt, CVM_ERROR_INPUT, CVM_CODE_PERMISSION_DENIED);
    cvm_local_result_free(r);
    /* a system call with a signer is refused */
    cvm_transaction t = tx_of(1, "_GlobalPreOrder", "setSubscriptionProblem", &a, 1);
    b = system_call(&c, t);
    expect(&b->receipts[0], CVM_ERROR_INPUT, CVM_CODE_INVALID_TRANSACTION);
    assert_non_null(strstr(b->receipts[0].error.message, "a system call has no signer"));
    assert_int_equal(b->ndiff, 0);
    commit_block(&c, b);
    /* the chain and protocol are checked as for any transaction */
    t = tx_of(0, "_GlobalPreOrder", "setSubscriptionProblem", &a, 1);
    t.virtual_chain_id = 5;
    b = system_call(&c, t);
    expect(&b->receipts[0], CVM_ERROR_INPUT, CVM_CODE_INVALID_TRANSACTION);
    commit_block(&c, b);
    problem_is(&c, "");
    chain_close(&c);
}

static void test_reason_checked_and_event(void **state)
{
    (void)state;
    chain c;
    chain_open(&c);
    int64_t reps[1] = {10};
    genesis(&c, reps, 1);
    char big[CVM_PREORDER_REASON_MAX + 2];
    memset(big, 'r', sizeof big);
    set_problem(&c, big, CVM_PREORDER_REASON_MAX + 1, CVM_ERROR_SMART_CONTRACT, CVM_CODE_WRONG_ARGUMENTS);
    set_problem(&c, "a\0b", 3, CVM_ERROR_SMART_CONTRACT, CVM_CODE_WRONG_ARGUMENTS);
    problem_is(&c, "");
    /* the longest reason is kept whole, and is the whole refusal message */
    cvm_arg a = cvm_arg_stringn(big, CVM_PREORDER_REASON_MAX);
    cvm_block_result *b = system_call(&c, tx_of(0, "_GlobalPreOrder", "setSubscriptionProblem", &a, 1));
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[0].nevents, 1);
    const cvm_event *ev = &b->receipts[0].events[0];
    assert_string_equal(ev->service, "_GlobalPreOrder");
    assert_string_equal(ev->name, "SubscriptionProblem");
    assert_int_equal(ev->nfields, 1);
    assert_string_equal(ev->fields[0].name, "reason");
    assert_int_equal(ev->fields[0].value.v.bytes.len, CVM_PREORDER_REASON_MAX);
    commit_block(&c, b);
    big[CVM_PREORDER_REASON_MAX] = '\0';
    approve_is(&c, "Counter", CVM_ERROR_SMART_CONTRACT, CVM_CODE_NOT_APPROVED, big);
    chain_close(&c);
}

static void test_system_set_runs_other_methods(void **state)
{
    (void)state;
    chain c;
    chain_open(&c);
    /* without genesis: the system call deploys _GlobalPreOrder like any
     * transaction addressed to a native service */
    cvm_arg a = str("late");
    cvm_transaction t[2] = {tx_of(0, "_Info", "isAlive", NULL, 0),
                            tx_of(0, "_GlobalPreOrder", "setSubscriptionProblem", &a, 1)};
    cvm_block_result *b = NULL;
    assert_int_equal(cvm_vm_process_system_set(c.vm, 1, 5000, t, 2, &b), CVM_OK);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    expect(&b->receipts[1], CVM_SUCCESS, CVM_CODE_NONE);
    commit_block(&c, b);
    problem_is(&c, "late");
    /* heights are checked as for any set */
    assert_int_equal(cvm_vm_process_system_set(c.vm, 5, 5000, t, 2, &b), CVM_ESTATE);
    assert_null(b);
    assert_int_equal(cvm_vm_process_system_set(NULL, 2, 5000, t, 2, &b), CVM_EINPUT);
    chain_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deployed_at_genesis),
        cmocka_unit_test(test_refusal_and_exception),
        cmocka_unit_test(test_set_is_system_only),
        cmocka_unit_test(test_reason_checked_and_event),
        cmocka_unit_test(test_system_set_runs_other_methods),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
