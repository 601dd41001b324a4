/* test_asm.c — the assembler: exact modules for good input, exact diagnostics for bad. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "bytecode/asm.h"
#include "support/failing.h"

/* Diagnostics collected as "FILE:LINE:COL: MESSAGE\n" lines. */
static void collect(void *ud, const char *file, int line, int col, const char *message)
{
    cvm_buf_printf(ud, "%s:%d:%d: %s\n", file, line, col, message);
}

/* Assembles src (len given, so NUL bytes may be tested) as file; returns the
 * module (NULL on error) and leaves the diagnostics in *diags (caller frees). */
static cvm_module *asm_n(const char *src, size_t len, const char *file, cvm_status *status, char **diags)
{
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    cvm_module *m = NULL;
    *status = cvm_asm(NULL, src, len, file, collect, &b, &m);
    size_t n;
    /* (cvm_buf_take of a buffer never appended to is not NUL-terminated) */
    *diags = b.len ? (char *)cvm_buf_take(&b, &n) : calloc(1, 1);
    cvm_buf_free(&b);
    assert_non_null(*diags);
    return m;
}

/* Assembles src that must be valid. */
static cvm_module *ok(const char *src)
{
    cvm_status st;
    char *d;
    cvm_module *m = asm_n(src, strlen(src), "t.asm", &st, &d);
    if (st != CVM_OK)
        fprintf(stderr, "unexpected diagnostics:\n%s", d);
    assert_int_equal(st, CVM_OK);
    assert_string_equal(d, "");
    free(d);
    assert_non_null(m);
    return m;
}

/* Assembles src that must fail with exactly the diagnostics expect. */
static void fails_n(const char *src, size_t len, const char *file, const char *expect)
{
    cvm_status st;
    char *d;
    cvm_module *m = asm_n(src, len, file, &st, &d);
    assert_int_equal(st, CVM_EINPUT);
    assert_null(m);
    assert_string_equal(d, expect);
    free(d);
}

static void fails(const char *src, const char *expect) { fails_n(src, strlen(src), "t.asm", expect); }

static void assert_insn(const cvm_module *m, size_t pc, cvm_op op, int has, int64_t operand)
{
    assert_true(pc < m->ncode);
    assert_int_equal(m->code[pc].op, op);
    assert_int_equal(m->code[pc].has_operand, has);
    if (has)
        assert_true(m->code[pc].operand == operand);
}

static void assert_const(const cvm_module *m, size_t i, const void *bytes, size_t len)
{
    assert_true(i < m->nconsts);
    assert_int_equal(m->consts[i].len, len);
    assert_memory_equal(m->consts[i].bytes, bytes, len);
}

static const char example[] =
    "; a comment runs to the end of the line\n"
    ".contract Counter                      ; the service name (default: the file's stem)\n"
    ".reputation 50                         ; required_reputation (default 0)\n"
    ".cooperative housing purpose=\"Shared housing\" cpu=10 memory=20 network=5 storage=10 bandwidth=5 "
    "federation=north\n"
    ".state count 0                         ; initial contract state, written at deploy\n"
    ".method increment params 1             ; a method; instructions before any .method form method main\n"
    "    Load \"count\"\n"
    "    Add\n"
    "    Dup\n"
    "    Store \"count\"\n"
    "    Halt\n"
    ".method get readonly\n"
    "    Load \"count\"\n"
    "loop:                                  ; labels end with ':'\n";

static void test_example(void **state)
{
    (void)state;
    cvm_module *m = ok(example);
    assert_string_equal(m->name, "Counter");
    assert_true(m->required_reputation == 50);
    assert_true(m->coop.present);
    assert_string_equal(m->coop.id, "housing");
    assert_string_equal(m->coop.purpose, "Shared housing");
    assert_int_equal(m->coop.cpu, 10);
    assert_int_equal(m->coop.memory, 20);
    assert_int_equal(m->coop.network, 5);
    assert_int_equal(m->coop.storage, 10);
    assert_int_equal(m->coop.bandwidth, 5);
    assert_string_equal(m->coop.federation, "north");
    assert_int_equal(m->nstate, 1);
    assert_int_equal(m->state[0].keylen, 5);
    assert_memory_equal(m->state[0].key, "count", 6);
    assert_true(m->state[0].value == 0);
    assert_int_equal(m->nmethods, 2);
    assert_string_equal(m->methods[0].name, "increment");
    assert_int_equal(m->methods[0].entry, 0);
    assert_int_equal(m->methods[0].len, 5);
    assert_int_equal(m->methods[0].params, 1);
    assert_int_equal(m->methods[0].flags, 0);
    assert_string_equal(m->methods[1].name, "get");
    assert_int_equal(m->methods[1].entry, 5);
    assert_int_equal(m->methods[1].len, 1);
    assert_int_equal(m->methods[1].params, 0);
    assert_int_equal(m->methods[1].flags, CVM_METHOD_READONLY);
    assert_int_equal(m->nconsts, 1);
    assert_const(m, 0, "count", 5);
    assert_int_equal(m->ncode, 6);
    assert_insn(m, 0, CVM_OP_LOAD, 1, 0);
    assert_insn(m, 1, CVM_OP_ADD, 0, 0);
    assert_insn(m, 2, CVM_OP_DUP, 0, 0);
    assert_insn(m, 3, CVM_OP_STORE, 1, 0);
    assert_insn(m, 4, CVM_OP_HALT, 0, 0);
    assert_insn(m, 5, CVM_OP_LOAD, 1, 0);
    assert_non_null(m->lines);
    const uint32_t lines[] = {7, 8, 9, 10, 11, 13};
    assert_memory_equal(m->lines, lines, sizeof lines);
    /* the verifier built the method index */
    assert_ptr_equal(cvm_module_find_method(m, "get", 3), &m->methods[1]);
    cvm_module_free(m);
}

