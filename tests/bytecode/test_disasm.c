/* test_disasm.c — the disassembler: exact text for a small module, and
 * asm -> encode -> disasm -> asm -> encode giving identical bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "modbuild.h"

static void print_diag(void *ud, const char *file, int line, int col, const char *message)
{
    (void)ud;
    print_error("%s:%d:%d: error: %s\n", file, line, col, message);
}

static cvm_module *assemble(const char *src)
{
    cvm_module *m = NULL;
    cvm_status st = cvm_assemble(NULL, src, strlen(src), "test.asm", print_diag, NULL, &m, NULL);
    if (st != CVM_OK)
        print_error("in:\n%s\n", src);
    assert_int_equal(st, CVM_OK);
    assert_non_null(m);
    return m;
}

static char *disasm(const cvm_module *m)
{
    char *text;
    size_t len;
    assert_int_equal(cvm_module_disasm(m, &text, &len), CVM_OK);
    assert_int_equal(strlen(text), len);
    return text;
}

/* src assembles; its bytes survive disasm + asm unchanged. Returns the
 * disassembly (owned by the caller) for further checks. */
static char *round_trip(const char *src)
{
    cvm_module *m = assemble(src);
    uint8_t *b1, *b2;
    size_t n1, n2;
    assert_int_equal(cvm_module_encode(m, &b1, &n1), CVM_OK);
    char *text = disasm(m);
    cvm_module *m2 = assemble(text);
    assert_int_equal(cvm_module_encode(m2, &b2, &n2), CVM_OK);
    if (n1 != n2 || memcmp(b1, b2, n1) != 0)
        print_error("source:\n%s\ndisassembly:\n%s\n", src, text);
    assert_int_equal(n1, n2);
    assert_memory_equal(b1, b2, n1);
    /* and disassembling the reassembled module gives the same text */
    char *text2 = disasm(m2);
    assert_string_equal(text, text2);
    cvm_free(NULL, text2);
    cvm_free(NULL, b1);
    cvm_free(NULL, b2);
    cvm_module_free(m);
    cvm_module_free(m2);
    return text;
}

static void exact_text_of_a_hand_built_module(void **state)
{
    (void)state;
    cvm_module *m = mb_sample();
    char err[256];
    assert_int_equal(cvm_verify(m, err, sizeof err), CVM_OK);
    for (size_t i = 0; i < m->ncode; i++)
        m->lines[i] = (uint32_t)(i + 7); /* line 7 onwards, one per instruction */
    m->lines[6] = 40;
    char *text = disasm(m);
    const char *want = "; Counter: 3 methods, 13 instructions, 2 constants\n" /* 1 */
                       ".contract Counter\n"                                   /* 2 */
                       ".reputation 5\n"                                       /* 3 */
                       ".cooperative housing purpose=\"Shared housing\" cpu=10 memory=20 network=5 storage=100 "
                       "bandwidth=0 federation=\"north\"\n"                    /* 4 */
                       ".state \"count\" 37\n"                                 /* 5 */
                       ".method main params 1\n"                               /* 6 */
                       "    Load \"count\"\n"                                  /* 7 */
                       "    Add\n"
                       "    Dup\n"
                       "    Store \"count\"\n"
                       "    Dup\n"
                       "    Emit \"Changed\"\n" /* 12 */
                       ".line 40\n"
                       "    Jump L7\n" /* 40 */
                       "L7:\n"         /* 41 */
                       ".line 14\n"
                       "    Halt\n"   /* 14 */
                       ".method get readonly\n" /* 15 */
                       ".line 15\n"
                       "    Load \"count\"\n" /* 15 */
                       "    LocalGet 3\n"
                       "    Pop\n"
                       "    Load\n"
                       "    Halt\n"
                       ".method nothing\n";
    assert_string_equal(text, want);
    cvm_free(NULL, text);
    cvm_module_free(m);
}

