/*
 * test_ops.c — every opcode's result, stack effect and gas, in every
 * interpreter variant (interp_test.h runs each case eight ways).
 */
#include "interp_test.h"

#include <stdint.h>

/* Push a; Push b; op; Halt — returns the result and checks gas. */
static cvm_exec_result binop(unsigned op, int64_t a, int64_t b)
{
    cvm_insn code[] = {I1(PUSH, a), I1(PUSH, b), {(uint8_t)op, 0, 0}, I0(HALT)};
    cvm_module *m = prog_n(0, NULL, code, 4);
    th t = {0};
    cvm_exec_result r = run(m, &t, 0);
    cvm_module_free(m);
    return r;
}

static int64_t binop_ok(unsigned op, int64_t a, int64_t b)
{
    cvm_exec_result r = binop(op, a, b);
    assert_int_equal(r.status, CVM_SUCCESS);
    assert_int_equal(r.gas_used, 3 + cvm_opinfo_of(op)->gas);
    return r.result;
}

static void test_arithmetic(void **state)
{
    (void)state;
    assert_int_equal(binop_ok(CVM_OP_ADD, 2, 3), 5);
    assert_int_equal(binop_ok(CVM_OP_ADD, -2, -3), -5);
    assert_int_equal(binop_ok(CVM_OP_ADD, INT64_MAX, INT64_MIN), -1);
    assert_int_equal(binop_ok(CVM_OP_SUB, 2, 3), -1);
    assert_int_equal(binop_ok(CVM_OP_SUB, 10, INT64_MIN + 20), 10 - (INT64_MIN + 20));
    assert_int_equal(binop_ok(CVM_OP_SUB, -1, INT64_MIN), INT64_MAX);
    assert_int_equal(binop_ok(CVM_OP_MUL, -4, 5), -20);
    assert_int_equal(binop_ok(CVM_OP_MUL, INT64_MIN, 1), INT64_MIN);
    /* truncation toward zero, remainder with the sign of a */
    assert_int_equal(binop_ok(CVM_OP_DIV, -7, 2), -3);
    assert_int_equal(binop_ok(CVM_OP_DIV, 7, -2), -3);
    assert_int_equal(binop_ok(CVM_OP_DIV, -7, -2), 3);
    assert_int_equal(binop_ok(CVM_OP_DIV, 7, 2), 3);
    assert_int_equal(binop_ok(CVM_OP_MOD, -7, 2), -1);
    assert_int_equal(binop_ok(CVM_OP_MOD, 7, -2), 1);
    assert_int_equal(binop_ok(CVM_OP_MOD, -7, -2), -1);
    assert_int_equal(binop_ok(CVM_OP_MOD, 7, 2), 1);
    assert_int_equal(binop_ok(CVM_OP_DIV, INT64_MIN, 1), INT64_MIN);
    assert_int_equal(binop_ok(CVM_OP_DIV, INT64_MIN, 2), INT64_MIN / 2);
    assert_int_equal(binop_ok(CVM_OP_MOD, INT64_MIN, 3), INT64_MIN % 3);
}

static void test_compare_logic(void **state)
{
    (void)state;
    const int64_t pairs[][2] = {{1, 2}, {2, 1}, {3, 3}, {-5, 4}, {INT64_MIN, INT64_MAX}, {0, 0}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        int64_t a = pairs[i][0], b = pairs[i][1];
        assert_int_equal(binop_ok(CVM_OP_EQ, a, b), a == b);
        assert_int_equal(binop_ok(CVM_OP_NE, a, b), a != b);
        assert_int_equal(binop_ok(CVM_OP_LT, a, b), a < b);
        assert_int_equal(binop_ok(CVM_OP_LE, a, b), a <= b);
        assert_int_equal(binop_ok(CVM_OP_GT, a, b), a > b);
        assert_int_equal(binop_ok(CVM_OP_GE, a, b), a >= b);
        assert_int_equal(binop_ok(CVM_OP_AND, a, b), a != 0 && b != 0);
        assert_int_equal(binop_ok(CVM_OP_OR, a, b), a != 0 || b != 0);
    }
    assert_int_equal(binop_ok(CVM_OP_AND, 7, -3), 1);
    assert_int_equal(binop_ok(CVM_OP_OR, 0, -3), 1);

    const int64_t ones[] = {0, 1, -1, 42, INT64_MAX, INT64_MIN + 1};
    for (size_t i = 0; i < sizeof ones / sizeof ones[0]; i++) {
        th t = {0};
        cvm_module *m = PROG(0, NULL, I1(PUSH, ones[i]), I0(NOT), I1(PUSH, ones[i]), I0(NEG), I0(LOG), I0(HALT));
        cvm_exec_result r = run(m, &t, 0);
        assert_ok(&r, ones[i] == 0, 1 + 1 + 1 + 1 + 10 + 1);
        char want[64];
        snprintf(want, sizeof want, "log %lld;", (long long)-ones[i]);
        assert_string_equal(t.calls, want);
        cvm_module_free(m);
    }
}