static void test_defaults_and_main(void **state)
{
    (void)state;
    cvm_status st;
    char *d;
    const char *src = "Push 1\n.method other\nHalt\n";
    cvm_module *m = asm_n(src, strlen(src), "some/dir/counter_2.asm", &st, &d);
    assert_int_equal(st, CVM_OK);
    free(d);
    assert_string_equal(m->name, "counter_2");
    assert_true(m->required_reputation == 0);
    assert_false(m->coop.present);
    assert_int_equal(m->nstate, 0);
    assert_int_equal(m->nmethods, 2);
    assert_string_equal(m->methods[0].name, "main");
    assert_int_equal(m->methods[0].entry, 0);
    assert_int_equal(m->methods[0].len, 1);
    assert_string_equal(m->methods[1].name, "other");
    assert_int_equal(m->methods[1].entry, 1);
    assert_int_equal(m->methods[1].len, 1);
    cvm_module_free(m);

    /* a stem may start with a digit; no extension at all is fine */
    m = asm_n("", 0, "2fast", &st, &d);
    assert_int_equal(st, CVM_OK);
    free(d);
    assert_string_equal(m->name, "2fast");
    assert_int_equal(m->nmethods, 0);
    cvm_module_free(m);

    /* only the last extension goes: "a.b" is not a name */
    fails_n("Halt\n", 5, "x/a.b.asm",
            "x/a.b.asm:1:1: the file name 'x/a.b.asm' does not give a contract name (1..63 characters "
            "[A-Za-z0-9_]); add .contract NAME\n");
    fails_n("Halt\n", 5, "foo-bar.asm",
            "foo-bar.asm:1:1: the file name 'foo-bar.asm' does not give a contract name (1..63 characters "
            "[A-Za-z0-9_]); add .contract NAME\n");
    /* .contract makes the stem irrelevant; the name may be a string or start with a digit */
    m = asm_n(".contract 9lives\n", 17, "foo-bar.asm", &st, &d);
    assert_int_equal(st, CVM_OK);
    free(d);
    assert_string_equal(m->name, "9lives");
    cvm_module_free(m);
    m = ok(".contract \"Quoted_1\"\n");
    assert_string_equal(m->name, "Quoted_1");
    cvm_module_free(m);
}

static void test_empty_and_comments(void **state)
{
    (void)state;
    cvm_module *m = ok("");
    assert_string_equal(m->name, "t");
    assert_int_equal(m->nmethods, 0);
    assert_int_equal(m->ncode, 0);
    assert_null(m->lines); /* no instructions, no line table */
    cvm_module_free(m);
    m = ok("; just a comment\n   ; another\n\n\t\n;");
    assert_int_equal(m->nmethods, 0);
    assert_int_equal(m->ncode, 0);
    cvm_module_free(m);
    /* a lone label before any .method makes an empty main */
    m = ok("start:\n.method x\nHalt\n");
    assert_int_equal(m->nmethods, 2);
    assert_string_equal(m->methods[0].name, "main");
    assert_int_equal(m->methods[0].len, 0);
    cvm_module_free(m);
}

static void test_case_insensitive(void **state)
{
    (void)state;
    cvm_module *m = ok("push 1\nPUSH 2\naDd\nlocalget 3\nJUMPIFNOT end\nend: HALT\n");
    assert_int_equal(m->ncode, 6);
    assert_insn(m, 0, CVM_OP_PUSH, 1, 1);
    assert_insn(m, 1, CVM_OP_PUSH, 1, 2);
    assert_insn(m, 2, CVM_OP_ADD, 0, 0);
    assert_insn(m, 3, CVM_OP_LOCAL_GET, 1, 3);
    assert_insn(m, 4, CVM_OP_JUMP_IF_NOT, 1, 5);
    assert_insn(m, 5, CVM_OP_HALT, 0, 0);
    cvm_module_free(m);
}