static void strings_are_escaped(void **state)
{
    (void)state;
    cvm_module *m = cvm_module_new(NULL);
    mb_name(m, "S");
    static const char odd[] = "q\"b\\n\nt\t\x01\x7f\xff end";
    mb_const(m, odd, sizeof odd - 1);
    mb_const(m, "", 0);
    const cvm_insn code[] = {I1(EMIT, 0), I1(LOAD, 1)};
    mb_code(m, code, 2);
    mb_method(m, "main", 0, 2, 0, 0);
    char err[256];
    assert_int_equal(cvm_verify(m, err, sizeof err), CVM_OK);
    char *text = disasm(m);
    assert_non_null(strstr(text, "    Emit \"q\\\"b\\\\n\\nt\\t\\x01\\x7f\\xff end\"\n"));
    assert_non_null(strstr(text, "    Load \"\"\n"));
    assert_non_null(strstr(text, ".nolines\n"));
    cvm_module *m2 = assemble(text);
    assert_int_equal(m2->nconsts, 2);
    assert_int_equal(m2->consts[0].len, sizeof odd - 1);
    assert_memory_equal(m2->consts[0].bytes, odd, sizeof odd - 1);
    cvm_free(NULL, text);
    cvm_module_free(m);
    cvm_module_free(m2);
}

static void round_trip_counter(void **state)
{
    (void)state;
    char *t = round_trip("; the issue's example\n"
                         ".contract Counter\n"
                         ".reputation 50\n"
                         ".cooperative housing purpose=\"Shared housing\" cpu=10 memory=20 network=5 storage=10 "
                         "bandwidth=5 federation=north\n"
                         ".state count 0\n"
                         ".method increment params 1\n"
                         "    Load \"count\"\n"
                         "    Add\n"
                         "    Dup\n"
                         "    Store \"count\"\n"
                         "    Halt\n"
                         ".method get readonly\n"
                         "    Load \"count\"\n");
    assert_non_null(strstr(t, ".reputation 50\n"));
    assert_non_null(strstr(t, ".method increment params 1\n"));
    assert_non_null(strstr(t, ".method get readonly\n"));
    cvm_free(NULL, t);
}

static void round_trip_labels_and_loops(void **state)
{
    (void)state;
    char *t = round_trip("    push 10\n"
                         "    LocalSet 0\n"
                         "top:\n"
                         "    LOCALGET 0\n"
                         "    JumpIfNot done\n"
                         "    LocalGet 0\n"
                         "    Push 0x1\n"
                         "    Sub\n"
                         "    LocalSet 0\n"
                         "    Call helper\n"
                         "    Jump top\n"
                         "helper: Push -9223372036854775808\n"
                         "    Pop\n"
                         "    Ret\n"
                         "done:\n"
                         "    Push 9223372036854775807\n"
                         "    Halt\n"
                         ".method second\n"
                         "top: Jump top\n");
    assert_non_null(strstr(t, ".method main\n"));
    assert_non_null(strstr(t, "L2:\n    LocalGet 0\n"));
    assert_non_null(strstr(t, "    JumpIfNot L13\n"));
    assert_non_null(strstr(t, "L15:\n"));
    assert_non_null(strstr(t, "    Jump L15\n"));
    cvm_free(NULL, t);
}

static void round_trip_line_gaps(void **state)
{
    (void)state;
    char *t = round_trip(".contract Lines\n"
                         "\n\n\n"
                         "    Push 1 ; line 5\n"
                         ".line 100\n"
                         "    Push 2 ; line 100\n"
                         "\n"
                         "    Add    ; line 102\n"
                         ".line 7\n"
                         "    Log    ; line 7\n"
                         ".line 0\n"
                         "    Halt   ; line 0\n"
                         ".method other\n"
                         ".line 2147483647\n"
                         "    Push 3\n");
    assert_non_null(strstr(t, ".line 100\n"));
    assert_non_null(strstr(t, ".line 2147483647\n"));
    cvm_free(NULL, t);
}

static void round_trip_without_line_table(void **state)
{
    (void)state;
    char *t = round_trip(".nolines\n.contract NoLines\n\n    Push 1\n\n\n    Halt\n.method x params 3 readonly\n    Load\n");
    assert_non_null(strstr(t, ".nolines\n"));
    assert_null(strstr(t, ".line"));
    cvm_free(NULL, t);
}

static void round_trip_empty_methods_and_modules(void **state)
{
    (void)state;
    char *t = round_trip(".contract Empty\n.method a\n.method b params 64\n.method c readonly\n    Halt\n.method d\n");
    assert_non_null(strstr(t, ".method a\n.method b params 64\n.method c readonly\n"));
    cvm_free(NULL, t);
    cvm_free(NULL, round_trip(".contract Nothing\n"));
    cvm_free(NULL, round_trip(".contract Nothing\n.nolines\n"));
    cvm_free(NULL, round_trip(".reputation -9223372036854775808\n.contract R\n    Halt\n"));
    cvm_free(NULL, round_trip(".contract 9lives\n.state \"\\x00k\\\"\" -1\n.state other 9223372036854775807\n"));
}

