/*
 * fuzz_typed.c — fuzzes the typed interpreter on random *valid* typed
 * modules: the input drives a generator of assembly text (typed parameters
 * and results, bytes constants, the bytes opcodes, Store/Load/LoadBytes
 * with constant and popped keys of both types, declared events, typed
 * imports called through CallService/CallLibrary, Assert and Abort with
 * reasons, forward skips, counted loops and subroutines within a method),
 * which is assembled (the assembler verifies and type-checks it; a module
 * the checker refuses is skipped). Every method then runs through
 * cvm_exec_args with arguments drawn from the input (sometimes of the wrong
 * type or count) in both dispatch loops, CVM_DISPATCH_SWITCH and
 * CVM_DISPATCH_GOTO, each against its own simple in-memory host.
 *
 * Beyond not crashing, leaking or tripping a sanitizer: both loops give the
 * same status, error (code, message, method, pc, line, reason), gas and
 * typed results, make the same host calls with the same arguments in the
 * same order, and leave the same state; nothing the host or the caller
 * receives is longer than CVM_BYTES_MAX (a reason than CVM_REASON_MAX); a
 * module the assembler accepts round-trips (props.h). With
 * COOPVM_FUZZ_SHOW set in the environment, the generated text and what was
 * compared are printed.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "coopvm.h"
#include "props.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *text, const char *a, const char *b)
{
    fprintf(stderr, "property broken: %s\n", what);
    if (text)
        fprintf(stderr, "--- module:\n%s\n", text);
    if (a)
        fprintf(stderr, "--- switch loop:\n%s\n--- goto loop:\n%s\n", a, b ? b : "");
    abort();
}

/* ------------------------------------------------------------- the input */

typedef struct input {
    const uint8_t *d; /* borrowed */
    size_t n, i;
} input;

/* A number below n (n >= 1) from the input; 0 once it is used up. */
static unsigned pick(input *in, unsigned n)
{
    if (in->i >= in->n || n <= 1)
        return 0;
    return in->d[in->i++] % n;
}

static int64_t pick_int(input *in)
{
    static const int64_t edges[] = {0, 1, -1, 2, 7, 20, 100, INT64_MAX, INT64_MIN, 65536, 65537, -20};
    unsigned k = pick(in, 16);
    if (k < 12)
        return edges[k];
    return (int64_t)pick(in, 256) - 64;
}

/* ------------------------------------------------------- the generator */

enum { MAXSTACK = 40, NLOCALS = 8, NKEYS = 4, MAXEVENTS = 3, MAXIMPORTS = 3, MAXMETHODS = 4, MAXPARAMS = 4,
       MAXFIELDS = 3, MAXRESULTS = 3 };

/* What the generator knows of a value: an integer, bytes, or unknown. */
enum { TI = 'i', TB = 'b', TU = 'u' };

typedef struct sig {
    int n;
    char t[MAXPARAMS]; /* TI, TB, or 's' (string) */
} sig;

typedef struct gen {
    input *in;
    cvm_buf *out;              /* borrowed: the method's code so far */
    char st[MAXSTACK + 8];     /* the stack's types as the generator tracks them */
    int sp;
    char loc[NLOCALS + 4];     /* locals 0..7 (loop counters: 8..10, always integers) */
    int labels, depth, budget;
    cvm_buf *subs;             /* borrowed: subroutines, placed after the method */
    sig events[MAXEVENTS];
    int nevents;
    sig imp_params[MAXIMPORTS], imp_results[MAXIMPORTS];
    int nimports;
    bool oom;                  /* a buffer ran out of memory */
} gen;

static const char *tname(char t) { return t == TI ? "int" : t == TB ? "bytes" : "string"; }

static void put_bytes_const(gen *g, size_t len)
{
    cvm_buf_str(g->out, "\"");
    for (size_t i = 0; i < len; i++) {
        unsigned c = pick(g->in, 8) ? 'a' + pick(g->in, 26) : pick(g->in, 256);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            cvm_buf_byte(g->out, (uint8_t)c);
        else
            cvm_buf_printf(g->out, "\\x%02x", c);
    }
    cvm_buf_str(g->out, "\"");
}

static void push_t(gen *g, char t)
{
    if (g->sp < MAXSTACK + 8)
        g->st[g->sp++] = t;
}

static char top(const gen *g, int k) { return g->st[g->sp - 1 - k]; }
static bool is_i(char t) { return t == TI || t == TU; }
static bool is_b(char t) { return t == TB || t == TU; }

static void op(gen *g, const char *text) { cvm_buf_printf(g->out, "    %s\n", text); }

/* Pushes a constant of type t ('s' is bytes that are text). */
static void push_const(gen *g, char t)
{
    if (t == TI) {
        cvm_buf_printf(g->out, "    Push %" PRId64 "\n", pick_int(g->in));
        push_t(g, TI);
        return;
    }
    if (t == TB && pick(g->in, 4) == 0) {
        static const char *const ids[] = {"Signer", "Caller", "Self"};
        op(g, ids[pick(g->in, 3)]);
    } else {
        cvm_buf_str(g->out, "    PushBytes ");
        size_t len = pick(g->in, 4) == 0 ? 20 : pick(g->in, 12);
        if (t == 's') {
            cvm_buf_str(g->out, "\"");
            for (size_t i = 0; i < len; i++)
                cvm_buf_byte(g->out, (uint8_t)('a' + pick(g->in, 26)));
            cvm_buf_str(g->out, "\"");
        } else {
            put_bytes_const(g, len);
        }
        cvm_buf_str(g->out, "\n");
    }
    push_t(g, TB);
}