static void test_integers(void **state)
{
    (void)state;
    cvm_module *m = ok("Push 0x10\nPush -0x10\nPush -5\nPush 0X7fffffffffffffff\nPush -9223372036854775808\n"
                       "Push 9223372036854775807\nPush -0x8000000000000000\nPush 007\nPush 0xABCdef\nPush -0\n");
    assert_insn(m, 0, CVM_OP_PUSH, 1, 16);
    assert_insn(m, 1, CVM_OP_PUSH, 1, -16);
    assert_insn(m, 2, CVM_OP_PUSH, 1, -5);
    assert_insn(m, 3, CVM_OP_PUSH, 1, INT64_MAX);
    assert_insn(m, 4, CVM_OP_PUSH, 1, INT64_MIN);
    assert_insn(m, 5, CVM_OP_PUSH, 1, INT64_MAX);
    assert_insn(m, 6, CVM_OP_PUSH, 1, INT64_MIN);
    assert_insn(m, 7, CVM_OP_PUSH, 1, 7);
    assert_insn(m, 8, CVM_OP_PUSH, 1, 0xabcdef);
    assert_insn(m, 9, CVM_OP_PUSH, 1, 0);
    cvm_module_free(m);
    fails("Push 9223372036854775808\n"
          "Push -9223372036854775809\n"
          "Push 0x8000000000000000\n"
          "Push -0x8000000000000001\n"
          "Push 99999999999999999999999\n"
          "Push 12ab\n"
          "Push 0x\n"
          "Push 0xfg\n"
          ".reputation 18446744073709551616\n",
          "t.asm:1:6: integer out of range\n"
          "t.asm:2:6: integer out of range\n"
          "t.asm:3:6: integer out of range\n"
          "t.asm:4:6: integer out of range\n"
          "t.asm:5:6: integer out of range\n"
          "t.asm:6:6: malformed integer '12ab'\n"
          "t.asm:7:6: malformed integer '0x'\n"
          "t.asm:8:6: malformed integer '0xfg'\n"
          "t.asm:9:13: integer out of range\n");
}

static void test_strings(void **state)
{
    (void)state;
    cvm_module *m = ok("Push 1\nEmit \"a\\\"b\\\\c\\nd\\te\\x00\\xFf\"\nPush 2\nEmit \"\"\nPush 3\n"
                       "Emit \"semi;colon\"\n");
    assert_int_equal(m->nconsts, 3);
    assert_const(m, 0, "a\"b\\c\nd\te\0\xff", 11);
    assert_const(m, 1, "", 0);
    assert_const(m, 2, "semi;colon", 10);
    assert_insn(m, 1, CVM_OP_EMIT, 1, 0);
    assert_insn(m, 3, CVM_OP_EMIT, 1, 1);
    assert_insn(m, 5, CVM_OP_EMIT, 1, 2);
    cvm_module_free(m);

    /* 1024 bytes after unescaping is the limit */
    char src[4200];
    strcpy(src, "Emit \"");
    size_t n = strlen(src);
    for (int i = 0; i < 1024; i++) {
        memcpy(src + n, "\\x41", 4);
        n += 4;
    }
    strcpy(src + n, "\"\n");
    m = ok(src);
    assert_int_equal(m->consts[0].len, 1024);
    cvm_module_free(m);
    strcpy(src + n, "B\"\n");
    fails(src, "t.asm:1:6: string longer than 1024 bytes\n");

    fails("Emit \"abc\n"
          "Emit \"abc\\\n"
          "Emit \"a\\qb\"\n"
          "Emit \"a\\x4\"\n"
          "Emit \"a\\x4g\"\n",
          "t.asm:1:6: unterminated string\n"
          "t.asm:2:6: unterminated string\n"
          "t.asm:3:8: bad escape '\\q' (use \\\" \\\\ \\n \\t or \\xHH)\n"
          "t.asm:4:8: bad escape: \\x needs two hex digits\n"
          "t.asm:5:8: bad escape: \\x needs two hex digits\n");
}

static void test_const_pool_order(void **state)
{
    (void)state;
    cvm_module *m = ok("Load \"b\"\nLoad \"a\"\nStore \"b\"\n.method x\nEmit \"c\"\nLoad \"a\"\nLoad\n");
    assert_int_equal(m->nconsts, 3);
    assert_const(m, 0, "b", 1);
    assert_const(m, 1, "a", 1);
    assert_const(m, 2, "c", 1);
    assert_insn(m, 0, CVM_OP_LOAD, 1, 0);
    assert_insn(m, 1, CVM_OP_LOAD, 1, 1);
    assert_insn(m, 2, CVM_OP_STORE, 1, 0);
    assert_insn(m, 3, CVM_OP_EMIT, 1, 2);
    assert_insn(m, 4, CVM_OP_LOAD, 1, 1);
    assert_insn(m, 5, CVM_OP_LOAD, 0, 0);
    cvm_module_free(m);
}

