/*
 * test_fusion.c — superinstructions change nothing but speed. Each program
 * here is fused at prepare time (checked by looking at the executable form),
 * then run under every gas limit from 1 to more than it needs, so that gas
 * runs out before, inside and after every fused sequence; interp_test.h's
 * run() asserts that fused and unfused code (and every dispatch variant)
 * agree exactly each time: result, gas, trap code, message and pc.
 */
#include "interp_test.h"

#include <stdint.h>
#include <stdlib.h>

#include "base/buf.h"
#include "interp/xform.h"

static void diag_fail(void *ud, const char *file, int line, int col, const char *message)
{
    (void)ud;
    fail_msg("%s:%d:%d: %s", file, line, col, message);
}

static cvm_module *assemble(const char *src)
{
    cvm_module *m = NULL;
    assert_int_equal(cvm_assemble(NULL, src, strlen(src), "fusion.asm", diag_fail, NULL, &m, NULL), CVM_OK);
    return m;
}

/* The fast entry's opcode at module pc (method 0, so the index is the pc). */
static unsigned fast_op(const cvm_module *m, size_t pc)
{
    return ((const cvm_xmodule *)m->exec)->fast[pc].base;
}

/* Does the fast entry at pc check (for its block)? */
static int checks(const cvm_module *m, size_t pc)
{
    return ((const cvm_xmodule *)m->exec)->fast[pc].op >= CVM_XOP_COUNT;
}

/* Runs method(args) under every gas limit 1..full+1, all variants agreeing,
 * and returns the outcome with plenty of gas. */
static cvm_exec_result sweep(cvm_module *m, const char *method, const int64_t *args, size_t nargs, th *t0)
{
    th t = *t0;
    cvm_exec_result full = run_args(m, method, args, nargs, &t, 0);
    int64_t need = full.gas_used;
    for (int64_t gas = 1; gas <= need + 1; gas++) {
        t = *t0;
        cvm_exec_result r = run_args(m, method, args, nargs, &t, gas);
        if (gas < need)
            assert_int_equal(r.error.code, full.error.code == CVM_CODE_NONE ? CVM_CODE_OUT_OF_GAS : r.error.code);
        else
            same_result(&full, &r, "with exactly enough gas");
    }
    *t0 = t;
    return full;
}

static const char sum_src[] = "; sum 1..n in locals\n"
                              ".method main params 1\n"
                              "    LocalSet 2\n"
                              "    Push 0\n"
                              "    LocalSet 0\n"
                              "    Push 1\n"
                              "    LocalSet 1\n"
                              "loop:\n"
                              "    LocalGet 1\n"
                              "    LocalGet 2\n"
                              "    Gt\n"
                              "    JumpIf done\n"
                              "    LocalGet 0\n"
                              "    LocalGet 1\n"
                              "    Add\n"
                              "    LocalSet 0\n"
                              "    LocalGet 1\n"
                              "    Push 1\n"
                              "    Add\n"
                              "    LocalSet 1\n"
                              "    Jump loop\n"
                              "done:\n"
                              "    LocalGet 0\n";