/* Logs the whole stack from the top, so a test sees every value. */
static void test_stack_ops(void **state)
{
    (void)state;
    th t = {0};
    /* 1 2 3 Rot -> 2 3 1; Over -> 2 3 1 3; Swap -> 2 3 3 1; Dup -> 2 3 3 1 1; Pop -> 2 3 3 1 */
    cvm_module *m = PROG(0, NULL, I1(PUSH, 1), I1(PUSH, 2), I1(PUSH, 3), I0(ROT), I0(LOG), I0(LOG), I0(LOG),
                         I1(PUSH, 1), I1(PUSH, 2), I1(PUSH, 3), I0(ROT), I0(OVER), I0(SWAP), I0(DUP), I0(POP),
                         I0(LOG), I0(LOG), I0(LOG), I0(HALT));
    cvm_exec_result r = run(m, &t, 0);
    assert_string_equal(t.calls, "log 1;log 3;log 2;log 1;log 3;log 3;");
    assert_ok(&r, 2, 3 + 1 + 30 + 3 + 5 + 30 + 1);
    cvm_module_free(m);
}

static void test_push_values_and_empty_result(void **state)
{
    (void)state;
    th t = {0};
    cvm_module *m = PROG(0, NULL, I1(PUSH, INT64_MIN), I1(PUSH, INT64_MAX), I0(LOG), I0(HALT));
    cvm_exec_result r = run(m, &t, 0);
    assert_ok(&r, INT64_MIN, 13);
    assert_string_equal(t.calls, "log 9223372036854775807;");
    cvm_module_free(m);

    /* the result is 0 when the stack is empty at the end */
    m = PROG(0, NULL, I1(PUSH, 5), I0(POP), I0(HALT));
    r = run(m, &t, 0);
    assert_ok(&r, 0, 3);
    cvm_module_free(m);

    /* an empty method: nothing runs, no gas */
    m = prog_n(0, NULL, NULL, 0);
    r = run(m, &t, 0);
    assert_ok(&r, 0, 0);
    cvm_module_free(m);
}

static void test_args_and_locals(void **state)
{
    (void)state;
    th t = {0};
    /* args: first deepest. main(a, b) = a - b, then locals start at 0 */
    cvm_module *m = PROG(2, NULL, I0(SUB), I1(LOCAL_SET, 7), I1(LOCAL_GET, 255), I0(LOG), I1(LOCAL_GET, 7),
                         I1(LOCAL_GET, 7), I0(ADD), I0(HALT));
    int64_t args[] = {10, 3};
    cvm_exec_result r = run_args(m, "main", args, 2, &t, 0);
    assert_ok(&r, 14, 1 + 1 + 1 + 10 + 1 + 1 + 1 + 1);
    assert_string_equal(t.calls, "log 0;");
    cvm_module_free(m);
}

static void test_control(void **state)
{
    (void)state;
    th t = {0};
    /* 0 Push 0; 1 JumpIf 4; 2 Push 1; 3 JumpIf 5; 4 Log; 5 Push 0; 6 JumpIfNot 8; 7 Log;
     * 8 Jump 10; 9 Log; 10 Push 9; 11 Halt; 12 Log */
    cvm_module *m = PROG(0, NULL, I1(PUSH, 0), I1(JUMP_IF, 4), I1(PUSH, 1), I1(JUMP_IF, 5), I0(LOG), I1(PUSH, 0),
                         I1(JUMP_IF_NOT, 8), I0(LOG), I1(JUMP, 10), I0(LOG), I1(PUSH, 9), I0(HALT), I0(LOG));
    cvm_exec_result r = run(m, &t, 0);
    assert_ok(&r, 9, 1 + 2 + 1 + 2 + 1 + 2 + 2 + 1 + 1);
    assert_string_equal(t.calls, "");
    cvm_module_free(m);

    /* JumpIf jumps on any non-zero value, JumpIfNot does not */
    m = PROG(0, NULL, I1(PUSH, -3), I1(JUMP_IF, 3), I0(HALT), I1(PUSH, -3), I1(JUMP_IF_NOT, 6), I1(PUSH, 4),
             I0(HALT));
    r = run(m, &t, 0);
    assert_ok(&r, 4, 1 + 2 + 1 + 2 + 1 + 1);
    cvm_module_free(m);

    /* running off the end of the code ends like Halt */
    m = PROG(0, NULL, I1(PUSH, 6), I1(PUSH, 7));
    r = run(m, &t, 0);
    assert_ok(&r, 7, 2);
    cvm_module_free(m);
}

