/*
 * test_typecheck.c — the static type proof (src/bytecode/typecheck.c): each
 * class of definite type error is rejected at assembly time (FILE:LINE:COL)
 * and by cvm_verify on a hand-built module; what is only wrong on some path
 * (a join of types, after a CallService without an import, inside a
 * subroutine) is accepted; the bounds keep a big module fast.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/buf.h"
#include "bytecode/asm.h"
#include "bytecode/typecheck.h"
#include "modbuild.h"

/* ------------------------------------------------------------ assembly */

static void collect(void *ud, const char *file, int line, int col, const char *message)
{
    cvm_buf_printf(ud, "%s:%d:%d: %s\n", file, line, col, message);
}

/* Assembles src; returns the diagnostics (caller frees; "" when none) and
 * the status in *st. */
static char *assemble(const char *src, cvm_status *st)
{
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    cvm_module *m = NULL;
    *st = cvm_asm(NULL, src, strlen(src), "t.asm", collect, &b, &m);
    size_t n;
    char *d = b.len ? (char *)cvm_buf_take(&b, &n) : calloc(1, 1);
    cvm_buf_free(&b);
    assert_non_null(d);
    cvm_module_free(m);
    return d;
}

static void asm_ok(const char *src)
{
    cvm_status st;
    char *d = assemble(src, &st);
    if (st != CVM_OK)
        print_error("unexpected diagnostics for\n%s---\n%s", src, d);
    assert_int_equal(st, CVM_OK);
    free(d);
}

/* src must fail with exactly the one diagnostic expect (without "\n"). */
static void asm_fails(const char *src, const char *expect)
{
    cvm_status st;
    char *d = assemble(src, &st);
    char want[512];
    snprintf(want, sizeof want, "%s\n", expect);
    if (st != CVM_EINPUT || strcmp(d, want) != 0)
        print_error("for\n%s---\nexpected: %sgot:      %s", src, want, d);
    assert_int_equal(st, CVM_EINPUT);
    assert_string_equal(d, want);
    free(d);
}

static void integer_only_modules_pass(void **state)
{
    (void)state;
    asm_ok(".method main params 2\n    Add\n    Dup\n    Store \"x\"\n    Load \"x\"\n    Halt\n");
    asm_ok(".method loop\n    Push 10\nagain:\n    Push 1\n    Sub\n    Dup\n    JumpIf again\n    Halt\n");
    /* an integer-only module with an unbalanced subroutine and service calls */
    asm_ok(".method m\n    Push 1\n    Call sub\n    CallService \"A.b\"\n    Add\n    Halt\nsub:\n    Dup\n    Ret\n");
}

/* Declared signatures, imports and events give types: definite errors at
 * their line and column. */
static void declared_types_at_line_and_column(void **state)
{
    (void)state;
    asm_fails(".method transfer params to:bytes amount:int returns int\n    Add\n    Halt\n",
              "t.asm:2:5: method transfer, pc 0 (Add): needs two integers, got bytes and integer");
    asm_fails(".method info params who:bytes returns int string\n    Push 1\n    Halt\n",
              "t.asm:3:5: method info, pc 1 (Halt): result 1 needs an integer, got bytes");
    asm_ok(".method info params who:bytes returns string int\n    Push 1\n    Halt\n");
    asm_fails(".import Token.transfer params bytes int returns int\n.method m params a:int b:bytes returns int\n"
              "    CallService \"Token.transfer\"\n",
              "t.asm:3:5: method m, pc 0 (CallService): Token.transfer argument 2 needs an integer, got bytes");
    asm_ok(".import Token.transfer params bytes int returns int\n.method m params a:bytes b:int returns int\n"
           "    CallService \"Token.transfer\"\n");
    asm_fails(".import _Governance.getProposal params int returns string bytes string int int\n.method m\n"
              "    Push 1\n    CallService \"_Governance.getProposal\"\n    Pop\n    Pop\n    Neg\n",
              "t.asm:7:5: method m, pc 4 (Neg): needs an integer, got bytes");
    asm_fails(".event Transfer from:bytes to:bytes amount:int\n.method m params a:int to:bytes\n    Push 300\n"
              "    Emit \"Transfer\"\n",
              "t.asm:4:5: method m, pc 1 (Emit): event Transfer field 1 (from) needs bytes, got integer");
    /* too few values for its fields: an underflow, not a type error */
    asm_ok(".event Transfer from:bytes to:bytes amount:int\n.method m params to:bytes\n    Push 300\n"
           "    Emit \"Transfer\"\n");
    asm_ok(".event Transfer from:bytes to:bytes amount:int\n.method m params a:bytes b:string\n    Push 300\n"
           "    Emit \"Transfer\"\n");
    /* an untyped method's one result is an integer */
    asm_fails(".import A.who returns bytes\n.method m\n    CallService \"A.who\"\n    Halt\n",
              "t.asm:4:5: method m, pc 1 (Halt): the result needs an integer, got bytes (method m is untyped: it "
              "returns one integer)");
}