static void test_sum_loop(void **state)
{
    (void)state;
    cvm_module *m = assemble(sum_src);
    assert_int_equal(fast_op(m, 1), CVM_OP_K_S);
    assert_int_equal(fast_op(m, 3), CVM_OP_K_S);
    assert_int_equal(fast_op(m, 5), CVM_OP_LL_J_GT);
    assert_int_equal(fast_op(m, 9), CVM_OP_LL_ADD_S);
    assert_int_equal(fast_op(m, 13), CVM_OP_LK_ADD_S_J);
    assert_int_equal(fast_op(m, 17), CVM_OP_JUMP);
    /* blocks: 0..4 (checked at 0), the loop 5..17 checked at 5 only: a
     * conditional jump does not end a block */
    assert_true(checks(m, 0) && !checks(m, 1) && !checks(m, 3));
    assert_true(checks(m, 5) && !checks(m, 9) && !checks(m, 13));
    assert_true(checks(m, 18)); /* done: */
    const cvm_xinsn *loop = &((const cvm_xmodule *)m->exec)->fast[5];
    assert_int_equal(loop->gas, 5 + 4 + 4 + 2);
    assert_int_equal(loop->own, 5);
    assert_int_equal(loop->after, 4 + 4 + 2);
    assert_int_equal(loop[4].after, 4 + 2);
    /* the depth is the same on every path: the heads check gas only */
    assert_int_equal(loop->op, CVM_XDISPATCH(loop->base, CVM_XCHECK_GAS));
    th t = {0};
    int64_t n = 6;
    cvm_exec_result r = sweep(m, "main", &n, 1, &t);
    assert_ok(&r, 21, 5 + 6 * 15 + 5 + 1);

    cvm_module_free(m);

    /* overflow inside a fused LocalGet a; LocalGet b; Add; LocalSet c traps at the Add */
    m = assemble(".method main params 2\n LocalSet 1\n LocalSet 0\n LocalGet 0\n LocalGet 1\n Add\n"
                 " LocalSet 2\n LocalGet 2\n");
    assert_int_equal(fast_op(m, 2), CVM_OP_LL_ADD_S);
    int64_t args[] = {INT64_MAX, 1};
    memset(&t, 0, sizeof t);
    r = sweep(m, "main", args, 2, &t);
    assert_int_equal(r.error.code, CVM_CODE_INTEGER_OVERFLOW);
    assert_string_equal(r.error.message, "Add of 9223372036854775807 and 1 overflows");
    assert_int_equal(r.error.pc, 4);
    assert_int_equal(r.gas_used, 5);
    args[1] = -1;
    r = sweep(m, "main", args, 2, &t);
    assert_ok(&r, INT64_MAX - 1, 7);
    cvm_module_free(m);

    /* and inside the fused loop step LocalGet; Push; Add; LocalSet; Jump */
    m = assemble(".method main params 1\n LocalSet 0\nloop:\n LocalGet 0\n Push 1\n Add\n LocalSet 0\n Jump loop\n");
    assert_int_equal(fast_op(m, 1), CVM_OP_LK_ADD_S_J);
    int64_t start = INT64_MAX - 2;
    r = sweep(m, "main", &start, 1, &t);
    assert_int_equal(r.error.code, CVM_CODE_INTEGER_OVERFLOW);
    assert_string_equal(r.error.message, "Add of 9223372036854775807 and 1 overflows");
    assert_int_equal(r.error.pc, 3);
    assert_int_equal(r.gas_used, 1 + 6 * 2 + 3);
    cvm_module_free(m);
}

static const char fib_src[] = ".method main params 1\n"
                              "    Call fib\n"
                              "    Halt\n"
                              "fib:\n"
                              "    Dup\n"
                              "    Push 2\n"
                              "    Lt\n"
                              "    JumpIf base\n"
                              "    Dup\n"
                              "    Push 1\n"
                              "    Sub\n"
                              "    Call fib\n"
                              "    Swap\n"
                              "    Push 2\n"
                              "    Sub\n"
                              "    Call fib\n"
                              "    Add\n"
                              "    Ret\n"
                              "base:\n"
                              "    Ret\n";

static void test_fib(void **state)
{
    (void)state;
    cvm_module *m = assemble(fib_src);
    assert_int_equal(fast_op(m, 2), CVM_OP_DK_J_LT);
    assert_int_equal(fast_op(m, 7), CVM_OP_K_ADD);
    assert_int_equal(fast_op(m, 11), CVM_OP_K_ADD);
    /* pc 10 (Swap) follows a Call: a return lands there, so nothing spans it.
     * fib is called at different depths: its entry checks the stack for all
     * of it (net effect 0 per call, proved through the recursion), and its
     * other heads check gas only; so does main after the Call */
    const cvm_xinsn *fast = ((const cvm_xmodule *)m->exec)->fast;
    assert_int_equal(fast[2].op, CVM_XDISPATCH(fast[2].base, CVM_XCHECK_FULL));
    assert_int_equal(fast[2].ctx, 1);
    assert_int_equal(fast[10].op, CVM_XDISPATCH(fast[10].base, CVM_XCHECK_GAS));
    assert_int_equal(fast[14].op, CVM_XDISPATCH(fast[14].base, CVM_XCHECK_GAS));
    assert_int_equal(fast[0].op, CVM_XDISPATCH(fast[0].base, CVM_XCHECK_GAS));
    assert_int_equal(fast[1].op, CVM_XDISPATCH(fast[1].base, CVM_XCHECK_GAS));
    th t = {0};
    int64_t n = 7;
    cvm_exec_result r = sweep(m, "main", &n, 1, &t);
    assert_int_equal(r.result, 13);
    /* deeper than 64 calls */
    n = 70;
    r = run_args(m, "main", &n, 1, &t, 0);
    assert_int_equal(r.error.code, CVM_CODE_CALL_DEPTH_EXCEEDED);
    assert_int_equal(r.error.pc, 9);
    cvm_module_free(m);
}