static void test_call_ret(void **state)
{
    (void)state;
    th t = {0};
    /* 0 Push 5; 1 Call 5; 2 LocalGet 0; 3 Add; 4 Halt;
     * 5 Push 2; 6 Mul; 7 Push 1; 8 LocalSet 0; 9 Ret
     * locals are shared by the whole invocation: the callee's LocalSet is seen after Ret */
    cvm_module *m = PROG(0, NULL, I1(PUSH, 5), I1(CALL, 5), I1(LOCAL_GET, 0), I0(ADD), I0(HALT), I1(PUSH, 2),
                         I0(MUL), I1(PUSH, 1), I1(LOCAL_SET, 0), I0(RET));
    cvm_exec_result r = run(m, &t, 0);
    assert_ok(&r, 11, 1 + 3 + 1 + 2 + 1 + 1 + 2 + 1 + 1 + 1);
    cvm_module_free(m);

    /* Ret with an empty call stack ends the method */
    m = PROG(0, NULL, I1(PUSH, 8), I0(RET), I1(PUSH, 9));
    r = run(m, &t, 0);
    assert_ok(&r, 8, 3);
    cvm_module_free(m);

    /* exactly 64 nested calls are allowed: 0 LocalGet 0; 1 Push 1; 2 Add; 3 Dup; 4 LocalSet 0;
     * 5 Push 64; 6 Lt; 7 JumpIfNot 9; 8 Call 0; 9 LocalGet 0; 10 Ret */
    m = PROG(0, NULL, I1(LOCAL_GET, 0), I1(PUSH, 1), I0(ADD), I0(DUP), I1(LOCAL_SET, 0), I1(PUSH, 64), I0(LT),
             I1(JUMP_IF_NOT, 9), I1(CALL, 0), I1(LOCAL_GET, 0), I0(RET));
    r = run(m, &t, 0);
    /* 63 frames call (12 gas each), the 64th falls through (9), then 64 times LocalGet; Ret (3) */
    assert_ok(&r, 64, 63 * 12 + 9 + 64 * 3);
    cvm_module_free(m);
}

static void test_several_methods(void **state)
{
    (void)state;
    cvm_module *m = cvm_module_new(NULL);
    mb_name(m, "Multi");
    const cvm_insn code[] = {I1(PUSH, 1), I1(PUSH, 2), /* a: falls off its end */
                             I1(PUSH, 3), I1(JUMP, 5), I0(LOG), I0(HALT)};
    mb_code(m, code, 6);
    mb_method(m, "a", 0, 2, 0, 0);
    mb_method(m, "b", 2, 4, 1, 0);
    char err[256];
    assert_int_equal(cvm_verify(m, err, sizeof err), CVM_OK);
    assert_int_equal(cvm_interp_prepare(m), CVM_OK);
    th t = {0};
    cvm_exec_result r = run_args(m, "a", NULL, 0, &t, 0);
    assert_ok(&r, 2, 2);
    int64_t arg = 4;
    r = run_args(m, "b", &arg, 1, &t, 0);
    assert_ok(&r, 3, 1 + 2 + 1);
    assert_string_equal(t.calls, "");
    cvm_module_free(m);
}

static void test_state(void **state)
{
    (void)state;
    th t = {0};
    /* Load "count" (absent: 0); Push 5; Add; Store "count"; Load "count"; Push -5; Push 7; Store;
     * Push -5; Load; Add; Push 0; Store "count"; Halt */
    cvm_module *m = PROG(0, STRS("count"), I1(LOAD, 0), I1(PUSH, 5), I0(ADD), I1(STORE, 0), I1(LOAD, 0),
                         I1(PUSH, -5), I1(PUSH, 7), I0(STORE), I1(PUSH, -5), I0(LOAD), I0(ADD), I1(PUSH, 0),
                         I1(STORE, 0), I0(HALT));
    cvm_exec_result r = run(m, &t, 0);
    assert_ok(&r, 12, 50 + 1 + 1 + 100 + 50 + 1 + 1 + 100 + 1 + 50 + 1 + 1 + 100 + 1);
    /* storing 0 is passed through: deleting is the host's business */
    assert_string_equal(t.calls, "load count;store count=5;load count;store -5=7;load -5;store count=0;");
    cvm_module_free(m);

    /* keys in decimal, both extremes */
    memset(&t, 0, sizeof t);
    m = PROG(0, NULL, I1(PUSH, INT64_MIN), I1(PUSH, 1), I0(STORE), I1(PUSH, INT64_MAX), I0(LOAD), I1(PUSH, 0),
             I0(LOAD), I0(HALT));
    r = run(m, &t, 0);
    assert_ok(&r, 0, 1 + 1 + 100 + 1 + 50 + 1 + 50 + 1);
    assert_string_equal(t.calls, "store -9223372036854775808=1;load 9223372036854775807;load 0;");
    cvm_module_free(m);

    /* state that exists is read */
    memset(&t, 0, sizeof t);
    strcpy(t.keys[0], "count");
    t.vals[0] = 37;
    t.nkeys = 1;
    m = PROG(0, STRS("count"), I1(LOAD, 0), I0(HALT));
    r = run(m, &t, 0);
    assert_ok(&r, 37, 51);
    cvm_module_free(m);

    /* no load callback: state reads as empty */
    memset(&t, 0, sizeof t);
    t.no_load = 1;
    m = PROG(0, STRS("count"), I1(LOAD, 0), I1(PUSH, 3), I0(ADD), I0(HALT));
    r = run(m, &t, 0);
    assert_ok(&r, 3, 53);
    cvm_module_free(m);
}