static void test_labels(void **state)
{
    (void)state;
    cvm_module *m = ok(".method a\n"
                       "loop: Dup\n"   /* 0 */
                       "JumpIf loop\n" /* 1 */
                       "Jump done\n"   /* 2 */
                       "done:\n"
                       "Halt\n" /* 3 */
                       ".method b\n"
                       "Push 1\n" /* 4 */
                       "loop:\n"
                       "  Dup\n"        /* 5 */
                       "  Call loop\n"  /* 6 */
                       "Jump loop\n"); /* 7 */
    assert_int_equal(m->ncode, 8);
    assert_insn(m, 0, CVM_OP_DUP, 0, 0);
    assert_insn(m, 1, CVM_OP_JUMP_IF, 1, 0);
    assert_insn(m, 2, CVM_OP_JUMP, 1, 3);
    assert_insn(m, 6, CVM_OP_CALL, 1, 5);
    assert_insn(m, 7, CVM_OP_JUMP, 1, 5);
    assert_int_equal(m->methods[1].entry, 4);
    assert_int_equal(m->methods[1].len, 4);
    const uint32_t lines[] = {2, 3, 4, 6, 8, 10, 11, 12};
    assert_memory_equal(m->lines, lines, sizeof lines);
    cvm_module_free(m);

    fails(".method a\n"
          "x: Push 1\n"
          "Jump y\n"
          "x: Pop\n"
          ".method b\n"
          "Jump x\n"
          "Jump end\n"
          "Halt\n"
          "end:\n",
          "t.asm:3:6: label 'y' is not defined in method a\n"
          "t.asm:4:1: label 'x' already defined at line 2\n"
          "t.asm:6:6: label 'x' is not defined in method b\n");

    /* a used label on a method's last line marks an appended Halt (line 4) */
    m = ok(".method a\nJump end\nPush 2\nend:\n.method b\nPush 3\n");
    assert_int_equal(m->methods[0].len, 3);
    assert_int_equal(m->code[0].operand, 2);
    assert_int_equal(m->code[2].op, CVM_OP_HALT);
    assert_int_equal(m->lines[2], 4);
    assert_int_equal(m->methods[1].entry, 3);
    cvm_module_free(m);
}

static void test_line_directives(void **state)
{
    (void)state;
    cvm_module *m = ok("Push 1\n.line 100\nPush 2\n\nPush 3\n.line 0\nPush 4\n");
    const uint32_t lines[] = {1, 100, 102, 0};
    assert_int_equal(m->ncode, 4);
    assert_memory_equal(m->lines, lines, sizeof lines);
    cvm_module_free(m);
    m = ok("Push 1\n.nolines\nPush 2\n");
    assert_null(m->lines);
    assert_int_equal(m->ncode, 2);
    cvm_module_free(m);
    /* diagnostics follow the new numbering */
    fails("Push 1\n.line 40\nAd\n.line -1\n.line 2147483648\n.line x\n",
          "t.asm:40:1: unknown mnemonic 'Ad' (did you mean 'Add' or 'And'?)\n"
          "t.asm:41:7: .line needs an integer 0..2147483647\n"
          "t.asm:42:7: .line needs an integer 0..2147483647\n"
          "t.asm:43:7: .line needs an integer 0..2147483647\n");
}

static void test_operand_errors(void **state)
{
    (void)state;
    fails("Ad\n"
          "Push\n"
          "Push x\n"
          "Add 1\n"
          "Halt \"x\"\n"
          "LocalGet 256\n"
          "LocalSet -1\n"
          "LocalGet\n"
          "Emit 5\n"
          "Emit\n"
          "Store 5\n"
          "Jump\n"
          "Jump 3\n"
          "Push 1 2\n"
          "Load \"a\" \"b\"\n"
          "Jump a b\n"
          "AllocateResource\n"
          "Jump aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
          "t.asm:1:1: unknown mnemonic 'Ad' (did you mean 'Add' or 'And'?)\n"
          "t.asm:2:1: Push needs an integer or a string operand\n"
          "t.asm:3:6: Push needs an integer or a string operand\n"
          "t.asm:4:5: Add takes no operand\n"
          "t.asm:5:6: Halt takes no operand\n"
          "t.asm:6:10: LocalGet needs a local number 0..255 as operand\n"
          "t.asm:7:10: LocalSet needs a local number 0..255 as operand\n"
          "t.asm:8:1: LocalGet needs a local number 0..255 as operand\n"
          "t.asm:9:6: Emit needs a string operand\n"
          "t.asm:10:1: Emit needs a string operand\n"
          "t.asm:11:7: Store takes a string operand or none\n"
          "t.asm:12:1: Jump needs a label operand\n"
          "t.asm:13:6: Jump needs a label operand\n"
          "t.asm:14:8: unexpected '2' after the operand of Push\n"
          "t.asm:15:10: unexpected a string after the operand of Load\n"
          "t.asm:16:8: unexpected 'b' after the operand of Jump\n"
          "t.asm:17:1: AllocateResource needs an integer operand\n"
          "t.asm:18:6: label name longer than 63 bytes\n");
}

static void test_readonly(void **state)
{
    (void)state;
    fails(".method get readonly\n"
          "  Load \"count\"\n"
          "  Store \"count\"\n"
          "  CreateCooperative\n"
          "  CastVote\n"
          "  Halt\n",
          "t.asm:3:3: Store writes state but method get is readonly\n"
          "t.asm:4:3: CreateCooperative writes state but method get is readonly\n"
          "t.asm:5:3: CastVote writes state but method get is readonly\n");
}