/* Each class of definite type error, at its line and column. */
static void definite_errors_at_line_and_column(void **state)
{
    (void)state;
    asm_fails(".method transfer\n    PushBytes \"a\"\n    Push 1\n    Add\n    Halt\n",
              "t.asm:4:5: method transfer, pc 2 (Add): needs two integers, got bytes and integer");
    asm_fails(".method m\n    Push 1\n    Signer\n    Concat\n",
              "t.asm:4:5: method m, pc 2 (Concat): needs two bytes, got integer and bytes");
    asm_fails(".method m params 1\n    Self\n    Caller\n    Slice\n",
              "t.asm:4:5: method m, pc 2 (Slice): needs bytes, an integer start and an integer length, got integer, "
              "bytes and bytes");
    asm_fails(".method m\n  Self\n  Signer\n  Push 0\n  Push 3\n  Slice\n  Push 1\n  Slice\n",
              "t.asm:8:3: method m, pc 6 (Slice): needs bytes, an integer start and an integer length, got bytes, "
              "bytes and integer");
    asm_fails(".method m\n    Signer\n    JumpIf x\nx:  Halt\n",
              "t.asm:3:5: method m, pc 1 (JumpIf): needs an integer, got bytes");
    asm_fails(".method m\n    Signer\n    JumpIfNot end\nend:\n",
              "t.asm:3:5: method m, pc 1 (JumpIfNot): needs an integer, got bytes");
    asm_fails(".method m\n    Push 1\n    LoadBytes \"k\"\n    Eq\n    Halt\n",
              "t.asm:4:5: method m, pc 2 (Eq): compares two integers or two bytes, got integer and bytes");
    asm_fails(".method m\n    Push 7\n    Len\n", "t.asm:3:5: method m, pc 1 (Len): needs bytes, got integer");
    asm_fails(".method m\n    Push 7\n    Sha256\n", "t.asm:3:5: method m, pc 1 (Sha256): needs bytes, got integer");
    asm_fails(".method m\n    Push 7\n    Hex\n", "t.asm:3:5: method m, pc 1 (Hex): needs bytes, got integer");
    asm_fails(".method m\n    Signer\n    Itoa\n", "t.asm:3:5: method m, pc 1 (Itoa): needs an integer, got bytes");
    asm_fails(".method m\n    Signer\n    Not\n", "t.asm:3:5: method m, pc 1 (Not): needs an integer, got bytes");
    asm_fails(".method m\n    Signer\n    Neg\n", "t.asm:3:5: method m, pc 1 (Neg): needs an integer, got bytes");
    asm_fails(".method m\n    Signer\n    Log\n", "t.asm:3:5: method m, pc 1 (Log): needs an integer, got bytes");
    asm_fails(".method m\n    Self\n    Assert \"no\"\n",
              "t.asm:3:5: method m, pc 1 (Assert): needs an integer, got bytes");
    asm_fails(".method m\n    Self\n    Emit \"Changed\"\n",
              "t.asm:3:5: method m, pc 1 (Emit): needs an integer, got bytes");
    asm_fails(".method m\n    Push 1\n    Signer\n    Mul\n",
              "t.asm:4:5: method m, pc 2 (Mul): needs two integers, got integer and bytes");
    asm_fails(".method m\n    Signer\n    Signer\n    And\n",
              "t.asm:4:5: method m, pc 2 (And): needs two integers, got bytes and bytes");
    /* PushBytes is named as written and disassembled: Push "text" */
    asm_fails(".method m returns int\n    Push \"x\"\n",
              "t.asm:2:5: method m, pc 0 (Push): result 1 needs an integer, got bytes");
    /* .line renumbers: the error is shown at the line the source says */
    asm_fails(".method m\n.line 40\n    Signer\n    Push 2\n        Div\n",
              "t.asm:42:9: method m, pc 2 (Div): needs two integers, got bytes and integer");
}

/* Types move through the stack opcodes and the locals. */
static void types_flow_through_stack_and_locals(void **state)
{
    (void)state;
    asm_fails(".method m\n    Signer\n    Dup\n    Concat\n    Push 1\n    Swap\n    Sub\n",
              "t.asm:7:5: method m, pc 5 (Sub): needs two integers, got integer and bytes");
    asm_fails(".method m\n    Signer\n    Push 1\n    Over\n    Add\n",
              "t.asm:5:5: method m, pc 3 (Add): needs two integers, got integer and bytes");
    asm_fails(".method m\n    Signer\n    Push 1\n    Push 2\n    Rot\n    Rot\n    Len\n",
              "t.asm:7:5: method m, pc 5 (Len): needs bytes, got integer");
    asm_ok(".method m\n    Signer\n    Push 1\n    Push 2\n    Rot\n    Len\n    Halt\n");
    asm_fails(".method m\n    Signer\n    LocalSet 7\n    Push 1\n    LocalGet 7\n    Add\n",
              "t.asm:6:5: method m, pc 4 (Add): needs two integers, got integer and bytes");
    /* locals start as integers */
    asm_fails(".method m\n    LocalGet 200\n    Len\n", "t.asm:3:5: method m, pc 1 (Len): needs bytes, got integer");
    /* results of the bytes opcodes */
    asm_fails(".method m\n    Signer\n    Len\n    Len\n", "t.asm:4:5: method m, pc 2 (Len): needs bytes, got integer");
    asm_fails(".method m\n    Push 1\n    Itoa\n    Push 1\n    Add\n",
              "t.asm:5:5: method m, pc 3 (Add): needs two integers, got bytes and integer");
    asm_fails(".method m\n    Signer\n    LoadBytes \"k\"\n    Sha256\n    Hex\n    Load\n    Concat\n",
              "t.asm:7:5: method m, pc 5 (Concat): needs two bytes, got bytes and integer");
    /* Store and Load take a key of either type; Abort a code or a reason */
    asm_ok(".method m\n    Signer\n    Signer\n    Store\n    Signer\n    Load\n    Pop\n    Push 1\n    LoadBytes\n"
           "    Signer\n    LoadBytes\n    Concat\n    Abort\n");
}

/* Where a type is not proven, the interpreter checks: accepted. */
static void unproven_types_are_accepted(void **state)
{
    (void)state;
    /* a join: bytes on one path, an integer on the other */
    asm_ok(".method m params 1\n    JumpIf b\n    Push 1\n    Jump j\nb:  Signer\nj:  Push 1\n    Add\n    Halt\n");
    /* the same through a local */
    asm_ok(".method m params 1\n    JumpIf b\n    Signer\n    LocalSet 0\nb:  LocalGet 0\n    Len\n    Halt\n");
    /* below an untyped CallService's result nothing is known */
    asm_ok(".method m\n    Signer\n    CallService \"A.b\"\n    Pop\n    Push 1\n    Add\n    Halt\n");
    /* its result is an integer */
    asm_fails(".method m\n    Push 1\n    CallService \"A.b\"\n    Len\n",
              "t.asm:4:5: method m, pc 2 (Len): needs bytes, got integer");
    /* a stack that grows in a loop: the depth varies, known cells stay known */
    asm_ok(".method m\n    Push 5\nl:  Signer\n    Swap\n    Push 1\n    Sub\n    Dup\n    JumpIf l\n    Halt\n");
    asm_fails(".method m\n    Push 5\nl:  Signer\n    Swap\n    Push 1\n    Sub\n    Dup\n    JumpIf l\n    Pop\n    Push 1\n"
              "    Add\n    Halt\n",
              "t.asm:11:5: method m, pc 9 (Add): needs two integers, got bytes and integer");
    /* code after Abort is never reached from it */
    asm_ok(".method m\n    Push 1\n    Abort\n");
    /* what follows a certain underflow or overflow never runs */
    asm_ok(".method m\n    Add\n    Len\n    Halt\n");
    asm_ok(".method m params 1\n    Swap\n    Signer\n    Neg\n    Halt\n");
    /* an underflow that depends on the path is not certain */
    asm_fails(".method m params 1\n    JumpIf x\n    Push 1\nx:  Pop\n    Signer\n    Neg\n    Halt\n",
              "t.asm:6:5: method m, pc 4 (Neg): needs an integer, got bytes");
}

/* Runs method m of src (which the checker accepts) with one integer
 * argument; the outcome. */
static cvm_exec_result run1(const char *src, int64_t arg)
{
    cvm_module *m = NULL;
    cvm_errmsg e;
    if (cvm_assemble(NULL, src, strlen(src), "t.asm", NULL, NULL, &m, &e) != CVM_OK)
        fail_msg("does not assemble: %s", e.text);
    cvm_host h;
    memset(&h, 0, sizeof h);
    cvm_exec_result r;
    assert_int_equal(cvm_exec(m, "m", &arg, 1, &h, NULL, &r), CVM_OK);
    cvm_module_free(m);
    return r;
}