static void pop_n(gen *g, int n) { g->sp -= n; }

/* The stack back down to floor, with Pop. */
static void drop_to(gen *g, int floor)
{
    while (g->sp > floor) {
        op(g, "Pop");
        pop_n(g, 1);
    }
}

static void gen_block(gen *g, int floor);

/* Makes sure the top value is an integer (a condition). */
static void want_int(gen *g, int floor)
{
    if (g->sp > floor && is_i(top(g, 0)) && pick(g->in, 2))
        return;
    if (g->sp > floor + 1 && is_i(top(g, 0)) == is_i(top(g, 1)) && pick(g->in, 2)) {
        static const char *const cmp[] = {"Eq", "Ne", "Lt", "Le", "Gt", "Ge"};
        op(g, cmp[pick(g->in, 6)]);
        pop_n(g, 2);
        push_t(g, TI);
        return;
    }
    push_const(g, TI);
}

/* Merges the locals' types of two paths into the first. */
static void merge_locals(char *a, const char *b)
{
    for (int i = 0; i < NLOCALS; i++)
        if (a[i] != b[i])
            a[i] = TU;
}

/* One structured piece: a forward skip, a counted loop or a subroutine.
 * Each leaves the stack as it found it (floor = the current depth). */
static void gen_structure(gen *g, int floor)
{
    unsigned k = pick(g->in, 3);
    int label = g->labels++;
    char before[NLOCALS + 4];
    if (k == 0) { /* if: JumpIfNot over a block, which may end in Abort */
        want_int(g, floor);
        cvm_buf_printf(g->out, "    %s L%d\n", pick(g->in, 2) ? "JumpIfNot" : "JumpIf", label);
        pop_n(g, 1);
        memcpy(before, g->loc, sizeof before);
        int base = g->sp;
        g->depth++;
        gen_block(g, base);
        g->depth--;
        if (pick(g->in, 6) == 0) { /* fail with a code or a reason */
            if (pick(g->in, 2))
                push_const(g, TB);
            else if (g->sp == base)
                push_const(g, TI);
            op(g, "Abort");
            g->sp = base;
            memcpy(g->loc, before, sizeof before); /* only the skipping path goes on */
        } else {
            drop_to(g, base);
            merge_locals(g->loc, before);
        }
        cvm_buf_printf(g->out, "L%d:\n", label);
    } else if (k == 1 && g->depth < 3) { /* a loop counted down in local 8 + depth */
        int c = NLOCALS + g->depth;
        cvm_buf_printf(g->out, "    Push %u\n    LocalSet %d\nL%d:\n", 1 + pick(g->in, 12), c, label);
        memcpy(before, g->loc, sizeof before);
        int base = g->sp;
        g->depth++;
        gen_block(g, base);
        g->depth--;
        drop_to(g, base);
        merge_locals(g->loc, before);
        cvm_buf_printf(g->out, "    LocalGet %d\n    Push 1\n    Sub\n    Dup\n    LocalSet %d\n    JumpIf L%d\n", c, c,
                       label);
    } else if (g->depth < 2) { /* Call a subroutine placed after the method */
        cvm_buf_printf(g->out, "    Call S%d\n", label);
        cvm_buf *mine = g->out;
        cvm_buf sub;
        cvm_buf_init(&sub, NULL);
        cvm_buf_printf(&sub, "S%d:\n", label);
        g->out = &sub;
        memcpy(before, g->loc, sizeof before);
        int base = g->sp;
        g->depth++;
        gen_block(g, base);
        g->depth--;
        drop_to(g, base);
        op(g, "Ret");
        merge_locals(g->loc, before);
        g->out = mine;
        if (cvm_buf_ok(&sub))
            cvm_buf_put(g->subs, sub.data, sub.len);
        else
            g->oom = true; /* the input is skipped */
        cvm_buf_free(&sub);
    }
}

/* One instruction (or a short sequence) that fits the tracked types; rarely
 * one that may not (the checker refuses it or the interpreter traps). */
