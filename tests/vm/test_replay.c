/*
 * test_replay.c — replay protection: TransactionSetPreOrder's DUPLICATE and
 * ProcessTransactionSet's NOT_EXECUTED / DUPLICATE_TRANSACTION, across
 * blocks, within a set, at the timestamp window's edge, after an LMDB store
 * is closed and reopened, on both backends; what the transaction index
 * holds after each; and what is left unguarded (unsigned and system calls).
 * The first test is issue 10's report: one signed transaction placed in
 * blocks 3 and 4 and twice in block 5 ran four times.
 */
#include <unistd.h>

#include "support/store_dir.h"
#include "vm/vmtest.h"

static const char *COUNTER = ".contract Counter\n"
                             ".state count 0\n"
                             ".method increment params 1\n"
                             "  Load \"count\"\n  Add\n  Dup\n  Store \"count\"\n  Dup\n  Emit \"Counted\"\n  Dup\n"
                             "  Log\n  Halt\n"
                             ".method get readonly\n"
                             "  Load \"count\"\n"
                             ".method failing params 1\n"
                             "  Store \"count\"\n  Push 1\n  Abort\n";

#define T0 1700000000000000000ull /* the blocks' timestamp */

typedef struct fixture {
    int lmdb;          /* which backend */
    char dir[64];      /* the LMDB temp dir */
    chain c;
} fixture;

static const int MEM = 0, LMDB = 1;

static void open_backend(fixture *f)
{
    cvm_store *s;
    if (f->lmdb) {
        cvm_errmsg err;
        if (cvm_lmdbstore_open(NULL, f->dir, &s, &err) != CVM_OK)
            fail_msg("open %s: %s", f->dir, err.text);
    } else {
        assert_int_equal(cvm_memstore_open(NULL, &s), CVM_OK);
    }
    chain_open_store(&f->c, s);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->lmdb = *(const int *)*state;
    strcpy(f->dir, "/tmp/cvm-replay-XXXXXX");
    if (f->lmdb && !mkdtemp(f->dir))
        return -1;
    open_backend(f);
    int64_t reps[] = {100, 100};
    genesis(&f->c, reps, 2); /* height 1 */
    deploy(&f->c, "Counter", COUNTER); /* height 2 */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    chain_close(&f->c);
    if (f->lmdb)
        store_dir_remove(f->dir);
    free(f);
    return 0;
}

/* A signed transaction of account k: Counter.method(*arg) at timestamp ts. */
static cvm_transaction signed_call(uint8_t k, const char *method, const cvm_arg *arg, uint64_t ts,
                                   uint8_t sig[CVM_SIGNATURE_BYTES])
{
    cvm_transaction t = tx_of(k, "Counter", method, arg, 1);
    t.timestamp = ts;
    sign_as(k, &t, sig);
    return t;
}

/* Pre-order then ProcessTransactionSet of txs at the next height with block
 * time ts, asserting the statuses given as one word each ("VALID
 * DUPLICATE"); the block is returned uncommitted. */
static cvm_block_result *block_at(chain *c, uint64_t ts, const cvm_transaction *txs, size_t n, const char *want)
{
    uint64_t h = cvm_store_height(c->store) + 1;
    cvm_preorder_result *po = NULL;
    if (cvm_vm_preorder(c->vm, txs, n, h, ts, &po) != CVM_OK)
        fail_msg("preorder: %s", cvm_vm_errmsg(c->vm));
    char got[256] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "",
                 cvm_preorder_status_name(po->statuses[i]));
    if (strcmp(got, want) != 0)
        fail_msg("block %llu: pre-order %s, expected %s", (unsigned long long)h, got, want);
    cvm_preorder_result_free(po);
    cvm_block_result *b = NULL;
    if (cvm_vm_process_transaction_set(c->vm, h, ts, txs, n, &b) != CVM_OK)
        fail_msg("process: %s", cvm_vm_errmsg(c->vm));
    return b;
}

