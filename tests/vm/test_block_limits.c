/*
 * test_block_limits.c — the chain-wide limits of a transaction set
 * (cvm_vm_options.block_gas_limit, .block_tx_limit; docs/vm.md "Block
 * limits"): ProcessTransactionSet stops filling at a limit, the transaction
 * that does not fit and every one after it get NOT_EXECUTED with
 * BLOCK_GAS_LIMIT or BLOCK_TX_LIMIT and nothing of theirs is written, the
 * earlier ones commit; the block result says how many ran and their gas;
 * the defaults; and the attack — many big deployments by an
 * account of reputation 0 — bounded by the block's gas.
 */
#include "vm/vmtest.h"

/* Load, Push 1, Add, Store: 50 + 1 + 1 + 100 gas. */
static const char *COUNTER = ".contract Counter\n.method inc\n  Load \"n\"\n  Push 1\n  Add\n  Store \"n\"\n";
#define INC_GAS 152

/* Genesis (account 1: reputation 100, admin; account 2: 0) and Counter
 * deployed, then a VM with the given limits (0: the defaults). */
static void chain_limits(chain *c, int64_t gas, int64_t block_gas, size_t block_txs)
{
    assert_int_equal(cvm_memstore_open(NULL, &c->store), CVM_OK);
    cvm_vm_options o = {0};
    o.gas_limit = gas;
    o.block_gas_limit = block_gas;
    o.block_tx_limit = block_txs;
    static const int64_t reps[] = {100, 0};
    assert_int_equal(cvm_vm_new(NULL, c->store, &c->vm), CVM_OK);
    genesis(c, reps, 2);
    deploy(c, "Counter", COUNTER);
    cvm_vm_free(c->vm); /* the same chain, now with the limits */
    assert_int_equal(cvm_vm_new(&o, c->store, &c->vm), CVM_OK);
}

static void not_run(const cvm_receipt *r, cvm_code code, const char *part)
{
    expect(r, CVM_NOT_EXECUTED, code);
    assert_int_equal(r->gas_used, 0);
    assert_int_equal(r->nevents, 0);
    assert_int_equal(r->nlogs, 0);
    if (part && !strstr(r->error.message, part))
        fail_msg("message '%s' does not contain '%s'", r->error.message, part);
}

/* The value of Counter's "n" in the block's diff (0 when absent). */
static int64_t diff_n(const cvm_block_result *b)
{
    for (size_t i = 0; i < b->ndiff; i++)
        if (b->diff[i].service_len == 7 && memcmp(b->diff[i].service, "Counter", 7) == 0 &&
            b->diff[i].key_len == 1 && b->diff[i].key[0] == 'n') {
            /* state values are little-endian on every machine (docs/state.md) */
            uint64_t v = 0;
            for (size_t k = b->diff[i].value_len < 8 ? b->diff[i].value_len : 8; k-- > 0;)
                v = v << 8 | b->diff[i].value[k];
            return (int64_t)v;
        }
    return 0;
}

static void test_tx_limit(void **state)
{
    (void)state;
    chain c;
    chain_limits(&c, 0, 0, 3);
    cvm_transaction t[5];
    for (size_t i = 0; i < 5; i++)
        t[i] = tx_of(1, "Counter", "inc", NULL, 0);
    t[1].method = "nope"; /* a failed transaction ran: it counts */
    cvm_block_result *b = run_block(&c, t, 5);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    expect(&b->receipts[1], CVM_ERROR_INPUT, CVM_CODE_UNKNOWN_METHOD);
    expect(&b->receipts[2], CVM_SUCCESS, CVM_CODE_NONE);
    not_run(&b->receipts[3], CVM_CODE_BLOCK_TX_LIMIT,
            "the block's transaction limit (3) is reached: 3 ran before this one");
    not_run(&b->receipts[4], CVM_CODE_BLOCK_TX_LIMIT, "the block stopped filling at transaction 3: its transaction "
                                                      "limit (50000000 gas, 3 transactions) was reached with 304 gas "
                                                      "used by 3 transactions");
    assert_int_equal(b->nrun, 3);
    assert_int_equal(b->gas_used, 2 * INC_GAS);
    assert_int_equal(diff_n(b), 2);
    commit_block(&c, b);
    /* the next block takes them */
    b = run_block(&c, t + 3, 2);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    expect(&b->receipts[1], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->nrun, 2);
    assert_int_equal(diff_n(b), 4);
    commit_block(&c, b);
    chain_close(&c);
}

