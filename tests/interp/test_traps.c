/*
 * test_traps.c — every way a call fails, with the exact code, message,
 * method, pc, line and gas, in every interpreter variant. Gas rule: a trap
 * charges everything up to and including the trapping instruction, except
 * OUT_OF_GAS, which charges nothing for the instruction it could not pay.
 */
#include "interp_test.h"

#include <stdint.h>

static cvm_exec_result run_code(const cvm_insn *code, size_t n, const char *const *consts, th *t, int64_t gas)
{
    cvm_module *m = prog_n(0, consts, code, n);
    cvm_exec_result r = run(m, t, gas);
    cvm_module_free(m);
    return r;
}
#define RUN(t, gas, consts, ...) run_code(CODE(__VA_ARGS__), consts, t, gas)

static void test_stack_underflow(void **state)
{
    (void)state;
    th t = {0};
    cvm_exec_result r = RUN(&t, 0, NULL, I1(PUSH, 1), I0(ADD), I0(HALT));
    assert_trap(&r, CVM_CODE_STACK_UNDERFLOW, "Add needs 2 values, the stack holds 1", 1, 2);
    r = RUN(&t, 0, NULL, I0(POP));
    assert_trap(&r, CVM_CODE_STACK_UNDERFLOW, "Pop needs 1 value, the stack holds 0", 0, 1);
    r = RUN(&t, 0, NULL, I1(PUSH, 1), I1(PUSH, 2), I0(ROT));
    assert_trap(&r, CVM_CODE_STACK_UNDERFLOW, "Rot needs 3 values, the stack holds 2", 2, 3);
    /* Store without a key operand pops the key too */
    r = RUN(&t, 0, NULL, I1(PUSH, 5), I0(STORE));
    assert_trap(&r, CVM_CODE_STACK_UNDERFLOW, "Store needs 2 values, the stack holds 1", 1, 101);
    r = RUN(&t, 0, NULL, I0(LOAD));
    assert_trap(&r, CVM_CODE_STACK_UNDERFLOW, "Load needs 1 value, the stack holds 0", 0, 50);
    r = RUN(&t, 0, NULL, I1(PUSH, 1), I0(CAST_VOTE));
    assert_trap(&r, CVM_CODE_STACK_UNDERFLOW, "CastVote needs 2 values, the stack holds 1", 1, 201);
    r = RUN(&t, 0, NULL, I1(JUMP_IF, 0));
    assert_trap(&r, CVM_CODE_STACK_UNDERFLOW, "JumpIf needs 1 value, the stack holds 0", 0, 2);
    r = RUN(&t, 0, NULL, I0(ABORT));
    assert_trap(&r, CVM_CODE_STACK_UNDERFLOW, "Abort needs 1 value, the stack holds 0", 0, 1);
    assert_string_equal(t.calls, "");
}

static void test_stack_overflow(void **state)
{
    (void)state;
    th t = {0};
    /* 1024 values fit; the 1025th push traps */
    cvm_exec_result r = RUN(&t, 0, NULL, I1(PUSH, 1), I1(JUMP, 0));
    assert_trap(&r, CVM_CODE_STACK_OVERFLOW, "Push would leave more than 1024 values on the stack", 0,
                1024 * 3 + 1);
    /* Dup at 1024 values */
    r = RUN(&t, 0, NULL, I1(PUSH, 1), I0(DUP), I1(JUMP, 1));
    assert_trap(&r, CVM_CODE_STACK_OVERFLOW, "Dup would leave more than 1024 values on the stack", 1,
                1 + 1023 * 3 + 1);
    /* exactly 1024 values is fine, straight-line */
    static cvm_insn code[1026];
    for (int i = 0; i < 1025; i++)
        code[i] = I1(PUSH, i);
    code[1024] = I0(HALT);
    r = run_code(code, 1025, NULL, &t, 0);
    assert_ok(&r, 1023, 1025);
    code[1024] = I1(PUSH, 1024);
    code[1025] = I0(HALT);
    r = run_code(code, 1026, NULL, &t, 0);
    assert_trap(&r, CVM_CODE_STACK_OVERFLOW, "Push would leave more than 1024 values on the stack", 1024, 1025);
}

