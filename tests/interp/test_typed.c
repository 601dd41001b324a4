/*
 * test_typed.c — bytes values in the interpreter (docs/vm.md, "Values"):
 * every bytes opcode with its gas per byte and its edges (empty, 65536
 * bytes, one over, Slice bounds, non-UTF-8), TYPE_MISMATCH for each class
 * of opcode, BYTES_TOO_LONG, MEMORY_LIMIT, OUT_OF_RANGE, typed arguments
 * and results (cvm_exec_args), Abort and Assert with reasons, Signer,
 * Caller and Self, state with bytes keys and values (by key and by handle),
 * declared events and typed calls. Every case runs in all eight
 * interpreter variants (typed_test.h), which must agree exactly.
 */
#include "codec/utf8.h"
#include "typed_test.h"

#include <stdlib.h>

#define GAS 1000000

static cvm_module *typed_main(const char *body, const char *params, const char *results)
{
    char src[4096];
    snprintf(src, sizeof src, ".contract T\n.method main params %d\n%s", params[0] ? (int)(strchr(params, ' ') ? 2 : 1) : 0, body);
    cvm_module *m = tasm(src);
    tsig(m, "main", params, results);
    return m;
}

/* ------------------------------------------------------------- opcodes */

static void test_push_concat_len(void **state)
{
    (void)state;
    cvm_module *m = typed_main("PushBytes \"ab\"\nPushBytes \"cde\"\nConcat\nDup\nLen\nHalt\n", "", "bytes int");
    tb t;
    tb_init(&t);
    cvm_exec_result r = trun(m, &t, GAS);
    tassert_ok(&r);
    /* 1 + 1 + (3 + 1 per 8 bytes of 5) + 1 + 1 + 1 */
    assert_int_equal(r.gas_used, 1 + 1 + 4 + 1 + 1 + 1);
    assert_int_equal(r.nresults, 2);
    tassert_bytes(&r, 0, CVM_ARG_BYTES, "abcde", 5);
    tassert_int(&r, 1, 5);
    assert_int_equal(r.result, 5);
    cvm_exec_result_clear(&r);
    cvm_exec_result_clear(&r); /* twice is fine */
    assert_null(r.results);
    cvm_module_free(m);
}

static void test_empty_bytes(void **state)
{
    (void)state;
    cvm_module *m = typed_main("PushBytes \"\"\nPushBytes \"\"\nConcat\nDup\nLen\nSwap\nHex\nHalt\n", "", "int string");
    tb t;
    tb_init(&t);
    cvm_exec_result r = trun(m, &t, GAS);
    tassert_ok(&r);
    assert_int_equal(r.gas_used, 1 + 1 + 3 + 1 + 1 + 1 + 3 + 1);
    tassert_int(&r, 0, 0);
    tassert_bytes(&r, 1, CVM_ARG_STRING, "", 0);
    cvm_exec_result_clear(&r);
    cvm_module_free(m);
}

