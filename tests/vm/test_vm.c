/*
 * test_vm.c — the execution layer through its public entry points: state
 * in a transaction set (reads, combined diff, namespaces, rollback of a
 * failed transaction), deployment and auto-deployment, permissions,
 * reputation, RunLocalMethod, commit with events, and LMDB durability.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "codec/event.h"
#include "support/progen.h"
#include "support/store_dir.h"
#include "vm/vmtest.h"

static const char *COUNTER = ".contract Counter\n"
                             ".state count 0\n"
                             ".method increment params 1\n"
                             "  Load \"count\"\n  Add\n  Dup\n  Store \"count\"\n  Dup\n  Emit \"Counted\"\n  Halt\n"
                             ".method get readonly\n"
                             "  Load \"count\"\n"
                             ".method twice readonly\n"
                             "  Load \"count\"\n  Load \"count\"\n  Add\n"
                             ".method failing params 1\n"
                             "  Store \"count\"\n  Load \"count\"\n  Log\n  Push 9\n  Emit \"Lost\"\n  Push 1\n  Abort\n"
                             ".method ab\n  Push 1\n  Store \"a\"\n  Push 2\n  Store \"b\"\n"
                             ".method ba\n  Push 2\n  Store \"b\"\n  Push 1\n  Store \"a\"\n";

static void setup_chain(chain *c)
{
    chain_open(c);
    int64_t reps[] = {100, 5};
    genesis(c, reps, 2);
    deploy(c, "Counter", COUNTER);
}

/* The change to (service, key) in b's diff, or NULL. */
static const cvm_state_change *change_of(const cvm_block_result *b, const char *svc, const char *key)
{
    const cvm_state_change *found = NULL;
    for (size_t i = 0; i < b->ndiff; i++) {
        const cvm_state_change *c = &b->diff[i];
        if (c->service_len == strlen(svc) && !memcmp(c->service, svc, c->service_len) && c->key_len == strlen(key) &&
            !memcmp(c->key, key, c->key_len)) {
            assert_null(found); /* one entry per (service, key) */
            found = c;
        }
    }
    return found;
}

static int64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return (int64_t)v;
}

static void test_two_reads_hit_storage_once(void **state)
{
    (void)state;
    chain c;
    setup_chain(&c);
    cvm_arg a = cvm_arg_int64(4);
    run1(&c, tx_of(1, "Counter", "increment", &a, 1), CVM_SUCCESS, CVM_CODE_NONE, NULL);
    /* the same set of other reads, then one or two reads of count */
    uint64_t r0 = cvm_store_reads(c.store);
    cvm_local_result *r = local_call(&c, 1, "Counter", "get", NULL, 0);
    uint64_t once = cvm_store_reads(c.store) - r0;
    assert_int_equal(r->receipt.outputs[0].v.i64, 4);
    cvm_local_result_free(r);
    r0 = cvm_store_reads(c.store);
    r = local_call(&c, 1, "Counter", "twice", NULL, 0);
    uint64_t twice = cvm_store_reads(c.store) - r0;
    assert_int_equal(r->receipt.outputs[0].v.i64, 8);
    cvm_local_result_free(r);
    assert_int_equal(once, twice);
    chain_close(&c);
}

static void test_successive_writes_combine(void **state)
{
    (void)state;
    chain c;
    setup_chain(&c);
    cvm_arg a5 = cvm_arg_int64(5), a1 = cvm_arg_int64(1);
    cvm_transaction txs[2] = {tx_of(1, "Counter", "increment", &a5, 1), tx_of(2, "Counter", "increment", &a1, 1)};
    cvm_block_result *b = run_block(&c, txs, 2);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    expect(&b->receipts[1], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[0].outputs[0].v.i64, 5);
    assert_int_equal(b->receipts[1].outputs[0].v.i64, 6); /* sees the first's write */
    assert_int_equal(b->ndiff, 1);
    const cvm_state_change *ch = change_of(b, "Counter", "count");
    assert_non_null(ch);
    assert_int_equal(ch->value_len, 8);
    assert_int_equal(le64(ch->value), 6);
    commit_block(&c, b);
    assert_int_equal(local_i64(&c, "Counter", "get"), 6);
    chain_close(&c);
}

static void test_services_do_not_interfere(void **state)
{
    (void)state;
    chain c;
    setup_chain(&c);
    deploy(&c, "Other", COUNTER);
    cvm_arg a5 = cvm_arg_int64(5), a7 = cvm_arg_int64(7);
    cvm_transaction txs[2] = {tx_of(1, "Counter", "increment", &a5, 1), tx_of(1, "Other", "increment", &a7, 1)};
    cvm_block_result *b = run_block(&c, txs, 2);
    assert_int_equal(b->ndiff, 2);
    assert_int_equal(le64(change_of(b, "Counter", "count")->value), 5);
    assert_int_equal(le64(change_of(b, "Other", "count")->value), 7);
    /* sorted by service then key */
    assert_memory_equal(b->diff[0].service, "Counter", 7);
    commit_block(&c, b);
    assert_int_equal(local_i64(&c, "Counter", "get"), 5);
    assert_int_equal(local_i64(&c, "Other", "get"), 7);
    chain_close(&c);
}