static void test_directive_errors(void **state)
{
    (void)state;
    fails(".foo\n"
          ".contract A\n"
          ".contract B\n"
          ".reputation\n"
          ".reputation 1\n"
          ".reputation 2\n"
          ".state\n"
          ".state k\n"
          ".state k 1\n"
          ".state k 2\n"
          ".state \"\" 1\n"
          ".state 5 1\n"
          ".method\n"
          ".method m params 65\n"
          ".method m2 params\n"
          ".method m3 readonly readonly\n"
          ".method m4 fast\n"
          ".method m\n"
          ".nolines 3\n"
          ". \n",
          "t.asm:1:1: unknown directive '.foo'\n"
          "t.asm:3:1: .contract given twice (first at line 2)\n"
          "t.asm:4:1: .reputation needs an integer\n"
          "t.asm:5:1: .reputation given twice (first at line 4)\n"
          "t.asm:6:1: .reputation given twice (first at line 4)\n"
          "t.asm:7:1: .state needs a key (a name or a string; write \"5\" for a numeric key)\n"
          "t.asm:8:8: .state needs an integer\n"
          "t.asm:10:8: state key 'k' already set at line 9\n"
          "t.asm:11:8: state key must not be empty\n"
          "t.asm:12:8: .state needs a key (a name or a string; write \"5\" for a numeric key)\n"
          "t.asm:13:1: .method needs a name (an identifier)\n"
          "t.asm:14:18: params needs an integer 0..64\n"
          "t.asm:15:12: params needs an integer 0..64 or name:type pairs (for example params to:bytes amount:int)\n"
          "t.asm:16:21: readonly given twice\n"
          "t.asm:17:12: unknown method option 'fast' (options: params, returns, readonly)\n"
          "t.asm:18:9: method 'm' already defined at line 14\n"
          "t.asm:19:10: unexpected '3' after .nolines\n"
          "t.asm:20:1: expected a directive name after '.'\n");
    fails("Push 1\n.method main\nHalt\n", "t.asm:2:9: method 'main' already defined at line 1\n");
    fails(".contract foo-bar\n.contract\n", "t.asm:1:14: unexpected character '-'\n"
                                            "t.asm:2:1: .contract needs a name of 1..63 characters [A-Za-z0-9_]\n");
}

static void test_cooperative(void **state)
{
    (void)state;
    cvm_module *m = ok(".cooperative c1 federation=\"fed x\" purpose=word\n");
    assert_string_equal(m->coop.id, "c1");
    assert_string_equal(m->coop.purpose, "word");
    assert_string_equal(m->coop.federation, "fed x");
    assert_int_equal(m->coop.cpu, 0);
    cvm_module_free(m);
    m = ok(".cooperative only_id\n");
    assert_true(m->coop.present);
    assert_string_equal(m->coop.purpose, "");
    assert_string_equal(m->coop.federation, "");
    cvm_module_free(m);
    fails(".cooperative\n"
          ".cooperative c cpu=101 memory=-1 color=red\n"
          ".cooperative d\n",
          "t.asm:1:1: .cooperative needs an id (an identifier of at most 63 bytes)\n"
          "t.asm:2:1: .cooperative given twice (first at line 1)\n"
          "t.asm:3:1: .cooperative given twice (first at line 1)\n");
    fails(".cooperative c cpu=101 memory=-1 network=x cpu=1 purpose=\"a\\x00b\" federation=7 color=red\n",
          "t.asm:1:20: cpu needs an integer 0..100\n"
          "t.asm:1:31: memory needs an integer 0..100\n"
          "t.asm:1:42: network needs an integer 0..100\n"
          "t.asm:1:44: cooperative key cpu given twice\n"
          "t.asm:1:58: purpose must not contain a NUL byte\n"
          "t.asm:1:78: federation needs a word or a string\n"
          "t.asm:1:80: unknown cooperative key 'color' (expected purpose, cpu, memory, network, storage, bandwidth "
          "or federation)\n");
    /* words are not limited by the string limit, so they are checked */
    char big[4000], word[1100];
    memset(word, 'a', 1025);
    word[1025] = '\0';
    snprintf(big, sizeof big, ".cooperative c purpose=%s federation=x%s\n.state k%s 1\n", word, word + 1, word);
    fails(big, "t.asm:1:24: purpose longer than 1024 bytes\n"
               "t.asm:1:1061: federation longer than 1024 bytes\n"
               "t.asm:2:8: state key longer than 1024 bytes\n");
    word[1024] = '\0'; /* 1024 is fine */
    snprintf(big, sizeof big, ".cooperative c purpose=%s federation=%s\n.state %s 1\n", word, word, word);
    m = ok(big);
    assert_int_equal(strlen(m->coop.purpose), 1024);
    assert_int_equal(strlen(m->coop.federation), 1024);
    assert_int_equal(m->state[0].keylen, 1024);
    cvm_module_free(m);
    fails(".cooperative c cpu 5\n.cooperative", "t.asm:1:20: expected '=' after cpu\n"
                                                "t.asm:2:1: .cooperative given twice (first at line 1)\n");
    fails(".cooperative c cpu=\n", "t.asm:1:19: cpu needs a value\n");
    fails(".cooperative c =5\n", "t.asm:1:16: expected key=value in .cooperative, found '='\n");
}