/* A JumpIf / JumpIfNot right after a Push (with no label between) goes one
 * way only, and code that only the other way reaches is never checked: it
 * cannot run. (The checker used to refuse the Add below, which never runs.) */
static void dead_code_is_not_checked(void **state)
{
    (void)state;
    static const char p1[] = ".method m params 1\n    Pop\n    Push 1\n    JumpIf done\n    Push \"x\"\n    Push 1\n"
                             "    Add\n    Pop\ndone:\n    Push 7\n    Halt\n";
    asm_ok(p1);
    cvm_exec_result r = run1(p1, 0);
    assert_int_equal(r.status, CVM_SUCCESS);
    assert_int_equal(r.result, 7);
    /* the reviewer's form: a typed method */
    asm_ok(".method main returns int\n    Push 1\n    JumpIf done\n    Push \"x\"\n    Push 1\n    Add\n    Pop\n"
           "done:\n    Push 7\n    Halt\n");
    /* never taken: its target, reached from nowhere else, is not checked */
    asm_ok(".method m\n    Push 0\n    JumpIf bad\n    Push 7\n    Halt\nbad:\n    Signer\n    Neg\n    Halt\n");
    asm_ok(".method m\n    Push 2\n    JumpIfNot bad\n    Push 7\n    Halt\nbad:\n    Signer\n    Neg\n    Halt\n");
    asm_ok(".method m\n    Push 0\n    JumpIfNot ok\n    Signer\n    Neg\nok:\n    Push 7\n    Halt\n");
    /* a result of the wrong type on the dead side */
    asm_ok(".method m returns int\n    Push 1\n    JumpIf d\n    Signer\n    Halt\nd:  Push 7\n    Halt\n");
    /* after an unconditional Jump, Halt or Ret, what no jump reaches */
    asm_ok(".method m\n    Jump e\n    Signer\n    Neg\ne:  Push 1\n    Halt\n");
    asm_ok(".method m\n    Push 1\n    Halt\n    Signer\n    Neg\n");
    asm_ok(".method m\n    Push 1\n    Ret\n    Signer\n    Neg\n");
    /* the side taken is still checked */
    asm_fails(".method m\n    Push 1\n    JumpIf t\n    Push 7\n    Halt\nt:  Signer\n    Neg\n    Halt\n",
              "t.asm:7:5: method m, pc 5 (Neg): needs an integer, got bytes");
    asm_fails(".method m\n    Push 0\n    JumpIf t\n    Signer\n    Neg\nt:  Push 7\n    Halt\n",
              "t.asm:5:5: method m, pc 3 (Neg): needs an integer, got bytes");
    /* a condition that is not the Push just before: both ways */
    asm_fails(".method m\n    Push 1\n    Not\n    JumpIf t\n    Signer\n    Neg\nt:  Push 7\n    Halt\n",
              "t.asm:6:5: method m, pc 4 (Neg): needs an integer, got bytes");
    /* a label on the jump: control also comes from elsewhere, with an
     * unknown condition */
    asm_fails(".method m params 1\n    Push 0\nl:  JumpIfNot done\n    Signer\n    Neg\n    Halt\ndone:\n    LocalGet 0\n"
              "    Jump l\n",
              "t.asm:5:5: method m, pc 3 (Neg): needs an integer, got bytes");
    /* a dead Call: its subroutine is not checked */
    asm_ok(".method m\n    Push 0\n    JumpIf c\n    Push 1\n    Halt\nc:  Call bad\n    Halt\nbad:\n    Self\n    Neg\n"
           "    Ret\n");
}

/* What the checker cannot prove it accepts, and the interpreter traps
 * TYPE_MISMATCH on the path where the types are wrong (argument 1), and
 * succeeds on the other (argument 0). */
static void unproven_errors_trap_at_run_time(void **state)
{
    (void)state;
    static const char *const progs[] = {
        /* a join: bytes on one path, an integer on the other */
        ".method m params 1\n    JumpIf b\n    Push 1\n    Jump j\nb:  PushBytes \"ab\"\nj:  Push 1\n    Add\n    Halt\n",
        /* the same through a local */
        ".method m params 1\n    JumpIfNot b\n    PushBytes \"ab\"\n    LocalSet 0\nb:  LocalGet 0\n    Push 2\n"
        "    Mul\n    Halt\n",
        /* a subroutine entered with bytes or an integer */
        ".method m params 1\n    JumpIf b\n    Push 5\n    Jump j\nb:  PushBytes \"ab\"\nj:  Call neg\n    Halt\n"
        "neg:\n    Neg\n    Ret\n",
        /* a compare of mixed types (of two bytes, by content) */
        ".method m params 1\n    JumpIfNot b\n    Push 5\n    Jump j\nb:  PushBytes \"ab\"\nj:  PushBytes \"ab\"\n    Eq\n"
        "    Halt\n",
    };
    for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) {
        cvm_exec_result r = run1(progs[i], 0);
        if (r.status != CVM_SUCCESS)
            fail_msg("program %zu with 0: %s %s", i, cvm_code_name(r.error.code), r.error.message);
        r = run1(progs[i], 1);
        if (r.error.code != CVM_CODE_TYPE_MISMATCH)
            fail_msg("program %zu with 1: %s %s, not TYPE_MISMATCH", i, cvm_code_name(r.error.code), r.error.message);
    }
    assert_int_equal(run1(progs[3], 0).result, 1);
}

/* Subroutines are entered at unknown types; a Call goes on with what the
 * subroutine is known to leave. */
