/*
 * test_random.c — random programs, run in every interpreter variant by
 * interp_test.h's run(), which fails unless all agree exactly (result, gas,
 * trap code, message, pc, host calls, trace). Superinstructions, per-block
 * checks and proved stack depths (subroutines included) must never show; hand-written cases cannot
 * reach every combination of them, so these programs are biased towards
 * what gets fused (locals, small constants, compares and jumps) and run
 * under small gas limits, so that traps land everywhere. Deterministic: a
 * fixed seed.
 */
#include "interp_test.h"

#include <stdint.h>

static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static const int64_t values[] = {0, 1, 2, -1, 3, 5, 10, 100, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1, -7, 7};

static const unsigned ops[] = {
    CVM_OP_LOCAL_GET, CVM_OP_LOCAL_GET, CVM_OP_LOCAL_GET, CVM_OP_PUSH, CVM_OP_PUSH, CVM_OP_PUSH, CVM_OP_ADD,
    CVM_OP_ADD, CVM_OP_SUB, CVM_OP_SUB, CVM_OP_LOCAL_SET, CVM_OP_LOCAL_SET, CVM_OP_JUMP_IF, CVM_OP_JUMP_IF_NOT,
    CVM_OP_JUMP, CVM_OP_LT, CVM_OP_GT, CVM_OP_EQ, CVM_OP_NE, CVM_OP_LE, CVM_OP_GE, CVM_OP_DUP, CVM_OP_SWAP,
    CVM_OP_OVER, CVM_OP_ROT, CVM_OP_POP, CVM_OP_MUL, CVM_OP_DIV, CVM_OP_MOD, CVM_OP_NEG, CVM_OP_NOT, CVM_OP_AND,
    CVM_OP_OR, CVM_OP_CALL, CVM_OP_RET, CVM_OP_HALT, CVM_OP_STORE, CVM_OP_LOAD, CVM_OP_LOG, CVM_OP_EMIT,
    CVM_OP_ABORT, CVM_OP_CAST_VOTE, CVM_OP_CREATE_PROPOSAL, CVM_OP_REPUTATION, CVM_OP_ALLOCATE_RESOURCE};

/* Sequences that prepare fuses, planted whole now and then (0 ends one). */
static const unsigned templates[][8] = {
    {CVM_OP_LOCAL_GET, CVM_OP_PUSH, CVM_OP_ADD, CVM_OP_DUP, CVM_OP_LOCAL_SET, CVM_OP_LOCAL_GET, CVM_OP_LE, CVM_OP_JUMP_IF},
    {CVM_OP_LOCAL_GET, CVM_OP_PUSH, CVM_OP_SUB, CVM_OP_DUP, CVM_OP_LOCAL_SET, CVM_OP_JUMP_IF},
    {CVM_OP_LOCAL_GET, CVM_OP_PUSH, CVM_OP_ADD, CVM_OP_DUP, CVM_OP_LOCAL_SET},
    {CVM_OP_LOCAL_GET, CVM_OP_PUSH, CVM_OP_ADD, CVM_OP_LOCAL_SET, CVM_OP_JUMP},
    {CVM_OP_LOCAL_GET, CVM_OP_LOCAL_GET, CVM_OP_ADD, CVM_OP_LOCAL_SET},
    {CVM_OP_LOCAL_GET, CVM_OP_LOCAL_GET, CVM_OP_GT, CVM_OP_JUMP_IF_NOT},
    {CVM_OP_DUP, CVM_OP_PUSH, CVM_OP_LT, CVM_OP_JUMP_IF},
    {CVM_OP_DUP, CVM_OP_PUSH, CVM_OP_SUB},
    {CVM_OP_SWAP, CVM_OP_PUSH, CVM_OP_SUB},
    {CVM_OP_LOCAL_GET, CVM_OP_GE, CVM_OP_JUMP_IF},
    {CVM_OP_PUSH, CVM_OP_LOCAL_SET},
    /* subroutines, for the depth proofs of blocks.c */
    {CVM_OP_CALL, CVM_OP_RET},
    {CVM_OP_DUP, CVM_OP_PUSH, CVM_OP_SUB, CVM_OP_CALL},
    {CVM_OP_SWAP, CVM_OP_PUSH, CVM_OP_SUB, CVM_OP_CALL, CVM_OP_ADD, CVM_OP_RET},
    {CVM_OP_DUP, CVM_OP_PUSH, CVM_OP_LT, CVM_OP_JUMP_IF, CVM_OP_RET},
    {CVM_OP_PUSH, CVM_OP_PUSH, CVM_OP_PUSH, CVM_OP_PUSH, CVM_OP_PUSH, CVM_OP_POP, CVM_OP_RET},
};