/* Asserts that r is a duplicate that did not run, with part in its message. */
static void not_run(const cvm_receipt *r, const char *part)
{
    expect(r, CVM_NOT_EXECUTED, CVM_CODE_DUPLICATE_TRANSACTION);
    if (!strstr(r->error.message, part))
        fail_msg("'%s' does not contain '%s'", r->error.message, part);
    assert_int_equal(r->gas_used, 0);
    assert_int_equal(r->nevents, 0);
    assert_int_equal(r->nlogs, 0);
    assert_int_equal(r->noutputs, 0);
    assert_int_equal(r->error.pc, -1);
}

static int64_t count_of(chain *c)
{
    cvm_local_result *r = local_call(c, 0, "Counter", "get", NULL, 0);
    expect(&r->receipt, CVM_SUCCESS, CVM_CODE_NONE);
    int64_t v = r->receipt.outputs[0].v.i64;
    cvm_local_result_free(r);
    return v;
}

/* Where the transaction index puts t: "height.index", or "-". */
static const char *indexed(chain *c, const cvm_transaction *t)
{
    static char out[48];
    uint8_t h[CVM_HASH_BYTES];
    assert_int_equal(cvm_tx_hash(NULL, t, h, NULL), CVM_OK);
    cvm_store_tx e;
    bool found = false;
    assert_int_equal(cvm_store_tx_find(c->store, h, &e, &found), CVM_OK);
    if (!found)
        return "-";
    assert_int_equal(e.timestamp, t->timestamp);
    snprintf(out, sizeof out, "%llu.%llu", (unsigned long long)e.height, (unsigned long long)e.index);
    return out;
}

static int count_event(void *ud, uint64_t height, uint64_t tx_index, const cvm_event *ev)
{
    ++*(int *)ud;
    return 0;
}

/* Issue 10: one signed transaction in blocks 3 and 4 and twice in block 5
 * ran four times (count 5 -> 20). It runs once; another transaction alike
 * but for its timestamp is not a replay and runs (count 5 -> 10). */
static void test_issue_report(void **state)
{
    fixture *f = *state;
    chain *c = &f->c;
    cvm_arg five = cvm_arg_int64(5);
    uint8_t sig[2][CVM_SIGNATURE_BYTES];
    cvm_transaction t = signed_call(1, "increment", &five, T0, sig[0]);
    cvm_transaction u = signed_call(1, "increment", &five, T0 + 1, sig[1]);

    cvm_block_result *b = block_at(c, T0, &t, 1, "VALID"); /* height 3 */
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    commit_block(c, b);
    assert_int_equal(count_of(c), 5);
    assert_string_equal(indexed(c, &t), "3.0");

    b = block_at(c, T0 + 1000, &t, 1, "DUPLICATE"); /* height 4 */
    not_run(&b->receipts[0], "was committed at height 3, index 0");
    assert_int_equal(b->ndiff, 0);
    commit_block(c, b);
    assert_int_equal(count_of(c), 5);

    cvm_transaction set5[3] = {t, u, t};
    b = block_at(c, T0 + 2000, set5, 3, "DUPLICATE VALID DUPLICATE"); /* height 5 */
    not_run(&b->receipts[0], "was committed at height 3, index 0");
    expect(&b->receipts[1], CVM_SUCCESS, CVM_CODE_NONE);
    not_run(&b->receipts[2], "was committed at height 3, index 0");
    assert_int_equal(b->receipts[1].outputs[0].v.i64, 10);
    commit_block(c, b);
    assert_int_equal(count_of(c), 10);
    assert_string_equal(indexed(c, &t), "3.0");
    assert_string_equal(indexed(c, &u), "5.1"); /* its index in the set, duplicates counted */

    /* the events are the two runs' only */
    cvm_event_query q = {.service = "Counter", .name = "Counted"};
    int n = 0;
    assert_int_equal(cvm_store_events_query(c->store, &q, count_event, &n), CVM_OK);
    assert_int_equal(n, 2);
}

