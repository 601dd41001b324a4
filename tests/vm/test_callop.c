/*
 * test_callop.c — the CallService / CallLibrary opcodes against a fake host
 * call callback: arguments taken from the top (first deepest), the result
 * pushed, the callee's gas charged, a failing callee trapping the caller,
 * and the depth after the call checked for real (the table cannot know how
 * many values the callee pops).
 */
#include "vm/vmtest.h"

typedef struct fake {
    size_t params;
    int64_t gas;
    cvm_code fail;
    int64_t seen[8];
    size_t nseen;
    int library;
    char target[32];
} fake;

static cvm_code fake_call(void *ud, const cvm_call_request *req, cvm_call_reply *rep, cvm_error *err)
{
    fake *f = ud;
    f->library = req->library;
    snprintf(f->target, sizeof f->target, "%.*s", (int)req->target_len, (const char *)req->target);
    rep->gas_used = f->gas;
    if (req->depth < f->params) {
        snprintf(err->message, sizeof err->message, "needs %zu", f->params);
        return CVM_CODE_STACK_UNDERFLOW;
    }
    if (f->fail) {
        snprintf(err->message, sizeof err->message, "callee failed");
        return f->fail;
    }
    rep->popped = f->params;
    f->nseen = f->params;
    int64_t sum = 0;
    for (size_t i = 0; i < f->params; i++) {
        f->seen[i] = req->stack[req->depth - f->params + i];
        sum = sum * 10 + f->seen[i];
    }
    rep->result = sum;
    return CVM_CODE_NONE;
}

static cvm_dispatch dispatch; /* each test runs under both loops */

static cvm_exec_result run(const char *src, fake *f, int with_callback)
{
    cvm_module *m = NULL;
    assert_int_equal(cvm_assemble(NULL, src, strlen(src), "t.asm", NULL, NULL, &m, NULL), CVM_OK);
    cvm_host h;
    memset(&h, 0, sizeof h);
    h.ud = f;
    h.call = with_callback ? fake_call : NULL;
    cvm_exec_result res;
    cvm_exec_options o = {0, dispatch};
    assert_int_equal(cvm_exec(m, "main", NULL, 0, &h, &o, &res), CVM_OK);
    cvm_module_free(m);
    return res;
}

static void test_arguments_result_and_gas(void **state)
{
    (void)state;
    fake f = {.params = 2, .gas = 40};
    cvm_exec_result r = run(".method main\n  Push 9\n  Push 1\n  Push 2\n  CallService \"S.f\"\n  Add\n", &f, 1);
    assert_int_equal(r.status, CVM_SUCCESS);
    assert_int_equal(r.result, 9 + 12);
    assert_int_equal(f.seen[0], 1);
    assert_int_equal(f.seen[1], 2);
    assert_int_equal(f.library, 0);
    assert_string_equal(f.target, "S.f");
    assert_int_equal(r.gas_used, 3 + 100 + 40 + 1);
    r = run(".method main\n  CallLibrary \"L.g\"\n", &(fake){.params = 0}, 1);
    assert_int_equal(r.status, CVM_SUCCESS);
}

static void test_depth_after_call_is_checked(void **state)
{
    (void)state;
    /* the table says +1; the callee took 3: Add must underflow, cleanly */
    fake f = {.params = 3};
    cvm_exec_result r =
        run(".method main\n  Push 1\n  Push 2\n  Push 3\n  CallService \"S.f\"\n  Add\n  Add\n", &f, 1);
    assert_int_equal(r.status, CVM_ERROR_SMART_CONTRACT);
    assert_int_equal(r.error.code, CVM_CODE_STACK_UNDERFLOW);
    assert_int_equal(r.error.pc, 4);
}

static void test_failures(void **state)
{
    (void)state;
    fake f = {.params = 1, .gas = 30, .fail = CVM_CODE_ABORTED};
    cvm_exec_result r = run(".method main\n  Push 1\n  CallService \"S.f\"\n", &f, 1);
    assert_int_equal(r.error.code, CVM_CODE_ABORTED);
    assert_string_equal(r.error.message, "callee failed");
    assert_int_equal(r.error.pc, 1);
    assert_int_equal(r.gas_used, 1 + 100 + 30); /* charged, failure or not */
    f = (fake){.params = 2};
    r = run(".method main\n  Push 1\n  CallService \"S.f\"\n", &f, 1);
    assert_int_equal(r.error.code, CVM_CODE_STACK_UNDERFLOW);
    r = run(".method main\n  CallService \"S.f\"\n", &f, 0);
    assert_int_equal(r.error.code, CVM_CODE_SERVICE_UNAVAILABLE);
    /* a callee using more than is left cannot make the gas negative */
    f = (fake){.params = 0, .gas = 1 << 30};
    r = run(".method main\n  CallService \"S.f\"\n", &f, 1);
    assert_int_equal(r.gas_used, CVM_DEFAULT_GAS_LIMIT);
}

static int use_switch(void **state)
{
    (void)state;
    dispatch = CVM_DISPATCH_SWITCH;
    return 0;
}

static int use_auto(void **state)
{
    (void)state;
    dispatch = CVM_DISPATCH_AUTO;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_arguments_result_and_gas, use_auto),
        cmocka_unit_test_setup(test_depth_after_call_is_checked, use_auto),
        cmocka_unit_test_setup(test_failures, use_auto),
        cmocka_unit_test_setup(test_arguments_result_and_gas, use_switch),
        cmocka_unit_test_setup(test_depth_after_call_is_checked, use_switch),
        cmocka_unit_test_setup(test_failures, use_switch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
