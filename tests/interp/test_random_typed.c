/*
 * test_random_typed.c — random typed programs (integers and bytes mixed),
 * run in every interpreter variant by typed_test.h's trun(), which fails
 * unless all agree exactly (status, gas, trap code, message, pc, reason,
 * typed results, host calls). The switch and computed-goto typed loops,
 * traced and untraced, with per-block checks and without, must never
 * differ; per-byte gas (CHARGE's fallback), tags through the stack and
 * locals, superinstructions meeting bytes (they fall back), subroutines,
 * type traps and the bytes limits land everywhere under small gas limits. Deterministic: a fixed seed.
 */
#include "typed_test.h"

static uint64_t rng = 0x2545f4914f6cdd1du;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static const int64_t values[] = {0, 1, 2, 3, 5, -1, 8, 40, INT64_MAX, INT64_MIN};

static const unsigned ops[] = {
    CVM_OP_PUSH,       CVM_OP_PUSH,      CVM_OP_PUSH_BYTES, CVM_OP_PUSH_BYTES, CVM_OP_CONCAT, CVM_OP_CONCAT,
    CVM_OP_LEN,        CVM_OP_SLICE,     CVM_OP_SHA256,     CVM_OP_ITOA,       CVM_OP_HEX,    CVM_OP_SIGNER,
    CVM_OP_CALLER,     CVM_OP_SELF,      CVM_OP_EQ,         CVM_OP_NE,         CVM_OP_LT,     CVM_OP_GE,
    CVM_OP_DUP,        CVM_OP_DUP,       CVM_OP_SWAP,       CVM_OP_OVER,       CVM_OP_ROT,    CVM_OP_POP,
    CVM_OP_LOCAL_GET,  CVM_OP_LOCAL_GET, CVM_OP_LOCAL_SET,  CVM_OP_LOCAL_SET,  CVM_OP_ADD,    CVM_OP_SUB,
    CVM_OP_MUL,        CVM_OP_NOT,       CVM_OP_JUMP_IF,    CVM_OP_JUMP_IF_NOT, CVM_OP_JUMP,  CVM_OP_CALL,
    CVM_OP_RET,        CVM_OP_HALT,      CVM_OP_STORE,      CVM_OP_LOAD,       CVM_OP_LOAD_BYTES, CVM_OP_ASSERT,
    CVM_OP_ABORT,      CVM_OP_EMIT,      CVM_OP_LOG,        CVM_OP_CALL_SERVICE};

/* Sequences that prepare fuses (0 ends one), planted now and then: with
 * bytes in the locals or on the stack their fused bodies must fall back. */
static const unsigned templates[][8] = {
    {CVM_OP_LOCAL_GET, CVM_OP_PUSH, CVM_OP_ADD, CVM_OP_DUP, CVM_OP_LOCAL_SET, CVM_OP_LOCAL_GET, CVM_OP_LE, CVM_OP_JUMP_IF},
    {CVM_OP_LOCAL_GET, CVM_OP_PUSH, CVM_OP_SUB, CVM_OP_DUP, CVM_OP_LOCAL_SET, CVM_OP_JUMP_IF},
    {CVM_OP_LOCAL_GET, CVM_OP_PUSH, CVM_OP_ADD, CVM_OP_DUP, CVM_OP_LOCAL_SET},
    {CVM_OP_LOCAL_GET, CVM_OP_PUSH, CVM_OP_ADD, CVM_OP_LOCAL_SET, CVM_OP_JUMP},
    {CVM_OP_LOCAL_GET, CVM_OP_PUSH, CVM_OP_ADD, CVM_OP_LOCAL_SET},
    {CVM_OP_LOCAL_GET, CVM_OP_PUSH, CVM_OP_ADD},
    {CVM_OP_LOCAL_GET, CVM_OP_LOCAL_GET, CVM_OP_ADD, CVM_OP_LOCAL_SET},
    {CVM_OP_LOCAL_GET, CVM_OP_LOCAL_GET, CVM_OP_SUB, CVM_OP_LOCAL_SET},
    {CVM_OP_LOCAL_GET, CVM_OP_LOCAL_GET, CVM_OP_GT, CVM_OP_JUMP_IF_NOT},
    {CVM_OP_LOCAL_GET, CVM_OP_PUSH, CVM_OP_EQ, CVM_OP_JUMP_IF},
    {CVM_OP_LOCAL_GET, CVM_OP_LOCAL_GET},
    {CVM_OP_DUP, CVM_OP_PUSH, CVM_OP_LT, CVM_OP_JUMP_IF},
    {CVM_OP_DUP, CVM_OP_PUSH, CVM_OP_SUB},
    {CVM_OP_SWAP, CVM_OP_PUSH, CVM_OP_ADD},
    {CVM_OP_LOCAL_GET, CVM_OP_GE, CVM_OP_JUMP_IF},
    {CVM_OP_PUSH, CVM_OP_NE, CVM_OP_JUMP_IF},
    {CVM_OP_EQ, CVM_OP_JUMP_IF},
    {CVM_OP_PUSH, CVM_OP_ADD},
    {CVM_OP_PUSH, CVM_OP_SUB},
    {CVM_OP_PUSH, CVM_OP_LOCAL_SET},
    {CVM_OP_PUSH_BYTES, CVM_OP_LOCAL_SET},
};