/* Twice in one set: the second is DUPLICATE (pre-order) and NOT_EXECUTED
 * (process); a failed transaction that ran counts as committed. */
static void test_within_a_set(void **state)
{
    fixture *f = *state;
    chain *c = &f->c;
    cvm_arg two = cvm_arg_int64(2), nine = cvm_arg_int64(9);
    uint8_t sig[3][CVM_SIGNATURE_BYTES];
    cvm_transaction v = signed_call(2, "increment", &two, T0, sig[0]);
    cvm_transaction fl = signed_call(1, "failing", &nine, T0, sig[1]);
    cvm_transaction set[4] = {v, fl, v, fl};
    cvm_block_result *b = block_at(c, T0, set, 4, "VALID VALID DUPLICATE DUPLICATE");
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    expect(&b->receipts[1], CVM_ERROR_SMART_CONTRACT, CVM_CODE_ABORTED);
    assert_true(b->receipts[1].gas_used > 0);
    not_run(&b->receipts[2], "repeats transaction 0 of this set");
    not_run(&b->receipts[3], "repeats transaction 1 of this set");
    commit_block(c, b);
    assert_int_equal(count_of(c), 2);
    assert_string_equal(indexed(c, &v), "3.0");
    assert_string_equal(indexed(c, &fl), "3.1"); /* it ran, and failed: its receipt is in block 3 */

    /* the failed one is not run again in a later block either */
    b = block_at(c, T0, &fl, 1, "DUPLICATE");
    not_run(&b->receipts[0], "was committed at height 3, index 1");
    commit_block(c, b);

    /* only a copy whose signature verifies counts: a forged copy placed
     * first is INVALID_SIGNATURE and does not push the genuine one out */
    cvm_transaction w = signed_call(2, "increment", &two, T0 + 7, sig[2]);
    uint8_t forged[CVM_SIGNATURE_BYTES];
    memcpy(forged, sig[2], sizeof forged);
    forged[0] ^= 1;
    cvm_transaction wf = w;
    wf.signature = forged;
    cvm_transaction set2[3] = {wf, w, w};
    cvm_preorder_result *po = NULL;
    assert_int_equal(cvm_vm_preorder(c->vm, set2, 3, 5, T0, &po), CVM_OK);
    assert_int_equal(po->statuses[0], CVM_PREORDER_INVALID_SIGNATURE);
    assert_int_equal(po->statuses[1], CVM_PREORDER_VALID);
    assert_int_equal(po->statuses[2], CVM_PREORDER_DUPLICATE);
    assert_non_null(strstr(po->reasons[2], "repeats transaction 1 of this set"));
    cvm_preorder_result_free(po);
}

/* The window's edge: a committed transaction exactly the window away from
 * the block's time is inside it and DUPLICATE; one nanosecond further it is
 * TIMESTAMP_OUT_OF_WINDOW first. ProcessTransactionSet, which has no
 * window, refuses it either way: the index keeps every height. */
static void test_window_edge(void **state)
{
    fixture *f = *state;
    chain *c = &f->c;
    cvm_arg one = cvm_arg_int64(1);
    uint8_t sig[CVM_SIGNATURE_BYTES];
    cvm_transaction t = signed_call(1, "increment", &one, T0, sig);
    commit_block(c, block_at(c, T0, &t, 1, "VALID"));

    cvm_block_result *b = block_at(c, T0 + CVM_PREORDER_WINDOW_NS, &t, 1, "DUPLICATE");
    not_run(&b->receipts[0], "was committed at height 3, index 0");
    commit_block(c, b);
    b = block_at(c, T0 + CVM_PREORDER_WINDOW_NS + 1, &t, 1, "TIMESTAMP_OUT_OF_WINDOW");
    not_run(&b->receipts[0], "was committed at height 3, index 0");
    commit_block(c, b);
    b = block_at(c, T0 - CVM_PREORDER_WINDOW_NS, &t, 1, "DUPLICATE"); /* the other side, still a replay */
    cvm_block_result_free(b);
    assert_int_equal(count_of(c), 1);
}