static void gen_insn(gen *g, int floor)
{
    int avail = g->sp - floor;
    bool wild = pick(g->in, 48) == 0;
    unsigned k = pick(g->in, 32);
    if (g->sp >= MAXSTACK && avail > 0)
        k = 6; /* Pop */
    char a = avail > 0 ? top(g, 0) : 0, b = avail > 1 ? top(g, 1) : 0;
    switch (k) {
    case 0: push_const(g, TI); return;
    case 1: case 2: push_const(g, TB); return;
    case 3:
        if (avail >= 2 && ((is_i(a) && is_i(b)) || wild)) {
            static const char *const ar[] = {"Add", "Sub", "Mul", "Div", "Mod", "And", "Or"};
            op(g, ar[pick(g->in, 7)]);
            pop_n(g, 2);
            push_t(g, TI);
            return;
        }
        break;
    case 4:
        if (avail >= 2 && (a == b || a == TU || b == TU || wild)) {
            static const char *const cmp[] = {"Eq", "Ne", "Lt", "Le", "Gt", "Ge"};
            op(g, cmp[pick(g->in, 6)]);
            pop_n(g, 2);
            push_t(g, TI);
            return;
        }
        break;
    case 5:
        if (avail >= 1 && (is_i(a) || wild)) {
            op(g, pick(g->in, 2) ? "Not" : "Neg");
            pop_n(g, 1);
            push_t(g, TI);
            return;
        }
        break;
    case 6:
        if (avail >= 1) {
            op(g, "Pop");
            pop_n(g, 1);
            return;
        }
        break;
    case 7:
        if (avail >= 1) {
            unsigned s = pick(g->in, 4);
            if (s == 0) {
                op(g, "Dup");
                push_t(g, a);
            } else if (s == 1 && avail >= 2) {
                op(g, "Swap");
                g->st[g->sp - 1] = b, g->st[g->sp - 2] = a;
            } else if (s == 2 && avail >= 2) {
                op(g, "Over");
                push_t(g, b);
            } else if (s == 3 && avail >= 3) {
                char c = top(g, 2); /* a b c -> b c a: the third from the top comes up */
                op(g, "Rot");
                g->st[g->sp - 3] = b, g->st[g->sp - 2] = a, g->st[g->sp - 1] = c;
            } else {
                op(g, "Dup");
                push_t(g, a);
            }
            return;
        }
        break;
    case 8: {
        unsigned n = pick(g->in, NLOCALS);
        cvm_buf_printf(g->out, "    LocalGet %u\n", n);
        push_t(g, g->loc[n]);
        return;
    }
    case 9:
        if (avail >= 1) {
            unsigned n = pick(g->in, NLOCALS);
            cvm_buf_printf(g->out, "    LocalSet %u\n", n);
            g->loc[n] = a;
            pop_n(g, 1);
            return;
        }
        break;
    case 10:
        if (avail >= 2 && ((is_b(a) && is_b(b)) || wild)) {
            op(g, "Concat");
            pop_n(g, 2);
            push_t(g, TB);
            return;
        }
        break;
    case 11:
        if (avail >= 1 && (is_b(a) || wild)) {
            static const char *const un[] = {"Len", "Sha256", "Hex"};
            unsigned s = pick(g->in, 3);
            op(g, un[s]);
            pop_n(g, 1);
            push_t(g, s == 0 ? TI : TB);
            return;
        }
        break;
    case 12:
        if (avail >= 1 && (is_b(a) || wild)) { /* mostly in range, sometimes not */
            cvm_buf_printf(g->out, "    Push %u\n    Push %u\n    Slice\n", pick(g->in, 6), pick(g->in, 9));
            pop_n(g, 1);
            push_t(g, TB);
            return;
        }
        break;
    case 13:
        if (avail >= 1 && (is_i(a) || wild)) {
            op(g, "Itoa");
            pop_n(g, 1);
            push_t(g, TB);
            return;
        }
        break;
    case 14: {
        static const char *const ids[] = {"Signer", "Caller", "Self", "Reputation", "BlockHeight", "BlockTime"};
        unsigned s = pick(g->in, 6);
        op(g, ids[s]);
        push_t(g, s < 3 ? TB : TI);
        return;
    }
    case 15: case 16: { /* Store: a constant key, or a popped one (key below the value) */
        bool popped = pick(g->in, 2);
        if (avail >= (popped ? 2 : 1)) {
            if (popped)
                op(g, "Store");
            else
                cvm_buf_printf(g->out, "    Store \"k%u\"\n", pick(g->in, NKEYS));
            pop_n(g, popped ? 2 : 1);
            return;
        }
        break;
    }
    case 17: case 18: { /* Load / LoadBytes, a constant key or a popped one */
        const char *name = k == 17 ? "Load" : "LoadBytes";
        if (avail >= 1 && pick(g->in, 2)) {
            op(g, name);
            pop_n(g, 1);
        } else if (pick(g->in, 2)) { /* the constant key's text, popped: the same entry as the handle's */
            cvm_buf_printf(g->out, "    PushBytes \"k%u\"\n    %s\n", pick(g->in, NKEYS), name);
        } else {
            cvm_buf_printf(g->out, "    %s \"k%u\"\n", name, pick(g->in, NKEYS));
        }
        push_t(g, k == 17 ? TI : TB);
        return;
    }
    case 19: { /* Emit: a declared event (its fields, the last on top), else one integer */
        unsigned e = pick(g->in, (unsigned)g->nevents + 1);
        if (e < (unsigned)g->nevents) {
            const sig *s = &g->events[e];
            bool fits = avail >= s->n;
            for (int f = 0; fits && f < s->n; f++) {
                char t = top(g, s->n - 1 - f);
                fits = s->t[f] == TI ? is_i(t) : is_b(t);
            }
            if (!fits)
                for (int f = 0; f < s->n; f++)
                    push_const(g, s->t[f] == TI ? TI : s->t[f]);
            cvm_buf_printf(g->out, "    Emit \"E%u\"\n", e);
            pop_n(g, s->n);
        } else {
            if (avail < 1 || !is_i(a))
                push_const(g, TI);
            op(g, "Emit \"Plain\"");
            pop_n(g, 1);
        }
        return;
    }
    case 20:
        if (avail >= 1 && (is_i(a) || wild)) {
            op(g, "Log");
            pop_n(g, 1);
            return;
        }
        break;
    case 21: /* Assert: mostly holds */
        if (pick(g->in, 3))
            op(g, "Push 1");
        else
            want_int(g, floor), pop_n(g, 1);
        cvm_buf_str(g->out, "    Assert ");
        put_bytes_const(g, pick(g->in, 10));
        cvm_buf_str(g->out, "\n");
        return;
    case 22: case 23: { /* a typed call of an import, or an untyped one (the host takes no argument) */
        unsigned i = pick(g->in, (unsigned)g->nimports + 1);
        const char *how = pick(g->in, 2) ? "CallService" : "CallLibrary";
        if (i < (unsigned)g->nimports) {
            const sig *p = &g->imp_params[i], *r = &g->imp_results[i];
            for (int f = 0; f < p->n; f++)
                push_const(g, p->t[f] == TI ? TI : p->t[f]);
            cvm_buf_printf(g->out, "    %s \"Svc.m%u\"\n", how, i);
            pop_n(g, p->n);
            for (int f = 0; f < r->n; f++)
                push_t(g, r->t[f] == TI ? TI : TB);
        } else {
            cvm_buf_printf(g->out, "    %s \"Other.call\"\n", how);
            push_t(g, TI);
        }
        return;
    }
    case 26: case 27:
        if (avail >= 1 && is_b(a)) { /* doubling: in a loop, up to BYTES_TOO_LONG or MEMORY_LIMIT */
            op(g, "Dup");
            op(g, "Concat");
            return;
        }
        break;
    case 28: case 29: { /* a bytes local doubled in place, or a copy of it twice as long made and dropped */
        unsigned n = pick(g->in, NLOCALS);
        if (is_b(g->loc[n])) {
            if (k == 28)
                cvm_buf_printf(g->out, "    LocalGet %u\n    Dup\n    Concat\n    LocalSet %u\n", n, n);
            else
                cvm_buf_printf(g->out, "    LocalGet %u\n    Dup\n    Concat\n    Pop\n", n);
            return;
        }
        break;
    }
    case 24: case 25:
        if (g->budget > 4 && g->depth < 3) {
            gen_structure(g, floor);
            return;
        }
        break;
    default: break;
    }
    push_const(g, pick(g->in, 2) ? TI : TB);
}