static const char *const strs[] = {"", "k", "ab", "Ev", "S.f", "hello, world", "\xff\xfe"};

static size_t const_of(cvm_module *m, const char *s)
{
    for (size_t i = 0; i < m->nconsts; i++)
        if (strcmp((const char *)m->consts[i].bytes, s) == 0)
            return i;
    mb_const(m, s, strlen(s));
    return m->nconsts - 1;
}

/* A prepared random module, method main of 0..2 typed parameters and 0..2
 * results, an event Ev and an import S.f. Not verified: the interpreter
 * must handle what the static proof would refuse. */
static cvm_module *random_module(cvm_arg *args, size_t *nargs)
{
    cvm_module *m = cvm_module_new(NULL);
    assert_non_null(m);
    mb_name(m, "R");
    size_t n = 1 + rnd(30), pushes_first = rnd(6);
    cvm_insn code[32];
    int tmpl = -1, at = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned op = ops[rnd(sizeof ops / sizeof ops[0])];
        if (tmpl < 0 && i >= pushes_first && rnd(3) == 0)
            tmpl = (int)rnd(sizeof templates / sizeof templates[0]), at = 0;
        if (tmpl >= 0) {
            op = templates[tmpl][at++];
            if (at == 8 || templates[tmpl][at] == 0)
                tmpl = -1;
        }
        if (i < pushes_first)
            op = rnd(2) ? CVM_OP_PUSH : CVM_OP_PUSH_BYTES;
        cvm_insn in = {(uint8_t)op, 0, 0};
        switch (cvm_opinfo_of(op)->operand) {
        case CVM_OPK_NONE: break;
        case CVM_OPK_INT: in.has_operand = 1, in.operand = values[rnd(3) ? rnd(6) : rnd(10)]; break;
        case CVM_OPK_LOCAL: in.has_operand = 1, in.operand = rnd(3); break;
        case CVM_OPK_LABEL: in.has_operand = 1, in.operand = rnd((unsigned)n); break;
        case CVM_OPK_STR:
        case CVM_OPK_OPT_STR:
            if (cvm_opinfo_of(op)->operand == CVM_OPK_OPT_STR && rnd(2))
                break;
            in.has_operand = 1;
            in.operand = (int64_t)const_of(m, op == CVM_OP_EMIT ? (rnd(2) ? "Ev" : "k")
                                               : op == CVM_OP_CALL_SERVICE ? (rnd(2) ? "S.f" : "S.g")
                                                                           : strs[rnd(7)]);
            break;
        }
        code[i] = in;
    }
    mb_code(m, code, n);
    static const char *const psig[] = {"", "a:int", "a:bytes", "a:bytes b:int", "a:string b:bytes"};
    static const char *const rsig[] = {"", "int", "bytes", "int bytes", "string"};
    unsigned ps = rnd(5);
    *nargs = ps == 0 ? 0 : ps < 3 ? 1 : 2;
    mb_method(m, "main", 0, (uint32_t)n, (uint32_t)*nargs, 0);
    m->lines = cvm_calloc(m->al, n, sizeof *m->lines);
    assert_non_null(m->lines);
    for (size_t i = 0; i < n; i++)
        m->lines[i] = (uint32_t)(10 + i);
    char err[256];
    assert_int_equal(cvm_module_index_methods(m, err, sizeof err), CVM_OK);
    assert_int_equal(cvm_interp_prepare(m), CVM_OK);
    m->events = cvm_calloc(m->al, 1, sizeof *m->events);
    m->nevents = 1;
    m->events[0].name = cvm_strndup(m->al, "Ev", 2);
    m->events[0].nfields = tparse(m, rnd(2) ? "x:int y:bytes" : "s:string", &m->events[0].ftypes, &m->events[0].fnames);
    timport(m, "S.f", rnd(2) ? "int bytes" : "bytes", rnd(2) ? "int bytes" : "");
    tsig(m, "main", psig[ps], rsig[rnd(5)]);
    static const uint8_t big[70] = {1, 2, 3};
    for (size_t i = 0; i < *nargs; i++) {
        cvm_vtype t = m->methods[0].ptypes[i];
        args[i] = t == CVM_ARG_INT64 ? cvm_arg_int64(values[rnd(10)]) : cvm_arg_bytes(big, rnd(70));
        if (t == CVM_ARG_STRING)
            args[i] = cvm_arg_stringn("text", rnd(5));
    }
    return m;
}