static void test_integer_overflow(void **state)
{
    (void)state;
    th t = {0};
    cvm_exec_result r = RUN(&t, 0, NULL, I1(PUSH, INT64_MAX), I1(PUSH, 1), I0(ADD), I0(HALT));
    assert_trap(&r, CVM_CODE_INTEGER_OVERFLOW, "Add of 9223372036854775807 and 1 overflows", 2, 3);
    r = RUN(&t, 0, NULL, I1(PUSH, INT64_MIN), I1(PUSH, -1), I0(ADD), I0(HALT));
    assert_trap(&r, CVM_CODE_INTEGER_OVERFLOW, "Add of -9223372036854775808 and -1 overflows", 2, 3);
    r = RUN(&t, 0, NULL, I1(PUSH, INT64_MIN), I1(PUSH, 1), I0(SUB), I0(HALT));
    assert_trap(&r, CVM_CODE_INTEGER_OVERFLOW, "Sub of -9223372036854775808 and 1 overflows", 2, 3);
    r = RUN(&t, 0, NULL, I1(PUSH, 0), I1(PUSH, INT64_MIN), I0(SUB), I0(HALT));
    assert_trap(&r, CVM_CODE_INTEGER_OVERFLOW, "Sub of 0 and -9223372036854775808 overflows", 2, 3);
    r = RUN(&t, 0, NULL, I1(PUSH, INT64_MAX), I1(PUSH, 2), I0(MUL), I0(HALT));
    assert_trap(&r, CVM_CODE_INTEGER_OVERFLOW, "Mul of 9223372036854775807 and 2 overflows", 2, 4);
    r = RUN(&t, 0, NULL, I1(PUSH, INT64_MIN), I1(PUSH, -1), I0(MUL), I0(HALT));
    assert_trap(&r, CVM_CODE_INTEGER_OVERFLOW, "Mul of -9223372036854775808 and -1 overflows", 2, 4);
    r = RUN(&t, 0, NULL, I1(PUSH, INT64_MIN), I1(PUSH, -1), I0(DIV), I0(HALT));
    assert_trap(&r, CVM_CODE_INTEGER_OVERFLOW, "Div of -9223372036854775808 and -1 overflows", 2, 5);
    r = RUN(&t, 0, NULL, I1(PUSH, INT64_MIN), I1(PUSH, -1), I0(MOD), I0(HALT));
    assert_trap(&r, CVM_CODE_INTEGER_OVERFLOW, "Mod of -9223372036854775808 and -1 overflows", 2, 5);
    r = RUN(&t, 0, NULL, I1(PUSH, INT64_MIN), I0(NEG), I0(HALT));
    assert_trap(&r, CVM_CODE_INTEGER_OVERFLOW, "Neg of -9223372036854775808 overflows", 1, 2);
}

static void test_division_by_zero(void **state)
{
    (void)state;
    th t = {0};
    cvm_exec_result r = RUN(&t, 0, NULL, I1(PUSH, 7), I1(PUSH, 0), I0(DIV), I0(HALT));
    assert_trap(&r, CVM_CODE_DIVISION_BY_ZERO, "Div of 7 by zero", 2, 5);
    r = RUN(&t, 0, NULL, I1(PUSH, -7), I1(PUSH, 0), I0(MOD), I0(HALT));
    assert_trap(&r, CVM_CODE_DIVISION_BY_ZERO, "Mod of -7 by zero", 2, 5);
    /* zero divisor wins over the INT64_MIN case */
    r = RUN(&t, 0, NULL, I1(PUSH, INT64_MIN), I1(PUSH, 0), I0(DIV), I0(HALT));
    assert_trap(&r, CVM_CODE_DIVISION_BY_ZERO, "Div of -9223372036854775808 by zero", 2, 5);
}