static void subroutines(void **state)
{
    (void)state;
    /* called with bytes, the subroutine's Add is not proven wrong */
    asm_ok(".method m\n    Signer\n    Signer\n    Call add\n    Halt\nadd:\n    Add\n    Ret\n");
    /* what it leaves: an integer (Add), below it the caller's cells */
    asm_fails(".method m\n    Signer\n    Push 1\n    Push 2\n    Call add\n    Len\n    Halt\nadd:\n    Add\n    Ret\n",
              "t.asm:6:5: method m, pc 4 (Len): needs bytes, got integer");
    asm_fails(".method m\n    Signer\n    Push 1\n    Push 2\n    Call add\n    Pop\n    Push 1\n    Add\n    Halt\n"
              "add:\n    Add\n    Ret\n",
              "t.asm:8:5: method m, pc 6 (Add): needs two integers, got bytes and integer");
    /* a subroutine that makes bytes; and one that writes a local */
    asm_fails(".method m\n    Call mk\n    Push 1\n    Add\n    Halt\nmk:\n    Caller\n    Ret\n",
              "t.asm:4:5: method m, pc 2 (Add): needs two integers, got bytes and integer");
    asm_fails(".method m\n    Call mk\n    LocalGet 3\n    Not\n    Halt\nmk:\n    Caller\n    LocalSet 3\n    Ret\n",
              "t.asm:4:5: method m, pc 2 (Not): needs an integer, got bytes");
    asm_ok(".method m\n    Signer\n    LocalSet 3\n    Call mk\n    LocalGet 3\n    Len\n    Halt\nmk:\n    Push 1\n"
           "    LocalSet 4\n    Ret\n");
    /* its own error, found in its body when it is called */
    asm_fails(".method m\n    Call bad\n    Halt\nbad:\n    Self\n    Neg\n    Ret\n",
              "t.asm:6:5: method m, pc 3 (Neg) in the subroutine at pc 2: needs an integer, got bytes");
    /* not called from code that runs: not checked */
    asm_ok(".method m\n    Halt\n    Call bad\n    Halt\nbad:\n    Self\n    Neg\n    Ret\n");
    /* recursion settles; the depth after it varies */
    asm_ok(".method m\n    Push 3\n    Call r\n    Halt\nr:\n    Dup\n    JumpIfNot done\n    Signer\n    Swap\n"
           "    Push 1\n    Sub\n    Call r\ndone:\n    Ret\n");
    /* a subroutine that never returns: code after its Call is not reached */
    asm_ok(".method m\n    Call h\n    Signer\n    Neg\nh:\n    Push 1\n    Halt\n");
    /* a Halt inside a subroutine ends the method */
    asm_ok(".method m\n    Call h\n    Ret\nh:\n    Signer\n    Len\n    Halt\n");
    /* ... and with bytes on top it is refused */
    asm_fails(".method m\n    Call h\n    Ret\nh:\n    Signer\n    Halt\n",
              "t.asm:6:5: method m, pc 3 (Halt) in the subroutine at pc 2: the result needs an integer, got bytes (method "
              "m is untyped: it returns one integer)");
    /* a Call of the method's own entry */
    asm_ok(".method m params 1\nt:  Dup\n    JumpIfNot e\n    Push 1\n    Sub\n    Call t\ne:  Ret\n");
}


/* ------------------------------------------------------ hand-built modules */

static char err[256];

static cvm_vtype *types(cvm_module *m, const char *spec)
{
    size_t n = strlen(spec);
    cvm_vtype *t = cvm_calloc(m->al, n ? n : 1, sizeof *t);
    assert_non_null(t);
    for (size_t i = 0; i < n; i++)
        t[i] = spec[i] == 'i' ? CVM_ARG_INT64 : spec[i] == 's' ? CVM_ARG_STRING : CVM_ARG_BYTES;
    return t;
}

/* Method me typed: params and results as "ibs" (int, bytes, string). */
static cvm_method *typed(cvm_module *m, cvm_method *me, const char *params, const char *results)
{
    me->typed = true;
    me->params = (uint32_t)strlen(params);
    me->ptypes = strlen(params) ? types(m, params) : NULL;
    me->pnames = me->params ? cvm_calloc(m->al, me->params, sizeof *me->pnames) : NULL;
    for (uint32_t i = 0; i < me->params; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%u", (unsigned)i);
        me->pnames[i] = cvm_strndup(m->al, name, strlen(name));
    }
    me->rtypes = strlen(results) ? types(m, results) : NULL;
    me->nresults = (uint32_t)strlen(results);
    return me;
}

static void import(cvm_module *m, const char *target, const char *params, const char *results)
{
    m->imports = cvm_realloc(m->al, m->imports, (m->nimports + 1) * sizeof *m->imports);
    assert_non_null(m->imports);
    cvm_import *im = &m->imports[m->nimports++];
    im->target = cvm_strndup(m->al, target, strlen(target));
    im->ptypes = types(m, params);
    im->nparams = (uint32_t)strlen(params);
    im->rtypes = types(m, results);
    im->nresults = (uint32_t)strlen(results);
}

static void event(cvm_module *m, const char *name, const char *fields)
{
    m->events = cvm_realloc(m->al, m->events, (m->nevents + 1) * sizeof *m->events);
    assert_non_null(m->events);
    cvm_event_decl *ev = &m->events[m->nevents++];
    ev->name = cvm_strndup(m->al, name, strlen(name));
    ev->nfields = (uint32_t)strlen(fields);
    ev->ftypes = types(m, fields);
    ev->fnames = cvm_calloc(m->al, ev->nfields, sizeof *ev->fnames);
    assert_non_null(ev->fnames);
    static const char *const names[] = {"from", "to", "amount", "memo"};
    for (uint32_t i = 0; i < ev->nfields; i++)
        ev->fnames[i] = cvm_strndup(m->al, names[i % 4], strlen(names[i % 4]));
}

/* A module T of code, with one method m spanning it, typed when params is
 * not NULL. */
static cvm_module *module(const cvm_insn *code, size_t n, const char *params, const char *results)
{
    cvm_module *m = cvm_module_new(NULL);
    assert_non_null(m);
    mb_name(m, "T");
    mb_code(m, code, n);
    cvm_method *me = mb_method(m, "m", 0, (uint32_t)n, 0, 0);
    if (params)
        typed(m, me, params, results);
    return m;
}

static void verify_ok(cvm_module *m)
{
    cvm_status st = cvm_verify(m, err, sizeof err);
    if (st != CVM_OK)
        print_error("unexpected verify error: %s\n", err);
    assert_int_equal(st, CVM_OK);
    cvm_module_free(m);
}

/* The module, written in the binary format, must be refused by
 * cvm_module_load (deployment) with msg. */
static void load_fails(const cvm_module *m, const char *msg)
{
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    cvm_module_write(m, &b);
    cvm_module *d = NULL;
    cvm_errmsg e;
    cvm_status st = cvm_module_load(NULL, b.data, b.len, &d, &e);
    if (st != CVM_EINPUT || !strstr(e.text, msg))
        print_error("load: expected: %s\ngot:      %s\n", msg, e.text);
    assert_int_equal(st, CVM_EINPUT);
    assert_null(d);
    assert_non_null(strstr(e.text, msg));
    cvm_buf_free(&b);
}

/* m must be refused by cvm_verify with msg about pc, and at load. */
static void verify_fails(cvm_module *m, const char *msg, size_t pc)
{
    load_fails(m, msg);
    size_t bad = 0;
    cvm_status st = cvm_verify_at(m, err, sizeof err, &bad);
    if (st != CVM_EINPUT || strcmp(err, msg) != 0)
        print_error("expected: %s\ngot:      %s\n", msg, err);
    assert_int_equal(st, CVM_EINPUT);
    assert_string_equal(err, msg);
    assert_int_equal(bad, pc);
    cvm_module_free(m);
}

