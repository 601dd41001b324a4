/*
 * test_oom.c — the execution layer under an allocator that fails at the
 * n-th allocation, for every n until a whole scenario (genesis, a deploy, a
 * set with nested calls and events — one with a bytes field — commit, a
 * local call) runs through:
 * each failure is a clean status (or a receipt), never a crash or a leak
 * (make sanitize).
 */
#include "vm/vmtest.h"

/* memo emits a declared event whose bytes field (64,000 bytes) is bigger
 * than any chunk of the arena: copying it into the event allocates, and
 * that allocation fails in the sweeps too. */
#define MEMO_X10 "xxxxxxxxxx"
#define MEMO_X100 MEMO_X10 MEMO_X10 MEMO_X10 MEMO_X10 MEMO_X10 MEMO_X10 MEMO_X10 MEMO_X10 MEMO_X10 MEMO_X10
#define MEMO_X1000 MEMO_X100 MEMO_X100 MEMO_X100 MEMO_X100 MEMO_X100 MEMO_X100 MEMO_X100 MEMO_X100 MEMO_X100 MEMO_X100
#define MEMO_DOUBLE "  Dup\n  Concat\n"
static const char *SRC = ".contract S\n.state count 1\n.event Memo text:bytes\n"
                         ".method inc params 1\n  Load \"count\"\n  Add\n  Dup\n  Store \"count\"\n  Dup\n  Emit \"Inc\"\n"
                         ".method viaLib\n  Push 2\n  CallLibrary \"S.inc\"\n"
                         ".method memo\n  Push \"" MEMO_X1000 "\"\n" MEMO_DOUBLE MEMO_DOUBLE MEMO_DOUBLE MEMO_DOUBLE MEMO_DOUBLE
                         MEMO_DOUBLE "  Emit \"Memo\"\n  Push 1\n"
                         ".method get readonly\n  Load \"count\"\n";

/* Set while only one allocation fails: a set processed then has receipts
 * of success only (a failed allocation makes the whole call fail with
 * CVM_ENOMEM, never a failed receipt, which would differ between nodes). */
static bool one_failure;

/* One scenario; returns 1 when everything succeeded. */
static int scenario(const cvm_allocator *al, const uint8_t *code, size_t len)
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
    cvm_genesis_account acc = {{1}, 10, 1};
    if (cvm_vm_genesis(vm, 1, &acc, 1, &b) != CVM_OK || cvm_vm_commit(vm, b) != CVM_OK)
        goto out;
    cvm_block_result_free(b);
    b = NULL;
    cvm_arg d[3] = {cvm_arg_stringn("S", 1), cvm_arg_uint64(CVM_PROCESSOR_BYTECODE), cvm_arg_bytes(code, len)};
    cvm_arg a = cvm_arg_int64(5);
    cvm_transaction txs[5] = {tx_of(1, "_Deployments", "deployService", d, 3), tx_of(1, "S", "inc", &a, 1),
                              tx_of(1, "S", "viaLib", NULL, 0), tx_of(1, "_Info", "getInfo", NULL, 0),
                              tx_of(1, "S", "memo", NULL, 0)};
    if (cvm_vm_process_transaction_set(vm, 2, 0, txs, 5, &b) != CVM_OK)
        goto out;
    for (int i = 0; i < 5; i++) {
        if (one_failure && b->receipts[i].status != CVM_SUCCESS)
            fail_msg("transaction %d failed for want of memory: %s", i, b->receipts[i].error.message);
        if (b->receipts[i].status != CVM_SUCCESS)
            goto out;
    }
    const cvm_event *memo = &b->receipts[4].events[0];
    assert_string_equal(memo->name, "Memo");
    assert_int_equal(memo->fields[0].value.v.bytes.len, 64000);
    assert_non_null(memo->fields[0].value.v.bytes.ptr);
    assert_int_equal(memo->fields[0].value.v.bytes.ptr[63999], 'x');
    if (cvm_vm_commit(vm, b) != CVM_OK)
        goto out;
    cvm_transaction q = tx_of(1, "S", "get", NULL, 0);
    uint8_t qsig[CVM_SIGNATURE_BYTES];
    sign_as(1, &q, qsig);
    if (cvm_vm_run_local_method(vm, &q, &r) != CVM_OK)
        goto out;
    assert_int_equal(r->receipt.status, CVM_SUCCESS);
    assert_int_equal(r->receipt.outputs[0].v.i64, 1 + 5 + 2);
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
    uint8_t *code = code_of(SRC, &len);
    long n = every_allocation_failure(scenario, code, len, 100000);
    printf("the scenario succeeded with %ld allocations allowed\n", n);
    assert_true(n > 5); /* the scenario allocates, and failed before it succeeded */
    free_code(code);
}

/* The same, but only the n-th allocation fails and the rest succeed: the
 * run goes on past the failure, so what a failed allocation left behind is
 * used (an event field with no bytes, say) unless it was refused cleanly. */
static void test_each_single_allocation_failure(void **state)
{
    (void)state;
    size_t len;
    uint8_t *code = code_of(SRC, &len);
    long n;
    one_failure = true;
    for (n = 0; n < 100000; n++) {
        failing f = {.left = n, .once = true};
        cvm_allocator al = failing_allocator(&f);
        int ok = scenario(&al, code, len);
        assert_int_equal(f.live, 0);
        if (ok && f.left >= 0)
            break; /* the n-th allocation was never made: every one has failed once */
    }
    one_failure = false;
    printf("each of the scenario's %ld allocations failed once\n", n);
    assert_true(n > 5);
    free_code(code);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_failure),
        cmocka_unit_test(test_each_single_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