static void test_out_of_gas(void **state)
{
    (void)state;
    th t = {0};
    /* exactly enough passes */
    cvm_exec_result r = RUN(&t, 4, NULL, I1(PUSH, 1), I1(PUSH, 2), I0(ADD), I0(HALT));
    assert_ok(&r, 3, 4);
    r = RUN(&t, 3, NULL, I1(PUSH, 1), I1(PUSH, 2), I0(ADD), I0(HALT));
    assert_trap(&r, CVM_CODE_OUT_OF_GAS, "Halt costs 1 gas, 0 left", 3, 3);
    r = RUN(&t, 2, NULL, I1(PUSH, 1), I1(PUSH, 2), I0(ADD), I0(HALT));
    assert_trap(&r, CVM_CODE_OUT_OF_GAS, "Add costs 1 gas, 0 left", 2, 2);
    r = RUN(&t, 41, STRS("k"), I1(PUSH, 5), I1(STORE, 0), I0(HALT));
    assert_trap(&r, CVM_CODE_OUT_OF_GAS, "Store costs 100 gas, 40 left", 1, 1);
    assert_string_equal(t.calls, ""); /* the Store never ran */
    /* an infinite loop ends with all the gas used: the default limit */
    r = RUN(&t, 0, NULL, I1(JUMP, 0));
    assert_trap(&r, CVM_CODE_OUT_OF_GAS, "Jump costs 2 gas, 0 left", 0, CVM_DEFAULT_GAS_LIMIT);
    r = RUN(&t, 7, NULL, I1(JUMP, 0));
    assert_trap(&r, CVM_CODE_OUT_OF_GAS, "Jump costs 2 gas, 1 left", 0, 6);
    /* out of gas wins over an underflow the instruction would have had */
    r = RUN(&t, 1, NULL, I1(PUSH, 1), I0(ADD));
    assert_trap(&r, CVM_CODE_OUT_OF_GAS, "Add costs 1 gas, 0 left", 1, 1);
}

static void test_call_depth(void **state)
{
    (void)state;
    th t = {0};
    cvm_exec_result r = RUN(&t, 0, NULL, I1(CALL, 0));
    assert_trap(&r, CVM_CODE_CALL_DEPTH_EXCEEDED, "Call nested deeper than 64", 0, 65 * 3);
}

static void test_abort(void **state)
{
    (void)state;
    th t = {0};
    cvm_exec_result r = RUN(&t, 0, NULL, I1(PUSH, 9), I1(PUSH, 42), I0(ABORT), I0(HALT));
    assert_trap(&r, CVM_CODE_ABORTED, "aborted with code 42", 2, 3);
    r = RUN(&t, 0, NULL, I1(PUSH, -1), I0(ABORT));
    assert_trap(&r, CVM_CODE_ABORTED, "aborted with code -1", 1, 2);
}

static void test_reputation(void **state)
{
    (void)state;
    cvm_module *m = PROG(0, NULL, I1(PUSH, 1), I0(LOG), I0(REPUTATION), I0(HALT));
    m->required_reputation = 50;
    th t = {.reputation = 10};
    cvm_exec_result r = run(m, &t, 0);
    assert_int_equal(r.status, CVM_ERROR_SMART_CONTRACT);
    assert_int_equal(r.error.code, CVM_CODE_INSUFFICIENT_REPUTATION);
    assert_string_equal(r.error.message, "reputation 10 is below the required 50");
    assert_string_equal(r.error.method, "main");
    assert_int_equal(r.error.pc, -1);
    assert_int_equal(r.error.line, 0);
    assert_int_equal(r.gas_used, 0);
    assert_string_equal(t.calls, ""); /* nothing ran */
    t.reputation = 49;
    r = run(m, &t, 0);
    assert_int_equal(r.error.code, CVM_CODE_INSUFFICIENT_REPUTATION);
    t.reputation = 50; /* equal passes */
    r = run(m, &t, 0);
    assert_ok(&r, 50, 1 + 10 + 5 + 1);
    assert_string_equal(t.calls, "log 1;");
    t.reputation = 51;
    r = run(m, &t, 0);
    assert_ok(&r, 51, 17);
    cvm_module_free(m);
}