#define N(a) (sizeof(a) / sizeof(a)[0])

static void typed_params_and_results(void **state)
{
    (void)state;
    /* m(to: bytes, amount: int) */
    const cvm_insn add[] = {I0(ADD), I0(HALT)};
    verify_fails(module(add, N(add), "bi", "i"), "method m, pc 0 (Add): needs two integers, got bytes and integer", 0);
    const cvm_insn swap[] = {I0(SWAP), I0(POP), I0(HALT)};
    verify_ok(module(swap, N(swap), "bi", "i"));
    verify_fails(module(swap, N(swap), "bi", "s"), "method m, pc 2 (Halt): result 1 needs bytes, got integer", 2);
    /* two results, the last on top; the end of the code ends the method */
    const cvm_insn two[] = {I1(PUSH, 4)};
    verify_ok(module(two, N(two), "b", "si"));
    verify_fails(module(two, N(two), "b", "is"), "method m, pc 0 (Push): result 1 needs an integer, got bytes", 0);
    /* Ret at call depth 0 ends the method; inside a subroutine it does not */
    const cvm_insn sub[] = {I1(CALL, 3), I0(POP), I0(RET), I1(PUSH, 1), I0(RET)};
    verify_ok(module(sub, N(sub), "b", "b"));
    verify_fails(module(sub, N(sub), "b", "i"), "method m, pc 2 (Ret): result 1 needs an integer, got bytes", 2);
    /* too few results is a run-time underflow, not a type error */
    const cvm_insn none[] = {I0(HALT)};
    verify_ok(module(none, N(none), "", "ib"));
    verify_ok(module(two, N(two), "b", "sis")); /* two values kept, three results */
    /* no results */
    verify_ok(module(none, N(none), "b", ""));
    /* an untyped method's result is an integer, its params are integers */
    const cvm_insn keep[] = {I1(CALL_SERVICE, 0), I0(HALT)};
    cvm_module *u = module(keep, N(keep), NULL, NULL);
    mb_const(u, "X.g", 3);
    import(u, "X.g", "", "b");
    verify_fails(u, "method m, pc 1 (Halt): the result needs an integer, got bytes (method m is untyped: it returns one "
                    "integer)", 1);

    const cvm_insn call[] = {I1(CALL_SERVICE, 0)};
    cvm_module *m = module(call, N(call), NULL, NULL);
    m->methods[0].params = 1;
    mb_const(m, "X.f", 3);
    import(m, "X.f", "b", "");
    verify_fails(m, "method m, pc 0 (CallService): X.f argument 1 needs bytes, got integer", 0);
}

/* Each class of opcode type error, in a binary module: refused at load. */
static void each_class_at_load(void **state)
{
    (void)state;
    const cvm_insn add[] = {I0(SIGNER), I1(PUSH, 1), I0(ADD)};
    verify_fails(module(add, N(add), NULL, NULL), "method m, pc 2 (Add): needs two integers, got bytes and integer", 2);
    const cvm_insn concat[] = {I1(PUSH, 1), I0(SELF), I0(CONCAT)};
    verify_fails(module(concat, N(concat), NULL, NULL), "method m, pc 2 (Concat): needs two bytes, got integer and bytes",
                 2);
    const cvm_insn slice[] = {I0(CALLER), I0(CALLER), I1(PUSH, 1), I0(SLICE)};
    verify_fails(module(slice, N(slice), NULL, NULL),
                 "method m, pc 3 (Slice): needs bytes, an integer start and an integer length, got bytes, bytes and "
                 "integer",
                 3);
    const cvm_insn jif[] = {I0(SIGNER), I1(JUMP_IF, 2), I0(HALT)};
    verify_fails(module(jif, N(jif), NULL, NULL), "method m, pc 1 (JumpIf): needs an integer, got bytes", 1);
    const cvm_insn eq[] = {I0(SIGNER), I1(LOAD, 0), I0(NE)};
    cvm_module *m = module(eq, N(eq), NULL, NULL);
    mb_const(m, "k", 1);
    verify_fails(m, "method m, pc 2 (Ne): compares two integers or two bytes, got bytes and integer", 2);
    const cvm_insn len[] = {I1(LOAD, 0), I0(LEN)};
    m = module(len, N(len), NULL, NULL);
    mb_const(m, "k", 1);
    verify_fails(m, "method m, pc 1 (Len): needs bytes, got integer", 1);
    const cvm_insn itoa[] = {I1(LOAD_BYTES, 0), I0(ITOA)};
    m = module(itoa, N(itoa), NULL, NULL);
    mb_const(m, "k", 1);
    verify_fails(m, "method m, pc 1 (Itoa): needs an integer, got bytes", 1);
    const cvm_insn as[] = {I1(PUSH_BYTES, 0), I1(ASSERT, 0)};
    m = module(as, N(as), NULL, NULL);
    mb_const(m, "no", 2);
    verify_fails(m, "method m, pc 1 (Assert): needs an integer, got bytes", 1);
    const cvm_insn sha[] = {I0(BLOCK_HEIGHT), I0(SHA256)};
    verify_fails(module(sha, N(sha), NULL, NULL), "method m, pc 1 (Sha256): needs bytes, got integer", 1);
    const cvm_insn vote[] = {I0(CREATE_PROPOSAL), I0(SIGNER), I0(CAST_VOTE)};
    verify_fails(module(vote, N(vote), NULL, NULL), "method m, pc 2 (CastVote): needs two integers, got integer and bytes",
                 2);
}

static void imports(void **state)
{
    (void)state;
    /* .import Token.transfer params bytes int returns int */
    const cvm_insn good[] = {I1(CALL_SERVICE, 0), I1(PUSH, 1), I0(ADD), I0(HALT)};
    cvm_module *m = module(good, N(good), "bi", "i");
    mb_const(m, "Token.transfer", 14);
    import(m, "Token.transfer", "bi", "i");
    verify_ok(m);

    const cvm_insn swapped[] = {I1(CALL_LIBRARY, 0), I0(HALT)};
    m = module(swapped, N(swapped), "ib", "i");
    mb_const(m, "Token.transfer", 14);
    import(m, "Token.transfer", "bi", "i");
    verify_fails(m, "method m, pc 0 (CallLibrary): Token.transfer argument 2 needs an integer, got bytes", 0);

    /* every result is pushed, the last on top: string bytes string int int */
    const cvm_insn five[] = {I1(PUSH, 1), I1(CALL_SERVICE, 0), I0(ADD), I0(POP), I0(POP), I0(HALT)};
    m = module(five, N(five), "", "s");
    mb_const(m, "_Governance.getProposal", 23);
    import(m, "_Governance.getProposal", "i", "sbsii");
    verify_ok(m);
    m = module(five, N(five), "", "s");
    mb_const(m, "_Governance.getProposal", 23);
    import(m, "_Governance.getProposal", "i", "sbiis");
    verify_fails(m, "method m, pc 2 (Add): needs two integers, got integer and bytes", 2);
    /* the depth stays known after an imported call */
    const cvm_insn deep[] = {I1(PUSH, 1), I1(CALL_SERVICE, 0), I0(POP), I0(NEG), I0(HALT)};
    m = module(deep, N(deep), "b", "");
    mb_const(m, "Svc.f", 5);
    import(m, "Svc.f", "i", "i");
    verify_fails(m, "method m, pc 3 (Neg): needs an integer, got bytes", 3);
    /* a call that is not imported keeps today's meaning: unknown below its result */
    const cvm_insn other[] = {I1(CALL_SERVICE, 0), I0(POP), I0(NEG), I0(HALT)};
    m = module(other, N(other), "b", "");
    mb_const(m, "Svc.g", 5);
    import(m, "Svc.f", "i", "i");
    verify_ok(m);
}