static void test_failed_middle_transaction(void **state)
{
    (void)state;
    chain c;
    setup_chain(&c);
    cvm_arg a5 = cvm_arg_int64(5), a100 = cvm_arg_int64(100), a1 = cvm_arg_int64(1);
    cvm_transaction txs[3] = {tx_of(1, "Counter", "increment", &a5, 1), tx_of(1, "Counter", "failing", &a100, 1),
                              tx_of(1, "Counter", "increment", &a1, 1)};
    cvm_block_result *b = run_block(&c, txs, 3);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    expect(&b->receipts[1], CVM_ERROR_SMART_CONTRACT, CVM_CODE_ABORTED);
    expect(&b->receipts[2], CVM_SUCCESS, CVM_CODE_NONE);
    /* inside it, its own write was visible (its log kept the value) */
    assert_int_equal(b->receipts[1].nlogs, 1);
    assert_int_equal(b->receipts[1].logs[0], 100);
    assert_int_equal(b->receipts[1].nevents, 0); /* its event is dropped */
    assert_true(b->receipts[1].gas_used > 0);
    assert_int_equal(b->receipts[0].nevents, 1);
    assert_string_equal(b->receipts[0].events[0].name, "Counted");
    assert_int_equal(b->receipts[2].outputs[0].v.i64, 6); /* after it: gone */
    assert_int_equal(le64(change_of(b, "Counter", "count")->value), 6);
    commit_block(&c, b);
    chain_close(&c);
}

static const char *INNER = ".contract Inner\n"
                           ".method put params 1\n  Store \"k\"\n  Load \"k\"\n"
                           ".method ping\n  Push 3\n  Emit \"Ping\"\n  Push 1\n"
                           ".method get readonly\n  Load \"k\"\n"
                           ".method boom\n  Push 2\n  Abort\n"
                           ".method rec\n  CallService \"Inner.rec\"\n"
                           ".method two params 2\n  Sub\n";

static const char *OUTER = ".contract Outer\n"
                           ".method viaService\n  Push 7\n  CallService \"Inner.put\"\n  Push 1\n  Add\n"
                           ".method viaLibrary\n  Push 9\n  CallLibrary \"Inner.put\"\n"
                           ".method get readonly\n  Load \"k\"\n"
                           ".method ping\n  CallService \"Inner.ping\"\n"
                           ".method boom\n  Push 5\n  Log\n  CallService \"Inner.boom\"\n"
                           ".method underflow\n  Push 1\n  CallService \"Inner.two\"\n"
                           ".method order\n  Push 10\n  Push 3\n  CallService \"Inner.two\"\n"
                           ".method roWrite readonly\n  Push 1\n  CallService \"Inner.put\"\n"
                           ".method missing\n  CallService \"Nowhere.x\"\n"
                           ".method nomethod\n  CallService \"Inner.nothing\"\n"
                           ".method info\n  CallService \"_Info.getInfo\"\n";

static void setup_nested(chain *c)
{
    setup_chain(c);
    deploy(c, "Inner", INNER);
    deploy(c, "Outer", OUTER);
}

static void test_call_service_switches_namespace(void **state)
{
    (void)state;
    chain c;
    setup_nested(&c);
    cvm_transaction t = tx_of(1, "Outer", "viaService", NULL, 0);
    cvm_block_result *b = run_block(&c, &t, 1);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[0].outputs[0].v.i64, 8); /* the callee's result pushed */
    assert_non_null(change_of(b, "Inner", "k"));
    assert_null(change_of(b, "Outer", "k"));
    commit_block(&c, b);
    t = tx_of(1, "Outer", "viaLibrary", NULL, 0);
    b = run_block(&c, &t, 1);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(le64(change_of(b, "Outer", "k")->value), 9);
    assert_null(change_of(b, "Inner", "k"));
    commit_block(&c, b);
    assert_int_equal(local_i64(&c, "Inner", "get"), 7);
    assert_int_equal(local_i64(&c, "Outer", "get"), 9);
    chain_close(&c);
}

static void test_events_belong_to_callee(void **state)
{
    (void)state;
    chain c;
    setup_nested(&c);
    cvm_transaction t = tx_of(1, "Outer", "ping", NULL, 0);
    cvm_block_result *b = run_block(&c, &t, 1);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[0].nevents, 1);
    assert_string_equal(b->receipts[0].events[0].service, "Inner");
    assert_string_equal(b->receipts[0].events[0].name, "Ping");
    assert_int_equal(b->receipts[0].events[0].nfields, 1);
    assert_string_equal(b->receipts[0].events[0].fields[0].name, "value");
    assert_int_equal(b->receipts[0].events[0].fields[0].value.v.i64, 3);
    commit_block(&c, b);
    chain_close(&c);
}