static void gen_block(gen *g, int floor)
{
    unsigned n = 1 + pick(g->in, g->depth ? 6 : 14);
    for (unsigned i = 0; i < n && g->budget > 0 && g->in->i < g->in->n; i++) {
        g->budget--;
        gen_insn(g, floor);
    }
}

static char pick_type(input *in)
{
    unsigned k = pick(in, 5);
    return k < 2 ? TI : k < 4 ? TB : 's';
}

static void pick_sig(input *in, sig *s, int max)
{
    s->n = (int)pick(in, (unsigned)max + 1);
    for (int i = 0; i < s->n; i++)
        s->t[i] = pick_type(in);
}

/* A method as generated: its name, whether typed, its parameter types. */
typedef struct gmethod {
    char name[16];
    bool typed;
    sig params, results;
} gmethod;

/* Writes a module's text into out: events, imports, then the methods. */
static int gen_module(input *in, cvm_buf *out, gmethod *ms)
{
    gen g;
    memset(&g, 0, sizeof g);
    g.in = in;
    cvm_buf_str(out, ".contract Fuzzed\n");
    g.nevents = (int)pick(in, MAXEVENTS + 1);
    for (int e = 0; e < g.nevents; e++) {
        pick_sig(in, &g.events[e], MAXFIELDS);
        cvm_buf_printf(out, ".event E%d", e);
        for (int f = 0; f < g.events[e].n; f++)
            cvm_buf_printf(out, " f%d:%s", f, tname(g.events[e].t[f]));
        cvm_buf_str(out, "\n");
    }
    g.nimports = (int)pick(in, MAXIMPORTS + 1);
    for (int i = 0; i < g.nimports; i++) {
        pick_sig(in, &g.imp_params[i], 3);
        pick_sig(in, &g.imp_results[i], 3);
        cvm_buf_printf(out, ".import Svc.m%d params", i);
        for (int f = 0; f < g.imp_params[i].n; f++)
            cvm_buf_printf(out, " %s", tname(g.imp_params[i].t[f]));
        cvm_buf_str(out, " returns");
        for (int f = 0; f < g.imp_results[i].n; f++)
            cvm_buf_printf(out, " %s", tname(g.imp_results[i].t[f]));
        cvm_buf_str(out, "\n");
    }
    int nm = 1 + (int)pick(in, MAXMETHODS);
    for (int mi = 0; mi < nm; mi++) {
        gmethod *m = &ms[mi];
        snprintf(m->name, sizeof m->name, "m%d", mi);
        m->typed = pick(in, 4) != 0;
        pick_sig(in, &m->params, MAXPARAMS);
        if (!m->typed)
            for (int i = 0; i < m->params.n; i++)
                m->params.t[i] = TI;
        cvm_buf body, subs;
        cvm_buf_init(&body, NULL);
        cvm_buf_init(&subs, NULL);
        g.out = &body;
        g.subs = &subs;
        g.sp = 0;
        for (int i = 0; i < m->params.n; i++)
            push_t(&g, m->params.t[i] == TI ? TI : TB);
        memset(g.loc, TI, sizeof g.loc);
        g.depth = 0;
        g.budget = 40;
        gen_block(&g, 0);
        while (g.budget > 0 && g.in->i < g.in->n && pick(in, 3))
            gen_block(&g, 0);
        /* the end: a typed method's results, the last on top */
        m->results.n = 0;
        if (m->typed) {
            int k = (int)pick(in, MAXRESULTS + 1);
            for (int i = 0; i < k && k <= g.sp; i++) { /* mostly what is on the stack already */
                char t = g.st[g.sp - k + i];
                if (t == TU)
                    break;
                m->results.t[m->results.n++] = t == TI ? TI : (pick(in, 4) == 0 ? 's' : TB);
            }
            if (m->results.n < k) { /* else fresh values of the declared types */
                m->results.n = k;
                for (int i = 0; i < k; i++) {
                    m->results.t[i] = pick_type(in);
                    push_const(&g, m->results.t[i]);
                }
            }
        } else if (g.sp > 0 && !is_i(top(&g, 0))) {
            push_const(&g, TI);
        }
        unsigned end = pick(in, 3);
        cvm_buf_str(&body, end == 0 ? "    Halt\n" : end == 1 ? "    Ret\n" : "");
        if (subs.len && end == 2)
            cvm_buf_str(&body, "    Halt\n");
        cvm_buf_printf(out, ".method %s", m->name);
        if (m->typed) {
            if (m->params.n) {
                cvm_buf_str(out, " params");
                for (int i = 0; i < m->params.n; i++)
                    cvm_buf_printf(out, " p%d:%s", i, tname(m->params.t[i]));
            }
            cvm_buf_str(out, " returns");
            for (int i = 0; i < m->results.n; i++)
                cvm_buf_printf(out, " %s", tname(m->results.t[i]));
        } else if (m->params.n) {
            cvm_buf_printf(out, " params %d", m->params.n);
        }
        cvm_buf_str(out, "\n");
        if (!cvm_buf_ok(&body) || !cvm_buf_ok(&subs) || g.oom) {
            cvm_buf_free(&body);
            cvm_buf_free(&subs);
            return -1;
        }
        cvm_buf_put(out, body.data, body.len);
        cvm_buf_put(out, subs.data, subs.len);
        cvm_buf_free(&body);
        cvm_buf_free(&subs);
    }
    if (pick(in, 4) == 3) { /* a method that allocates a lot: up to BYTES_TOO_LONG or MEMORY_LIMIT */
        gmethod *m = &ms[nm++];
        snprintf(m->name, sizeof m->name, "big");
        m->typed = true;
        m->params.n = 0;
        m->results.n = 1;
        m->results.t[0] = TI;
        cvm_buf_str(out, ".method big returns int\n    PushBytes ");
        g.out = out;
        put_bytes_const(&g, 1 + pick(in, 32));
        cvm_buf_str(out, "\n");
        for (unsigned i = 0, n = pick(in, 14); i < n; i++)
            cvm_buf_str(out, pick(in, 4) ? "    Dup\n    Concat\n" : "    Hex\n");
        cvm_buf_printf(out, "    LocalSet 0\n    Push %u\n    LocalSet 1\nBIG:\n    LocalGet 0\n", 1 + pick(in, 250));
        cvm_buf_str(out, pick(in, 2) ? "    Dup\n    Concat\n" : "    Hex\n");
        cvm_buf_str(out, "    Len\n    LocalGet 2\n    Add\n    LocalSet 2\n"
                         "    LocalGet 1\n    Push 1\n    Sub\n    Dup\n    LocalSet 1\n    JumpIf BIG\n"
                         "    LocalGet 2\n    Halt\n");
    }
    return nm;
}