static void test_unknown_method_wrong_arguments(void **state)
{
    (void)state;
    cvm_module *m = PROG(1, NULL, I0(HALT));
    th t = {0};
    cvm_exec_result r = run_args(m, "foo", NULL, 0, &t, 0);
    assert_int_equal(r.status, CVM_ERROR_INPUT);
    assert_int_equal(r.error.code, CVM_CODE_UNKNOWN_METHOD);
    assert_string_equal(r.error.message, "no method 'foo' in T (its methods: main)");
    assert_int_equal(r.error.pc, -1);
    assert_int_equal(r.gas_used, 0);

    int64_t args[] = {1, 2};
    r = run_args(m, "main", args, 2, &t, 0);
    assert_int_equal(r.status, CVM_ERROR_INPUT);
    assert_int_equal(r.error.code, CVM_CODE_WRONG_ARGUMENTS);
    assert_string_equal(r.error.message, "main takes 1 argument, got 2");
    assert_string_equal(r.error.method, "main");
    assert_int_equal(r.error.pc, -1);
    assert_int_equal(r.gas_used, 0);
    r = run_args(m, "main", NULL, 0, &t, 0);
    assert_string_equal(r.error.message, "main takes 1 argument, got 0");
    r = run_args(m, "main", args, 1, &t, 0);
    assert_ok(&r, 1, 1);
    cvm_module_free(m);

    m = PROG(0, NULL, I0(HALT));
    r = run_args(m, "main", args, 1, &t, 0);
    assert_string_equal(r.error.message, "main takes 0 arguments, got 1");
    /* the name is checked whole, not as a prefix */
    r = run_args(m, "mai", NULL, 0, &t, 0);
    assert_string_equal(r.error.message, "no method 'mai' in T (did you mean 'main'? its methods: main)");
    cvm_module_free(m);
}