static void events(void **state)
{
    (void)state;
    /* .event Transfer from:bytes to:bytes amount:int */
    const cvm_insn good[] = {I1(PUSH, 5), I1(EMIT, 0), I0(HALT)};
    cvm_module *m = module(good, N(good), "bs", "");
    mb_const(m, "Transfer", 8);
    event(m, "Transfer", "bbi");
    verify_ok(m);

    const cvm_insn bad[] = {I1(PUSH, 2), I1(PUSH, 5), I1(EMIT, 0), I0(HALT)};
    m = module(bad, N(bad), "b", "");
    mb_const(m, "Transfer", 8);
    event(m, "Transfer", "bbi");
    verify_fails(m, "method m, pc 2 (Emit): event Transfer field 2 (to) needs bytes, got integer", 2);
    /* an undeclared event keeps one integer field */
    const cvm_insn undeclared[] = {I1(EMIT, 0), I0(HALT)};
    m = module(undeclared, N(undeclared), "b", "");
    mb_const(m, "Other", 5);
    event(m, "Transfer", "bbi");
    verify_fails(m, "method m, pc 0 (Emit): needs an integer, got bytes", 0);
}

/* Modules past the bounds are accepted quickly; a long typed one is
 * checked quickly. */
static void bounded_work(void **state)
{
    (void)state;
    /* 200,000 subroutines of one method: past the bound on states, so the
     * ill-typed Neg at its start is not proven (the interpreter traps) */
    size_t nsub = 200000, n = 1 + 2 * nsub;
    cvm_insn *code = calloc(n, sizeof *code);
    assert_non_null(code);
    code[0] = I0(NEG);
    for (size_t i = 0; i < nsub; i++) {
        code[1 + 2 * i] = I1(CALL, (int64_t)(1 + 2 * i + 1));
        code[1 + 2 * i + 1] = I0(RET);
    }
    clock_t t0 = clock();
    verify_ok(module(code, n, "b", ""));
    double s1 = (double)(clock() - t0) / CLOCKS_PER_SEC;

    /* a million straight-line instructions in a loop, an error at the end:
     * found, in bounded time */
    size_t len = 1000000;
    code = realloc(code, len * sizeof *code);
    assert_non_null(code);
    code[0] = I1(LOCAL_SET, 0);
    for (size_t i = 1; i + 4 < len; i += 2) {
        code[i] = i % 4 == 1 ? I1(LOCAL_GET, 0) : I1(PUSH, 1);
        code[i + 1] = I0(POP);
    }
    code[len - 4] = I1(PUSH, 1);
    code[len - 3] = I1(LOCAL_GET, 0);
    code[len - 2] = I0(ADD);
    code[len - 1] = I1(JUMP_IF, 1);
    t0 = clock();
    char msg[200];
    snprintf(msg, sizeof msg, "method m, pc %zu (Add): needs two integers, got integer and bytes", len - 2);
    verify_fails(module(code, len, "b", ""), msg, len - 2);
    double s2 = (double)(clock() - t0) / CLOCKS_PER_SEC;
    free(code);
    print_message("bounded work: 400,001 instructions of subroutines %.3f s; 1,000,000 in a loop %.3f s\n", s1, s2);
    assert_true(s1 < 2.0 && s2 < 2.0);
}