static void test_nested_call_failures(void **state)
{
    (void)state;
    chain c;
    setup_nested(&c);
    cvm_transaction txs[] = {
        tx_of(1, "Outer", "boom", NULL, 0),      tx_of(1, "Outer", "underflow", NULL, 0),
        tx_of(1, "Outer", "order", NULL, 0),     tx_of(1, "Outer", "roWrite", NULL, 0),
        tx_of(1, "Outer", "missing", NULL, 0),   tx_of(1, "Outer", "nomethod", NULL, 0),
        tx_of(1, "Inner", "rec", NULL, 0),       tx_of(1, "Outer", "info", NULL, 0),
    };
    size_t n = sizeof txs / sizeof txs[0];
    cvm_block_result *b = run_block(&c, txs, n);
    const cvm_receipt *r = b->receipts;
    /* a failing callee fails the caller with the callee's error */
    expect(&r[0], CVM_ERROR_SMART_CONTRACT, CVM_CODE_ABORTED);
    assert_non_null(strstr(r[0].error.message, "Inner.boom"));
    assert_string_equal(r[0].error.method, "boom");
    assert_int_equal(r[0].error.pc, 10); /* the caller's CallService (module pcs run across methods) */
    assert_int_equal(r[0].nlogs, 1);
    expect(&r[1], CVM_ERROR_SMART_CONTRACT, CVM_CODE_STACK_UNDERFLOW);
    expect(&r[2], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(r[2].outputs[0].v.i64, 7); /* 10 - 3: first argument deepest */
    expect(&r[3], CVM_ERROR_SMART_CONTRACT, CVM_CODE_READ_ONLY_VIOLATION);
    expect(&r[4], CVM_ERROR_SMART_CONTRACT, CVM_CODE_CONTRACT_NOT_DEPLOYED);
    expect(&r[5], CVM_ERROR_SMART_CONTRACT, CVM_CODE_UNKNOWN_METHOD);
    expect(&r[6], CVM_ERROR_SMART_CONTRACT, CVM_CODE_SERVICE_CALL_DEPTH);
    expect(&r[7], CVM_ERROR_SMART_CONTRACT, CVM_CODE_WRONG_ARGUMENTS); /* returns a string */
    /* gas: the callee's is charged to the caller */
    assert_true(r[2].gas_used > 100 + 2);
    cvm_block_result_free(b);
    chain_close(&c);
}

static void test_gas_of_nested_call(void **state)
{
    (void)state;
    chain c;
    setup_nested(&c);
    cvm_transaction t = tx_of(1, "Outer", "order", NULL, 0);
    cvm_block_result *b = run_block(&c, &t, 1);
    /* Push, Push, CallService (100) + Inner.two's Sub; gas of Push 1, Sub 1 */
    assert_int_equal(b->receipts[0].gas_used, 1 + 1 + 100 + 1);
    cvm_block_result_free(b);
    chain_close(&c);
}

static void test_not_deployed_and_auto_deploy(void **state)
{
    (void)state;
    chain c;
    chain_open(&c); /* no genesis: nothing is deployed */
    cvm_transaction txs[3] = {tx_of(1, "Nope", "get", NULL, 0), tx_of(1, "_Info", "getInfo", NULL, 0),
                              tx_of(2, "_Info", "isAlive", NULL, 0)};
    cvm_block_result *b = run_block(&c, txs, 3);
    expect(&b->receipts[0], CVM_ERROR_CONTRACT_NOT_DEPLOYED, CVM_CODE_CONTRACT_NOT_DEPLOYED);
    expect(&b->receipts[1], CVM_SUCCESS, CVM_CODE_NONE);
    expect(&b->receipts[2], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[1].outputs[0].type, CVM_ARG_STRING);
    assert_memory_equal(b->receipts[1].outputs[0].v.bytes.ptr, COOPVM_VERSION, strlen(COOPVM_VERSION));
    /* deployed once: one _Deployments entry */
    assert_int_equal(b->ndiff, 1);
    assert_memory_equal(b->diff[0].service, "_Deployments", 12);
    commit_block(&c, b);
    /* now recorded: getInfo says native */
    cvm_arg n = cvm_arg_stringn("_Info", 5);
    cvm_transaction t = tx_of(1, "_Deployments", "getInfo", &n, 1);
    b = run_block(&c, &t, 1);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[0].outputs[0].v.u64, CVM_PROCESSOR_NATIVE);
    cvm_block_result_free(b);
    chain_close(&c);
}