/* ------------------------------------------------------------- the host */

typedef struct entry {
    uint8_t *key, *val; /* owned (malloc); val NULL when absent */
    size_t klen, vlen;
} entry;

/* A simple in-memory host: state entries by key, a text log of every
 * callback (compared between the two loops), identities, and the replies
 * of calls. */
typedef struct host {
    entry *e; /* owned */
    size_t n, cap;
    cvm_buf log;
    uint8_t signer[20], caller[20], self[20];
    unsigned call_mode; /* how calls answer: 0 well, 1 fail, 2 one result too few, 3 wrong types */
    int64_t ncalls;
    cvm_arg results[8];
    uint8_t rbytes[8][24];
} host;

static void bounds(size_t len, const char *what)
{
    if (len > CVM_BYTES_MAX)
        fail(what, NULL, NULL, NULL);
}

/* Bytes into the log: the length, a hash and the first 24 bytes. */
static void log_bytes(host *h, const uint8_t *p, size_t n)
{
    uint64_t x = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        x = (x ^ p[i]) * 1099511628211ull;
    cvm_buf_printf(&h->log, "%zu:%016" PRIx64 ":", n, x);
    for (size_t i = 0; i < n && i < 24; i++)
        cvm_buf_printf(&h->log, "%02x", p[i]);
}

static size_t find(host *h, const uint8_t *key, size_t klen, bool create)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->e[i].klen == klen && (klen == 0 || memcmp(h->e[i].key, key, klen) == 0))
            return i;
    if (!create)
        return SIZE_MAX;
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 16;
        entry *ne = realloc(h->e, cap * sizeof *ne);
        if (!ne)
            abort();
        h->e = ne, h->cap = cap;
    }
    entry *e = &h->e[h->n];
    e->key = malloc(klen ? klen : 1);
    if (!e->key)
        abort();
    if (klen)
        memcpy(e->key, key, klen);
    e->klen = klen, e->val = NULL, e->vlen = 0;
    return h->n++;
}

static void put(host *h, size_t i, const uint8_t *v, size_t n)
{
    free(h->e[i].val);
    h->e[i].val = NULL;
    h->e[i].vlen = 0;
    if (n) {
        h->e[i].val = malloc(n);
        if (!h->e[i].val)
            abort();
        memcpy(h->e[i].val, v, n);
        h->e[i].vlen = n;
    }
}