static void test_environment_events_logs(void **state)
{
    (void)state;
    th t = {.reputation = 77, .block_height = 12, .block_time = 1700000000000000000};
    cvm_module *m = PROG(0, STRS("Tick", "Tock"), I0(REPUTATION), I1(EMIT, 0), I0(BLOCK_HEIGHT), I0(LOG),
                         I0(BLOCK_TIME), I1(EMIT, 1), I1(PUSH, -1), I1(EMIT, 0), I0(HALT));
    cvm_exec_result r = run(m, &t, 0);
    assert_ok(&r, 0, 5 + 30 + 1 + 10 + 1 + 30 + 1 + 30 + 1);
    assert_string_equal(t.calls, "emit Tick=77;log 12;emit Tock=1700000000000000000;emit Tick=-1;");

    /* without emit and log callbacks, events and logs are dropped */
    memset(&t, 0, sizeof t);
    t.no_emit = t.no_log = 1;
    r = run(m, &t, 0);
    assert_ok(&r, 0, 5 + 30 + 1 + 10 + 1 + 30 + 1 + 30 + 1);
    assert_string_equal(t.calls, "");
    cvm_module_free(m);

    /* a NULL host: environment reads 0, everything optional is absent */
    m = PROG(0, NULL, I0(REPUTATION), I0(BLOCK_TIME), I0(ADD), I0(LOG), I1(PUSH, 4), I0(HALT));
    cvm_exec_result out;
    assert_int_equal(cvm_exec(m, "main", NULL, 0, NULL, NULL, &out), CVM_OK);
    assert_ok(&out, 4, 5 + 1 + 1 + 10 + 1 + 1);
    cvm_module_free(m);
}

static void test_sdk_ops(void **state)
{
    (void)state;
    th t = {.sdk_result = 42};
    /* CreateCooperative; JoinCooperative; Push 500; AllocateResource 3; CreateProposal; Push 1;
     * CastVote; Push 60; UpdateQuorum; Halt — the result is CreateProposal's id */
    cvm_module *m = PROG(0, NULL, I0(CREATE_COOPERATIVE), I0(JOIN_COOPERATIVE), I1(PUSH, 500),
                         I1(ALLOCATE_RESOURCE, 3), I0(CREATE_PROPOSAL), I0(DUP), I1(PUSH, 1), I0(CAST_VOTE),
                         I1(PUSH, 60), I0(UPDATE_QUORUM), I0(HALT));
    cvm_exec_result r = run(m, &t, 0);
    assert_ok(&r, 42, 500 + 200 + 1 + 200 + 300 + 1 + 1 + 200 + 1 + 200 + 1);
    assert_string_equal(t.calls, "sdk 0 [] k=0 T;sdk 1 [] k=0 T;sdk 2 [500] k=3 T;sdk 3 [] k=0 T;"
                                 "sdk 4 [42 1] k=0 T;sdk 5 [60] k=0 T;");
    cvm_module_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arithmetic),
        cmocka_unit_test(test_compare_logic),
        cmocka_unit_test(test_stack_ops),
        cmocka_unit_test(test_push_values_and_empty_result),
        cmocka_unit_test(test_args_and_locals),
        cmocka_unit_test(test_control),
        cmocka_unit_test(test_call_ret),
        cmocka_unit_test(test_several_methods),
        cmocka_unit_test(test_state),
        cmocka_unit_test(test_environment_events_logs),
        cmocka_unit_test(test_sdk_ops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