static void test_compare_bytes(void **state)
{
    (void)state;
    /* content equality, lexicographic order, the shorter first */
    static const struct {
        const char *a, *b, *op;
        int64_t want;
    } cases[] = {
        {"abc", "abc", "Eq", 1}, {"abc", "abd", "Eq", 0}, {"abc", "ab", "Ne", 1},  {"", "", "Eq", 1},
        {"ab", "abc", "Lt", 1},  {"abc", "ab", "Lt", 0},  {"b", "abc", "Gt", 1},   {"abc", "abc", "Le", 1},
        {"abc", "abc", "Ge", 1}, {"\\x00", "", "Gt", 1},  {"\\xff", "\\x01", "Gt", 1}, {"", "a", "Lt", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[256];
        snprintf(body, sizeof body, "PushBytes \"%s\"\nPushBytes \"%s\"\n%s\nHalt\n", cases[i].a, cases[i].b, cases[i].op);
        cvm_module *m = typed_main(body, "", "int");
        tb t;
        tb_init(&t);
        cvm_exec_result r = trun(m, &t, GAS);
        tassert_ok(&r);
        if (r.result != cases[i].want)
            fail_msg("case %zu: \"%s\" %s \"%s\" gave %lld", i, cases[i].a, cases[i].op, cases[i].b, (long long)r.result);
        cvm_exec_result_clear(&r);
        cvm_module_free(m);
    }
}

static void test_slice(void **state)
{
    (void)state;
    static const struct {
        int64_t start, len;
        const char *want; /* NULL: OUT_OF_RANGE */
    } cases[] = {
        {0, 5, "hello"}, {1, 3, "ell"}, {5, 0, ""}, {0, 0, ""}, {4, 1, "o"},
        {5, 1, NULL},    {6, 0, NULL},  {-1, 1, NULL}, {0, -1, NULL}, {1, INT64_MAX, NULL}, {INT64_MAX, 1, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[256];
        snprintf(body, sizeof body, "PushBytes \"hello\"\nPush %lld\nPush %lld\nSlice\nHalt\n", (long long)cases[i].start,
                 (long long)cases[i].len);
        cvm_module *m = typed_main(body, "", "bytes");
        tb t;
        tb_init(&t);
        cvm_exec_result r = trun(m, &t, GAS);
        if (cases[i].want) {
            tassert_ok(&r);
            tassert_bytes(&r, 0, CVM_ARG_BYTES, cases[i].want, strlen(cases[i].want));
            assert_int_equal(r.gas_used, 1 + 1 + 1 + 3 + ((int64_t)strlen(cases[i].want) + 7) / 8 + 1);
        } else {
            char msg[160];
            snprintf(msg, sizeof msg, "Slice of %lld bytes from %lld is outside bytes (5)", (long long)cases[i].len,
                     (long long)cases[i].start);
            tassert_trap(&r, CVM_CODE_OUT_OF_RANGE, msg);
            assert_int_equal(r.error.pc, 3);
            assert_int_equal(r.gas_used, 1 + 1 + 1 + 3);
        }
        cvm_exec_result_clear(&r);
        cvm_module_free(m);
    }
}

static void test_sha256_itoa_hex(void **state)
{
    (void)state;
    cvm_module *m = typed_main("PushBytes \"abc\"\nSha256\nHex\nPush -9223372036854775808\nItoa\nPush 0\nItoa\nHalt\n", "",
                               "string string string");
    tb t;
    tb_init(&t);
    cvm_exec_result r = trun(m, &t, GAS);
    tassert_ok(&r);
    const char *abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    tassert_bytes(&r, 0, CVM_ARG_STRING, abc, 64);
    tassert_bytes(&r, 1, CVM_ARG_STRING, "-9223372036854775808", 20);
    tassert_bytes(&r, 2, CVM_ARG_STRING, "0", 1);
    /* Sha256 of 3 bytes: 30 + 6 (one block); Hex of 32: 3 + 8; Itoa 3 */
    assert_int_equal(r.gas_used, 1 + 36 + 11 + 1 + 3 + 1 + 3 + 1);
    cvm_exec_result_clear(&r);
    cvm_module_free(m);
}

static void test_identities(void **state)
{
    (void)state;
    cvm_module *m = typed_main("Signer\nCaller\nSelf\nSigner\nLen\nHalt\n", "", "bytes bytes bytes int");
    tb t;
    tb_init(&t);
    cvm_exec_result r = trun(m, &t, GAS);
    tassert_ok(&r);
    tassert_bytes(&r, 0, CVM_ARG_BYTES, t.signer, 20);
    tassert_bytes(&r, 1, CVM_ARG_BYTES, t.caller, 20);
    tassert_bytes(&r, 2, CVM_ARG_BYTES, t.self, 20);
    tassert_int(&r, 3, 20);
    assert_int_equal(r.gas_used, 2 + 2 + 2 + 2 + 1 + 1);
    cvm_exec_result_clear(&r);
    t.unsigned_call = 1; /* an unsigned local call: the signer is empty */
    r = trun(m, &t, GAS);
    tassert_ok(&r);
    tassert_bytes(&r, 0, CVM_ARG_BYTES, "", 0);
    tassert_int(&r, 3, 0);
    cvm_exec_result_clear(&r);
    cvm_module_free(m);
}

/* Values move with their tags: Dup Swap Over Rot Pop and locals. */
static void test_stack_and_locals_move_bytes(void **state)
{
    (void)state;
    cvm_module *m = typed_main("PushBytes \"x\"\nPush 5\nPushBytes \"yy\"\nRot\nOver\nSwap\nLocalSet 3\nLocalGet 3\nDup\n"
                               "LocalSet 200\nPop\nLocalGet 200\nHalt\n",
                               "", "int bytes bytes int bytes");
    /* Rot: x 5 yy -> 5 yy x; Over -> 5 yy x yy; Swap -> 5 yy yy x; LocalSet 3 (x);
     * LocalGet 3 -> 5 yy yy x; Dup; LocalSet 200; Pop -> 5 yy yy; LocalGet 200 -> 5 yy yy x */
    tb t;
    tb_init(&t);
    cvm_exec_result r = trun(m, &t, GAS);
    assert_int_equal(r.status, CVM_ERROR_SMART_CONTRACT); /* 4 values for 5 results */
    tassert_trap(&r, CVM_CODE_STACK_UNDERFLOW, "main returns 5 values, the stack holds 4");
    assert_int_equal(r.error.pc, 12);
    cvm_exec_result_clear(&r);
    cvm_module_free(m);
    m = typed_main("PushBytes \"x\"\nPush 5\nPushBytes \"yy\"\nRot\nOver\nSwap\nLocalSet 3\nLocalGet 3\nDup\n"
                   "LocalSet 200\nPop\nLocalGet 200\nHalt\n",
                   "", "int bytes bytes bytes");
    r = trun(m, &t, GAS);
    tassert_ok(&r);
    tassert_int(&r, 0, 5);
    tassert_bytes(&r, 1, CVM_ARG_BYTES, "yy", 2);
    tassert_bytes(&r, 2, CVM_ARG_BYTES, "yy", 2);
    tassert_bytes(&r, 3, CVM_ARG_BYTES, "x", 1);
    cvm_exec_result_clear(&r);
    cvm_module_free(m);
}

/* ------------------------------------------------------- type mismatches */

static void expect_mismatch(const char *body, const char *message, int64_t pc)
{
    cvm_module *m = typed_main(body, "", "int");
    tb t;
    tb_init(&t);
    cvm_exec_result r = trun(m, &t, GAS);
    tassert_trap(&r, CVM_CODE_TYPE_MISMATCH, message);
    assert_int_equal(r.error.pc, pc);
    assert_string_equal(r.error.method, "main");
    cvm_exec_result_clear(&r);
    tb_clear(&t);
    cvm_module_free(m);
}

static void test_type_mismatch_each_class(void **state)
{
    (void)state;
    /* arithmetic */
    expect_mismatch("Signer\nPush 1\nAdd\n", "Add needs two integers, got bytes (20) and integer", 2);
    expect_mismatch("Push 1\nPushBytes \"ab\"\nDiv\n", "Div needs two integers, got integer and bytes (2)", 2);
    expect_mismatch("PushBytes \"\"\nNeg\n", "Neg needs an integer, got bytes (0)", 1);
    /* logic */
    expect_mismatch("PushBytes \"a\"\nNot\n", "Not needs an integer, got bytes (1)", 1);
    expect_mismatch("Push 1\nPushBytes \"a\"\nAnd\n", "And needs two integers, got integer and bytes (1)", 2);
    /* compares: mixing the types */
    expect_mismatch("PushBytes \"a\"\nPush 1\nEq\n", "Eq needs two integers or two bytes, got bytes (1) and integer", 2);
    expect_mismatch("Push 1\nPushBytes \"a\"\nLt\n", "Lt needs two integers or two bytes, got integer and bytes (1)", 2);
    /* control */
    expect_mismatch("PushBytes \"a\"\nJumpIf end\nend:\nPush 1\n", "JumpIf needs an integer, got bytes (1)", 1);
    expect_mismatch("PushBytes \"a\"\nAssert \"no\"\n", "Assert needs an integer, got bytes (1)", 1);
    /* bytes opcodes given integers */
    expect_mismatch("Push 3\nLen\n", "Len needs bytes, got integer", 1);
    expect_mismatch("PushBytes \"a\"\nPush 3\nConcat\n", "Concat needs two bytes, got bytes (1) and integer", 2);
    expect_mismatch("Push 3\nSha256\n", "Sha256 needs bytes, got integer", 1);
    expect_mismatch("Push 3\nHex\n", "Hex needs bytes, got integer", 1);
    expect_mismatch("PushBytes \"a\"\nItoa\n", "Itoa needs an integer, got bytes (1)", 1);
    expect_mismatch("Push 1\nPush 0\nPush 1\nSlice\n",
                    "Slice needs bytes, an integer and an integer, got integer, integer and integer", 3);
    expect_mismatch("PushBytes \"ab\"\nPushBytes \"\"\nPush 1\nSlice\n",
                    "Slice needs bytes, an integer and an integer, got bytes (2), bytes (0) and integer", 3);
    /* environment, events and logs */
    expect_mismatch("PushBytes \"a\"\nLog\n", "Log needs an integer, got bytes (1)", 1);
    expect_mismatch("PushBytes \"a\"\nEmit \"E\"\n", "Emit needs an integer, got bytes (1)", 1);
    expect_mismatch("Push 1\nPushBytes \"a\"\nCastVote\n", "CastVote needs integers, got integer and bytes (1)", 2);
    /* a result of the wrong type */
    expect_mismatch("PushBytes \"a\"\nHalt\n", "the method main: result 1 must be int, got bytes (1)", 1);
}

static void test_untyped_method_of_typed_module(void **state)
{
    (void)state;
    /* an untyped method's result must be an integer; run off the end: pc -1 */
    cvm_module *m = tasm(".contract T\n.method main\nPushBytes \"a\"\nPush 3\n.method other\nPushBytes \"x\"\n");
    tb t;
    tb_init(&t);
    cvm_exec_result r = trun(m, &t, GAS);
    tassert_ok(&r);
    assert_int_equal(r.result, 3);
    assert_int_equal(r.nresults, 1);
    tassert_int(&r, 0, 3);
    cvm_exec_result_clear(&r);
    r = trun_args(m, "other", NULL, 0, &t, GAS);
    tassert_trap(&r, CVM_CODE_TYPE_MISMATCH, "the result of other must be an integer, got bytes (1)");
    assert_int_equal(r.error.pc, -1);
    assert_int_equal(r.error.line, 0);
    assert_int_equal(r.gas_used, 1);
    cvm_exec_result_clear(&r);
    cvm_module_free(m);
}

static void test_string_result_not_utf8(void **state)
{
    (void)state;
    cvm_module *m = typed_main("PushBytes \"ok\"\nPushBytes \"\\xff\\xfe\"\nRet\n", "", "string string");
    tb t;
    tb_init(&t);
    cvm_exec_result r = trun(m, &t, GAS);
    tassert_trap(&r, CVM_CODE_TYPE_MISMATCH, "the method main: result 2 must be string, got bytes (2) that is not UTF-8");
    assert_int_equal(r.error.pc, 2);
    assert_null(r.results);
    cvm_exec_result_clear(&r);
    cvm_module_free(m);
    m = typed_main("PushBytes \"ok\"\nPushBytes \"\\xff\\xfe\"\nRet\n", "", "string bytes");
    r = trun(m, &t, GAS);
    tassert_ok(&r);
    tassert_bytes(&r, 1, CVM_ARG_BYTES, "\xff\xfe", 2);
    cvm_exec_result_clear(&r);
    cvm_module_free(m);
}

/* ----------------------------------------------------------- the limits */

static void test_bytes_max(void **state)
{
    (void)state;
    uint8_t *big = calloc(CVM_BYTES_MAX + 1, 1);
    assert_non_null(big);
    cvm_module *m = tasm(".contract T\n.method main params 2\nConcat\nLen\nHalt\n");
    tsig(m, "main", "a:bytes b:bytes", "int");
    tb t;
    tb_init(&t);
    /* 32768 + 32768 = 65536: fits, 3 + 8192 gas */
    cvm_arg args[2] = {cvm_arg_bytes(big, 32768), cvm_arg_bytes(big, 32768)};
    cvm_exec_result r = trun_args(m, "main", args, 2, &t, GAS);
    tassert_ok(&r);
    assert_int_equal(r.result, 65536);
    assert_int_equal(r.gas_used, 3 + 8192 + 1 + 1);
    cvm_exec_result_clear(&r);
    /* one over */
    args[1] = cvm_arg_bytes(big, 32769);
    r = trun_args(m, "main", args, 2, &t, GAS);
    tassert_trap(&r, CVM_CODE_BYTES_TOO_LONG, "Concat of 32768 and 32769 bytes would make 65537, more than 65536");
    assert_int_equal(r.error.pc, 0);
    assert_int_equal(r.gas_used, 3);
    cvm_exec_result_clear(&r);
    /* an argument at the maximum, and one over */
    args[0] = cvm_arg_bytes(big, CVM_BYTES_MAX);
    args[1] = cvm_arg_bytes(big, 0);
    r = trun_args(m, "main", args, 2, &t, GAS);
    tassert_ok(&r);
    assert_int_equal(r.result, 65536);
    cvm_exec_result_clear(&r);
    args[0] = cvm_arg_bytes(big, CVM_BYTES_MAX + 1);
    r = trun_args(m, "main", args, 2, &t, GAS);
    assert_int_equal(r.status, CVM_ERROR_INPUT);
    assert_int_equal(r.error.code, CVM_CODE_WRONG_ARGUMENTS);
    assert_string_equal(r.error.message, "main: argument 1 (a) is bytes of 65537 bytes, longer than 65536");
    assert_int_equal(r.gas_used, 0);
    cvm_module_free(m);
    /* Hex doubles: 32768 bytes make 65536, 32769 trap */
    m = tasm(".contract T\n.method main params 1\nHex\nLen\nHalt\n");
    tsig(m, "main", "a:bytes", "int");
    args[0] = cvm_arg_bytes(big, 32768);
    r = trun_args(m, "main", args, 1, &t, GAS);
    tassert_ok(&r);
    assert_int_equal(r.result, 65536);
    assert_int_equal(r.gas_used, 3 + 8192 + 1 + 1);
    cvm_exec_result_clear(&r);
    args[0] = cvm_arg_bytes(big, 32769);
    r = trun_args(m, "main", args, 1, &t, GAS);
    tassert_trap(&r, CVM_CODE_BYTES_TOO_LONG, "Hex of 32769 bytes would make 65538, more than 65536");
    cvm_exec_result_clear(&r);
    cvm_module_free(m);
    free(big);
}

static void test_memory_limit(void **state)
{
    (void)state;
    /* each Concat copies 65536 bytes (+16 counted): 4 MiB hold 63 of them
     * besides the argument's and the constant's 16 each */
    uint8_t *big = calloc(CVM_BYTES_MAX, 1);
    assert_non_null(big);
    cvm_module *m = tasm(".contract T\n.method main params 1\nLocalSet 0\nloop:\nLocalGet 0\nPushBytes \"\"\nConcat\nPop\n"
                         "LocalGet 1\nPush 1\nAdd\nLocalSet 1\nJump loop\n");
    tsig(m, "main", "a:bytes", "");
    tb t;
    tb_init(&t);
    cvm_arg arg = cvm_arg_bytes(big, CVM_BYTES_MAX);
    cvm_exec_result r = trun_args(m, "main", &arg, 1, &t, 100000000);
    tassert_trap(&r, CVM_CODE_MEMORY_LIMIT,
                 "Concat would take the run's bytes values past 4194304 bytes (4129808 in use, 65552 more)");
    assert_int_equal(r.error.pc, 3);
    cvm_exec_result_clear(&r);
    cvm_module_free(m);
    free(big);
}

/* ---------------------------------------------------------------- gas */

/* Every limit from 0 up: all variants agree (trun), and the run succeeds
 * exactly from the gas it uses; per-byte gas inside fast blocks falls back
 * to the plain entries when it cannot be paid. */
static void test_gas_per_byte_every_limit(void **state)
{
    (void)state;
    cvm_module *m = typed_main("PushBytes \"0123456789abcdef0123\"\nDup\nConcat\nDup\nConcat\nSha256\nHex\nPush 3\nPush 40\n"
                               "Slice\nLen\nPush 1\nAdd\nHalt\n",
                               "", "int");
    tb t;
    tb_init(&t);
    cvm_exec_result full = trun(m, &t, GAS);
    tassert_ok(&full);
    /* 1 + 1 + (3+5) + 1 + (3+10) + (30+12) + (3+8) + 1 + 1 + (3+5) + 1 + 1 + 1 + 1 */
    assert_int_equal(full.gas_used, 1 + 1 + 8 + 1 + 13 + 42 + 11 + 1 + 1 + 8 + 1 + 1 + 1 + 1);
    assert_int_equal(full.result, 41);
    for (int64_t g = 1; g <= full.gas_used; g++) {
        cvm_exec_result r = trun(m, &t, g);
        if (g < full.gas_used) {
            assert_int_equal(r.error.code, CVM_CODE_OUT_OF_GAS);
            assert_true(r.gas_used <= g);
        } else {
            tassert_ok(&r);
        }
        cvm_exec_result_clear(&r);
    }
    cvm_exec_result_clear(&full);
    cvm_module_free(m);
}

/* Eq..Ge of two bytes pay 1 gas per 8 bytes of the shorter (rounded up),
 * whatever the contents, before the compare: two equal 64 KiB values cost
 * 1 + 8192, as two that differ at their first byte do; 64 KiB against one
 * byte cost 1 + 1. In a fused compare-and-jump (LL_J_*) too (it falls back
 * to the plain entries), one gas short is OUT_OF_GAS, in every variant. */
static void test_compare_bytes_gas(void **state)
{
    (void)state;
    uint8_t *a = calloc(CVM_BYTES_MAX, 1), *b = calloc(CVM_BYTES_MAX, 1);
    assert_non_null(a);
    assert_non_null(b);
    b[0] = 1;
    static const char *const ops[] = {"Eq", "Ne", "Lt", "Le", "Gt", "Ge"};
    tb t;
    tb_init(&t);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        char src[512];
        /* the plain body, and a compare the fast loops fuse with its jump */
        snprintf(src, sizeof src,
                 ".contract T\n.method main params 2\n%s\nHalt\n"
                 ".method jump params 2\nLocalSet 1\nLocalSet 0\nLocalGet 0\nLocalGet 1\n%s\nJumpIf yes\n"
                 "Push 0\nHalt\nyes:\nPush 1\nHalt\n",
                 ops[i], ops[i]);
        cvm_module *m = tasm(src);
        tsig(m, "main", "a:bytes b:bytes", "int");
        tsig(m, "jump", "a:bytes b:bytes", "int");
        static const struct {
            size_t alen, blen;
            int differ;
            int64_t bytes_gas;
        } cases[] = {
            {CVM_BYTES_MAX, CVM_BYTES_MAX, 0, 8192}, {CVM_BYTES_MAX, CVM_BYTES_MAX, 1, 8192},
            {CVM_BYTES_MAX, 1, 0, 1},                {9, CVM_BYTES_MAX, 1, 2},
            {0, CVM_BYTES_MAX, 0, 0},                {8, 8, 0, 1},
        };
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            cvm_arg args[2] = {cvm_arg_bytes(a, cases[c].alen), cvm_arg_bytes(cases[c].differ ? b : a, cases[c].blen)};
            int64_t want = 1 + cases[c].bytes_gas + 1;
            cvm_exec_result r = trun_args(m, "main", args, 2, &t, GAS);
            tassert_ok(&r);
            if (r.gas_used != want)
                fail_msg("%s of %zu and %zu bytes: gas %lld, want %lld", ops[i], cases[c].alen, cases[c].blen,
                         (long long)r.gas_used, (long long)want);
            cvm_exec_result_clear(&r);
            if (cases[c].bytes_gas) {
                r = trun_args(m, "main", args, 2, &t, want - 2);
                char msg[128];
                snprintf(msg, sizeof msg, "%s costs %lld more gas for its bytes, %lld left", ops[i],
                         (long long)cases[c].bytes_gas, (long long)cases[c].bytes_gas - 1);
                tassert_trap(&r, CVM_CODE_OUT_OF_GAS, msg);
                assert_int_equal(r.gas_used, 1);
                cvm_exec_result_clear(&r);
            }
            /* LocalSet x2, LocalGet x2, the compare, JumpIf, Push, Halt */
            int64_t jwant = 4 + 1 + cases[c].bytes_gas + 2 + 1 + 1;
            r = trun_args(m, "jump", args, 2, &t, GAS);
            tassert_ok(&r);
            if (r.gas_used != jwant)
                fail_msg("%s then JumpIf of %zu and %zu bytes: gas %lld, want %lld", ops[i], cases[c].alen,
                         cases[c].blen, (long long)r.gas_used, (long long)jwant);
            cvm_exec_result_clear(&r);
            for (int64_t g = jwant - 4; g < jwant; g++) {
                r = trun_args(m, "jump", args, 2, &t, g);
                assert_int_equal(r.error.code, CVM_CODE_OUT_OF_GAS);
                cvm_exec_result_clear(&r);
            }
        }
        cvm_module_free(m);
    }
    free(a);
    free(b);
}