static cvm_code load_entry(host *h, size_t i, int64_t *value, cvm_error *err)
{
    *value = 0;
    if (i == SIZE_MAX || !h->e[i].val)
        return CVM_CODE_NONE;
    if (h->e[i].vlen != 8) {
        snprintf(err->message, sizeof err->message, "Load: the value at a key of %zu bytes is %zu bytes, not an integer",
                 h->e[i].klen, h->e[i].vlen);
        return CVM_CODE_TYPE_MISMATCH;
    }
    uint64_t u = 0;
    for (int b = 7; b >= 0; b--)
        u = u << 8 | h->e[i].val[b];
    *value = (int64_t)u;
    return CVM_CODE_NONE;
}

static void put_int(host *h, size_t i, int64_t v)
{
    uint8_t le[8];
    for (int b = 0; b < 8; b++)
        le[b] = (uint8_t)((uint64_t)v >> (8 * b));
    put(h, i, le, v ? 8 : 0);
}

static cvm_code h_load(void *ud, const uint8_t *key, size_t klen, int64_t *value, cvm_error *err)
{
    host *h = ud;
    bounds(klen, "a Load key is at most CVM_BYTES_MAX");
    cvm_buf_str(&h->log, "load ");
    log_bytes(h, key, klen);
    cvm_buf_str(&h->log, "\n");
    return load_entry(h, find(h, key, klen, false), value, err);
}

static cvm_code h_store(void *ud, const uint8_t *key, size_t klen, int64_t value, cvm_error *err)
{
    host *h = ud;
    (void)err;
    bounds(klen, "a Store key is at most CVM_BYTES_MAX");
    cvm_buf_str(&h->log, "store ");
    log_bytes(h, key, klen);
    cvm_buf_printf(&h->log, " = %" PRId64 "\n", value);
    put_int(h, find(h, key, klen, true), value);
    return CVM_CODE_NONE;
}

static cvm_code h_resolve(void *ud, const uint8_t *key, size_t klen, void **handle, cvm_error *err)
{
    host *h = ud;
    (void)err;
    cvm_buf_str(&h->log, "resolve ");
    log_bytes(h, key, klen);
    cvm_buf_str(&h->log, "\n");
    *handle = (void *)(uintptr_t)(find(h, key, klen, true) + 1);
    return CVM_CODE_NONE;
}

static size_t handle_index(host *h, void *handle)
{
    size_t i = (size_t)(uintptr_t)handle - 1;
    if (i >= h->n)
        fail("a handle is one resolve gave", NULL, NULL, NULL);
    return i;
}

static cvm_code h_load_at(void *ud, void *handle, int64_t *value, cvm_error *err)
{
    host *h = ud;
    size_t i = handle_index(h, handle);
    cvm_buf_printf(&h->log, "load@%zu\n", i);
    return load_entry(h, i, value, err);
}

static cvm_code h_store_at(void *ud, void *handle, int64_t value, cvm_error *err)
{
    host *h = ud;
    (void)err;
    size_t i = handle_index(h, handle);
    cvm_buf_printf(&h->log, "store@%zu = %" PRId64 "\n", i, value);
    put_int(h, i, value);
    return CVM_CODE_NONE;
}

static cvm_code h_load_bytes(void *ud, const uint8_t *key, size_t klen, void *handle, const uint8_t **value,
                             size_t *len, cvm_error *err)
{
    host *h = ud;
    (void)err;
    bounds(klen, "a LoadBytes key is at most CVM_BYTES_MAX");
    cvm_buf_printf(&h->log, "loadb%s ", handle ? "@" : "");
    log_bytes(h, key, klen);
    cvm_buf_str(&h->log, "\n");
    size_t i = find(h, key, klen, false);
    if (handle && handle_index(h, handle) != i)
        fail("a LoadBytes handle is its key's", NULL, NULL, NULL);
    *value = i == SIZE_MAX ? NULL : h->e[i].val;
    *len = i == SIZE_MAX ? 0 : h->e[i].vlen;
    return CVM_CODE_NONE;
}

static cvm_code h_store_bytes(void *ud, const uint8_t *key, size_t klen, void *handle, const uint8_t *value,
                              size_t len, cvm_error *err)
{
    host *h = ud;
    (void)err;
    bounds(klen, "a Store key is at most CVM_BYTES_MAX");
    bounds(len, "a stored bytes value is at most CVM_BYTES_MAX");
    cvm_buf_printf(&h->log, "storeb%s ", handle ? "@" : "");
    log_bytes(h, key, klen);
    cvm_buf_str(&h->log, " = ");
    log_bytes(h, value, len);
    cvm_buf_str(&h->log, "\n");
    size_t i = find(h, key, klen, true);
    if (handle && handle_index(h, handle) != i)
        fail("a Store handle is its key's", NULL, NULL, NULL);
    put(h, i, value, len);
    return CVM_CODE_NONE;
}

static cvm_code h_emit(void *ud, const uint8_t *name, size_t nlen, int64_t value, cvm_error *err)
{
    host *h = ud;
    (void)err;
    cvm_buf_printf(&h->log, "emit %.*s %" PRId64 "\n", (int)nlen, (const char *)name, value);
    return CVM_CODE_NONE;
}