static void test_many_errors_in_order(void **state)
{
    (void)state;
    /* the undefined label is only known at the end of the method, but is
     * reported in line order */
    fails("Jump nowhere\n"
          "Ad 1\n"
          "Push \"x\n"
          "@\n"
          "  Push 1 ; fine\n"
          "  : Dup\n"
          "Pop\n"
          ".method m\n"
          "  Push 99999999999999999999\n",
          "t.asm:1:6: label 'nowhere' is not defined in method main\n"
          "t.asm:2:1: unknown mnemonic 'Ad' (did you mean 'Add' or 'And'?)\n"
          "t.asm:3:6: unterminated string\n"
          "t.asm:4:1: unexpected character '@'\n"
          "t.asm:6:3: expected an instruction, a label or a directive, found ':'\n"
          "t.asm:9:8: integer out of range\n");
}

static void test_odd_bytes(void **state)
{
    (void)state;
    /* CRLF, no final newline */
    cvm_module *m = ok("Push 1\r\nloop: Dup\r\n\r\nJump loop");
    assert_int_equal(m->ncode, 3);
    const uint32_t lines[] = {1, 2, 4};
    assert_memory_equal(m->lines, lines, sizeof lines);
    assert_insn(m, 2, CVM_OP_JUMP, 1, 1);
    cvm_module_free(m);
    /* NUL bytes: an error at their column, also inside a comment it is fine */
    static const char nul[] = "Push 1\nPu\0sh 2\n; a \0 in a comment\nPush 3 \0\n";
    fails_n(nul, sizeof nul - 1, "t.asm",
            "t.asm:2:3: unexpected byte 0x00\n"
            "t.asm:4:8: unexpected byte 0x00\n");
    /* a raw byte inside a string is kept */
    static const char raw[] = "Emit \"\xff\x01\"\n";
    m = ok(raw);
    assert_const(m, 0, "\xff\x01", 2);
    cvm_module_free(m);
    /* a very long line stops being read at its first error */
    char longline[4000] = "Push 1";
    for (int i = 0; i < 1000; i++)
        strcat(longline, " 2");
    strcat(longline, " \"unterminated\n");
    fails(longline, "t.asm:1:8: unexpected '2' after the operand of Push\n");
    /* non-ASCII names are shown escaped */
    fails("Pu\xc3\xa9sh\n", "t.asm:1:3: unexpected byte 0xc3\n");
}

static void test_null_diag_and_file(void **state)
{
    (void)state;
    cvm_module *m = NULL;
    assert_int_equal(cvm_asm(NULL, "Ad\n", 3, "t.asm", NULL, NULL, &m), CVM_EINPUT);
    assert_null(m);
    char *d;
    cvm_status st;
    /* no text at all is an empty file */
    assert_int_equal(cvm_asm(NULL, NULL, 0, "t.asm", NULL, NULL, &m), CVM_OK);
    assert_int_equal(m->nmethods, 0);
    cvm_module_free(m);
    m = asm_n(".contract x\nAd\n", 15, NULL, &st, &d);
    assert_int_equal(st, CVM_EINPUT);
    assert_string_equal(d, "<input>:2:1: unknown mnemonic 'Ad' (did you mean 'Add' or 'And'?)\n");
    free(d);
}

/* Checks every diagnostic of a mutated example points inside the text. */
typedef struct pos_check {
    int n;
    int bad;
} pos_check;

static void check_pos(void *ud, const char *file, int line, int col, const char *message)
{
    pos_check *pc = ud;
    pc->n++;
    /* the example has 14 lines, none longer than 120 bytes */
    if (line < 1 || line > 15 || col < 1 || col > 121 || !message[0] || strcmp(file, "t.asm") != 0)
        pc->bad++;
}

static void test_mutations(void **state)
{
    (void)state;
    /* every single-byte change of the example either assembles or is
     * refused with at least one diagnostic, each at a real position */
    static const char subst[] = {'\0', '"', ':', '\\', '.', 'x', '-', ';', '\n', '\r', '=', ' ', '0', (char)0xff};
    char buf[sizeof example];
    for (size_t i = 0; i < sizeof example - 1; i++)
        for (size_t k = 0; k < sizeof subst; k++) {
            memcpy(buf, example, sizeof example);
            buf[i] = subst[k];
            pos_check pc = {0, 0};
            cvm_module *m = NULL;
            cvm_status st = cvm_asm(NULL, buf, sizeof example - 1, "t.asm", check_pos, &pc, &m);
            if (st == CVM_OK) {
                assert_non_null(m);
                assert_int_equal(pc.n, 0);
                cvm_module_free(m);
            } else {
                assert_int_equal(st, CVM_EINPUT);
                assert_null(m);
                assert_true(pc.n >= 1);
            }
            assert_int_equal(pc.bad, 0);
        }
}

static const char typed_src[] =
    ".contract Token\n"
    ".import Token.transfer params bytes int returns int\n"
    ".import _Governance.getProposal params int returns string bytes string int int\n"
    ".import \"2fast.go\" returns\n"
    ".import 3d.print params string\n"
    ".event Transfer from:bytes to:bytes amount:int\n"
    ".event Ping\n"
    ".method transfer params to:bytes amount:int returns int\n"
    "    Push 1\n"
    ".method balanceOf readonly params who:bytes returns int\n"
    ".method info returns string int readonly\n"
    ".method none returns\n"
    ".method old params 2\n"
    ".method add params 2 returns int\n";