/* A verified, prepared random module with one method main of *params
 * parameters; NULL if it happens not to verify. */
static cvm_module *random_module(uint32_t *params)
{
    cvm_module *m = cvm_module_new(NULL);
    assert_non_null(m);
    mb_name(m, "R");
    size_t n = 1 + rnd(40), pushes_first = rnd(8);
    cvm_insn code[40];
    int cidx[2] = {-1, -1};
    static const char *const names[] = {"a", "b"};
    int tmpl = -1, at = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned op;
        if (tmpl < 0 && i >= pushes_first && rnd(3) == 0)
            tmpl = (int)rnd(sizeof templates / sizeof templates[0]), at = 0;
        if (tmpl >= 0) {
            op = templates[tmpl][at++];
            if (at == 8 || templates[tmpl][at] == 0)
                tmpl = -1;
        } else {
            op = i < pushes_first ? CVM_OP_PUSH : ops[rnd(sizeof ops / sizeof ops[0])];
        }
        cvm_insn in = {(uint8_t)op, 0, 0};
        switch (cvm_opinfo_of(op)->operand) {
        case CVM_OPK_NONE: break;
        case CVM_OPK_INT: in.has_operand = 1, in.operand = values[rnd(3) ? rnd(8) : rnd(14)]; break;
        case CVM_OPK_LOCAL: in.has_operand = 1, in.operand = rnd(4); break;
        case CVM_OPK_LABEL: in.has_operand = 1, in.operand = rnd((unsigned)n); break;
        case CVM_OPK_STR:
        case CVM_OPK_OPT_STR: {
            if (cvm_opinfo_of(op)->operand == CVM_OPK_OPT_STR && rnd(2))
                break;
            unsigned s = rnd(2);
            if (cidx[s] < 0) {
                cidx[s] = (int)m->nconsts;
                mb_const(m, names[s], 1);
            }
            in.has_operand = 1, in.operand = cidx[s];
            break;
        }
        }
        code[i] = in;
    }
    mb_code(m, code, n);
    *params = rnd(3);
    mb_method(m, "main", 0, (uint32_t)n, *params, 0);
    char err[256];
    if (cvm_verify(m, err, sizeof err) != CVM_OK) {
        cvm_module_free(m);
        return NULL;
    }
    assert_int_equal(cvm_interp_prepare(m), CVM_OK);
    return m;
}

static void test_random_programs_agree(void **state)
{
    (void)state;
    long ran = 0, succeeded = 0, trapped[CVM_CODE_COUNT] = {0};
    for (int i = 0; i < 10000; i++) {
        uint32_t params;
        cvm_module *m = random_module(&params);
        if (!m)
            continue;
        int64_t args[2] = {values[rnd(14)], values[rnd(14)]};
        th t = {.reputation = 3, .block_height = 4, .block_time = 5, .sdk_result = 9, .record_trace = rnd(4) == 0};
        if (rnd(8) == 0) {
            t.fail_on = rnd(2) ? "load" : "log";
            t.fail_code = CVM_CODE_HOST_ERROR;
        }
        int64_t gas = rnd(3) ? 1 + rnd(200) : 2000;
        cvm_exec_result r = run_args(m, "main", args, params, &t, gas);
        ran++;
        if (r.status == CVM_SUCCESS)
            succeeded++;
        trapped[r.error.code]++;
        cvm_module_free(m);
    }
    /* the mix is broad enough to mean something */
    assert_true(ran > 7500);
    assert_true(succeeded > ran / 5);
    assert_true(trapped[CVM_CODE_OUT_OF_GAS] > 100 && trapped[CVM_CODE_STACK_UNDERFLOW] > 100 &&
                trapped[CVM_CODE_INTEGER_OVERFLOW] > 10 && trapped[CVM_CODE_DIVISION_BY_ZERO] > 10 &&
                trapped[CVM_CODE_ABORTED] > 10 && trapped[CVM_CODE_HOST_ERROR] > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_programs_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