static void log_arg(host *h, const cvm_arg *a)
{
    if (a->type == CVM_ARG_INT64) {
        cvm_buf_printf(&h->log, " i%" PRId64, a->v.i64);
    } else {
        bounds(a->v.bytes.len, "bytes given to the host are at most CVM_BYTES_MAX");
        cvm_buf_printf(&h->log, " t%d:", (int)a->type);
        log_bytes(h, a->v.bytes.ptr, a->v.bytes.len);
    }
}

static cvm_code h_emit_fields(void *ud, const uint8_t *name, size_t nlen, const cvm_event_field *f, size_t n,
                              cvm_error *err)
{
    host *h = ud;
    (void)err;
    cvm_buf_printf(&h->log, "event %.*s", (int)nlen, (const char *)name);
    for (size_t i = 0; i < n; i++) {
        cvm_buf_printf(&h->log, " %s=", f[i].name);
        log_arg(h, &f[i].value);
    }
    cvm_buf_str(&h->log, "\n");
    return CVM_CODE_NONE;
}

static cvm_code h_log(void *ud, int64_t value, cvm_error *err)
{
    host *h = ud;
    (void)err;
    cvm_buf_printf(&h->log, "log %" PRId64 "\n", value);
    return CVM_CODE_NONE;
}

/* A typed call answers its import's result types (or, by call_mode, fails
 * or answers wrongly); an untyped call takes no argument and answers one
 * integer. */
static cvm_code h_call(void *ud, const cvm_call_request *req, cvm_call_reply *reply, cvm_error *err)
{
    host *h = ud;
    h->ncalls++;
    cvm_buf_printf(&h->log, "call%s %.*s depth %zu gas %" PRId64, req->library ? " library" : "",
                   (int)req->target_len, (const char *)req->target, req->depth, req->gas_left);
    for (size_t i = 0; i < req->nargs; i++)
        log_arg(h, &req->args[i]);
    cvm_buf_str(&h->log, "\n");
    reply->gas_used = 40 + (int64_t)req->nargs;
    if (h->call_mode == 1 && h->ncalls % 2 == 0) {
        snprintf(err->message, sizeof err->message, "the callee failed");
        return CVM_CODE_ABORTED;
    }
    if (!req->args) {
        reply->popped = 0;
        reply->result = h->ncalls;
        return CVM_CODE_NONE;
    }
    size_t n = req->nresults < 8 ? req->nresults : 8;
    for (size_t i = 0; i < n; i++) {
        bool as_int = req->result_types[i] == CVM_ARG_INT64;
        if (h->call_mode == 3 && i == 0)
            as_int = !as_int;
        if (as_int) {
            h->results[i] = cvm_arg_int64(h->ncalls * 7 + (int64_t)i);
        } else {
            size_t len = (size_t)(h->ncalls + (int64_t)i) % 24;
            for (size_t b = 0; b < len; b++)
                h->rbytes[i][b] = (uint8_t)('a' + (b + i) % 26);
            h->results[i] = cvm_arg_bytes(h->rbytes[i], len);
        }
    }
    reply->results = h->results;
    reply->nresults = h->call_mode == 2 && n > 0 ? n - 1 : n;
    return CVM_CODE_NONE;
}

static void host_init(host *h, const cvm_host *tmpl, cvm_host *out, unsigned call_mode)
{
    memset(h, 0, sizeof *h);
    cvm_buf_init(&h->log, NULL);
    for (int i = 0; i < 20; i++) {
        h->signer[i] = (uint8_t)(0xa0 + i);
        h->caller[i] = (uint8_t)(0x30 + i);
        h->self[i] = (uint8_t)(0x50 + i);
    }
    h->call_mode = call_mode;
    *out = *tmpl;
    out->ud = h;
    out->load = h_load;
    out->store = h_store;
    out->resolve = h_resolve;
    out->load_at = h_load_at;
    out->store_at = h_store_at;
    out->load_bytes = h_load_bytes;
    out->store_bytes = h_store_bytes;
    out->emit = h_emit;
    out->emit_fields = h_emit_fields;
    out->log = h_log;
    out->call = h_call;
    out->signer = h->signer;
    out->caller = h->caller;
    out->self = h->self;
}

static void host_free(host *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->e[i].key);
        free(h->e[i].val);
    }
    free(h->e);
    cvm_buf_free(&h->log);
}

/* The outcome of a run and the state after it, into the host's log. */
static void log_outcome(host *h, cvm_status st, const cvm_exec_result *r)
{
    cvm_buf_printf(&h->log, "=> %s", cvm_status_name(st));
    if (st == CVM_OK) {
        cvm_buf_printf(&h->log, " %s gas %" PRId64 " %s \"%s\" in %s pc %" PRId64 " line %" PRId64,
                       cvm_exec_status_name(r->status), r->gas_used, cvm_code_name(r->error.code), r->error.message,
                       r->error.method, r->error.pc, r->error.line);
        if (r->error.reason_len > CVM_REASON_MAX)
            fail("a reason is at most CVM_REASON_MAX", NULL, NULL, NULL);
        if (r->error.has_reason) {
            cvm_buf_str(&h->log, " reason ");
            log_bytes(h, r->error.reason, r->error.reason_len);
        }
        cvm_buf_printf(&h->log, " result %" PRId64 " results", r->result);
        for (size_t i = 0; i < r->nresults; i++)
            log_arg(h, &r->results[i]);
    }
    cvm_buf_str(&h->log, "\nstate:");
    for (size_t i = 0; i < h->n; i++) {
        if (!h->e[i].val)
            continue;
        cvm_buf_str(&h->log, " ");
        log_bytes(h, h->e[i].key, h->e[i].klen);
        cvm_buf_str(&h->log, "=");
        log_bytes(h, h->e[i].val, h->e[i].vlen);
    }
    cvm_buf_str(&h->log, "\n");
}