static void round_trip_every_opcode(void **state)
{
    (void)state;
    /* one instruction of each opcode, with a typical operand */
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    cvm_buf_str(&b, ".contract All\n.cooperative c1 purpose=\"p\" cpu=0 memory=100 network=1 storage=2 "
                    "bandwidth=3 federation=\"\"\n.method all params 2\nstart:\n");
    for (unsigned op = 0; op < CVM_OP_COUNT; op++) {
        const cvm_opinfo *oi = cvm_opinfo_of(op);
        cvm_buf_printf(&b, "    %s", oi->mnemonic);
        switch (oi->operand) {
        case CVM_OPK_NONE: break;
        case CVM_OPK_INT: cvm_buf_printf(&b, " %u", op * 1000); break;
        case CVM_OPK_LOCAL: cvm_buf_printf(&b, " %u", op); break;
        case CVM_OPK_STR:
        case CVM_OPK_OPT_STR: cvm_buf_printf(&b, " \"s%u\"", op % 3); break;
        case CVM_OPK_LABEL: cvm_buf_str(&b, " start"); break;
        }
        cvm_buf_byte(&b, '\n');
        if (oi->operand == CVM_OPK_OPT_STR)
            cvm_buf_printf(&b, "    %s\n", oi->mnemonic);
    }
    uint8_t *src = cvm_buf_take(&b, NULL);
    cvm_buf_free(&b);
    char *t = round_trip((const char *)src);
    assert_non_null(strstr(t, "    Jump L0\n"));
    assert_non_null(strstr(t, "    AllocateResource 13000\n"));
    cvm_free(NULL, t);
    cvm_free(NULL, src);
}

/* A hand-built verified module survives disasm + asm with identical bytes. */
static void hand_built_round_trip(cvm_module *m)
{
    char err[256];
    if (cvm_verify(m, err, sizeof err) != CVM_OK)
        print_error("%s\n", err);
    assert_int_equal(cvm_verify(m, err, sizeof err), CVM_OK);
    uint8_t *b1, *b2;
    size_t n1, n2;
    assert_int_equal(cvm_module_encode(m, &b1, &n1), CVM_OK);
    char *text = disasm(m);
    cvm_module *m2 = assemble(text);
    assert_int_equal(cvm_module_encode(m2, &b2, &n2), CVM_OK);
    if (n1 != n2 || memcmp(b1, b2, n1) != 0)
        print_error("disassembly:\n%s\n", text);
    assert_int_equal(n1, n2);
    assert_memory_equal(b1, b2, n1);
    cvm_free(NULL, text);
    cvm_free(NULL, b1);
    cvm_free(NULL, b2);
    cvm_module_free(m);
    cvm_module_free(m2);
}

static void awkward_names_round_trip(void **state)
{
    (void)state;
    /* names that are also keywords, mnemonics or label-like */
    static const char *const names[] = {"params", "readonly", "Push", "L0", "main", "_", "nolines"};
    cvm_module *m = cvm_module_new(NULL);
    mb_name(m, "123");
    mb_coop(m, "purpose", "a \"quoted\" purpose\n", "fed=x y");
    mb_state(m, "42", 2, 1);
    mb_state(m, "key with spaces", 15, -1);
    mb_state(m, "\x00\xff", 2, INT64_MIN);
    const cvm_insn code[] = {I1(JUMP, 0), I1(PUSH, 1), I1(JUMP_IF, 2), I0(HALT)};
    mb_code(m, code, 4);
    size_t nn = sizeof names / sizeof names[0];
    for (size_t i = 0; i < nn; i++)
        mb_method(m, names[i], i < 2 ? (uint32_t)i : (i == 2 ? 2 : 4), i < 2 ? 1 : (i == 2 ? 2 : 0),
                  (uint32_t)i, i == 5 ? CVM_METHOD_READONLY : 0);
    m->lines = cvm_calloc(NULL, 4, sizeof *m->lines);
    m->lines[0] = 0;
    m->lines[1] = 0;
    m->lines[2] = 1;
    m->lines[3] = 1;
    hand_built_round_trip(m);

    /* a module with no methods and no code */
    m = cvm_module_new(NULL);
    mb_name(m, "Bare");
    hand_built_round_trip(m);
}

