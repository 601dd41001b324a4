/*
 * test_native.c — the native services and the call path's rules that need
 * a service of one's own: _Deployments (deploy errors, getInfo, getCode,
 * initial state), _Info, and, through a test processor driving the real
 * call path, the caller address along a chain of calls and the system-only
 * permission.
 */
#include "native/native.h"
#include "vm/vmtest.h"

static const char *GOOD = ".contract Good\n.state count 41\n.state other 0\n"
                          ".method get readonly\n  Load \"count\"\n";

static void deploy_expect(chain *c, const char *name, uint64_t proc, const uint8_t *code, size_t len,
                          cvm_exec_status st, cvm_code code_, const char *msg)
{
    cvm_arg a[3] = {cvm_arg_stringn(name, strlen(name)), cvm_arg_uint64(proc), cvm_arg_bytes(code, len)};
    cvm_transaction t = tx_of(1, "_Deployments", "deployService", a, 3);
    cvm_block_result *b = run_block(c, &t, 1);
    expect(&b->receipts[0], st, code_);
    if (msg)
        assert_string_equal(b->receipts[0].error.message, msg);
    if (st != CVM_SUCCESS)
        assert_int_equal(b->ndiff, 0);
    commit_block(c, b);
}

static void test_deploy_errors(void **state)
{
    (void)state;
    chain c;
    chain_open(&c);
    int64_t reps[] = {1};
    genesis(&c, reps, 1);
    size_t len;
    uint8_t *code = code_of(GOOD, &len);
    deploy_expect(&c, "Counter", CVM_PROCESSOR_BYTECODE, code, len, CVM_SUCCESS, CVM_CODE_NONE, NULL);
    deploy_expect(&c, "Counter", CVM_PROCESSOR_BYTECODE, code, len, CVM_ERROR_SMART_CONTRACT,
                  CVM_CODE_DEPLOYMENT_FAILED, "service Counter is already deployed");
    deploy_expect(&c, "bad-name", CVM_PROCESSOR_BYTECODE, code, len, CVM_ERROR_SMART_CONTRACT,
                  CVM_CODE_DEPLOYMENT_FAILED, "service name bad-name: character 4 is not a letter or digit");
    deploy_expect(&c, "_Mine", CVM_PROCESSOR_BYTECODE, code, len, CVM_ERROR_SMART_CONTRACT,
                  CVM_CODE_DEPLOYMENT_FAILED, "service name _Mine: a leading '_' is reserved for system services");
    deploy_expect(&c, "", CVM_PROCESSOR_BYTECODE, code, len, CVM_ERROR_SMART_CONTRACT, CVM_CODE_DEPLOYMENT_FAILED,
                  "a service name has 1 to 63 characters, got 0");
    deploy_expect(&c, "Native", CVM_PROCESSOR_NATIVE, code, len, CVM_ERROR_SMART_CONTRACT,
                  CVM_CODE_DEPLOYMENT_FAILED, NULL);
    uint8_t junk[] = {1, 2, 3};
    deploy_expect(&c, "Junk", CVM_PROCESSOR_BYTECODE, junk, sizeof junk, CVM_ERROR_SMART_CONTRACT,
                  CVM_CODE_DEPLOYMENT_FAILED, NULL);
    /* the initial state is in place */
    assert_int_equal(local_i64(&c, "Counter", "get"), 41);
    /* getInfo / getCode */
    cvm_arg n = cvm_arg_stringn("Counter", 7);
    cvm_local_result *r = local_call(&c, 1, "_Deployments", "getCode", &n, 1);
    expect(&r->receipt, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(r->receipt.outputs[0].v.bytes.len, len);
    assert_memory_equal(r->receipt.outputs[0].v.bytes.ptr, code, len);
    cvm_local_result_free(r);
    r = local_call(&c, 1, "_Deployments", "getInfo", &n, 1);
    assert_int_equal(r->receipt.outputs[0].v.u64, CVM_PROCESSOR_BYTECODE);
    cvm_local_result_free(r);
    cvm_arg missing = cvm_arg_stringn("Missing", 7);
    r = local_call(&c, 1, "_Deployments", "getInfo", &missing, 1);
    expect(&r->receipt, CVM_ERROR_SMART_CONTRACT, CVM_CODE_CONTRACT_NOT_DEPLOYED);
    cvm_local_result_free(r);
    free_code(code);
    chain_close(&c);
}

static void test_deploy_and_use_in_one_set(void **state)
{
    (void)state;
    chain c;
    chain_open(&c);
    size_t len;
    uint8_t *code = code_of(GOOD, &len);
    cvm_arg a[3] = {cvm_arg_stringn("Good", 4), cvm_arg_uint64(CVM_PROCESSOR_BYTECODE), cvm_arg_bytes(code, len)};
    cvm_transaction txs[3] = {tx_of(1, "Good", "get", NULL, 0), tx_of(1, "_Deployments", "deployService", a, 3),
                              tx_of(1, "Good", "get", NULL, 0)};
    cvm_block_result *b = run_block(&c, txs, 3);
    expect(&b->receipts[0], CVM_ERROR_CONTRACT_NOT_DEPLOYED, CVM_CODE_CONTRACT_NOT_DEPLOYED);
    expect(&b->receipts[1], CVM_SUCCESS, CVM_CODE_NONE);
    expect(&b->receipts[2], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(b->receipts[2].outputs[0].v.i64, 41);
    cvm_block_result_free(b);
    free_code(code);
    chain_close(&c);
}

static void test_info(void **state)
{
    (void)state;
    chain c;
    chain_open(&c);
    genesis(&c, NULL, 0);
    cvm_local_result *r = local_call(&c, 0, "_Info", "isAlive", NULL, 0);
    expect(&r->receipt, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(r->receipt.outputs[0].type, CVM_ARG_BOOL);
    assert_int_equal(r->receipt.outputs[0].v.boolean, 1);
    cvm_local_result_free(r);
    chain_close(&c);
}

/* ------------------------------------------------- a test processor */

/* Each frame records the caller address it saw, then calls the next
 * service of the chain ("_A" -> "B" -> "C"), through the real invoke. */
typedef struct probe {
    uint8_t callers[4][CVM_ADDRESS_BYTES];
    uint8_t owners[4][CVM_ADDRESS_BYTES];
    size_t n;
    unsigned flags_of_next;
    const char *system_one; /* this callee's method is system-only */
} probe;

static probe *the_probe; /* tests only: the processor has no user data */

static const cvm_processor probe_processor;

static void probe_call(cvm_context *ctx, const cvm_method_info *mi, const cvm_arg *args, size_t nargs,
                       cvm_call_out *out)
{
    (void)args;
    (void)nargs;
    probe *p = the_probe;
    memcpy(p->callers[p->n], cvm_sdk_caller(ctx), CVM_ADDRESS_BYTES);
    memcpy(p->owners[p->n], cvm_sdk_own_address(ctx), CVM_ADDRESS_BYTES);
    p->n++;
    out->status = CVM_SUCCESS;
    /* "_A" -> "B" -> "C"; "X" -> "_A" as a library */
    const char *next = strcmp(mi->name, "_A") == 0 ? "B"
                       : strcmp(mi->name, "B") == 0 ? "C"
                       : strcmp(mi->name, "X") == 0 ? "_A"
                                                    : NULL;
    if (!next)
        return;
    cvm_target t;
    memset(&t, 0, sizeof t);
    t.proc = &probe_processor;
    strcpy(t.service, next);
    cvm_address_of_service(next, t.address);
    t.mi.name = next;
    t.mi.flags = p->flags_of_next | (p->system_one && strcmp(next, p->system_one) == 0 ? CVM_MF_SYSTEM : 0);
    cvm_call_invoke(ctx, strcmp(mi->name, "X") == 0 ? CVM_CALL_LIBRARY : CVM_CALL_SERVICE, &t, NULL, 0, out);
}

static const cvm_processor probe_processor = {99, "probe", NULL, probe_call, NULL};

static void run_probe(chain *c, const char *first, unsigned flags_first, unsigned flags_next, cvm_call_out *out,
                      bool system)
{
    cvm_arena arena;
    cvm_arena_init(&arena, NULL);
    cvm_context ctx;
    assert_int_equal(cvm_ctx_init(&ctx, c->vm, &arena, false), CVM_OK);
    ctx.system = system;
    uint8_t signer[CVM_ADDRESS_BYTES];
    address_of(7, signer);
    cvm_ctx_begin(&ctx, signer);
    the_probe->flags_of_next = flags_next;
    cvm_target t;
    memset(&t, 0, sizeof t);
    t.proc = &probe_processor;
    strcpy(t.service, first);
    cvm_address_of_service(first, t.address);
    t.mi.name = first;
    t.mi.flags = flags_first;
    cvm_call_invoke(&ctx, CVM_CALL_TX, &t, NULL, 0, out);
    assert_int_equal(ctx.depth, 0);
    cvm_ctx_free(&ctx);
    cvm_arena_free(&arena);
}

static void test_caller_address_along_a_chain(void **state)
{
    (void)state;
    chain c;
    chain_open(&c);
    probe p = {0};
    the_probe = &p;
    cvm_call_out out;
    run_probe(&c, "_A", 0, 0, &out, false);
    assert_int_equal(out.status, CVM_SUCCESS);
    assert_int_equal(p.n, 3);
    uint8_t signer[CVM_ADDRESS_BYTES], a[CVM_ADDRESS_BYTES], b[CVM_ADDRESS_BYTES], cc[CVM_ADDRESS_BYTES];
    address_of(7, signer);
    cvm_address_of_service("_A", a);
    cvm_address_of_service("B", b);
    cvm_address_of_service("C", cc);
    assert_memory_equal(p.callers[0], signer, CVM_ADDRESS_BYTES); /* depth 1: the signer */
    assert_memory_equal(p.callers[1], a, CVM_ADDRESS_BYTES);      /* then the calling service */
    assert_memory_equal(p.callers[2], b, CVM_ADDRESS_BYTES);
    assert_memory_equal(p.owners[0], a, CVM_ADDRESS_BYTES);
    assert_memory_equal(p.owners[2], cc, CVM_ADDRESS_BYTES);
    the_probe = NULL;
    chain_close(&c);
}

static void test_system_methods(void **state)
{
    (void)state;
    chain c;
    chain_open(&c);
    probe p = {0};
    the_probe = &p;
    cvm_call_out out;
    /* the signer calls a system method: denied */
    run_probe(&c, "_A", CVM_MF_SYSTEM, 0, &out, false);
    assert_int_equal(out.status, CVM_ERROR_INPUT);
    assert_int_equal(out.error.code, CVM_CODE_PERMISSION_DENIED);
    assert_int_equal(p.n, 0);
    /* the VM (genesis) may */
    p.n = 0;
    run_probe(&c, "_A", CVM_MF_SYSTEM, 0, &out, true);
    assert_int_equal(out.status, CVM_SUCCESS);
    /* a system service (_A) may call one; B, not a system service, may not */
    p.n = 0;
    run_probe(&c, "_A", 0, CVM_MF_SYSTEM, &out, false);
    assert_int_equal(out.status, CVM_ERROR_INPUT);
    assert_int_equal(out.error.code, CVM_CODE_PERMISSION_DENIED);
    assert_int_equal(p.n, 2); /* _A ran, B ran (called by _A), C refused (called by B) */
    /* X runs _A's code as a library: _A's code is X then, not a system caller */
    p.n = 0;
    p.system_one = "B";
    run_probe(&c, "X", 0, 0, &out, false);
    assert_int_equal(out.error.code, CVM_CODE_PERMISSION_DENIED);
    assert_int_equal(p.n, 2);
    uint8_t x[CVM_ADDRESS_BYTES];
    cvm_address_of_service("X", x);
    assert_memory_equal(p.owners[1], x, CVM_ADDRESS_BYTES); /* the library's own address is X's */
    /* ... while _A itself may call B */
    p.n = 0;
    run_probe(&c, "_A", 0, 0, &out, false);
    assert_int_equal(out.status, CVM_SUCCESS);
    assert_int_equal(p.n, 3);
    p.system_one = NULL;
    /* read-write in a read-only frame */
    p.n = 0;
    run_probe(&c, "_A", 0, CVM_MF_WRITES, &out, false);
    assert_int_equal(out.status, CVM_ERROR_INPUT);
    assert_int_equal(out.error.code, CVM_CODE_READ_ONLY_VIOLATION);
    the_probe = NULL;
    chain_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deploy_errors),
        cmocka_unit_test(test_deploy_and_use_in_one_set),
        cmocka_unit_test(test_info),
        cmocka_unit_test(test_caller_address_along_a_chain),
        cmocka_unit_test(test_system_methods),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