/* ------------------------------------------------------------ the runs */

/* Arguments for m drawn from the input: mostly of the declared types,
 * sometimes not (or one too many). */
static size_t make_args(input *in, const gmethod *m, cvm_arg *args, uint8_t (*store)[32])
{
    size_t n = (size_t)m->params.n;
    if (pick(in, 16) == 15)
        n++;
    for (size_t i = 0; i < n; i++) {
        char t = i < (size_t)m->params.n ? m->params.t[i] : TI;
        unsigned wrong = pick(in, 24);
        if (wrong == 23) { /* a uint64 or a bool where the parameter may want something else */
            args[i] = pick(in, 2) ? cvm_arg_uint64((uint64_t)pick_int(in)) : cvm_arg_bool((int)pick(in, 2));
            continue;
        }
        if (wrong == 22)
            t = t == TI ? TB : TI;
        if (t == TI) {
            args[i] = cvm_arg_int64(pick_int(in));
        } else {
            size_t len = pick(in, 3) == 0 ? 20 : pick(in, 32);
            bool any = t != 's' || pick(in, 8) == 7; /* a string mostly UTF-8 */
            for (size_t b = 0; b < len; b++)
                store[i][b] = (uint8_t)(any && pick(in, 4) == 3 ? pick(in, 256) : 'a' + pick(in, 26));
            args[i] = t == 's' ? cvm_arg_stringn((const char *)store[i], len) : cvm_arg_bytes(store[i], len);
        }
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = {.d = data, .n = size};
    unsigned config = pick(&in, 256);
    static const int64_t gas[] = {3000, 200000, 2000000, 30, 50000, 1000, 400000, 10000};
    unsigned call_mode = (config >> 3) & 3;
    gmethod ms[MAXMETHODS + 1];
    cvm_buf text;
    cvm_buf_init(&text, NULL);
    int nm = gen_module(&in, &text, ms);
    cvm_buf_byte(&text, 0);
    bool show = getenv("COOPVM_FUZZ_SHOW") != NULL;
    if (nm < 0 || !cvm_buf_ok(&text)) {
        cvm_buf_free(&text);
        return 0;
    }
    const char *src = (const char *)text.data;
    if (show)
        fprintf(stderr, "%s", src);
    int ndiag = 0;
    cvm_module *m = NULL;
    cvm_status st = cvm_assemble(NULL, src, strlen(src), "fuzzed.asm", prop_no_diag, &ndiag, &m, NULL);
    if (st != CVM_OK) { /* the type checker (or a limit) refused it: not a valid module */
        if (show) {
            cvm_errmsg err;
            cvm_assemble(NULL, src, strlen(src), "fuzzed.asm", NULL, NULL, &m, &err);
            fprintf(stderr, "refused: %s\n", err.text);
            cvm_module_free(m);
        }
        cvm_buf_free(&text);
        return 0;
    }
    size_t blen = 0;
    uint8_t *bytes = prop_encode(m, &blen);
    if (bytes)
        prop_round_trips(m, bytes, blen);
    cvm_free(NULL, bytes);

    cvm_host tmpl;
    memset(&tmpl, 0, sizeof tmpl);
    tmpl.reputation = 5;
    tmpl.block_height = 7;
    tmpl.block_time = 1700000000000000000;
    host ha, hb;
    cvm_host xa, xb;
    host_init(&ha, &tmpl, &xa, call_mode);
    host_init(&hb, &tmpl, &xb, call_mode);
    cvm_exec_options oa = {.gas_limit = gas[config & 7], .dispatch = CVM_DISPATCH_SWITCH};
    cvm_exec_options ob = {.gas_limit = gas[config & 7], .dispatch = CVM_DISPATCH_GOTO};
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < nm; i++) {
            cvm_arg args[MAXPARAMS + 1];
            uint8_t store[MAXPARAMS + 1][32];
            size_t nargs = make_args(&in, &ms[i], args, store);
            cvm_exec_result ra, rb;
            cvm_status sa = cvm_exec_args(m, ms[i].name, args, nargs, &xa, &oa, &ra);
            cvm_status sb = cvm_exec_args(m, ms[i].name, args, nargs, &xb, &ob, &rb);
            log_outcome(&ha, sa, &ra);
            log_outcome(&hb, sb, &rb);
            cvm_exec_result_clear(&ra);
            cvm_exec_result_clear(&rb);
            cvm_exec_result_clear(&rb); /* safe to call twice */
            cvm_buf_byte(&ha.log, 0);
            cvm_buf_byte(&hb.log, 0);
            if (cvm_buf_ok(&ha.log) && cvm_buf_ok(&hb.log)) {
                if (strcmp((const char *)ha.log.data, (const char *)hb.log.data) != 0)
                    fail("both loops agree", src, (const char *)ha.log.data, (const char *)hb.log.data);
                if (show)
                    fprintf(stderr, "%s(%zu args): %s", ms[i].name, nargs, (const char *)ha.log.data);
            }
            ha.log.len = hb.log.len = 0;
        }
    }
    host_free(&ha);
    host_free(&hb);
    cvm_module_free(m);
    cvm_buf_free(&text);
    return 0;
}