/* The order of the checks around DUPLICATE: after the window and the
 * signer scheme, before the signature (a committed transaction with a
 * broken signature is DUPLICATE: a lookup, not an Ed25519 check). */
static void test_order_of_checks(void **state)
{
    fixture *f = *state;
    chain *c = &f->c;
    cvm_arg one = cvm_arg_int64(1);
    uint8_t sig[CVM_SIGNATURE_BYTES];
    cvm_transaction t = signed_call(1, "increment", &one, T0, sig);
    commit_block(c, block_at(c, T0, &t, 1, "VALID"));
    uint8_t bad[CVM_SIGNATURE_BYTES];
    memcpy(bad, sig, sizeof bad);
    bad[5] ^= 0x10;
    cvm_transaction tampered = t, unsigned_ = t, wrong_chain = t;
    tampered.signature = bad;
    unsigned_.signature = NULL;
    wrong_chain.virtual_chain_id = 9;
    cvm_transaction set[3] = {tampered, unsigned_, wrong_chain};
    cvm_preorder_result *po = NULL;
    assert_int_equal(cvm_vm_preorder(c->vm, set, 3, 4, T0, &po), CVM_OK);
    assert_int_equal(po->statuses[0], CVM_PREORDER_DUPLICATE);
    assert_int_equal(po->statuses[1], CVM_PREORDER_INVALID_SIGNATURE); /* no signature: before the lookup */
    assert_int_equal(po->statuses[2], CVM_PREORDER_WRONG_VIRTUAL_CHAIN);
    cvm_preorder_result_free(po);
}

/* Unsigned transactions (a host's or a test's: pre-order never admits
 * them) and system calls carry no one's authorization: they are neither
 * refused as replays nor indexed. */
static void test_unsigned_and_system_calls_unguarded(void **state)
{
    fixture *f = *state;
    chain *c = &f->c;
    cvm_arg one = cvm_arg_int64(1);
    cvm_transaction t = tx_of(0, "Counter", "increment", &one, 1);
    cvm_transaction set[2] = {t, t};
    cvm_block_result *b = NULL;
    assert_int_equal(cvm_vm_process_transaction_set(c->vm, 3, T0, set, 2, &b), CVM_OK);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    expect(&b->receipts[1], CVM_SUCCESS, CVM_CODE_NONE);
    commit_block(c, b);
    assert_string_equal(indexed(c, &t), "-");
    assert_int_equal(count_of(c), 2);

    cvm_arg why = cvm_arg_stringn("unpaid", 6);
    cvm_transaction s = tx_of(0, "_GlobalPreOrder", "setSubscriptionProblem", &why, 1);
    for (uint64_t h = 4; h <= 5; h++) {
        assert_int_equal(cvm_vm_process_system_set(c->vm, h, T0, &s, 1, &b), CVM_OK);
        expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
        commit_block(c, b);
    }
    assert_string_equal(indexed(c, &s), "-");
}

/* After the store is closed and reopened (LMDB), a replay is still one. */
static void test_after_reopen(void **state)
{
    fixture *f = *state;
    chain *c = &f->c;
    cvm_arg one = cvm_arg_int64(1);
    uint8_t sig[CVM_SIGNATURE_BYTES];
    cvm_transaction t = signed_call(2, "increment", &one, T0, sig);
    commit_block(c, block_at(c, T0, &t, 1, "VALID"));
    chain_close(c);
    open_backend(f);
    assert_int_equal(cvm_store_height(c->store), 3);
    assert_string_equal(indexed(c, &t), "3.0");
    cvm_block_result *b = block_at(c, T0, &t, 1, "DUPLICATE");
    not_run(&b->receipts[0], "was committed at height 3, index 0");
    commit_block(c, b);
    assert_int_equal(count_of(c), 1);
}