static void test_gas_limit(void **state)
{
    (void)state;
    chain c;
    chain_limits(&c, 0, 500, 0);
    cvm_transaction t[6];
    for (size_t i = 0; i < 6; i++)
        t[i] = tx_of(1, "Counter", "inc", NULL, 0);
    t[5] = tx_of(1, "Counter", "nope", NULL, 0); /* would cost nothing, but the block stopped */
    cvm_block_result *b = run_block(&c, t, 6);
    /* 3 × 152 = 456; the fourth has 44 left, runs out of it, did not fit */
    for (size_t i = 0; i < 3; i++) {
        expect(&b->receipts[i], CVM_SUCCESS, CVM_CODE_NONE);
        assert_int_equal(b->receipts[i].gas_used, INC_GAS);
    }
    not_run(&b->receipts[3], CVM_CODE_BLOCK_GAS_LIMIT,
            "the block's gas limit (500) is reached: 456 used by the 3 transactions before this one, which needs "
            "more than the 44 left");
    not_run(&b->receipts[4], CVM_CODE_BLOCK_GAS_LIMIT,
            "the block stopped filling at transaction 3: its gas limit (500 gas, 10000 transactions) was reached "
            "with 456 gas used by 3 transactions");
    not_run(&b->receipts[5], CVM_CODE_BLOCK_GAS_LIMIT, NULL);
    assert_int_equal(b->nrun, 3);
    assert_int_equal(b->gas_used, 3 * INC_GAS);
    assert_int_equal(diff_n(b), 3); /* the fourth's write was undone */
    commit_block(&c, b);
    /* exactly at the limit: a block of 304 holds two */
    chain_close(&c);
    chain_limits(&c, 0, 2 * INC_GAS, 0);
    b = run_block(&c, t, 3);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    expect(&b->receipts[1], CVM_SUCCESS, CVM_CODE_NONE);
    not_run(&b->receipts[2], CVM_CODE_BLOCK_GAS_LIMIT, "needs more than the 0 left");
    assert_int_equal(b->gas_used, 2 * INC_GAS);
    cvm_block_result_free(b);
    chain_close(&c);
}

/* A transaction that fails out of gas within its own limit is a failure of
 * its own, not the block's: it ran and counts. */
static void test_own_out_of_gas_is_not_the_blocks(void **state)
{
    (void)state;
    chain c;
    chain_limits(&c, 100, 1000, 0);
    cvm_transaction t[2] = {tx_of(1, "Counter", "inc", NULL, 0), tx_of(1, "_Info", "isAlive", NULL, 0)};
    cvm_block_result *b = run_block(&c, t, 2);
    expect(&b->receipts[0], CVM_ERROR_SMART_CONTRACT, CVM_CODE_OUT_OF_GAS);
    assert_int_equal(b->receipts[0].gas_used, 52); /* Load, Push, Add; Store (100) not paid */
    expect(&b->receipts[1], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->nrun, 2);
    assert_int_equal(b->gas_used, 52 + 100);
    cvm_block_result_free(b);
    chain_close(&c);
}

static void test_defaults(void **state)
{
    (void)state;
    assert_int_equal(CVM_DEFAULT_BLOCK_GAS_LIMIT, 50000000);
    assert_int_equal(CVM_DEFAULT_BLOCK_TX_LIMIT, 10000);
    chain c;
    chain_limits(&c, 0, 0, 0);
    size_t n = CVM_DEFAULT_BLOCK_TX_LIMIT + 2;
    cvm_transaction *t = calloc(n, sizeof *t);
    assert_non_null(t);
    for (size_t i = 0; i < n; i++)
        t[i] = tx_of(1, "_Info", "isAlive", NULL, 0);
    cvm_block_result *b = run_block(&c, t, n);
    assert_int_equal(b->nrun, CVM_DEFAULT_BLOCK_TX_LIMIT);
    assert_int_equal(b->gas_used, 100 * CVM_DEFAULT_BLOCK_TX_LIMIT);
    expect(&b->receipts[n - 3], CVM_SUCCESS, CVM_CODE_NONE);
    not_run(&b->receipts[n - 2], CVM_CODE_BLOCK_TX_LIMIT, "(10000) is reached: 10000 ran");
    not_run(&b->receipts[n - 1], CVM_CODE_BLOCK_TX_LIMIT, "(50000000 gas, 10000 transactions)");
    cvm_block_result_free(b);
    chain_close(&c);
    /* a per-transaction limit above 50,000,000 raises the default block's */
    chain_limits(&c, 60000000, 0, 1);
    b = run_block(&c, t, 3);
    not_run(&b->receipts[2], CVM_CODE_BLOCK_TX_LIMIT, "(60000000 gas, 1 transactions)");
    cvm_block_result_free(b);
    free(t);
    chain_close(&c);
}

