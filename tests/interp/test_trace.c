/*
 * test_trace.c — the trace hook: one step per executed instruction, before
 * it is charged, with the module's pc, operand as written, string operands,
 * depth, top, gas left, call depth and line; identical in every variant
 * (fused code is traced unfused).
 */
#include "interp_test.h"

static void test_trace_steps(void **state)
{
    (void)state;
    th t = {.record_trace = 1};
    /* 0 Push 5; 1 Call 4; 2 Store "n"; 3 Halt; 4 LocalGet 0; 5 Push 1; 6 Add; 7 LocalSet 0; 8 Ret */
    cvm_module *m = PROG(0, STRS("n"), I1(PUSH, 5), I1(CALL, 4), I1(STORE, 0), I0(HALT), I1(LOCAL_GET, 0),
                         I1(PUSH, 1), I0(ADD), I1(LOCAL_SET, 0), I0(RET));
    cvm_exec_result r = run(m, &t, 200);
    assert_ok(&r, 0, 1 + 3 + 1 + 1 + 1 + 1 + 2 + 100 + 1);
    assert_string_equal(t.trace, "main 0 Push 5 d0 t0 g200 c0 l100;"
                                 "main 1 Call 4 d1 t5 g199 c0 l101;"
                                 "main 4 LocalGet 0 d1 t5 g196 c1 l104;"
                                 "main 5 Push 1 d2 t0 g195 c1 l105;"
                                 "main 6 Add d3 t1 g194 c1 l106;"
                                 "main 7 LocalSet 0 d2 t1 g193 c1 l107;"
                                 "main 8 Ret d1 t5 g192 c1 l108;"
                                 "main 2 Store \"n\"(0) d1 t5 g190 c0 l102;"
                                 "main 3 Halt d0 t0 g90 c0 l103;");
    assert_string_equal(t.calls, "store n=5;");
    cvm_module_free(m);
}

static void test_trace_of_a_trap(void **state)
{
    (void)state;
    /* the instruction that runs out of gas is traced, then stops */
    th t = {.record_trace = 1};
    cvm_module *m = PROG(0, NULL, I1(PUSH, 1), I1(PUSH, 2), I0(ADD), I0(HALT));
    cvm_exec_result r = run(m, &t, 2);
    assert_trap(&r, CVM_CODE_OUT_OF_GAS, "Add costs 1 gas, 0 left", 2, 2);
    assert_string_equal(t.trace, "main 0 Push 1 d0 t0 g2 c0 l100;"
                                 "main 1 Push 2 d1 t1 g1 c0 l101;"
                                 "main 2 Add d2 t2 g0 c0 l102;");
    cvm_module_free(m);

    /* falling off the end adds no step */
    memset(&t, 0, sizeof t);
    t.record_trace = 1;
    m = PROG(0, NULL, I1(PUSH, -4));
    r = run(m, &t, 0);
    assert_ok(&r, -4, 1);
    assert_string_equal(t.trace, "main 0 Push -4 d0 t0 g1000000 c0 l100;");
    cvm_module_free(m);
}

static void test_trace_labels_in_later_methods(void **state)
{
    (void)state;
    /* label operands are traced as written (module pcs), in any method */
    cvm_module *m = cvm_module_new(NULL);
    mb_name(m, "Two");
    const cvm_insn code[] = {I0(HALT), I1(JUMP, 3), I0(HALT), I1(PUSH, 7)};
    mb_code(m, code, 4);
    mb_method(m, "a", 0, 1, 0, 0);
    mb_method(m, "b", 1, 3, 0, 0);
    char err[256];
    assert_int_equal(cvm_verify(m, err, sizeof err), CVM_OK);
    assert_int_equal(cvm_interp_prepare(m), CVM_OK);
    th t = {.record_trace = 1};
    cvm_exec_result r = run_args(m, "b", NULL, 0, &t, 10);
    assert_ok(&r, 7, 3);
    assert_string_equal(t.trace, "b 1 Jump 3 d0 t0 g10 c0 l0;b 3 Push 7 d0 t0 g8 c0 l0;");
    cvm_module_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_steps),
        cmocka_unit_test(test_trace_of_a_trap),
        cmocka_unit_test(test_trace_labels_in_later_methods),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