/* With the block limits: a duplicate does not count against them; the
 * limits are checked first; a transaction not run for them is not indexed
 * and runs in a later block. */
static void test_block_limits(void **state)
{
    fixture *f = *state;
    chain *c = &f->c;
    cvm_vm_free(c->vm);
    cvm_vm_options o = {0};
    o.block_tx_limit = 2;
    assert_int_equal(cvm_vm_new(&o, c->store, &c->vm), CVM_OK);
    cvm_arg one = cvm_arg_int64(1);
    uint8_t sig[3][CVM_SIGNATURE_BYTES];
    cvm_transaction t = signed_call(1, "increment", &one, T0, sig[0]);
    cvm_transaction u = signed_call(1, "increment", &one, T0 + 1, sig[1]);
    cvm_transaction v = signed_call(1, "increment", &one, T0 + 2, sig[2]);
    cvm_transaction set[5] = {t, t, u, v, t};
    cvm_block_result *b = NULL;
    assert_int_equal(cvm_vm_process_transaction_set(c->vm, 3, T0, set, 5, &b), CVM_OK);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    not_run(&b->receipts[1], "repeats transaction 0 of this set"); /* not counted: u still runs */
    expect(&b->receipts[2], CVM_SUCCESS, CVM_CODE_NONE);
    expect(&b->receipts[3], CVM_NOT_EXECUTED, CVM_CODE_BLOCK_TX_LIMIT);
    expect(&b->receipts[4], CVM_NOT_EXECUTED, CVM_CODE_BLOCK_TX_LIMIT); /* full first */
    assert_int_equal(b->nrun, 2);
    commit_block(c, b);
    assert_string_equal(indexed(c, &t), "3.0");
    assert_string_equal(indexed(c, &u), "3.2");
    assert_string_equal(indexed(c, &v), "-");
    cvm_transaction set2[2] = {v, u};
    assert_int_equal(cvm_vm_process_transaction_set(c->vm, 4, T0, set2, 2, &b), CVM_OK);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    not_run(&b->receipts[1], "was committed at height 3, index 2");
    commit_block(c, b);
    assert_string_equal(indexed(c, &v), "4.0");
    assert_int_equal(count_of(c), 3);
    int64_t g;

    /* the one that does not fit the block's gas is undone: not indexed */
    cvm_transaction w = signed_call(2, "increment", &one, T0 + 3, sig[0]);
    assert_int_equal(cvm_vm_process_transaction_set(c->vm, 5, T0, &w, 1, &b), CVM_OK);
    g = b->receipts[0].gas_used;
    cvm_block_result_free(b);
    cvm_vm_free(c->vm);
    o.block_tx_limit = 0;
    o.block_gas_limit = g + g / 2;
    assert_int_equal(cvm_vm_new(&o, c->store, &c->vm), CVM_OK);
    cvm_transaction x = signed_call(2, "increment", &one, T0 + 4, sig[1]);
    cvm_transaction set3[2] = {w, x};
    assert_int_equal(cvm_vm_process_transaction_set(c->vm, 5, T0, set3, 2, &b), CVM_OK);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    expect(&b->receipts[1], CVM_NOT_EXECUTED, CVM_CODE_BLOCK_GAS_LIMIT);
    commit_block(c, b);
    assert_string_equal(indexed(c, &w), "5.0");
    assert_string_equal(indexed(c, &x), "-");
}

/* each test twice, named by backend */
#define BOTH(fn) {"memory: " #fn, fn, setup, teardown, (void *)&MEM}, {"lmdb: " #fn, fn, setup, teardown, (void *)&LMDB}

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_issue_report),
        BOTH(test_within_a_set),
        BOTH(test_window_edge),
        BOTH(test_order_of_checks),
        BOTH(test_unsigned_and_system_calls_unguarded),
        BOTH(test_block_limits),
        {"lmdb: test_after_reopen", test_after_reopen, setup, teardown, (void *)&LMDB},
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