/* Every other superinstruction, and traps inside them. */
static void test_other_fusions(void **state)
{
    (void)state;
    const char *src = ".method main params 2\n"
                      "    LocalSet 1\n"          /* 0 */
                      "    LocalSet 0\n"          /* 1 */
                      "    LocalGet 0\n"          /* 2 LK_ADD: LocalGet; Push; Sub -> add -3 */
                      "    Push 3\n"
                      "    Sub\n"
                      "    Log\n"                 /* 5 */
                      "    LocalGet 0\n"          /* 6 LL_SUB_S */
                      "    LocalGet 1\n"
                      "    Sub\n"
                      "    LocalSet 2\n"
                      "    LocalGet 2\n"          /* 10 LL (then Mul) */
                      "    LocalGet 1\n"
                      "    Mul\n"
                      "    Log\n"                 /* 13 */
                      "    LocalGet 0\n"          /* 14 LK_CMP_J */
                      "    Push 100\n"
                      "    Ge\n"
                      "    JumpIfNot small\n"
                      "    Push 1\n"              /* 18 */
                      "    Log\n"
                      "small:\n"
                      "    LocalGet 1\n"          /* 20 K_CMP_J after it */
                      "    Push 5\n"              /* 21 */
                      "    Ne\n"
                      "    JumpIf ne\n"
                      "    Push 2\n"              /* 24 */
                      "    Log\n"
                      "ne:\n"
                      "    LocalGet 0\n"          /* 26 LocalGet; LocalGet; Le; JumpIfNot -> LL_J_GT */
                      "    LocalGet 1\n"
                      "    Le\n"
                      "    JumpIfNot gt\n"
                      "    Push 3\n"              /* 30 */
                      "    Log\n"
                      "gt:\n"
                      "    LocalGet 1\n"          /* 32 */
                      "    Dup\n"                 /* 33 */
                      "    Ne\n"                  /* 34 CMP_J, never taken */
                      "    JumpIf end\n"
                      "    LocalGet 0\n"          /* 36 */
                      "    Push -9223372036854775808\n" /* 37 K_SUB */
                      "    Sub\n"
                      "    Log\n"                 /* 39 */
                      "    LocalGet 1\n"          /* 40 LK_ADD_S with Sub -> add */
                      "    Push -1\n"
                      "    Sub\n"
                      "    LocalSet 1\n"
                      "    LocalGet 1\n"          /* 44 */
                      "    Push 1\n"
                      "    Add\n"
                      "    Log\n"
                      "end:\n"
                      "    LocalGet 1\n"          /* 48 */
                      "    Halt\n";
    cvm_module *m = assemble(src);
    assert_int_equal(fast_op(m, 2), CVM_OP_LK_ADD);
    assert_int_equal(fast_op(m, 6), CVM_OP_LL_SUB_S);
    assert_int_equal(fast_op(m, 10), CVM_OP_LL);
    assert_int_equal(fast_op(m, 14), CVM_OP_LK_CMP_J);
    assert_int_equal(fast_op(m, 21), CVM_OP_K_CMP_J);
    assert_int_equal(fast_op(m, 26), CVM_OP_LL_J_GT);
    assert_int_equal(fast_op(m, 32), CVM_OP_LOCAL_GET);
    assert_int_equal(fast_op(m, 34), CVM_OP_CMP_J);
    assert_int_equal(fast_op(m, 37), CVM_OP_K_SUB);
    assert_int_equal(fast_op(m, 40), CVM_OP_LK_ADD_S);
    assert_int_equal(fast_op(m, 44), CVM_OP_LK_ADD);

    const int64_t cases[][2] = {{-1, 5}, {200, 7},     {7, 7},          {INT64_MIN, 1}, {INT64_MAX, 5},
                                {INT64_MIN + 2, -1}, {3, INT64_MAX}, {INT64_MAX, INT64_MAX - 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        th t = {0};
        sweep(m, "main", cases[i], 2, &t);
    }
    /* spot checks of what the sweep compared */
    th t = {0};
    int64_t args[] = {-10, 4};
    cvm_exec_result r = run_args(m, "main", args, 2, &t, 0);
    assert_ok(&r, 5, r.gas_used);
    assert_string_equal(t.calls, "log -13;log -56;log 3;log 9223372036854775798;log 6;");
    memset(&t, 0, sizeof t);
    int64_t big[] = {INT64_MIN, 1}; /* INT64_MIN - 3 overflows inside the fused LK_ADD */
    r = run_args(m, "main", big, 2, &t, 0);
    assert_int_equal(r.error.code, CVM_CODE_INTEGER_OVERFLOW);
    assert_string_equal(r.error.message, "Sub of -9223372036854775808 and 3 overflows");
    assert_int_equal(r.error.pc, 4);
    assert_int_equal(r.gas_used, 2 + 3);
    cvm_module_free(m);
}

/* A jump target or a return address inside a candidate sequence stops it
 * from being fused; a target at its start does not. */
static void test_no_fusion_across_targets(void **state)
{
    (void)state;
    const char *src = "    Push 0\n"       /* 0 */
                      "    JumpIf mid\n"   /* 1 */
                      "    LocalGet 0\n"   /* 2: would start LocalGet; LocalGet; Add; LocalSet */
                      "mid:\n"
                      "    LocalGet 1\n"   /* 3 */
                      "    Push 1\n"       /* 4 */
                      "    Add\n"          /* 5 */
                      "    Call f\n"       /* 6 */
                      "    Push 2\n"       /* 7: a return address */
                      "    Add\n"          /* 8 */
                      "    Halt\n"
                      "f:\n"
                      "    Push 5\n"       /* 10 */
                      "    Add\n"
                      "    Ret\n";
    cvm_module *m = assemble(src);
    assert_int_equal(fast_op(m, 2), CVM_OP_LOCAL_GET);
    assert_int_equal(fast_op(m, 3), CVM_OP_LK_ADD);
    assert_int_equal(fast_op(m, 6), CVM_OP_CALL);
    assert_int_equal(fast_op(m, 7), CVM_OP_K_ADD);
    assert_int_equal(fast_op(m, 10), CVM_OP_K_ADD);
    th t = {0};
    cvm_exec_result r = sweep(m, "main", NULL, 0, &t);
    assert_ok(&r, 8, r.gas_used);
    cvm_module_free(m);
}

/* A fused sequence whose stack precondition fails falls back to the
 * instruction that traps: underflow and overflow inside a sequence. */
static void test_stack_traps_inside_fusions(void **state)
{
    (void)state;
    th t = {0};
    cvm_module *m = assemble("    Push 4\n    Add\n");
    assert_int_equal(fast_op(m, 0), CVM_OP_K_ADD);
    cvm_exec_result r = sweep(m, "main", NULL, 0, &t);
    assert_int_equal(r.error.code, CVM_CODE_STACK_UNDERFLOW);
    assert_string_equal(r.error.message, "Add needs 2 values, the stack holds 1");
    assert_int_equal(r.error.pc, 1);
    assert_int_equal(r.error.line, 2);
    assert_int_equal(r.gas_used, 2);
    cvm_module_free(m);

    m = assemble("    Push 1\n    Lt\n    JumpIf x\nx:\n    Halt\n");
    assert_int_equal(fast_op(m, 0), CVM_OP_K_CMP_J);
    r = sweep(m, "main", NULL, 0, &t);
    assert_int_equal(r.error.code, CVM_CODE_STACK_UNDERFLOW);
    assert_int_equal(r.error.pc, 1);
    cvm_module_free(m);

    /* 1022 values, then Dup; Push; Lt; JumpIf needs room for two more: fine;
     * at 1023 the Push inside the sequence overflows */
    for (int depth = 1022; depth <= 1023; depth++) {
        cvm_insn code[1030];
        size_t n = 0;
        for (int i = 0; i < depth; i++)
            code[n++] = I1(PUSH, i);
        code[n++] = I0(DUP);
        code[n++] = I1(PUSH, 5);
        code[n++] = I0(LT);
        code[n] = I1(JUMP_IF, (int64_t)n + 1);
        n++;
        code[n++] = I0(HALT);
        m = prog_n(0, NULL, code, n);
        assert_int_equal(fast_op(m, (size_t)depth), CVM_OP_DK_J_LT);
        memset(&t, 0, sizeof t);
        r = run(m, &t, 0);
        if (depth == 1022)
            assert_ok(&r, depth - 1, depth + 1 + 1 + 1 + 2 + 1);
        else
            assert_trap(&r, CVM_CODE_STACK_OVERFLOW, "Push would leave more than 1024 values on the stack",
                        depth + 1, depth + 1 + 1);
        /* run out of gas inside the sequence too */
        if (depth == 1022) {
            r = run(m, &t, depth + 2);
            assert_trap(&r, CVM_CODE_OUT_OF_GAS, "Lt costs 1 gas, 0 left", depth + 2, depth + 2);
        } else {
            r = run(m, &t, depth + 1);
            assert_trap(&r, CVM_CODE_OUT_OF_GAS, "Push costs 1 gas, 0 left", depth + 1, depth + 1);
        }
        cvm_module_free(m);
    }
}

/* The shapes of bench/: a do-while sum, a countdown over state, fib with
 * the base case at the shared Ret. */
static void test_loop_shapes(void **state)
{
    (void)state;
    cvm_module *m = assemble(".method main params 1\n"
                             "    LocalSet 0\n    Push 1\n    LocalSet 1\n"
                             "loop:\n"
                             "    LocalGet 2\n    LocalGet 1\n    Add\n    LocalSet 2\n"   /* 3 */
                             "    LocalGet 1\n    Push 1\n    Add\n    Dup\n    LocalSet 1\n" /* 7 */
                             "    LocalGet 0\n    Le\n    JumpIf loop\n"
                             "    LocalGet 2\n    Halt\n");
    assert_int_equal(fast_op(m, 3), CVM_OP_LL_ADD_S);
    assert_int_equal(fast_op(m, 7), CVM_OP_LKDS_J_LE);
    th t = {0};
    int64_t n = 5;
    cvm_exec_result r = sweep(m, "main", &n, 1, &t);
    assert_ok(&r, 15, 3 + 5 * 13 + 2);
    cvm_module_free(m);

    /* i + 1 overflows inside the fused step: the trap is at its Add */
    m = assemble(".method main params 1\n    LocalSet 1\nloop:\n"
                 "    LocalGet 1\n    Push 1\n    Add\n    Dup\n    LocalSet 1\n    LocalGet 0\n    Ge\n    JumpIf loop\n");
    assert_int_equal(fast_op(m, 1), CVM_OP_LKDS_J_GE);
    n = INT64_MAX - 2;
    memset(&t, 0, sizeof t);
    r = sweep(m, "main", &n, 1, &t);
    assert_int_equal(r.error.code, CVM_CODE_INTEGER_OVERFLOW);
    assert_int_equal(r.error.pc, 3);
    assert_int_equal(r.gas_used, 1 + 2 * 9 + 3);
    cvm_module_free(m);

    m = assemble(".method main params 1\n"
                 "    LocalSet 0\n"
                 "loop:\n"
                 "    Load \"count\"\n    Push 1\n    Add\n    Store \"count\"\n" /* 1 */
                 "    LocalGet 0\n    Push 1\n    Sub\n    Dup\n    LocalSet 0\n    JumpIf loop\n" /* 5 */
                 "    Load \"count\"\n    Halt\n");
    assert_int_equal(fast_op(m, 2), CVM_OP_K_ADD);
    assert_int_equal(fast_op(m, 5), CVM_OP_LK_ADD_DS_J);
    memset(&t, 0, sizeof t);
    n = 3;
    r = sweep(m, "main", &n, 1, &t);
    assert_ok(&r, 3, 1 + 3 * (50 + 2 + 100 + 7) + 51);
    memset(&t, 0, sizeof t);
    n = 3;
    r = run_args(m, "main", &n, 1, &t, 0);
    assert_string_equal(t.calls, "load count;store count=1;load count;store count=2;load count;store count=3;load count;");
    /* counting down from INT64_MIN overflows inside the fused step */
    memset(&t, 0, sizeof t);
    n = INT64_MIN;
    r = sweep(m, "main", &n, 1, &t);
    assert_int_equal(r.error.code, CVM_CODE_INTEGER_OVERFLOW);
    assert_string_equal(r.error.message, "Sub of -9223372036854775808 and 1 overflows");
    assert_int_equal(r.error.pc, 7);
    assert_int_equal(r.gas_used, 1 + 152 + 3);
    cvm_module_free(m);

    m = assemble(".method main params 1\n    Call fib\n    Halt\n"
                 "fib:\n    Dup\n    Push 2\n    Lt\n    JumpIf done\n"      /* 2 */
                 "    Dup\n    Push 1\n    Sub\n    Call fib\n"            /* 6 */
                 "    Swap\n    Push 2\n    Sub\n    Call fib\n"           /* 10 */
                 "    Add\ndone:\n    Ret\n");
    assert_int_equal(fast_op(m, 2), CVM_OP_DK_J_LT);
    assert_int_equal(fast_op(m, 6), CVM_OP_DK_ADD);
    assert_int_equal(fast_op(m, 10), CVM_OP_SK_ADD);
    memset(&t, 0, sizeof t);
    n = 8;
    r = sweep(m, "main", &n, 1, &t);
    assert_int_equal(r.result, 21);
    cvm_module_free(m);
}

/* A subroutine's entry check covers all its blocks for the depth it is
 * called at; when it fails, that call runs checked until it returns, and
 * must still behave exactly as plain code: trap where plain code traps, or
 * not at all when the demanding block is not run. */
static void test_subroutine_entry_checks(void **state)
{
    (void)state;
    /* main(depth, heavy): push depth values, then call f(heavy); f pushes
     * and drops 20 values only when heavy != 0 */
    const char *src = ".method main params 2\n"
                      "    LocalSet 1\n"            /* 0 heavy */
                      "    LocalSet 0\n"            /* 1 depth */
                      "fill:\n"
                      "    LocalGet 0\n    Push 0\n    Gt\n    JumpIfNot go\n" /* 2 */
                      "    Push 7\n"                /* 6 */
                      "    LocalGet 0\n    Push 1\n    Sub\n    LocalSet 0\n    Jump fill\n" /* 7 */
                      "go:\n"
                      "    LocalGet 1\n"            /* 12 */
                      "    Call f\n"                /* 13 */
                      "    Halt\n"                  /* 14 */
                      "f:\n"
                      "    JumpIfNot light\n"       /* 15 */
                      "    Push 1\n Push 2\n Push 3\n Push 4\n Push 5\n Push 6\n Push 7\n Push 8\n Push 9\n Push 10\n"
                      "    Push 1\n Push 2\n Push 3\n Push 4\n Push 5\n Push 6\n Push 7\n Push 8\n Push 9\n Push 10\n"
                      "    Pop\n Pop\n Pop\n Pop\n Pop\n Pop\n Pop\n Pop\n Pop\n Pop\n"
                      "    Pop\n Pop\n Pop\n Pop\n Pop\n Pop\n Pop\n Pop\n Pop\n Pop\n"
                      "light:\n"
                      "    Push 42\n"               /* 56 */
                      "    Ret\n";
    cvm_module *m = assemble(src);
    const cvm_xinsn *fast = ((const cvm_xmodule *)m->exec)->fast;
    assert_int_equal(fast[15].ctx, 1);
    /* f's window: entry depths 1 (the flag) to 1005 (after the flag is
     * popped, 20 pushes must fit) */
    assert_int_equal(fast[15].need_b / 8, 1);
    assert_int_equal(fast[15].span_b / 8, 1005 - 1);
    th t = {0};
    const int64_t cases[][2] = {{3, 1}, {3, 0}, {1000, 0}, {1000, 1}, {1003, 1}, {1010, 0}, {1010, 1}, {1022, 0}, {1022, 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(&t, 0, sizeof t);
        cvm_exec_result r = run_args(m, "main", cases[i], 2, &t, 0);
        int64_t d = cases[i][0];
        /* at the Call the stack holds d values and heavy; f pops heavy */
        if (cases[i][1] && d + 20 > 1024) {
            assert_int_equal(r.error.code, CVM_CODE_STACK_OVERFLOW);
            assert_int_equal(r.error.pc, 16 + (1024 - d));
        } else {
            assert_ok(&r, 42, r.gas_used);
        }
    }
    /* and under every gas limit near the end, where the call is made */
    int64_t deep[] = {1010, 0};
    memset(&t, 0, sizeof t);
    cvm_exec_result full = run_args(m, "main", deep, 2, &t, 0);
    for (int64_t gas = full.gas_used - 30; gas <= full.gas_used + 1; gas++) {
        memset(&t, 0, sizeof t);
        run_args(m, "main", deep, 2, &t, gas);
    }
    cvm_module_free(m);
}

static int holds(unsigned cmp, int64_t a, int64_t b)
{
    switch (cmp) {
    case CVM_OP_LT: return a < b;
    case CVM_OP_LE: return a <= b;
    case CVM_OP_GT: return a > b;
    case CVM_OP_GE: return a >= b;
    case CVM_OP_EQ: return a == b;
    default: return a != b;
    }
}

/* Every compare specialised in every shape, with JumpIf and JumpIfNot, on
 * both sides of equality. */
static void test_specialised_compares(void **state)
{
    (void)state;
    static const unsigned cmps[] = {CVM_OP_LT, CVM_OP_LE, CVM_OP_GT, CVM_OP_GE, CVM_OP_EQ, CVM_OP_NE};
    /* the variant prepare must pick, by compare, for JumpIf and JumpIfNot */
    static const unsigned when_true[] = {0, 1, 2, 3, 4, 5}, when_false[] = {3, 2, 1, 0, 5, 4};
    for (size_t i = 0; i < 6; i++) {
        for (int not = 0; not < 2; not++) {
            uint8_t cmp = (uint8_t)cmps[i], j = not ? CVM_OP_JUMP_IF_NOT : CVM_OP_JUMP_IF;
            unsigned variant = not ? when_false[i] : when_true[i];
            cvm_insn ll[] = {I1(LOCAL_SET, 1), I1(LOCAL_SET, 0), I1(LOCAL_GET, 0), I1(LOCAL_GET, 1), {cmp, 0, 0},
                             {j, 1, 8}, I1(PUSH, 100), I0(HALT), I1(PUSH, 200), I0(HALT)};
            cvm_insn dk[] = {I0(DUP), I1(PUSH, 5), {cmp, 0, 0}, {j, 1, 6}, I1(PUSH, 100), I0(HALT), I1(PUSH, 200), I0(HALT)};
            cvm_insn lkds[] = {I1(LOCAL_SET, 1), I1(LOCAL_SET, 0), I1(LOCAL_GET, 0), I1(PUSH, 1), I0(ADD), I0(DUP),
                               I1(LOCAL_SET, 0), I1(LOCAL_GET, 1), {cmp, 0, 0}, {j, 1, 12}, I1(PUSH, 100), I0(HALT),
                               I1(PUSH, 200), I0(HALT)};
            cvm_module *mll = prog_n(2, NULL, ll, 10), *mdk = prog_n(1, NULL, dk, 8), *mlk = prog_n(2, NULL, lkds, 14);
            assert_int_equal(fast_op(mll, 2), CVM_OP_LL_J_LT + variant);
            assert_int_equal(fast_op(mdk, 0), CVM_OP_DK_J_LT + variant);
            assert_int_equal(fast_op(mlk, 2), CVM_OP_LKDS_J_LT + variant);
            for (int64_t a = 4; a <= 6; a++) {
                th t = {0};
                int64_t args[] = {a, 5};
                int jumps = holds(cmp, a, 5) != not;
                cvm_exec_result r = run_args(mll, "main", args, 2, &t, 0);
                assert_ok(&r, jumps ? 200 : 100, 1 + 1 + 1 + 1 + 1 + 2 + 1 + 1);
                r = run_args(mdk, "main", args, 1, &t, 0);
                assert_ok(&r, jumps ? 200 : 100, 1 + 1 + 1 + 2 + 1 + 1);
                args[0] = a - 1; /* a - 1 + 1 against 5 */
                r = run_args(mlk, "main", args, 2, &t, 0);
                assert_ok(&r, jumps ? 200 : 100, 2 + 5 + 1 + 1 + 2 + 1 + 1);
            }
            cvm_module_free(mll);
            cvm_module_free(mdk);
            cvm_module_free(mlk);
        }
    }
}

/* The remaining superinstructions' overflow fallbacks. */
static void test_more_fallbacks(void **state)
{
    (void)state;
    th t = {0};
    /* Dup; Push 1; Add at INT64_MAX; Swap; Push -1; Sub at INT64_MAX */
    cvm_module *m = assemble(".method main params 1\n Dup\n Push 1\n Add\n");
    assert_int_equal(fast_op(m, 0), CVM_OP_DK_ADD);
    int64_t v = INT64_MAX;
    cvm_exec_result r = sweep(m, "main", &v, 1, &t);
    assert_int_equal(r.error.code, CVM_CODE_INTEGER_OVERFLOW);
    assert_int_equal(r.error.pc, 2);
    assert_int_equal(r.gas_used, 3);
    v = 4;
    r = sweep(m, "main", &v, 1, &t);
    assert_ok(&r, 5, 3);
    cvm_module_free(m);

    m = assemble(".method main params 2\n Swap\n Push -1\n Sub\n Sub\n");
    assert_int_equal(fast_op(m, 0), CVM_OP_SK_ADD);
    int64_t two[] = {INT64_MAX, 3};
    r = sweep(m, "main", two, 2, &t);
    assert_int_equal(r.error.code, CVM_CODE_INTEGER_OVERFLOW);
    assert_string_equal(r.error.message, "Sub of 9223372036854775807 and -1 overflows");
    assert_int_equal(r.error.pc, 2);
    two[0] = 10;
    r = sweep(m, "main", two, 2, &t);
    assert_ok(&r, 3 - 11, 4);
    cvm_module_free(m);

    /* LocalGet b; Lt; JumpIfNot with the top against a local */
    m = assemble(".method main params 2\n LocalSet 0\n LocalGet 0\n Lt\n JumpIfNot no\n Push 1\n Halt\nno:\n Push 2\n");
    assert_int_equal(fast_op(m, 1), CVM_OP_L_CMP_J);
    int64_t lt[] = {3, 4};
    r = sweep(m, "main", lt, 2, &t);
    assert_ok(&r, 1, 1 + 1 + 1 + 2 + 1 + 1);
    lt[0] = 4;
    r = sweep(m, "main", lt, 2, &t);
    assert_ok(&r, 2, 1 + 1 + 1 + 2 + 1);
    cvm_module_free(m);

    /* LocalGet; Push; Add; Dup; LocalSet alone, and a countdown ending on JumpIfNot */
    m = assemble(".method main params 1\n LocalSet 3\nloop:\n LocalGet 3\n Push -1\n Add\n Dup\n LocalSet 3\n"
                 " JumpIfNot out\n Jump loop\nout:\n LocalGet 3\n Push 7\n Add\n Dup\n LocalSet 4\n LocalGet 4\n Add\n");
    assert_int_equal(fast_op(m, 1), CVM_OP_LK_ADD_DS_J);
    assert_int_equal(fast_op(m, 8), CVM_OP_LK_ADD_DS);
    v = 3;
    r = sweep(m, "main", &v, 1, &t);
    assert_ok(&r, 14, 1 + 3 * 7 + 2 * 2 + 5 + 2);
    cvm_module_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sum_loop),
        cmocka_unit_test(test_fib),
        cmocka_unit_test(test_other_fusions),
        cmocka_unit_test(test_no_fusion_across_targets),
        cmocka_unit_test(test_stack_traps_inside_fusions),
        cmocka_unit_test(test_loop_shapes),
        cmocka_unit_test(test_more_fallbacks),
        cmocka_unit_test(test_subroutine_entry_checks),
        cmocka_unit_test(test_specialised_compares),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