static void test_local_method(void **state)
{
    (void)state;
    chain c;
    chain_open(&c);
    /* never deploys */
    cvm_local_result *r = local_call(&c, 1, "_Info", "getInfo", NULL, 0);
    expect(&r->receipt, CVM_ERROR_CONTRACT_NOT_DEPLOYED, CVM_CODE_CONTRACT_NOT_DEPLOYED);
    assert_int_equal(r->reference_height, 0);
    cvm_local_result_free(r);
    chain_close(&c);

    setup_chain(&c);
    cvm_arg a = cvm_arg_int64(3);
    r = local_call(&c, 1, "Counter", "increment", &a, 1);
    expect(&r->receipt, CVM_ERROR_INPUT, CVM_CODE_READ_ONLY_VIOLATION);
    assert_non_null(strstr(r->receipt.error.message, "read-only"));
    assert_int_equal(r->reference_height, 2);
    cvm_local_result_free(r);
    run1(&c, tx_of(1, "Counter", "increment", &a, 1), CVM_SUCCESS, CVM_CODE_NONE, NULL);
    r = local_call(&c, 0, "Counter", "get", NULL, 0); /* unsigned */
    expect(&r->receipt, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(r->receipt.outputs[0].v.i64, 3);
    assert_int_equal(r->reference_height, 3);
    cvm_local_result_free(r);
    assert_int_equal(cvm_store_height(c.store), 3);
    chain_close(&c);
}

static void test_permissions(void **state)
{
    (void)state;
    chain c;
    setup_chain(&c);
    cvm_arg s = cvm_arg_stringn("x", 1), i = cvm_arg_int64(1);
    cvm_arg two[2] = {i, i};
    cvm_transaction txs[] = {
        tx_of(1, "Counter", "nothing", NULL, 0),  tx_of(1, "Counter", "increment", NULL, 0),
        tx_of(1, "Counter", "increment", &s, 1),  tx_of(1, "Counter", "get", two, 2),
        tx_of(1, "_Reputation", "get", &i, 1),    tx_of(1, "Counter", "Increment", &i, 1),
        tx_of(1, "_Reputation", "gett", &i, 1),
    };
    cvm_block_result *b = run_block(&c, txs, 7);
    const cvm_receipt *r = b->receipts;
    expect(&r[0], CVM_ERROR_INPUT, CVM_CODE_UNKNOWN_METHOD);
    /* an unknown method lists the service's methods, and the nearest names when there are */
    assert_string_equal(r[0].error.message,
                        "service Counter has no method 'nothing' (its methods: increment, get, twice, failing, ab, ba)");
    expect(&r[5], CVM_ERROR_INPUT, CVM_CODE_UNKNOWN_METHOD);
    assert_string_equal(r[5].error.message, "service Counter has no method 'Increment' (did you mean 'increment'? "
                                            "its methods: increment, get, twice, failing, ab, ba)");
    expect(&r[6], CVM_ERROR_INPUT, CVM_CODE_UNKNOWN_METHOD); /* a native service alike */
    assert_string_equal(r[6].error.message,
                        "service _Reputation has no method 'gett' (did you mean 'get'? its methods: get, set)");
    expect(&r[1], CVM_ERROR_INPUT, CVM_CODE_WRONG_ARGUMENTS);
    assert_string_equal(r[1].error.message, "Counter.increment takes 1 argument, got 0");
    expect(&r[2], CVM_ERROR_INPUT, CVM_CODE_WRONG_ARGUMENTS);
    assert_string_equal(r[2].error.message, "Counter.increment: argument 1 must be int64, got string");
    expect(&r[3], CVM_ERROR_INPUT, CVM_CODE_WRONG_ARGUMENTS);
    expect(&r[4], CVM_ERROR_INPUT, CVM_CODE_WRONG_ARGUMENTS);
    assert_string_equal(r[4].error.message, "_Reputation.get: argument 1 must be bytes, got int64");
    assert_int_equal(b->ndiff, 0);
    cvm_block_result_free(b);
    /* malformed values never reach a method */
    cvm_arg bad[3] = {cvm_arg_stringn(NULL, 5), cvm_arg_uint64(2), cvm_arg_bytes(NULL, 0)};
    cvm_arg notutf8 = cvm_arg_stringn("\xff", 1), oddtype = {(cvm_arg_type)77, {.i64 = 0}};
    cvm_transaction bt[3] = {tx_of(1, "_Deployments", "deployService", bad, 3),
                             tx_of(1, "_Deployments", "getInfo", &notutf8, 1), tx_of(1, "Counter", "increment", &oddtype, 1)};
    b = run_block(&c, bt, 3);
    for (int k = 0; k < 3; k++)
        expect(&b->receipts[k], CVM_ERROR_INPUT, CVM_CODE_WRONG_ARGUMENTS);
    assert_non_null(strstr(b->receipts[0].error.message, "_Deployments.deployService: argument 1"));
    cvm_block_result_free(b);
    /* a transaction of another chain or protocol */
    cvm_transaction t = tx_of(1, "Counter", "get", NULL, 0);
    t.virtual_chain_id = 42;
    b = run_block(&c, &t, 1);
    expect(&b->receipts[0], CVM_ERROR_INPUT, CVM_CODE_INVALID_TRANSACTION);
    cvm_block_result_free(b);
    t = tx_of(1, "Counter", "get", NULL, 0);
    t.signer_scheme = 9;
    b = run_block(&c, &t, 1);
    expect(&b->receipts[0], CVM_ERROR_INPUT, CVM_CODE_INVALID_TRANSACTION);
    assert_string_equal(b->receipts[0].error.message, "unknown signer scheme 9");
    cvm_block_result_free(b);
    chain_close(&c);
}

static void test_diff_independent_of_write_order(void **state)
{
    (void)state;
    chain c1, c2;
    setup_chain(&c1);
    setup_chain(&c2);
    cvm_transaction t1 = tx_of(1, "Counter", "ab", NULL, 0), t2 = tx_of(1, "Counter", "ba", NULL, 0);
    cvm_block_result *b1 = run_block(&c1, &t1, 1), *b2 = run_block(&c2, &t2, 1);
    assert_int_equal(b1->ndiff, 2);
    assert_int_equal(b2->ndiff, 2);
    assert_memory_equal(b1->diff_hash, b2->diff_hash, CVM_HASH_BYTES);
    for (size_t k = 0; k < 2; k++) {
        assert_int_equal(b1->diff[k].key_len, b2->diff[k].key_len);
        assert_memory_equal(b1->diff[k].key, b2->diff[k].key, b1->diff[k].key_len);
        assert_memory_equal(b1->diff[k].value, b2->diff[k].value, b1->diff[k].value_len);
    }
    assert_memory_equal(b1->diff[0].key, "a", 1);
    commit_block(&c1, b1);
    commit_block(&c2, b2);
    assert_memory_equal(cvm_store_last_hash(c1.store), cvm_store_last_hash(c2.store), CVM_HASH_BYTES);
    chain_close(&c1);
    chain_close(&c2);
}

static void test_reputation(void **state)
{
    (void)state;
    chain c;
    setup_chain(&c); /* account 1: 100, account 2: 5 */
    deploy(&c, "Picky", ".contract Picky\n.reputation 5\n.method get readonly\n  Reputation\n");
    cvm_transaction txs[3] = {tx_of(1, "Picky", "get", NULL, 0), tx_of(2, "Picky", "get", NULL, 0),
                              tx_of(3, "Picky", "get", NULL, 0)};
    cvm_block_result *b = run_block(&c, txs, 3);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[0].outputs[0].v.i64, 100);
    expect(&b->receipts[1], CVM_SUCCESS, CVM_CODE_NONE); /* equal passes */
    assert_int_equal(b->receipts[1].outputs[0].v.i64, 5);
    expect(&b->receipts[2], CVM_ERROR_SMART_CONTRACT, CVM_CODE_INSUFFICIENT_REPUTATION); /* unknown: 0 */
    cvm_block_result_free(b);
    /* _Reputation.get */
    uint8_t addr[CVM_ADDRESS_BYTES];
    address_of(2, addr);
    cvm_arg a = cvm_arg_bytes(addr, sizeof addr);
    cvm_local_result *r = local_call(&c, 0, "_Reputation", "get", &a, 1);
    expect(&r->receipt, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(r->receipt.outputs[0].v.i64, 5);
    cvm_local_result_free(r);
    chain_close(&c);
}

static int count_events(void *ud, uint64_t height, uint64_t index, const uint8_t *data, size_t len)
{
    (void)index;
    cvm_arena arena;
    cvm_arena_init(&arena, NULL);
    cvm_event_record rec;
    cvm_errmsg err;
    assert_int_equal(cvm_event_record_decode(data, len, &arena, &rec, err.text, sizeof err.text), CVM_OK);
    assert_int_equal(rec.height, height);
    int *n = ud;
    if (*n == 0) {
        assert_int_equal(rec.tx_index, 0);
        assert_string_equal(rec.event.service, "Counter");
        assert_string_equal(rec.event.name, "Counted");
        assert_int_equal(rec.event.fields[0].value.v.i64, 2);
    } else {
        assert_int_equal(rec.tx_index, 2);
        assert_int_equal(rec.event.fields[0].value.v.i64, 5);
    }
    (*n)++;
    cvm_arena_free(&arena);
    return 0;
}

static void test_commit_stores_events(void **state)
{
    (void)state;
    chain c;
    setup_chain(&c);
    cvm_arg a2 = cvm_arg_int64(2), a3 = cvm_arg_int64(3);
    cvm_transaction txs[3] = {tx_of(1, "Counter", "increment", &a2, 1), tx_of(1, "Counter", "failing", &a2, 1),
                              tx_of(1, "Counter", "increment", &a3, 1)};
    cvm_block_result *b = run_block(&c, txs, 3);
    uint64_t h = b->height;
    commit_block(&c, b);
    int n = 0;
    assert_int_equal(cvm_store_events(c.store, h, h, count_events, &n), CVM_OK);
    assert_int_equal(n, 2); /* the failed transaction's event is not there */
    chain_close(&c);
}

static void test_lmdb_survives_reopen(void **state)
{
    (void)state;
    char tmp[] = "/tmp/cvm-vm-XXXXXX";
    assert_non_null(mkdtemp(tmp));
    cvm_errmsg err;
    cvm_store *s;
    assert_int_equal(cvm_lmdbstore_open(NULL, tmp, &s, &err), CVM_OK);
    chain c;
    chain_open_store(&c, s);
    int64_t reps[] = {100};
    genesis(&c, reps, 1);
    deploy(&c, "Counter", COUNTER);
    cvm_arg a = cvm_arg_int64(11);
    run1(&c, tx_of(1, "Counter", "increment", &a, 1), CVM_SUCCESS, CVM_CODE_NONE, NULL);
    uint8_t hash[CVM_HASH_BYTES];
    memcpy(hash, cvm_store_last_hash(s), sizeof hash);
    chain_close(&c);

    assert_int_equal(cvm_lmdbstore_open(NULL, tmp, &s, &err), CVM_OK);
    chain_open_store(&c, s);
    assert_int_equal(cvm_store_height(s), 3);
    assert_memory_equal(cvm_store_last_hash(s), hash, sizeof hash);
    assert_int_equal(local_i64(&c, "Counter", "get"), 11);
    run1(&c, tx_of(1, "Counter", "increment", &a, 1), CVM_SUCCESS, CVM_CODE_NONE, NULL);
    assert_int_equal(local_i64(&c, "Counter", "get"), 22);
    chain_close(&c);
    store_dir_remove(tmp);
}

static void test_heights_checked(void **state)
{
    (void)state;
    chain c;
    chain_open(&c);
    cvm_block_result *b = NULL;
    assert_int_equal(cvm_vm_process_transaction_set(c.vm, 2, 0, NULL, 0, &b), CVM_ESTATE);
    assert_null(b);
    assert_non_null(strstr(cvm_vm_errmsg(c.vm), "must be 1"));
    assert_int_equal(cvm_vm_process_transaction_set(c.vm, 1, 0, NULL, 0, &b), CVM_OK);
    assert_int_equal(b->ndiff, 0);
    commit_block(&c, b);
    assert_int_equal(cvm_vm_genesis(c.vm, 0, NULL, 0, &b), CVM_ESTATE);
    chain_close(&c);
}

static const char *CACHE = ".contract Cache\n"
                           ".method mix\n  Push 41\n  Store \"5\"\n  Push 5\n  Load\n  Push 1\n  Add\n"
                           "  Push 5\n  Swap\n  Store\n  Load \"5\"\n"
                           ".method many\n  Push 0\n  LocalSet 0\n"
                           "fill:\n  LocalGet 0\n  LocalGet 0\n  Push 1\n  Add\n  Store\n"
                           "  LocalGet 0\n  Push 1\n  Add\n  Dup\n  LocalSet 0\n  Push 20\n  Lt\n  JumpIf fill\n"
                           "  Push 0\n  LocalSet 0\n"
                           "sum:\n  LocalGet 1\n  LocalGet 0\n  Load\n  Add\n  LocalSet 1\n"
                           "  LocalGet 0\n  Push 1\n  Add\n  Dup\n  LocalSet 0\n  Push 20\n  Lt\n  JumpIf sum\n"
                           "  LocalGet 1\n"
                           ".method lib\n  Push 7\n  Store \"k\"\n  Push 0\n  CallLibrary \"Lib.readk\"\n"
                           "  Push 0\n  CallLibrary \"Lib.writek\"\n  Pop\n  Load \"k\"\n  Add\n"
                           ".method long\n  Push 3\n  Store \"a-key-longer-than-thirty-two-bytes-0123\"\n"
                           "  Load \"a-key-longer-than-thirty-two-bytes-0123\"\n";

static const char *LIB = ".contract Lib\n"
                         ".method readk params 1\n  Pop\n  Load \"k\"\n"
                         ".method writek params 1\n  Pop\n  Push 99\n  Store \"k\"\n  Push 0\n";

/* The bytecode processor's write-back cache may not be observable. */
static void test_state_cache_is_invisible(void **state)
{
    (void)state;
    chain c;
    setup_chain(&c);
    deploy(&c, "Cache", CACHE);
    deploy(&c, "Lib", LIB);
    cvm_transaction txs[4] = {tx_of(1, "Cache", "mix", NULL, 0), tx_of(1, "Cache", "many", NULL, 0),
                              tx_of(1, "Cache", "lib", NULL, 0), tx_of(1, "Cache", "long", NULL, 0)};
    cvm_block_result *b = run_block(&c, txs, 4);
    for (int i = 0; i < 4; i++)
        expect(&b->receipts[i], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[0].outputs[0].v.i64, 42); /* a popped key equal to a constant */
    assert_int_equal(b->receipts[1].outputs[0].v.i64, 210); /* 20 keys through 8 slots */
    assert_int_equal(b->receipts[2].outputs[0].v.i64, 7 + 99); /* the library saw and changed the namespace */
    assert_int_equal(b->receipts[3].outputs[0].v.i64, 3);
    /* keys "0".."19", "5" last written 6 by `many`, "k", the long key */
    assert_int_equal(b->ndiff, 22);
    assert_int_equal(le64(change_of(b, "Cache", "5")->value), 6);
    assert_int_equal(le64(change_of(b, "Cache", "k")->value), 99);
    assert_null(change_of(b, "Lib", "k"));
    commit_block(&c, b);
    chain_close(&c);
}

/* Constant keys pinned per run (cvm_host.resolve in the bytecode host) stay
 * coherent with popped keys, nested calls and rollbacks. */
static const char *PINS = ".contract Pins\n"
                          /* a popped key cached first, then pinned by a constant: it moves */
                          ".method migrate\n  Push 5\n  Push 41\n  Store\n  Load \"5\"\n  Push 1\n  Add\n"
                          "  Store \"5\"\n  Push 5\n  Load\n"
                          /* the callee (this service again) sees the pinned write, the caller its write */
                          ".method self\n  Push 10\n  Store \"count\"\n  CallService \"Pins.bump\"\n  Pop\n"
                          "  Load \"count\"\n"
                          ".method bump\n  Load \"count\"\n  Push 1\n  Add\n  Dup\n  Store \"count\"\n"
                          /* the same key in another service's namespace */
                          ".method other\n  Push 5\n  Store \"count\"\n  CallService \"Other.inc\"\n"
                          "  Load \"count\"\n  Add\n"
                          /* a failing callee: the whole transaction is undone */
                          ".method fails\n  Push 77\n  Store \"count\"\n  CallService \"Pins.boom\"\n"
                          ".method boom\n  Push 78\n  Store \"count\"\n  Push 3\n  Abort\n"
                          ".method get readonly\n  Load \"count\"\n";

static const char *OTHER = ".contract Other\n"
                           ".method inc\n  Load \"count\"\n  Push 1\n  Add\n  Dup\n  Store \"count\"\n";

static void test_pinned_keys(void **state)
{
    (void)state;
    chain c;
    setup_chain(&c);
    deploy(&c, "Pins", PINS);
    deploy(&c, "Other", OTHER);
    cvm_transaction txs[] = {tx_of(1, "Pins", "migrate", NULL, 0), tx_of(1, "Pins", "self", NULL, 0),
                             tx_of(1, "Pins", "other", NULL, 0),   tx_of(1, "Pins", "fails", NULL, 0),
                             tx_of(1, "Pins", "get", NULL, 0)};
    cvm_block_result *b = run_block(&c, txs, 5);
    const cvm_receipt *r = b->receipts;
    expect(&r[0], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(r[0].outputs[0].v.i64, 42);
    expect(&r[1], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(r[1].outputs[0].v.i64, 11);
    expect(&r[2], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(r[2].outputs[0].v.i64, 5 + 1);
    expect(&r[3], CVM_ERROR_SMART_CONTRACT, CVM_CODE_ABORTED);
    expect(&r[4], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(r[4].outputs[0].v.i64, 5); /* tx 3's writes are gone */
    assert_int_equal(b->ndiff, 3);
    assert_int_equal(le64(change_of(b, "Pins", "5")->value), 42);
    assert_int_equal(le64(change_of(b, "Pins", "count")->value), 5);
    assert_int_equal(le64(change_of(b, "Other", "count")->value), 1);
    commit_block(&c, b);
    chain_close(&c);
}

/* Through pinned keys, a value written back equal to the stored one, a
 * key deleted and restored, and a delete of an absent key leave no diff
 * entry; a deleted key's entry has an empty value. */
static void test_pinned_write_backs_leave_no_diff(void **state)
{
    (void)state;
    chain c;
    setup_chain(&c);
    deploy(&c, "W", ".contract W\n"
                    ".method set\n  Push 5\n  Store \"n\"\n  Push 6\n  Store \"m\"\n"
                    ".method same\n  Load \"n\"\n  Store \"n\"\n  Push 5\n  Store \"n\"\n"
                    "  Push 0\n  Store \"m\"\n  Push 0\n  CallService \"W.restore\"\n  Pop\n"
                    "  Push 0\n  Store \"absent\"\n  Load \"m\"\n"
                    ".method restore params 1\n  Pop\n  Load \"m\"\n  Push 6\n  Add\n  Store \"m\"\n  Push 0\n"
                    ".method del\n  Push 0\n  Store \"n\"\n  Load \"n\"\n");
    run1(&c, tx_of(1, "W", "set", NULL, 0), CVM_SUCCESS, CVM_CODE_NONE, NULL);
    cvm_transaction t = tx_of(1, "W", "same", NULL, 0);
    cvm_block_result *b = run_block(&c, &t, 1);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[0].outputs[0].v.i64, 6);
    assert_int_equal(b->ndiff, 0);
    commit_block(&c, b);
    t = tx_of(1, "W", "del", NULL, 0);
    b = run_block(&c, &t, 1);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[0].outputs[0].v.i64, 0);
    assert_int_equal(b->ndiff, 1);
    assert_int_equal(change_of(b, "W", "n")->value_len, 0);
    commit_block(&c, b);
    chain_close(&c);
}

/* More constant keys in one run than the host pins: the rest go by key. */
static void test_many_pinned_keys(void **state)
{
    (void)state;
    chain c;
    setup_chain(&c);
    char src[8192] = ".contract Many\n.method main\n";
    for (int i = 0; i < 45; i++)
        snprintf(src + strlen(src), sizeof src - strlen(src), "  Push %d\n  Store \"key%d\"\n", i + 1, i);
    strcat(src, "  Push 0\n");
    for (int i = 0; i < 45; i++)
        snprintf(src + strlen(src), sizeof src - strlen(src), "  Load \"key%d\"\n  Add\n", i);
    for (int i = 0; i < 45; i++) /* the popped forms of none of them: keys are "keyN" */
        snprintf(src + strlen(src), sizeof src - strlen(src), "  Push 100\n  Store \"key%d\"\n", i);
    strcat(src, "  CallService \"Many.sum\"\n  Add\n");
    strcat(src, ".method sum\n  Push 0\n");
    for (int i = 0; i < 45; i++)
        snprintf(src + strlen(src), sizeof src - strlen(src), "  Load \"key%d\"\n  Add\n", i);
    deploy(&c, "Many", src);
    cvm_transaction t = tx_of(1, "Many", "main", NULL, 0);
    cvm_block_result *b = run_block(&c, &t, 1);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[0].outputs[0].v.i64, 45 * 46 / 2 + 45 * 100);
    assert_int_equal(b->ndiff, 45);
    assert_int_equal(le64(change_of(b, "Many", "key44")->value), 100);
    commit_block(&c, b);
    chain_close(&c);
}

/* ---- constant keys (pinned) against popped keys (the keyed cache) ----
 * The same random programs twice, once naming numeric keys as constants
 * (`Load "2"`: pinned per run) and once popping them (`Push 2; Load`: the
 * keyed slots), with self calls, libraries in the caller's namespace,
 * another service's same keys, deletions, write-backs of the stored value
 * and aborted transactions, with 4 keys or with 40 (more than the host pins
 * and, with the call targets, more constants than the interpreter keeps
 * handles for), the constant form traced or in the switch loop by turns:
 * results, events and the diff must agree. The programs are progen's
 * (tests/support/progen.h), which the VM fuzz harness also draws from. */

static void pg_step(void *ud, uint64_t height, size_t tx, const cvm_trace_step *st)
{
    (void)height;
    (void)tx;
    (void)st;
    ++*(size_t *)ud;
}

/* A chain with D, L and O of seed; the constant form runs traced, in the
 * switch loop or in the default one by turns. */
static void pg_chain(chain *c, uint64_t seed, int popped, int nmethods, size_t *steps)
{
    static char buf[65536];
    progen g = {.seed = seed, .p = buf, .cap = sizeof buf, .nkeys = seed % 4 ? 4 : 40}; /* 40: beyond the pins and the handle cache */
    cvm_vm_options o = {0};
    if (!popped && seed % 3 == 1)
        o.dispatch = CVM_DISPATCH_SWITCH;
    if (!popped && seed % 3 == 2) {
        o.trace = pg_step;
        o.trace_ud = steps;
    }
    assert_int_equal(cvm_memstore_open(NULL, &c->store), CVM_OK);
    assert_int_equal(cvm_vm_new(&o, c->store, &c->vm), CVM_OK);
    int64_t reps[] = {100};
    genesis(c, reps, 1);
    buf[0] = '\0';
    progen_module(&g, "D", popped, nmethods);
    assert_false(g.full);
    deploy(c, "D", buf);
    buf[0] = '\0';
    progen_put(&g, ".contract L\n");
    progen_bumps(&g, popped);
    deploy(c, "L", buf);
    buf[0] = '\0';
    progen_put(&g, ".contract O\n");
    progen_bumps(&g, popped);
    assert_false(g.full);
    deploy(c, "O", buf);
}

static void test_pinned_keys_match_popped_keys(void **state)
{
    (void)state;
    enum { METHODS = 6 };
    for (uint64_t seed = 1; seed <= 80; seed++) {
        chain a, b;
        size_t steps = 0;
        pg_chain(&a, seed, 0, METHODS, &steps);
        pg_chain(&b, seed, 1, METHODS, &steps);
        for (int block = 0; block < 2; block++) {
            cvm_transaction t[METHODS];
            char names[METHODS][8];
            for (int i = 0; i < METHODS; i++) {
                snprintf(names[i], sizeof names[i], "m%d", (i + block) % METHODS);
                t[i] = tx_of(1, "D", names[i], NULL, 0);
            }
            cvm_block_result *ra = run_block(&a, t, METHODS), *rb = run_block(&b, t, METHODS);
            for (int i = 0; i < METHODS; i++) {
                const cvm_receipt *x = &ra->receipts[i], *y = &rb->receipts[i];
                if (x->status != y->status || x->error.code != y->error.code)
                    fail_msg("seed %llu tx %d: %s (%s) against %s (%s)", (unsigned long long)seed, i,
                             cvm_code_name(x->error.code), x->error.message, cvm_code_name(y->error.code),
                             y->error.message);
                assert_int_equal(x->noutputs, y->noutputs);
                if (x->noutputs)
                    assert_int_equal(x->outputs[0].v.i64, y->outputs[0].v.i64);
                assert_int_equal(x->nlogs, y->nlogs);
                for (size_t j = 0; j < x->nlogs; j++)
                    assert_int_equal(x->logs[j], y->logs[j]);
                assert_int_equal(x->nevents, y->nevents);
                for (size_t j = 0; j < x->nevents; j++)
                    assert_int_equal(x->events[j].fields[0].value.v.i64, y->events[j].fields[0].value.v.i64);
            }
            if (ra->ndiff != rb->ndiff || memcmp(ra->diff_hash, rb->diff_hash, CVM_HASH_BYTES) != 0)
                fail_msg("seed %llu block %d: diffs of %zu and %zu entries differ", (unsigned long long)seed, block,
                         ra->ndiff, rb->ndiff);
            for (size_t j = 0; j < ra->ndiff; j++) /* a deleted key: an empty value; 0 is never stored */
                assert_true(ra->diff[j].value_len == 0 || le64(ra->diff[j].value) != 0);
            commit_block(&a, ra);
            commit_block(&b, rb);
            assert_int_equal(local_i64(&a, "D", "sum"), local_i64(&b, "D", "sum"));
        }
        assert_true(seed % 3 != 2 || steps > 0);
        chain_close(&a);
        chain_close(&b);
    }
}

/* Whatever an Emit names commits (an empty name too); a name that a C
 * string cannot hold fails its transaction, never the commit. */
static void test_event_names(void **state)
{
    (void)state;
    chain c;
    setup_chain(&c);
    deploy(&c, "E", ".contract E\n.method empty\n  Push 1\n  Emit \"\"\n  Push 2\n"
                    ".method nul\n  Push 1\n  Emit \"a\\x00b\"\n  Push 2\n");
    cvm_transaction t[2] = {tx_of(1, "E", "empty", NULL, 0), tx_of(1, "E", "nul", NULL, 0)};
    cvm_block_result *b = run_block(&c, t, 2);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    assert_string_equal(b->receipts[0].events[0].name, "");
    expect(&b->receipts[1], CVM_ERROR_SMART_CONTRACT, CVM_CODE_HOST_ERROR);
    assert_int_equal(b->receipts[1].error.pc, 4);
    commit_block(&c, b);
    chain_close(&c);
}

/* Two chains fed the same inputs give the same receipts and diff. */
static void test_deterministic(void **state)
{
    (void)state;
    chain c1, c2;
    setup_nested(&c1);
    setup_nested(&c2);
    cvm_arg a = cvm_arg_int64(3);
    cvm_transaction t[6] = {tx_of(1, "Outer", "viaService", NULL, 0), tx_of(2, "Counter", "increment", &a, 1),
                            tx_of(1, "Outer", "boom", NULL, 0),       tx_of(1, "Outer", "viaLibrary", NULL, 0),
                            tx_of(3, "Outer", "ping", NULL, 0),       tx_of(1, "_Info", "getInfo", NULL, 0)};
    cvm_block_result *b1 = run_block(&c1, t, 6), *b2 = run_block(&c2, t, 6);
    assert_memory_equal(b1->diff_hash, b2->diff_hash, CVM_HASH_BYTES);
    assert_int_equal(b1->ndiff, b2->ndiff);
    for (size_t i = 0; i < 6; i++) {
        const cvm_receipt *r1 = &b1->receipts[i], *r2 = &b2->receipts[i];
        assert_int_equal(r1->status, r2->status);
        assert_memory_equal(&r1->error, &r2->error, sizeof r1->error);
        assert_int_equal(r1->gas_used, r2->gas_used);
        assert_int_equal(r1->noutputs, r2->noutputs);
        assert_int_equal(r1->nevents, r2->nevents);
        assert_int_equal(r1->nlogs, r2->nlogs);
    }
    commit_block(&c1, b1);
    commit_block(&c2, b2);
    assert_memory_equal(cvm_store_last_hash(c1.store), cvm_store_last_hash(c2.store), CVM_HASH_BYTES);
    chain_close(&c1);
    chain_close(&c2);
}

typedef struct steps {
    size_t n, nested_calls;
    uint64_t height;
    size_t last_tx;
} steps;

static void on_step(void *ud, uint64_t height, size_t tx, const cvm_trace_step *st)
{
    steps *s = ud;
    s->n++;
    s->height = height;
    s->last_tx = tx;
    if (strcmp(st->op, "CallService") == 0)
        s->nested_calls++;
}

/* The VM's trace sees the transaction's own method, not its callees. */
static void test_trace(void **state)
{
    (void)state;
    chain c;
    setup_nested(&c);
    steps s = {0};
    cvm_vm_free(c.vm);
    cvm_vm_options o = {0};
    o.trace = on_step;
    o.trace_ud = &s;
    assert_int_equal(cvm_vm_new(&o, c.store, &c.vm), CVM_OK);
    cvm_transaction t[2] = {tx_of(1, "Counter", "get", NULL, 0), tx_of(1, "Outer", "viaService", NULL, 0)};
    cvm_block_result *b = run_block(&c, t, 2);
    expect(&b->receipts[1], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(s.n, 1 + 4); /* Load; then Push, CallService, Push, Add (Inner.put's 2 not seen) */
    assert_int_equal(s.nested_calls, 1);
    assert_int_equal(s.height, b->height);
    assert_int_equal(s.last_tx, 1);
    cvm_block_result_free(b);
    chain_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_reads_hit_storage_once),
        cmocka_unit_test(test_successive_writes_combine),
        cmocka_unit_test(test_services_do_not_interfere),
        cmocka_unit_test(test_failed_middle_transaction),
        cmocka_unit_test(test_call_service_switches_namespace),
        cmocka_unit_test(test_events_belong_to_callee),
        cmocka_unit_test(test_nested_call_failures),
        cmocka_unit_test(test_gas_of_nested_call),
        cmocka_unit_test(test_not_deployed_and_auto_deploy),
        cmocka_unit_test(test_local_method),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_diff_independent_of_write_order),
        cmocka_unit_test(test_reputation),
        cmocka_unit_test(test_commit_stores_events),
        cmocka_unit_test(test_lmdb_survives_reopen),
        cmocka_unit_test(test_heights_checked),
        cmocka_unit_test(test_state_cache_is_invisible),
        cmocka_unit_test(test_pinned_keys),
        cmocka_unit_test(test_pinned_write_backs_leave_no_diff),
        cmocka_unit_test(test_many_pinned_keys),
        cmocka_unit_test(test_pinned_keys_match_popped_keys),
        cmocka_unit_test(test_event_names),
        cmocka_unit_test(test_trace),
        cmocka_unit_test(test_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