static void assert_types(const cvm_vtype *t, size_t n, const cvm_vtype *want)
{
    for (size_t k = 0; k < n; k++)
        assert_int_equal(t[k], want[k]);
}

static void test_typed_directives(void **state)
{
    (void)state;
    const cvm_vtype I = CVM_ARG_INT64, B = CVM_ARG_BYTES, S = CVM_ARG_STRING;
    cvm_module *m = ok(typed_src);
    assert_int_equal(m->nimports, 4);
    assert_string_equal(m->imports[0].target, "Token.transfer");
    assert_int_equal(m->imports[0].nparams, 2);
    assert_types(m->imports[0].ptypes, 2, (cvm_vtype[]){B, I});
    assert_int_equal(m->imports[0].nresults, 1);
    assert_string_equal(m->imports[1].target, "_Governance.getProposal");
    assert_int_equal(m->imports[1].nresults, 5);
    assert_types(m->imports[1].rtypes, 5, (cvm_vtype[]){S, B, S, I, I});
    assert_string_equal(m->imports[2].target, "2fast.go");
    assert_int_equal(m->imports[2].nparams, 0);
    assert_null(m->imports[2].ptypes);
    assert_int_equal(m->imports[2].nresults, 0);
    assert_string_equal(m->imports[3].target, "3d.print");
    assert_types(m->imports[3].ptypes, 1, (cvm_vtype[]){S});
    assert_int_equal(m->nevents, 2);
    assert_string_equal(m->events[0].name, "Transfer");
    assert_int_equal(m->events[0].nfields, 3);
    assert_string_equal(m->events[0].fnames[1], "to");
    assert_types(m->events[0].ftypes, 3, (cvm_vtype[]){B, B, I});
    assert_int_equal(m->events[1].nfields, 0);

    const cvm_method *me = &m->methods[0];
    assert_true(me->typed);
    assert_int_equal(me->params, 2);
    assert_string_equal(me->pnames[0], "to");
    assert_string_equal(me->pnames[1], "amount");
    assert_types(me->ptypes, 2, (cvm_vtype[]){B, I});
    assert_int_equal(me->nresults, 1);
    me = &m->methods[1];
    assert_true(me->typed);
    assert_int_equal(me->flags, CVM_METHOD_READONLY);
    me = &m->methods[2];
    assert_true(me->typed && me->params == 0 && me->nresults == 2 && me->flags == CVM_METHOD_READONLY);
    assert_null(me->pnames);
    assert_types(me->rtypes, 2, (cvm_vtype[]){S, I});
    me = &m->methods[3];
    assert_true(me->typed && me->params == 0 && me->nresults == 0);
    assert_null(me->rtypes);
    me = &m->methods[4]; /* params N alone: untyped, as before */
    assert_false(me->typed);
    assert_int_equal(me->params, 2);
    assert_null(me->ptypes);
    me = &m->methods[5]; /* params N with returns: N integers named arg1..argN */
    assert_true(me->typed);
    assert_string_equal(me->pnames[1], "arg2");
    assert_types(me->ptypes, 2, (cvm_vtype[]){I, I});
    cvm_module_free(m);

    /* 64 named params and 16 results fit on one line; one more does not */
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    cvm_buf_str(&b, ".method big readonly params");
    for (int k = 0; k < 64; k++)
        cvm_buf_printf(&b, " p%d:bytes", k);
    cvm_buf_str(&b, " returns");
    for (int k = 0; k < 16; k++)
        cvm_buf_str(&b, " int");
    cvm_buf_byte(&b, '\n');
    cvm_buf_byte(&b, 0);
    m = ok((const char *)b.data);
    assert_int_equal(m->methods[0].params, 64);
    assert_string_equal(m->methods[0].pnames[63], "p63");
    assert_int_equal(m->methods[0].nresults, 16);
    cvm_module_free(m);
    b.len -= 2;
    cvm_buf_str(&b, " int\n");
    cvm_buf_byte(&b, 0);
    fails((const char *)b.data, "t.asm:1:731: method big has more than 16 results\n");
    cvm_buf_free(&b);
    cvm_buf_init(&b, NULL);
    cvm_buf_str(&b, ".event Big");
    for (int k = 0; k < 17; k++)
        cvm_buf_printf(&b, " f%d:int", k);
    cvm_buf_byte(&b, 0);
    fails((const char *)b.data, "t.asm:1:130: event Big has more than 16 fields\n");
    cvm_buf_free(&b);
}

static void test_push_string(void **state)
{
    (void)state;
    cvm_module *m = ok(".method m returns bytes bytes bytes\n"
                       "    Push \"hi\"\n"
                       "    PushBytes \"hi\"\n"
                       "    push \"a\\x00b\"\n"
                       "    Push 7\n"
                       "    Pop\n");
    assert_insn(m, 0, CVM_OP_PUSH_BYTES, 1, 0);
    assert_insn(m, 1, CVM_OP_PUSH_BYTES, 1, 0); /* the same constant */
    assert_insn(m, 2, CVM_OP_PUSH_BYTES, 1, 1);
    assert_insn(m, 3, CVM_OP_PUSH, 1, 7);
    assert_const(m, 0, "hi", 2);
    assert_const(m, 1, "a\0b", 3);
    cvm_module_free(m);
    fails("PushBytes 5\nPushBytes\nPush \"a\" \"b\"\n",
          "t.asm:1:11: PushBytes needs a string operand\n"
          "t.asm:2:1: PushBytes needs a string operand\n"
          "t.asm:3:10: unexpected a string after the operand of PushBytes\n");
}