static void round_trip_typed_declarations(void **state)
{
    (void)state;
    char *t = round_trip(".contract Token\n"
                         ".import Token.transfer params bytes int returns int\n"
                         ".import _Governance.getProposal params int returns string bytes string int int\n"
                         ".import \"2fast.go\"\n"
                         ".import 3d.print params string returns\n"
                         ".event Transfer from:bytes to:bytes amount:int\n"
                         ".event Ping\n"
                         ".method transfer params to:bytes amount:int returns int\n"
                         "    Push 1\n"
                         ".method balanceOf readonly params who:bytes returns int\n"
                         "    Push 0\n"
                         ".method info returns string int\n"
                         ".method none returns\n"
                         ".method old params 2\n"
                         "    Add\n"
                         ".method add params 2 returns int\n"
                         "    Add\n"
                         ".method keywords params params:int returns:bytes readonly:string returns readonly\n"
                         ".event Kw params:int returns:int readonly:bytes\n");
    assert_non_null(strstr(t, "\n.import Token.transfer params bytes int returns int\n"));
    assert_non_null(strstr(t, "\n.import _Governance.getProposal params int returns string bytes string int int\n"));
    assert_non_null(strstr(t, "\n.import 2fast.go\n"));
    assert_non_null(strstr(t, "\n.import 3d.print params string\n"));
    assert_non_null(strstr(t, "\n.event Transfer from:bytes to:bytes amount:int\n"));
    assert_non_null(strstr(t, "\n.event Ping\n"));
    assert_non_null(strstr(t, "\n.method transfer params to:bytes amount:int returns int\n"));
    assert_non_null(strstr(t, "\n.method balanceOf params who:bytes returns int readonly\n"));
    assert_non_null(strstr(t, "\n.method info returns string int\n"));
    assert_non_null(strstr(t, "\n.method none returns\n"));
    assert_non_null(strstr(t, "\n.method old params 2\n"));
    assert_non_null(strstr(t, "\n.method add params arg1:int arg2:int returns int\n"));
    assert_non_null(strstr(t, "\n.method keywords params params:int returns:bytes readonly:string returns readonly\n"));
    cvm_free(NULL, t);
}

static void push_string_round_trip(void **state)
{
    (void)state;
    char *t = round_trip(".method m returns bytes bytes int\n"
                         "    Push \"text \\x00\\xff\"\n"
                         "    PushBytes \"b\"\n"
                         "    Push -5\n");
    /* PushBytes is printed in the assembler's own form */
    assert_non_null(strstr(t, "    Push \"text \\x00\\xff\"\n"));
    assert_non_null(strstr(t, "    Push \"b\"\n"));
    assert_non_null(strstr(t, "    Push -5\n"));
    assert_null(strstr(t, "PushBytes"));
    cvm_free(NULL, t);
}

static void typed_hand_built_round_trip(void **state)
{
    (void)state;
    hand_built_round_trip(mb_typed_sample());
    /* a typed method without params says returns, even with no types */
    cvm_module *m = mb_typed_sample();
    char *text = disasm(m);
    assert_non_null(strstr(text, ".method main params n:int returns int string\n"));
    assert_non_null(strstr(text, ".method get returns readonly\n"));
    assert_non_null(strstr(text, ".method nothing\n"));
    cvm_free(NULL, text);
    cvm_module_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_text_of_a_hand_built_module),
        cmocka_unit_test(strings_are_escaped),
        cmocka_unit_test(round_trip_counter),
        cmocka_unit_test(round_trip_labels_and_loops),
        cmocka_unit_test(round_trip_line_gaps),
        cmocka_unit_test(round_trip_without_line_table),
        cmocka_unit_test(round_trip_empty_methods_and_modules),
        cmocka_unit_test(round_trip_every_opcode),
        cmocka_unit_test(awkward_names_round_trip),
        cmocka_unit_test(round_trip_typed_declarations),
        cmocka_unit_test(typed_hand_built_round_trip),
        cmocka_unit_test(push_string_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