/* ------------------------------------------------------------- arguments */

static void test_argument_mapping(void **state)
{
    (void)state;
    cvm_module *m = tasm(".contract T\n.method main params 3\nLocalSet 0\nLen\nAdd\nLocalGet 0\nLen\nAdd\nHalt\n");
    tsig(m, "main", "n:int who:bytes name:string", "int");
    tb t;
    tb_init(&t);
    cvm_arg a[3] = {cvm_arg_int64(5), cvm_arg_bytes("\x01\x02", 2), cvm_arg_stringn("héllo", 6)};
    cvm_exec_result r = trun_args(m, "main", a, 3, &t, GAS);
    tassert_ok(&r);
    assert_int_equal(r.result, 5 + 2 + 6);
    cvm_exec_result_clear(&r);
    /* uint64 and bool map to integers; string to bytes and bytes to string (when UTF-8) */
    a[0] = cvm_arg_uint64(INT64_MAX);
    a[1] = cvm_arg_stringn("abc", 3);
    a[2] = cvm_arg_bytes("xyz", 3);
    r = trun_args(m, "main", a, 3, &t, GAS);
    assert_int_equal(r.error.code, CVM_CODE_INTEGER_OVERFLOW); /* INT64_MAX + 3 */
    cvm_exec_result_clear(&r);
    a[0] = cvm_arg_bool(1);
    r = trun_args(m, "main", a, 3, &t, GAS);
    tassert_ok(&r);
    assert_int_equal(r.result, 7);
    cvm_exec_result_clear(&r);
    static const struct {
        cvm_arg arg;
        int pos;
        const char *message;
    } bad[] = {
        {{CVM_ARG_UINT64, {.u64 = (uint64_t)INT64_MAX + 1}},
         0,
         "main: argument 1 (n) must be int, got uint64 9223372036854775808, above 9223372036854775807"},
        {{CVM_ARG_STRING, {.bytes = {(const uint8_t *)"5", 1}}}, 0, "main: argument 1 (n) must be int, got string"},
        {{CVM_ARG_INT64, {.i64 = 5}}, 1, "main: argument 2 (who) must be bytes, got int64"},
        {{CVM_ARG_BOOL, {.boolean = 1}}, 2, "main: argument 3 (name) must be string, got bool"},
        {{CVM_ARG_BYTES, {.bytes = {(const uint8_t *)"\xc3", 1}}},
         2,
         "main: argument 3 (name) must be string, got bytes that is not UTF-8"},
        {{CVM_ARG_STRING, {.bytes = {(const uint8_t *)"\xff", 1}}},
         2,
         "main: argument 3 (name) must be string, got string that is not UTF-8"},
        {{(cvm_arg_type)9, {.i64 = 0}}, 0, "main: argument 1 (n) must be int, got an unknown type"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cvm_arg b[3] = {cvm_arg_int64(1), cvm_arg_bytes("", 0), cvm_arg_stringn("", 0)};
        b[bad[i].pos] = bad[i].arg;
        r = trun_args(m, "main", b, 3, &t, GAS);
        assert_int_equal(r.status, CVM_ERROR_INPUT);
        assert_int_equal(r.error.code, CVM_CODE_WRONG_ARGUMENTS);
        assert_string_equal(r.error.message, bad[i].message);
        assert_int_equal(r.gas_used, 0);
        assert_int_equal(r.error.pc, -1);
        assert_null(r.results);
    }
    /* cvm_exec: integers only */
    cvm_exec_result e;
    int64_t ints[3] = {1, 2, 3};
    cvm_host h = tb_host(&t, 0);
    assert_int_equal(cvm_exec(m, "main", ints, 3, &h, NULL, &e), CVM_OK);
    assert_int_equal(e.status, CVM_ERROR_INPUT);
    assert_string_equal(e.error.message, "main: argument 2 (who) must be bytes, got int64");
    cvm_module_free(m);
    /* an untyped method takes integers (uint64, bool) through cvm_exec_args */
    m = tasm(".contract T\n.method main params 2\nAdd\n");
    cvm_arg u[2] = {cvm_arg_uint64(40), cvm_arg_bool(1)};
    r = trun_args(m, "main", u, 2, &t, GAS);
    tassert_ok(&r);
    tassert_int(&r, 0, 41);
    cvm_exec_result_clear(&r);
    u[1] = cvm_arg_stringn("x", 1);
    r = trun_args(m, "main", u, 2, &t, GAS);
    assert_string_equal(r.error.message, "main: argument 2 must be int, got string");
    cvm_module_free(m);
}

/* ------------------------------------------------------------- reasons */

static void test_abort_and_assert_reasons(void **state)
{
    (void)state;
    cvm_module *m = typed_main("PushBytes \"insufficient balance: has \"\nPush 40\nItoa\nConcat\nAbort\n", "", "");
    tb t;
    tb_init(&t);
    cvm_exec_result r = trun(m, &t, GAS);
    tassert_trap(&r, CVM_CODE_ABORTED, "insufficient balance: has 40");
    assert_int_equal(r.error.has_reason, 1);
    assert_int_equal(r.error.reason_len, 28);
    assert_memory_equal(r.error.reason, "insufficient balance: has 40", 28);
    assert_int_equal(r.error.pc, 4);
    cvm_module_free(m);
    /* an integer code: as before, no reason */
    m = typed_main("Push 7\nAbort\n", "", "");
    r = trun(m, &t, GAS);
    tassert_trap(&r, CVM_CODE_ABORTED, "aborted with code 7");
    assert_int_equal(r.error.has_reason, 0);
    cvm_module_free(m);
    /* non-UTF-8: shown as hex */
    m = typed_main("PushBytes \"\\x00\\xff\"\nAbort\n", "", "");
    r = trun(m, &t, GAS);
    tassert_trap(&r, CVM_CODE_ABORTED, "0x00ff");
    assert_int_equal(r.error.reason_len, 2);
    cvm_module_free(m);
    /* empty bytes, and Assert "": the message says so, the reason stays empty */
    static const char *const empties[] = {"PushBytes \"\"\nAbort\n", "Push 0\nAssert \"\"\n"};
    for (size_t i = 0; i < 2; i++) {
        m = typed_main(empties[i], "", "");
        r = trun(m, &t, GAS);
        tassert_trap(&r, CVM_CODE_ABORTED, "(empty reason)");
        assert_int_equal(r.error.has_reason, 1);
        assert_int_equal(r.error.reason_len, 0);
        char text[300];
        cvm_error_format(&r.error, text, sizeof text);
        assert_string_equal(text, "ABORTED: (empty reason) (method main, pc 1, line 4)");
        cvm_module_free(m);
    }
    /* Assert: passes on non-zero, fails with its operand */
    m = typed_main("Push 1\nAssert \"fine\"\nPush 0\nAssert \"not a member\"\nPush 5\n", "", "int");
    r = trun(m, &t, GAS);
    tassert_trap(&r, CVM_CODE_ABORTED, "not a member");
    assert_int_equal(r.error.pc, 3);
    assert_int_equal(r.error.line, 6);
    assert_int_equal(r.error.reason_len, 12);
    assert_int_equal(r.gas_used, 4);
    cvm_module_free(m);
    /* a long reason: cut to CVM_REASON_MAX in reason, to the message's size in message */
    char body[1024] = "PushBytes \"";
    for (int i = 0; i < 300; i++)
        strcat(body, "r");
    strcat(body, "\"\nAbort\n");
    m = typed_main(body, "", "");
    r = trun(m, &t, GAS);
    assert_int_equal(r.error.reason_len, CVM_REASON_MAX);
    assert_int_equal(strlen(r.error.message), sizeof r.error.message - 1);
    cvm_module_free(m);
    /* a long UTF-8 reason is cut at a character boundary: "a" then 150
     * two-byte characters keeps 1 + 99 * 2 bytes, still UTF-8 */
    strcpy(body, "PushBytes \"a");
    for (int i = 0; i < 150; i++)
        strcat(body, "\xc3\xa9");
    strcat(body, "\"\nAbort\n");
    m = typed_main(body, "", "");
    r = trun(m, &t, GAS);
    assert_int_equal(r.error.reason_len, 199);
    assert_true(cvm_utf8_valid(r.error.reason, r.error.reason_len, NULL));
    assert_int_equal(r.error.message[0], 'a');
    cvm_module_free(m);
}

/* ---------------------------------------------------------------- state */

static void test_state_bytes(void **state)
{
    (void)state;
    for (int handles = 0; handles < 2; handles++) {
        cvm_module *m = typed_main("PushBytes \"alice\"\nStore \"name\"\n"        /* constant key, bytes value */
                                   "PushBytes \"balance/\"\nSigner\nConcat\nPush 300\nStore\n" /* computed key, integer */
                                   "PushBytes \"balance/\"\nSigner\nConcat\nLoad\n"            /* read it back */
                                   "LoadBytes \"name\"\n"                                /* constant key, bytes */
                                   "Push 7\nLoadBytes\n"                                 /* absent: empty */
                                   "PushBytes \"\"\nStore \"name\"\n"                         /* empty deletes */
                                   "LoadBytes \"name\"\nLen\n"
                                   "Halt\n",
                                   "", "int bytes bytes int");
        tb t;
        tb_init(&t);
        t.handles = handles;
        cvm_exec_result r = trun(m, &t, GAS);
        tassert_ok(&r);
        tassert_int(&r, 0, 300);
        tassert_bytes(&r, 1, CVM_ARG_BYTES, "alice", 5);
        tassert_bytes(&r, 2, CVM_ARG_BYTES, "", 0);
        tassert_int(&r, 3, 0);
        const char *want = handles
                               ? "resolve name;storeb@ name=alice;store balance/\\xa0\\xa1\\xa2\\xa3\\xa4\\xa5\\xa6\\xa7"
                                 "\\xa8\\xa9\\xaa\\xab\\xac\\xad\\xae\\xaf\\xb0\\xb1\\xb2\\xb3=300;load balance/\\xa0\\xa1"
                                 "\\xa2\\xa3\\xa4\\xa5\\xa6\\xa7\\xa8\\xa9\\xaa\\xab\\xac\\xad\\xae\\xaf\\xb0\\xb1\\xb2\\xb3;"
                                 "loadb@ name;loadb 7;storeb@ name=;loadb@ name;"
                               : "storeb name=alice;store balance/\\xa0\\xa1\\xa2\\xa3\\xa4\\xa5\\xa6\\xa7"
                                 "\\xa8\\xa9\\xaa\\xab\\xac\\xad\\xae\\xaf\\xb0\\xb1\\xb2\\xb3=300;load balance/\\xa0\\xa1"
                                 "\\xa2\\xa3\\xa4\\xa5\\xa6\\xa7\\xa8\\xa9\\xaa\\xab\\xac\\xad\\xae\\xaf\\xb0\\xb1\\xb2\\xb3;"
                                 "loadb name;loadb 7;storeb name=;loadb name;";
        assert_string_equal(t.calls, want);
        /* Store bytes: 100 + 10 per byte; popped bytes keys 1 per byte;
         * LoadBytes 50 + 1 per 8 bytes read */
        int64_t gas = 1 + (100 + 50)                /* Push, Store "name" of 5 bytes */
                      + 1 + 2 + (3 + 4) + 1 + (100 + 28) /* the computed key (28 bytes), Store */
                      + 1 + 2 + (3 + 4) + (50 + 28)      /* Load with the computed key */
                      + (50 + 1)                         /* LoadBytes "name": 5 bytes */
                      + 1 + 50                           /* Push 7, LoadBytes: absent */
                      + 1 + 100                          /* Push "", Store "name": deletes */
                      + 50 + 1 + 1;                      /* LoadBytes, Len, Halt */
        assert_int_equal(r.gas_used, gas);
        cvm_exec_result_clear(&r);
        tb_clear(&t);
        cvm_module_free(m);
    }
}

static void test_load_of_bytes_value_traps(void **state)
{
    (void)state;
    cvm_module *m = typed_main("PushBytes \"abc\"\nStore \"k\"\nLoad \"k\"\n", "", "int");
    tb t;
    tb_init(&t);
    cvm_exec_result r = trun(m, &t, GAS);
    tassert_trap(&r, CVM_CODE_TYPE_MISMATCH, "Load: the value of k is 3 bytes, not an integer");
    assert_int_equal(r.error.pc, 2);
    tb_clear(&t);
    cvm_module_free(m);
    /* a host without bytes storage: LoadBytes reads empty, a bytes Store traps */
    m = typed_main("LoadBytes \"k\"\nLen\nPushBytes \"v\"\nStore \"k\"\n", "", "int");
    tb_init(&t);
    t.no_bytes = 1;
    r = trun(m, &t, GAS);
    tassert_trap(&r, CVM_CODE_SERVICE_UNAVAILABLE, "Store: this host has no storage for bytes");
    cvm_module_free(m);
}

/* LoadBytes charges for what it read after reading; it ends its block, so
 * a shortfall traps the same in every variant. */
static void test_load_bytes_gas(void **state)
{
    (void)state;
    cvm_module *m = typed_main("Push 1\nPush 2\nLoadBytes \"k\"\nLen\nAdd\nAdd\nHalt\n", "", "int");
    tb t;
    tb_init(&t);
    uint8_t v[100] = {0};
    tb_put(&t, "k", 1, v, sizeof v, NULL);
    cvm_exec_result r = trun(m, &t, GAS);
    tassert_ok(&r);
    assert_int_equal(r.result, 103);
    assert_int_equal(r.gas_used, 1 + 1 + 50 + 13 + 1 + 1 + 1 + 1);
    for (int64_t g = 50; g < r.gas_used; g++) {
        cvm_exec_result s = trun(m, &t, g);
        assert_int_equal(s.error.code, CVM_CODE_OUT_OF_GAS);
        if (g >= 52 && g < 52 + 13) {
            char msg[120];
            snprintf(msg, sizeof msg, "LoadBytes costs 13 more gas for the 100 bytes it read, %lld left",
                     (long long)(g - 52));
            assert_string_equal(s.error.message, msg);
            assert_int_equal(s.error.pc, 2);
            assert_int_equal(s.gas_used, 52);
        }
        cvm_exec_result_clear(&s);
    }
    cvm_exec_result_clear(&r);
    tb_clear(&t);
    cvm_module_free(m);
}

/* ------------------------------------------------------- declared events */

static void test_declared_emit(void **state)
{
    (void)state;
    cvm_module *m = typed_main("Signer\nPushBytes \"bob\"\nPush 300\nEmit \"Transfer\"\nPush 5\nEmit \"Tick\"\nPush 1\nHalt\n", "",
                               "int");
    tevent(m, "Transfer", "from:bytes to:string amount:int");
    tb t;
    tb_init(&t);
    cvm_exec_result r = trun(m, &t, GAS);
    tassert_ok(&r);
    assert_string_equal(t.calls, "event Transfer from:bytes=\\xa0\\xa1\\xa2\\xa3\\xa4\\xa5\\xa6\\xa7\\xa8\\xa9\\xaa"
                                 "\\xab\\xac\\xad\\xae\\xaf\\xb0\\xb1\\xb2\\xb3 to:string=bob amount:int64=300;"
                                 "emit Tick=5;");
    /* 30 + 10 per byte of field names (4 + 2 + 6) and values (20 + 3 + 8) */
    assert_int_equal(r.gas_used, 2 + 1 + 1 + 30 + 10 * (12 + 31) + 1 + 30 + 1 + 1);
    cvm_exec_result_clear(&r);
    /* exactly enough gas, and one less: the event is not emitted */
    int64_t full = 2 + 1 + 1 + 30 + 10 * (12 + 31) + 1 + 30 + 1 + 1;
    r = trun(m, &t, full);
    tassert_ok(&r);
    cvm_exec_result_clear(&r);
    r = trun(m, &t, 2 + 1 + 1 + 30 + 10 * (12 + 31) - 1);
    assert_int_equal(r.error.code, CVM_CODE_OUT_OF_GAS);
    assert_string_equal(t.calls, "");
    assert_int_equal(r.error.pc, 3);
    cvm_exec_result_clear(&r);
    cvm_module_free(m);
    /* a field of the wrong type, a string that is not UTF-8, too few fields */
    m = typed_main("Signer\nPush 1\nPush 300\nEmit \"Transfer\"\n", "", "");
    tevent(m, "Transfer", "from:bytes to:string amount:int");
    r = trun(m, &t, GAS);
    tassert_trap(&r, CVM_CODE_TYPE_MISMATCH, "Emit Transfer: field 2 (to) must be string, got integer");
    assert_string_equal(t.calls, "");
    cvm_module_free(m);
    m = typed_main("Signer\nPushBytes \"\\xff\"\nPush 300\nEmit \"Transfer\"\n", "", "");
    tevent(m, "Transfer", "from:bytes to:string amount:int");
    r = trun(m, &t, GAS);
    tassert_trap(&r, CVM_CODE_TYPE_MISMATCH, "Emit Transfer: field 2 (to) must be string, got bytes (1) that is not UTF-8");
    cvm_module_free(m);
    m = typed_main("PushBytes \"bob\"\nPush 300\nEmit \"Transfer\"\n", "", "");
    tevent(m, "Transfer", "from:bytes to:string amount:int");
    r = trun(m, &t, GAS);
    tassert_trap(&r, CVM_CODE_STACK_UNDERFLOW, "Emit needs 3 values, the stack holds 2");
    cvm_module_free(m);
}

/* ---------------------------------------------------------- typed calls */

static void test_typed_call(void **state)
{
    (void)state;
    cvm_module *m = typed_main("Push 9\nPush 7\nSigner\nCallService \"_Governance.getProposal\"\nHalt\n", "",
                               "int string bytes int");
    timport(m, "_Governance.getProposal", "int bytes", "string bytes int");
    tb t;
    tb_init(&t);
    t.call_results[0] = cvm_arg_stringn("title", 5);
    t.call_results[1] = cvm_arg_bytes("\x01\x02", 2);
    t.call_results[2] = cvm_arg_int64(42);
    t.call_nresults = 3;
    t.call_gas = 250;
    cvm_exec_result r = trun(m, &t, GAS);
    tassert_ok(&r);
    assert_string_equal(t.calls, "call _Governance.getProposal typed int64=7 bytes=\\xa0\\xa1\\xa2\\xa3\\xa4\\xa5\\xa6"
                                 "\\xa7\\xa8\\xa9\\xaa\\xab\\xac\\xad\\xae\\xaf\\xb0\\xb1\\xb2\\xb3 ->3;");
    tassert_int(&r, 0, 9);
    tassert_bytes(&r, 1, CVM_ARG_STRING, "title", 5);
    tassert_bytes(&r, 2, CVM_ARG_BYTES, "\x01\x02", 2);
    tassert_int(&r, 3, 42);
    assert_int_equal(r.gas_used, 1 + 1 + 2 + 100 + 250 + 1);
    cvm_exec_result_clear(&r);
    /* the host gives fewer results than declared, or the wrong type */
    t.call_nresults = 2;
    r = trun(m, &t, GAS);
    tassert_trap(&r, CVM_CODE_HOST_ERROR,
                 "CallService \"_Governance.getProposal\": the host gave 2 results, the import declares 3");
    cvm_exec_result_clear(&r);
    t.call_nresults = 3;
    t.call_results[2] = cvm_arg_bytes("x", 1);
    r = trun(m, &t, GAS);
    tassert_trap(&r, CVM_CODE_HOST_ERROR,
                 "CallService \"_Governance.getProposal\": result 3 is bytes, the import declares int");
    cvm_exec_result_clear(&r);
    /* the callee fails: its code and message, and the gas it used */
    t.call_results[2] = cvm_arg_int64(1);
    t.call_fail = CVM_CODE_ABORTED;
    r = trun(m, &t, GAS);
    tassert_trap(&r, CVM_CODE_ABORTED, "the callee failed");
    assert_int_equal(r.gas_used, 1 + 1 + 2 + 100 + 250);
    cvm_exec_result_clear(&r);
    t.call_fail = CVM_CODE_NONE;
    cvm_module_free(m);
    /* arguments of the wrong type, or too few */
    m = typed_main("Push 7\nPush 8\nCallLibrary \"Lib.f\"\n", "", "int");
    timport(m, "Lib.f", "int bytes", "int");
    r = trun(m, &t, GAS);
    tassert_trap(&r, CVM_CODE_TYPE_MISMATCH, "CallLibrary Lib.f: argument 2 must be bytes, got integer");
    assert_string_equal(t.calls, "");
    cvm_module_free(m);
    m = typed_main("Signer\nCallLibrary \"Lib.f\"\n", "", "int");
    timport(m, "Lib.f", "int bytes", "int");
    r = trun(m, &t, GAS);
    tassert_trap(&r, CVM_CODE_STACK_UNDERFLOW, "CallLibrary \"Lib.f\" needs 2 values, the stack holds 1");
    cvm_module_free(m);
    /* no results: nothing pushed */
    m = typed_main("Push 3\nCallService \"S.g\"\nPush 4\nHalt\n", "", "int");
    timport(m, "S.g", "int", "");
    t.call_nresults = 0;
    r = trun(m, &t, GAS);
    tassert_ok(&r);
    tassert_int(&r, 0, 4);
    cvm_exec_result_clear(&r);
    cvm_module_free(m);
}

/* A call without an import in a typed module: today's call; is_bytes marks
 * the bytes cells, so the host can refuse one as an argument. */
static void test_untyped_call_in_typed_module(void **state)
{
    (void)state;
    cvm_module *m = typed_main("Push 21\nCallService \"S.double\"\nSigner\nLen\nAdd\nHalt\n", "", "int");
    tb t;
    tb_init(&t);
    cvm_exec_result r = trun(m, &t, GAS);
    tassert_ok(&r);
    tassert_int(&r, 0, 62);
    assert_string_equal(t.calls, "call S.double depth 1 bytes 0;");
    cvm_exec_result_clear(&r);
    cvm_module_free(m);
    m = typed_main("Signer\nCallService \"S.double\"\n", "", "int");
    r = trun(m, &t, GAS);
    tassert_trap(&r, CVM_CODE_WRONG_ARGUMENTS, "its parameter is an integer, got bytes");
    assert_string_equal(t.calls, "call S.double depth 1 bytes 1;");
    cvm_module_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_concat_len),
        cmocka_unit_test(test_empty_bytes),
        cmocka_unit_test(test_compare_bytes),
        cmocka_unit_test(test_compare_bytes_gas),
        cmocka_unit_test(test_slice),
        cmocka_unit_test(test_sha256_itoa_hex),
        cmocka_unit_test(test_identities),
        cmocka_unit_test(test_stack_and_locals_move_bytes),
        cmocka_unit_test(test_type_mismatch_each_class),
        cmocka_unit_test(test_untyped_method_of_typed_module),
        cmocka_unit_test(test_string_result_not_utf8),
        cmocka_unit_test(test_bytes_max),
        cmocka_unit_test(test_memory_limit),
        cmocka_unit_test(test_gas_per_byte_every_limit),
        cmocka_unit_test(test_argument_mapping),
        cmocka_unit_test(test_abort_and_assert_reasons),
        cmocka_unit_test(test_state_bytes),
        cmocka_unit_test(test_load_of_bytes_value_traps),
        cmocka_unit_test(test_load_bytes_gas),
        cmocka_unit_test(test_declared_emit),
        cmocka_unit_test(test_typed_call),
        cmocka_unit_test(test_untyped_call_in_typed_module),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
