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

#ifdef CVM_OPCODES_BYTES /* the bytes opcodes, once opcodes.h has them */
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
              "t.asm:6:5: method m, pc 3 (Neg): needs an integer, got bytes");
    /* not called from code that runs: not checked */
    asm_ok(".method m\n    Halt\n    Call bad\n    Halt\nbad:\n    Self\n    Neg\n    Ret\n");
    /* recursion settles; the depth after it varies */
    asm_ok(".method m\n    Push 3\n    Call r\n    Halt\nr:\n    Dup\n    JumpIfNot done\n    Signer\n    Swap\n"
           "    Push 1\n    Sub\n    Call r\ndone:\n    Ret\n");
    /* a subroutine that never returns: code after its Call is not reached */
    asm_ok(".method m\n    Call h\n    Signer\n    Neg\nh:\n    Push 1\n    Halt\n");
    /* a Halt inside a subroutine ends the method */
    asm_ok(".method m\n    Call h\n    Ret\nh:\n    Signer\n    Len\n    Halt\n");
    /* a Call of the method's own entry */
    asm_ok(".method m params 1\nt:  Dup\n    JumpIfNot e\n    Push 1\n    Sub\n    Call t\ne:  Ret\n");
}

#endif

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integer_only_modules_pass),
        cmocka_unit_test(declared_types_at_line_and_column),
#ifdef CVM_OPCODES_BYTES
        cmocka_unit_test(definite_errors_at_line_and_column),
        cmocka_unit_test(types_flow_through_stack_and_locals),
        cmocka_unit_test(unproven_types_are_accepted),
        cmocka_unit_test(subroutines),
#endif
        cmocka_unit_test(typed_params_and_results),
        cmocka_unit_test(imports),
        cmocka_unit_test(events),
        cmocka_unit_test(bounded_work),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