static void test_typed_directive_errors(void **state)
{
    (void)state;
    fails(".import Token.transfer params bytes intt returns int\n"
          ".import Token\n"
          ".import Token.transfer params 2\n"
          ".import A.b params int\n"
          ".import A.b\n"
          ".import A.b retruns int\n"
          ".event Transfer from:bytes to:byts\n"
          ".event Transfer a:int a:int\n"
          ".event E a:int\n"
          ".event E b:int\n"
          ".event F a int\n"
          ".method m params a:int a:bytes\n"
          ".method n params to:adress\n"
          ".method o returns int retruns\n"
          ".method p params x:int returns intt\n"
          ".method q params a:\n"
          ".event\n"
          ".import A .b\n"
          ".import \"A.1b\"\n"
          ".import A.b params int params int\n"
          ".method r returns int returns\n"
          ".method s retruns int\n"
          ".method t params 3 a:int\n"
          ".import B.c params 5\n"
          ".event G a:\"int\"\n",
          "t.asm:1:37: unknown type 'intt' for param 2 of import Token.transfer (did you mean 'int'? types: int, "
          "bytes, string)\n"
          "t.asm:2:9: .import needs a target Service.method (for example Token.transfer or \"Token.transfer\")\n"
          "t.asm:3:31: the params of an import are types (for example params bytes int), not a count\n"
          "t.asm:5:9: import 'A.b' already declared at line 4\n"
          "t.asm:6:13: unknown import option 'retruns' (did you mean 'returns'? options: params, returns)\n"
          "t.asm:7:31: unknown type 'byts' for field 'to' (did you mean 'bytes'? types: int, bytes, string)\n"
          "t.asm:8:23: field 'a' of event Transfer is named twice\n"
          "t.asm:10:8: event 'E' already declared at line 9\n"
          "t.asm:11:10: expected a field name:type in .event, found 'a'\n"
          "t.asm:12:24: param 'a' of method m is named twice\n"
          "t.asm:13:21: unknown type 'adress' for param 'to' (types: int, bytes, string)\n"
          "t.asm:14:23: unknown type 'retruns' for result 2 of method o (types: int, bytes, string)\n"
          "t.asm:15:32: unknown type 'intt' for result 1 of method p (did you mean 'int'? types: int, bytes, "
          "string)\n"
          "t.asm:16:19: param 'a' needs a type after ':' (int, bytes or string)\n"
          "t.asm:17:1: .event needs a name (an identifier of at most 63 bytes)\n"
          "t.asm:18:9: .import needs a target Service.method (for example Token.transfer or \"Token.transfer\")\n"
          "t.asm:19:9: .import needs a target Service.method (for example Token.transfer or \"Token.transfer\")\n"
          "t.asm:20:24: params given twice\n"
          "t.asm:21:23: returns given twice\n"
          "t.asm:22:11: unknown method option 'retruns' (did you mean 'returns'? options: params, returns, "
          "readonly)\n"
          "t.asm:23:20: unknown method option 'a' (options: params, returns, readonly)\n"
          "t.asm:24:20: the params of an import are types (for example params bytes int), not a count\n"
          "t.asm:25:12: field 'a' needs a type (int, bytes or string), found a string\n");
}

static void test_out_of_memory(void **state)
{
    (void)state;
    /* every failing allocation point returns ENOMEM cleanly, without leaks */
    const char *const srcs[] = {example, typed_src};
    const size_t lens[] = {sizeof example - 1, sizeof typed_src - 1};
    for (size_t s = 0; s < 2; s++) {
    int ok_at = -1;
    for (int i = 0; i < 2000 && ok_at < 0; i++) {
        failing f = {.left = i};
        cvm_allocator al = failing_allocator(&f);
        cvm_module *m = NULL;
        cvm_status st = cvm_asm(&al, srcs[s], lens[s], "t.asm", NULL, NULL, &m);
        if (st == CVM_OK) {
            ok_at = i;
            cvm_module_free(m);
        } else {
            assert_int_equal(st, CVM_ENOMEM);
            assert_null(m);
        }
    }
    assert_true(ok_at > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example),
        cmocka_unit_test(test_defaults_and_main),
        cmocka_unit_test(test_empty_and_comments),
        cmocka_unit_test(test_case_insensitive),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_const_pool_order),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_line_directives),
        cmocka_unit_test(test_operand_errors),
        cmocka_unit_test(test_readonly),
        cmocka_unit_test(test_directive_errors),
        cmocka_unit_test(test_cooperative),
        cmocka_unit_test(test_many_errors_in_order),
        cmocka_unit_test(test_odd_bytes),
        cmocka_unit_test(test_null_diag_and_file),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_typed_directives),
        cmocka_unit_test(test_typed_directive_errors),
        cmocka_unit_test(test_push_string),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