/* ---------------------------------------------- no false positives, randomly
 *
 * Random typed programs, each run many times by a small concrete model of
 * the typed interpreter (tags only, and the integers that steer branches)
 * with random arguments and service results. Where the checker refuses an
 * instruction, no run may execute it without a trap (or, for a result
 * error, end the method there with results of the right types). */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rnext(rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static unsigned rbelow(rng *r, unsigned n) { return (unsigned)(rnext(r) % n); }

typedef struct gen {
    cvm_module *m;
    const char *names[8];
    size_t nnames;
} gen;

/* The pool index of name, added in first-use order. */
static int64_t gconst(gen *g, const char *name)
{
    for (size_t i = 0; i < g->nnames; i++)
        if (strcmp(g->names[i], name) == 0)
            return (int64_t)i;
    g->names[g->nnames] = name;
    mb_const(g->m, name, strlen(name));
    return (int64_t)g->nnames++;
}

static const char *rtypes(rng *r, unsigned max)
{
    static const char *const t[] = {"", "i", "b", "ii", "ib", "bi", "bb", "s"};
    return t[rbelow(r, max)];
}

static cvm_module *random_module(rng *r)
{
    gen g = {.m = cvm_module_new(NULL)};
    assert_non_null(g.m);
    mb_name(g.m, "R");
    size_t len = 4 + rbelow(r, 22);
    cvm_insn code[32];
    static const uint8_t ops[] = {
        CVM_OP_PUSH,     CVM_OP_PUSH_BYTES, CVM_OP_SIGNER,     CVM_OP_ADD,        CVM_OP_SUB,       CVM_OP_CONCAT,
        CVM_OP_LEN,      CVM_OP_ITOA,       CVM_OP_HEX,        CVM_OP_EQ,         CVM_OP_LT,        CVM_OP_NOT,
        CVM_OP_DUP,      CVM_OP_SWAP,       CVM_OP_OVER,       CVM_OP_ROT,        CVM_OP_POP,       CVM_OP_LOCAL_GET,
        CVM_OP_LOCAL_SET, CVM_OP_JUMP,      CVM_OP_JUMP_IF,    CVM_OP_JUMP_IF_NOT, CVM_OP_CALL,     CVM_OP_RET,
        CVM_OP_HALT,     CVM_OP_CALL_SERVICE, CVM_OP_EMIT,     CVM_OP_SLICE,      CVM_OP_LOAD,      CVM_OP_LOAD_BYTES,
        CVM_OP_STORE,    CVM_OP_ASSERT,     CVM_OP_PUSH,       CVM_OP_DUP,        CVM_OP_LOCAL_GET, CVM_OP_JUMP_IF};
    static const char *const targets[] = {"S.a", "S.b", "S.c"};
    for (size_t pc = 0; pc < len; pc++) {
        uint8_t op = ops[rbelow(r, sizeof ops)];
        cvm_insn in = {op, 0, 0};
        switch (cvm_opinfo_of(op)->operand) {
        case CVM_OPK_INT: in.has_operand = 1, in.operand = (int64_t)rbelow(r, 3); break;
        case CVM_OPK_LOCAL: in.has_operand = 1, in.operand = (int64_t)rbelow(r, 3); break;
        case CVM_OPK_LABEL: in.has_operand = 1, in.operand = (int64_t)rbelow(r, (unsigned)len); break;
        case CVM_OPK_OPT_STR:
            if (rbelow(r, 2))
                in.has_operand = 1, in.operand = gconst(&g, "k");
            break;
        case CVM_OPK_STR:
            in.has_operand = 1;
            if (op == CVM_OP_CALL_SERVICE)
                in.operand = gconst(&g, targets[rbelow(r, 3)]);
            else if (op == CVM_OP_EMIT)
                in.operand = gconst(&g, rbelow(r, 2) ? "E" : "U");
            else
                in.operand = gconst(&g, "x");
            break;
        default: break;
        }
        code[pc] = in;
    }
    mb_code(g.m, code, len);
    cvm_method *me = mb_method(g.m, "m", 0, (uint32_t)len, 0, 0);
    if (rbelow(r, 4))
        typed(g.m, me, rtypes(r, 7), rtypes(r, 8));
    else
        me->params = rbelow(r, 3);
    import(g.m, "S.a", rtypes(r, 7), rtypes(r, 8));
    import(g.m, "S.b", rtypes(r, 7), rtypes(r, 8));
    /* S.c is not imported */
    event(g.m, "E", rtypes(r, 7));
    return g.m;
}

enum { C_INT = 1, C_BYTES = 2 };

typedef struct cell {
    uint8_t tag;
    int64_t v; /* an integer, or the length of bytes */
} cell;

static unsigned of_spec(cvm_vtype t) { return t == CVM_ARG_INT64 ? C_INT : C_BYTES; }

/* Runs m's method once; returns false when a run executes bad_pc without
 * the failure the checker claims (end: a result error), in the context of
 * the claim: at call depth 0 (sub SIZE_MAX) or inside a call of sub. */
static bool run_agrees(const cvm_module *m, rng *r, size_t bad_pc, bool end_claim, size_t sub)
{
    const cvm_method *me = &m->methods[0];
    cell st[1100], loc[CVM_LOCALS];
    size_t sp = 0, calls[CVM_CALL_DEPTH_LIMIT], called[CVM_CALL_DEPTH_LIMIT], ncalls = 0;
    memset(loc, 0, sizeof loc);
    for (size_t i = 0; i < CVM_LOCALS; i++)
        loc[i].tag = C_INT;
    for (uint32_t i = 0; i < me->params; i++)
        st[sp++] = (cell){me->typed ? (uint8_t)of_spec(me->ptypes[i]) : C_INT, (int64_t)rbelow(r, 3)};
    size_t pc = 0;
#define NEED(n) \
    if (sp < (n)) \
        return true; /* underflow: a trap */
#define TAG(i) st[sp - 1 - (i)].tag
#define FAILS() \
    return true /* a trap (type or other): the run ends */
    for (unsigned steps = 0; steps < 400; steps++) {
        const cvm_insn *in = &m->code[pc];
        bool in_context = sub == SIZE_MAX ? ncalls == 0 : ncalls > 0 && called[ncalls - 1] == sub;
        bool ends = false;
        size_t next = pc + 1;
        switch (in->op) {
        case CVM_OP_PUSH: st[sp++] = (cell){C_INT, in->operand}; break;
        case CVM_OP_PUSH_BYTES:
        case CVM_OP_SIGNER:
            st[sp++] = (cell){C_BYTES, 20};
            break;
        case CVM_OP_LOAD_BYTES:
            if (!in->has_operand) {
                NEED(1);
                sp--;
            }
            st[sp++] = (cell){C_BYTES, (int64_t)rbelow(r, 3)};
            break;
        case CVM_OP_LOAD:
            if (!in->has_operand) {
                NEED(1);
                sp--;
            }
            st[sp++] = (cell){C_INT, (int64_t)rbelow(r, 3)};
            break;
        case CVM_OP_STORE:
            NEED(in->has_operand ? 1u : 2u);
            sp -= in->has_operand ? 1u : 2u;
            break;
        case CVM_OP_ADD:
        case CVM_OP_SUB:
            NEED(2);
            if (TAG(0) != C_INT || TAG(1) != C_INT)
                FAILS();
            st[sp - 2].v = in->op == CVM_OP_ADD ? st[sp - 2].v + st[sp - 1].v : st[sp - 2].v - st[sp - 1].v;
            sp--;
            break;
        case CVM_OP_EQ:
        case CVM_OP_LT:
            NEED(2);
            if (TAG(0) != TAG(1))
                FAILS();
            st[sp - 2] = (cell){C_INT, in->op == CVM_OP_EQ ? st[sp - 2].v == st[sp - 1].v : st[sp - 2].v < st[sp - 1].v};
            sp--;
            break;
        case CVM_OP_CONCAT:
            NEED(2);
            if (TAG(0) != C_BYTES || TAG(1) != C_BYTES)
                FAILS();
            st[sp - 2].v += st[sp - 1].v;
            sp--;
            break;
        case CVM_OP_LEN:
            NEED(1);
            if (TAG(0) != C_BYTES)
                FAILS();
            st[sp - 1].tag = C_INT;
            break;
        case CVM_OP_ITOA:
            NEED(1);
            if (TAG(0) != C_INT)
                FAILS();
            st[sp - 1] = (cell){C_BYTES, 1};
            break;
        case CVM_OP_HEX:
            NEED(1);
            if (TAG(0) != C_BYTES)
                FAILS();
            st[sp - 1].v *= 2;
            break;
        case CVM_OP_NOT:
            NEED(1);
            if (TAG(0) != C_INT)
                FAILS();
            st[sp - 1].v = !st[sp - 1].v;
            break;
        case CVM_OP_ASSERT:
            NEED(1);
            if (TAG(0) != C_INT || st[sp - 1].v == 0)
                FAILS();
            sp--;
            break;
        case CVM_OP_SLICE:
            NEED(3);
            if (TAG(2) != C_BYTES || TAG(1) != C_INT || TAG(0) != C_INT)
                FAILS();
            if (st[sp - 2].v < 0 || st[sp - 1].v < 0 || st[sp - 2].v + st[sp - 1].v > st[sp - 3].v)
                FAILS(); /* OUT_OF_RANGE */
            st[sp - 3].v = st[sp - 1].v;
            sp -= 2;
            break;
        case CVM_OP_DUP:
            NEED(1);
            st[sp] = st[sp - 1];
            sp++;
            break;
        case CVM_OP_SWAP: {
            NEED(2);
            cell t = st[sp - 1];
            st[sp - 1] = st[sp - 2];
            st[sp - 2] = t;
            break;
        }
        case CVM_OP_OVER:
            NEED(2);
            st[sp] = st[sp - 2];
            sp++;
            break;
        case CVM_OP_ROT: {
            NEED(3);
            cell a = st[sp - 3];
            st[sp - 3] = st[sp - 2];
            st[sp - 2] = st[sp - 1];
            st[sp - 1] = a;
            break;
        }
        case CVM_OP_POP:
            NEED(1);
            sp--;
            break;
        case CVM_OP_LOCAL_GET: st[sp++] = loc[in->operand]; break;
        case CVM_OP_LOCAL_SET:
            NEED(1);
            loc[in->operand] = st[--sp];
            break;
        case CVM_OP_JUMP: next = (size_t)in->operand; break;
        case CVM_OP_JUMP_IF:
        case CVM_OP_JUMP_IF_NOT:
            NEED(1);
            if (TAG(0) != C_INT)
                FAILS();
            sp--;
            if ((st[sp].v != 0) == (in->op == CVM_OP_JUMP_IF))
                next = (size_t)in->operand;
            break;
        case CVM_OP_CALL:
            if (ncalls == CVM_CALL_DEPTH_LIMIT)
                FAILS();
            called[ncalls] = (size_t)in->operand;
            calls[ncalls++] = pc + 1;
            next = (size_t)in->operand;
            break;
        case CVM_OP_RET:
            if (ncalls)
                next = calls[--ncalls];
            else
                ends = true;
            break;
        case CVM_OP_HALT: ends = true; break;
        case CVM_OP_EMIT: {
            const cvm_const *k = &m->consts[in->operand];
            if (k->len == 1 && k->bytes[0] == 'E') {
                const cvm_event_decl *ev = &m->events[0];
                NEED(ev->nfields);
                for (uint32_t i = 0; i < ev->nfields; i++)
                    if (st[sp - ev->nfields + i].tag != of_spec(ev->ftypes[i]))
                        FAILS();
                sp -= ev->nfields;
            } else {
                NEED(1);
                if (TAG(0) != C_INT)
                    FAILS();
                sp--;
            }
            break;
        }
        case CVM_OP_CALL_SERVICE: {
            const cvm_const *k = &m->consts[in->operand];
            const cvm_import *im = NULL;
            for (size_t i = 0; i < m->nimports; i++)
                if (strcmp(m->imports[i].target, (const char *)k->bytes) == 0)
                    im = &m->imports[i];
            if (im) {
                NEED(im->nparams);
                for (uint32_t i = 0; i < im->nparams; i++)
                    if (st[sp - im->nparams + i].tag != of_spec(im->ptypes[i]))
                        FAILS();
                sp -= im->nparams;
                for (uint32_t i = 0; i < im->nresults; i++)
                    st[sp++] = (cell){(uint8_t)of_spec(im->rtypes[i]), (int64_t)rbelow(r, 3)};
            } else {
                unsigned n = 1; /* S.c takes one integer */
                NEED(n);
                if (TAG(0) != C_INT)
                    FAILS();
                sp -= n;
                st[sp++] = (cell){C_INT, (int64_t)rbelow(r, 3)};
            }
            break;
        }
        default: fail_msg("op %u not modelled", (unsigned)in->op);
        }
        if (sp > CVM_STACK_LIMIT)
            return true; /* overflow: a trap */
        if (!ends && next >= me->len)
            ends = true; /* the end of the code */
        bool end_fails = false;
        if (ends) {
            if (!me->typed) {
                end_fails = sp && st[sp - 1].tag != C_INT;
            } else if (sp < me->nresults) {
                end_fails = true;
            } else {
                for (uint32_t i = 0; i < me->nresults; i++)
                    if (st[sp - me->nresults + i].tag != of_spec(me->rtypes[i]))
                        end_fails = true;
            }
        }
        if (pc == bad_pc && in_context && (!end_claim || (ends && !end_fails)))
            return false; /* ran bad_pc, or ended well there */
        if (ends)
            return true;
        pc = next;
    }
    return true;
#undef NEED
#undef TAG
#undef FAILS
}

static void random_programs_no_false_positive(void **state)
{
    (void)state;
    rng r = {0x9e3779b97f4a7c15ull};
    unsigned refused = 0, programs = getenv("TC_PROGRAMS") ? (unsigned)atoi(getenv("TC_PROGRAMS")) : 3000;
    for (unsigned p = 0; p < programs; p++) {
        cvm_module *m = random_module(&r);
        size_t bad;
        cvm_status st = cvm_verify_at(m, err, sizeof err, &bad);
        if (st != CVM_OK && (st != CVM_EINPUT || bad >= m->ncode))
            fail_msg("program %u: not a type error: %s", p, err);
        if (st == CVM_EINPUT) {
            refused++;
            bool end_claim = strstr(err, "result") != NULL;
            const char *in_sub = strstr(err, "in the subroutine at pc ");
            size_t sub = in_sub ? (size_t)atoi(in_sub + strlen("in the subroutine at pc ")) : SIZE_MAX;
            for (unsigned run = 0; run < 200; run++)
                if (!run_agrees(m, &r, bad, end_claim, sub)) {
                    cvm_buf b;
                    cvm_buf_init(&b, NULL);
                    cvm_module_write_asm(m, &b);
                    fail_msg("program %u, run %u: refused (%s) but pc %zu runs well:\n%.*s", p, run, err, bad,
                             (int)b.len, (const char *)b.data);
                }
        }
        cvm_module_free(m);
    }
    print_message("random programs: %u of %u refused, none runs its refused instruction well\n", refused, programs);
    assert_true(refused > programs / 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integer_only_modules_pass),
        cmocka_unit_test(declared_types_at_line_and_column),
        cmocka_unit_test(definite_errors_at_line_and_column),
        cmocka_unit_test(types_flow_through_stack_and_locals),
        cmocka_unit_test(unproven_types_are_accepted),
        cmocka_unit_test(subroutines),
        cmocka_unit_test(unproven_errors_trap_at_run_time),
        cmocka_unit_test(dead_code_is_not_checked),
        cmocka_unit_test(random_programs_no_false_positive),
        cmocka_unit_test(typed_params_and_results),
        cmocka_unit_test(each_class_at_load),
        cmocka_unit_test(imports),
        cmocka_unit_test(events),
        cmocka_unit_test(bounded_work),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