static void test_random_typed_programs_agree(void **state)
{
    (void)state;
    long ran = 0, succeeded = 0, trapped[CVM_CODE_COUNT] = {0};
    for (int i = 0; i < 20000; i++) {
        cvm_arg args[2];
        size_t nargs;
        cvm_module *m = random_module(args, &nargs);
        tb t;
        tb_init(&t);
        t.handles = rnd(2);
        t.unsigned_call = rnd(4) == 0;
        t.call_results[0] = cvm_arg_int64(5);
        t.call_results[1] = cvm_arg_bytes("res", 3);
        t.call_nresults = m->imports[0].nresults;
        t.call_gas = rnd(20);
        if (rnd(3) == 0)
            tb_put(&t, "k", 1, "12345678", rnd(2) ? 8 : 3, NULL);
        int64_t gas = rnd(3) ? 1 + rnd(300) : 100000;
        cvm_exec_result r = trun_args(m, "main", args, nargs, &t, gas);
        ran++;
        if (r.status == CVM_SUCCESS)
            succeeded++;
        trapped[r.error.code]++;
        cvm_exec_result_clear(&r);
        tb_clear(&t);
        cvm_module_free(m);
    }
    print_message("%ld ran, %ld succeeded, OUT_OF_GAS %ld TYPE_MISMATCH %ld OUT_OF_RANGE %ld\n", ran, succeeded, trapped[CVM_CODE_OUT_OF_GAS], trapped[CVM_CODE_TYPE_MISMATCH], trapped[CVM_CODE_OUT_OF_RANGE]);
    /* the mix is broad enough to mean something */
    if (!(succeeded > ran / 10 && trapped[CVM_CODE_OUT_OF_GAS] > 500 && trapped[CVM_CODE_TYPE_MISMATCH] > 1000 &&
          trapped[CVM_CODE_STACK_UNDERFLOW] > 1000 && trapped[CVM_CODE_OUT_OF_RANGE] > 20 &&
          trapped[CVM_CODE_ABORTED] > 200))
        fail_msg("a narrow mix: %ld ran, %ld succeeded, OUT_OF_GAS %ld TYPE_MISMATCH %ld STACK_UNDERFLOW %ld "
                 "OUT_OF_RANGE %ld ABORTED %ld",
                 ran, succeeded, trapped[CVM_CODE_OUT_OF_GAS], trapped[CVM_CODE_TYPE_MISMATCH],
                 trapped[CVM_CODE_STACK_UNDERFLOW], trapped[CVM_CODE_OUT_OF_RANGE], trapped[CVM_CODE_ABORTED]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_typed_programs_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