static void test_service_unavailable(void **state)
{
    (void)state;
    th t = {.no_sdk = 1};
    static const struct {
        unsigned op;
        int pops;
        const char *message;
    } cases[] = {
        {CVM_OP_CREATE_COOPERATIVE, 0, "CreateCooperative needs the _Cooperatives service, which this host does not provide"},
        {CVM_OP_JOIN_COOPERATIVE, 0, "JoinCooperative needs the _Cooperatives service, which this host does not provide"},
        {CVM_OP_ALLOCATE_RESOURCE, 1, "AllocateResource needs the _Cooperatives service, which this host does not provide"},
        {CVM_OP_CREATE_PROPOSAL, 0, "CreateProposal needs the _Governance service, which this host does not provide"},
        {CVM_OP_CAST_VOTE, 2, "CastVote needs the _Governance service, which this host does not provide"},
        {CVM_OP_UPDATE_QUORUM, 1, "UpdateQuorum needs the _Governance service, which this host does not provide"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int has = cases[i].op == CVM_OP_ALLOCATE_RESOURCE;
        cvm_insn code[] = {I1(PUSH, 1), I1(PUSH, 2), {(uint8_t)cases[i].op, (uint8_t)has, has ? 7 : 0}, I0(HALT)};
        cvm_exec_result r = run_code(code, 4, NULL, &t, 0);
        assert_trap(&r, CVM_CODE_SERVICE_UNAVAILABLE, cases[i].message, 2, 2 + cvm_opinfo_of(cases[i].op)->gas);
    }
    t.no_store = 1;
    cvm_exec_result r = RUN(&t, 0, STRS("k"), I1(PUSH, 1), I1(STORE, 0), I0(HALT));
    assert_trap(&r, CVM_CODE_SERVICE_UNAVAILABLE, "Store: this host has no state storage", 1, 101);
}

static void test_host_errors_pass_through(void **state)
{
    (void)state;
    static const char *const fails[] = {"store", "load", "emit", "log", "sdk"};
    for (size_t i = 0; i < sizeof fails / sizeof fails[0]; i++) {
        th t = {.fail_on = fails[i], .fail_code = CVM_CODE_HOST_ERROR};
        cvm_exec_result r = RUN(&t, 0, STRS("k", "E"), I1(PUSH, 1), I1(STORE, 0), I1(LOAD, 0), I1(EMIT, 1),
                                I1(PUSH, 2), I0(LOG), I0(JOIN_COOPERATIVE), I0(HALT));
        char msg[64];
        snprintf(msg, sizeof msg, "%s failed in the test host", fails[i]);
        static const int64_t pcs[] = {1, 2, 3, 5, 6};
        static const int64_t gas[] = {101, 151, 181, 192, 392};
        assert_trap(&r, CVM_CODE_HOST_ERROR, msg, pcs[i], gas[i]);
    }
    /* any code the host returns is the code of the failure */
    th t = {.fail_on = "store", .fail_code = CVM_CODE_READ_ONLY_VIOLATION};
    cvm_exec_result r = RUN(&t, 0, STRS("k"), I1(PUSH, 1), I1(STORE, 0), I0(HALT));
    assert_trap(&r, CVM_CODE_READ_ONLY_VIOLATION, "store failed in the test host", 1, 101);
    /* a code out of range becomes HOST_ERROR */
    t.fail_code = (cvm_code)999;
    r = RUN(&t, 0, STRS("k"), I1(PUSH, 1), I1(STORE, 0), I0(HALT));
    assert_trap(&r, CVM_CODE_HOST_ERROR, "store failed in the test host", 1, 101);
}

static void test_error_location_and_format(void **state)
{
    (void)state;
    th t = {0};
    cvm_exec_result r = RUN(&t, 0, NULL, I1(PUSH, 1), I0(ADD));
    char buf[300];
    cvm_error_format(&r.error, buf, sizeof buf);
    assert_string_equal(buf, "STACK_UNDERFLOW: Add needs 2 values, the stack holds 1 (method main, pc 1, line 101)");

    /* the pc is the module's: a trap in a later method, without a line table */
    cvm_module *m = cvm_module_new(NULL);
    mb_name(m, "Two");
    const cvm_insn code[] = {I1(PUSH, 1), I0(HALT), I1(PUSH, 3), I1(CALL, 5), I0(HALT), I0(SWAP), I0(RET)};
    mb_code(m, code, 7);
    mb_method(m, "first", 0, 2, 0, 0);
    mb_method(m, "second", 2, 5, 0, 0);
    char err[256];
    assert_int_equal(cvm_verify(m, err, sizeof err), CVM_OK);
    /* not yet prepared: a library error, not an outcome */
    cvm_exec_result out;
    assert_int_equal(cvm_exec(m, "second", NULL, 0, NULL, NULL, &out), CVM_EINPUT);
    assert_int_equal(cvm_interp_prepare(m), CVM_OK);
    assert_int_equal(cvm_interp_prepare(m), CVM_OK); /* idempotent */
    r = run_args(m, "second", NULL, 0, &t, 0);
    assert_int_equal(r.error.code, CVM_CODE_STACK_UNDERFLOW);
    assert_string_equal(r.error.method, "second");
    assert_int_equal(r.error.pc, 5);
    assert_int_equal(r.error.line, 0);
    assert_int_equal(r.gas_used, 5);
    cvm_error_format(&r.error, buf, sizeof buf);
    assert_string_equal(buf, "STACK_UNDERFLOW: Swap needs 2 values, the stack holds 1 (method second, pc 5)");
    cvm_module_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stack_underflow),
        cmocka_unit_test(test_stack_overflow),
        cmocka_unit_test(test_integer_overflow),
        cmocka_unit_test(test_division_by_zero),
        cmocka_unit_test(test_out_of_gas),
        cmocka_unit_test(test_call_depth),
        cmocka_unit_test(test_abort),
        cmocka_unit_test(test_reputation),
        cmocka_unit_test(test_unknown_method_wrong_arguments),
        cmocka_unit_test(test_service_unavailable),
        cmocka_unit_test(test_host_errors_pass_through),
        cmocka_unit_test(test_error_location_and_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