/* A system set is the host's own: not limited. */
static void test_system_set_is_not_limited(void **state)
{
    (void)state;
    chain c;
    chain_limits(&c, 0, 0, 1);
    cvm_transaction t[2] = {tx_of(0, "_Info", "isAlive", NULL, 0), tx_of(0, "_Info", "isAlive", NULL, 0)};
    t[0].signer_scheme = t[1].signer_scheme = CVM_SCHEME_NONE;
    cvm_block_result *b = NULL;
    assert_int_equal(cvm_vm_process_system_set(c.vm, cvm_store_height(c.store) + 1, 5000, t, 2, &b), CVM_OK);
    expect(&b->receipts[1], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->nrun, 2);
    cvm_block_result_free(b);
    chain_close(&c);
}

/* The attack: an account of reputation 0 deploys 54,000-byte
 * modules as fast as it can. Each costs 649,350 gas, so a block of the
 * default limits holds 77 of them (49,999,950 gas): the 78th and the rest
 * are not run, and what one block adds to the state stays under
 * 50,000,000 / 10 bytes (where 500 such deployments in 5 blocks stored
 * 28 MB before native methods paid gas). */
static void test_big_deployments_are_bounded(void **state)
{
    (void)state;
    chain c;
    chain_limits(&c, 0, 0, 0);
    size_t cap = 64 + 6010 * 24, n = 0;
    char *src = malloc(cap);
    assert_non_null(src);
    n = (size_t)snprintf(src, cap, ".contract Big\n.state count 5\n.method main\n");
    for (size_t i = 0; i < 6010; i++)
        n += (size_t)snprintf(src + n, cap - n, "  Push 1000000\n  Pop\n");
    size_t len;
    uint8_t *code = code_of(src, &len);
    free(src);
    assert_int_equal(len, 54000);
    enum { N = 100 };
    static char names[N][16];
    static cvm_arg args[N][3];
    cvm_transaction t[N];
    for (size_t i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "Big%zu", i);
        args[i][0] = cvm_arg_stringn(names[i], strlen(names[i]));
        args[i][1] = cvm_arg_uint64(CVM_PROCESSOR_BYTECODE);
        args[i][2] = cvm_arg_bytes(code, len);
        t[i] = tx_of(2, "_Deployments", "deployService", args[i], 3); /* account 2: reputation 0 */
    }
    cvm_block_result *b = run_block(&c, t, N);
    int64_t each = 100 + 2 * (int64_t)len + 10 * (32 + 8) * 2 + 10 * (32 + (int64_t)len) + 10 * (5 + 8);
    assert_int_equal(each, 649350);
    assert_int_equal(b->nrun, 77);
    assert_int_equal(b->gas_used, 77 * each);
    expect(&b->receipts[76], CVM_SUCCESS, CVM_CODE_NONE);
    not_run(&b->receipts[77], CVM_CODE_BLOCK_GAS_LIMIT, "the block's gas limit (50000000) is reached");
    not_run(&b->receipts[N - 1], CVM_CODE_BLOCK_GAS_LIMIT, NULL);
    size_t bytes = 0;
    for (size_t i = 0; i < b->ndiff; i++)
        bytes += b->diff[i].key_len + b->diff[i].value_len;
    assert_true(bytes <= CVM_DEFAULT_BLOCK_GAS_LIMIT / CVM_GAS_STATE_BYTE);
    assert_true(bytes > 77 * len);
    commit_block(&c, b);
    free_code(code);
    chain_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tx_limit),
        cmocka_unit_test(test_gas_limit),
        cmocka_unit_test(test_own_out_of_gas_is_not_the_blocks),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_system_set_is_not_limited),
        cmocka_unit_test(test_big_deployments_are_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
