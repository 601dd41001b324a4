/*
 * typecheck.c — the static type proof: per method, an abstract
 * interpretation of the code over the types integer, bytes and unknown.
 *
 * What is known before the module runs: constants (Push → integer,
 * PushBytes → bytes), what each opcode produces (Signer, Concat, LoadBytes...
 * → bytes; Load, Len, arithmetic, compares → integer), a method's declared
 * parameters at its entry (an untyped method's are integers), the results of
 * an imported CallService / CallLibrary, and the locals (integers, 0, at the
 * entry). Where an instruction receives a value whose type is proven and is
 * not the type it needs, the module is rejected, naming the method, the pc,
 * the opcode and both types. Where the type is unknown — two paths join with
 * different types, the depth is lost after a CallService without an import,
 * or the code runs in a subroutine — the module is accepted and the
 * interpreter checks at run time (TYPE_MISMATCH).
 *
 * What is guaranteed: a refused instruction is one that, if it is ever
 * reached, gets a value of the wrong type (on every path into it). Whether
 * it is reached is not decided: code is skipped only where the analysis
 * proves it dead — what follows Jump, Halt, Ret or Abort and no jump
 * reaches, the way a JumpIf / JumpIfNot right after a Push (no label
 * between) never goes, what follows a Call of a subroutine that never
 * returns or an instruction certain to overflow or underflow the stack.
 * Every other instruction is checked on every path the analysis reaches,
 * so one behind a condition it cannot evaluate (Push 1 Push 1 Eq JumpIf)
 * is refused though it may never run.
 *
 * The analysis follows src/interp/blocks.c's stack-depth proof. Per method,
 * "contexts": the method's entry at call depth 0, and each Call target (a
 * subroutine, entered at unknown types: nothing is known of its stack or
 * locals at its entry). Each context is explored over its blocks to a fixed
 * point; a Call goes on after the call with the callee's summary: its net
 * stack effect (when the same on every Ret), the lowest depth it reaches
 * below its entry (cells below stay the caller's), the locals it may write,
 * and the types at its Rets. Summaries are iterated to a fixed point
 * (recursion included), then every block is walked once more to check.
 *
 * A state keeps the types of the top TC_CELLS cells of the stack (anything
 * deeper is unknown) and of the 256 locals, two bits each, so that the join
 * of two types is their OR. States are kept at block heads only. The work
 * and the memory are bounded: past the bounds the module is accepted.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "typecheck.h"
#include "base/alloc.h"

/* Abstract types: the join of two is their OR. */
enum { T_NONE = 0, T_INT = 1, T_BYTES = 2, T_ANY = 3 };

#define TC_CELLS 32                     /* top-of-stack cells whose types are kept */
#define TC_LWORDS (CVM_LOCALS * 2 / 64) /* words of two bits per local */

#define REL_UNSEEN INT32_MIN        /* a head not reached (yet) */
#define REL_VARIES (INT32_MIN + 1)  /* the depth differs between paths */
#define NET_UNKNOWN (INT32_MIN + 2) /* no Ret of the subroutine reached (yet) */
#define LOW_ANY INT32_MIN           /* a subroutine may reach any depth below its entry */

/* Bounds, so that no module makes loading slow: a method with more block
 * states than TC_STATES_MAX is not analysed, and the whole analysis stops
 * (accepting) after TC_WORK_MAX units of work (an instruction walked, a
 * state joined). */
#define TC_STATES_MAX (1u << 16)
#define TC_WORK_MAX (1u << 22)

typedef struct tstate {
    int32_t rel;             /* depth relative to the context's entry, REL_VARIES or REL_UNSEEN */
    uint32_t n;              /* cells kept: cell[n - 1] is the top; deeper ones are unknown */
    uint8_t cell[TC_CELLS];
    uint64_t loc[TC_LWORDS]; /* local i: bits 2 (i % 32) of word i / 32 */
} tstate;

/* What a Call of a subroutine context does, as far as is known. */
typedef struct summary {
    int32_t net;             /* depth after - depth before, NET_UNKNOWN or REL_VARIES */
    int32_t low;             /* lowest depth reached relative to the entry (<= 0), or LOW_ANY */
    uint64_t w[TC_LWORDS];   /* locals it may write: both bits set */
    tstate x;                /* the join of the states at its Rets */
} summary;

typedef struct tc {
    const cvm_module *m;       /* borrowed */
    const cvm_method *me;      /* borrowed: the method being analysed */
    size_t base, len;          /* its first pc and length */
    int32_t *head_ix;          /* owned, len: the head number of a pc, or -1 */
    size_t *head_pc;           /* owned, nheads */
    size_t nheads;
    int32_t *ctx_at;           /* owned, len: the subroutine context entered at a Call target, or -1 */
    size_t *entry;             /* owned: the contexts' entry pcs (method-local); 0 is the method's */
    size_t n;                  /* contexts */
    tstate *st;                /* owned, n * nheads: the states at the heads */
    summary *sum;              /* owned, n */
    uint8_t *live;             /* owned, n: 1 once a checked block calls the context, 2 once checked */
    size_t *work;              /* owned, nheads: heads to walk */
    uint8_t *queued;           /* owned, nheads */
    size_t nwork;
    uint64_t spent;            /* work so far, for the whole module */
    const int32_t *event_of;   /* borrowed, nconsts: the declared event named by a constant, or -1 */
    const int32_t *import_of;  /* borrowed, nconsts: the import whose target is a constant, or -1 */
    /* the exploration in progress */
    size_t k;                  /* its context */
    bool check;                /* walking the settled states to report */
    int32_t net, low;
    uint64_t w[TC_LWORDS];
    tstate x;
    /* the report */
    bool failed;
    size_t bad_pc;
    char *err;                 /* borrowed */
    size_t errcap;
} tc;

static const char *tname(unsigned t)
{
    switch (t) {
    case T_INT: return "integer";
    case T_BYTES: return "bytes";
    default: return "unknown";
    }
}

/* The abstract type of a declared signature type. */
static unsigned of_vtype(cvm_vtype v)
{
    switch (v) {
    case CVM_ARG_INT64: return T_INT;
    case CVM_ARG_BYTES:
    case CVM_ARG_STRING: return T_BYTES;
    default: return T_ANY;
    }
}

/* Is t proven, and not what is needed? */
static bool wrong(unsigned t, unsigned need) { return (t == T_INT || t == T_BYTES) && t != need; }

static void fail(tc *c, size_t pc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Records the first definite type error, at method pc pc. */
static void fail(tc *c, size_t pc, const char *fmt, ...)
{
    if (!c->check || c->failed)
        return;
    c->failed = true;
    c->bad_pc = c->base + pc;
    if (!c->err || !c->errcap)
        return;
    const cvm_insn *in = &c->m->code[c->base + pc];
    int o;
    if (c->k == 0)
        o = snprintf(c->err, c->errcap, "method %s, pc %zu (%s): ", c->me->name, c->base + pc,
                     cvm_op_written(in->op));
    else /* what it says holds in that subroutine (on any path into it) */
        o = snprintf(c->err, c->errcap, "method %s, pc %zu (%s) in the subroutine at pc %zu: ", c->me->name,
                     c->base + pc, cvm_op_written(in->op), c->base + c->entry[c->k]);
    if (o < 0 || (size_t)o >= c->errcap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + o, c->errcap - (size_t)o, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------- states */

static unsigned local_get(const tstate *s, size_t i) { return (unsigned)(s->loc[i / 32] >> (2 * (i % 32))) & 3u; }

static void local_set(tstate *s, size_t i, unsigned t)
{
    unsigned sh = 2 * (i % 32);
    s->loc[i / 32] = (s->loc[i / 32] & ~((uint64_t)3 << sh)) | ((uint64_t)t << sh);
}

static int32_t rel_add(int32_t r, int32_t d) { return r == REL_VARIES ? REL_VARIES : r + d; }

/* Takes the top cell off s; unknown below the cells kept. Records how low
 * the context's depth goes. */
static unsigned pop(tc *c, tstate *s)
{
    s->rel = rel_add(s->rel, -1);
    if (s->rel == REL_VARIES || s->rel < -TC_CELLS)
        c->low = LOW_ANY;
    else if (c->low != LOW_ANY && s->rel < c->low)
        c->low = s->rel;
    return s->n ? s->cell[--s->n] : T_ANY;
}

static void push(tstate *s, unsigned t)
{
    s->rel = rel_add(s->rel, 1);
    if (s->n == TC_CELLS) { /* forget the deepest cell kept */
        memmove(s->cell, s->cell + 1, TC_CELLS - 1);
        s->n--;
    }
    s->cell[s->n++] = (uint8_t)t;
}

/* The type i cells below the top (0: the top). */
static unsigned peek(const tstate *s, size_t i) { return i < s->n ? s->cell[s->n - 1 - i] : T_ANY; }

/* Joins s into d; true when d changed. Cells are joined aligned at the top;
 * below the shorter, unknown. */
static bool join(tstate *d, const tstate *s)
{
    if (d->rel == REL_UNSEEN) {
        *d = *s;
        return true;
    }
    bool changed = false;
    if (d->rel != s->rel && d->rel != REL_VARIES) {
        d->rel = REL_VARIES;
        changed = true;
    }
    uint32_t n = d->n < s->n ? d->n : s->n;
    if (n < d->n) { /* keep d's top n */
        memmove(d->cell, d->cell + (d->n - n), n);
        d->n = n;
        changed = true;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint8_t t = (uint8_t)(d->cell[i] | s->cell[s->n - n + i]);
        if (t != d->cell[i]) {
            d->cell[i] = t;
            changed = true;
        }
    }
    for (size_t i = 0; i < TC_LWORDS; i++) {
        uint64_t l = d->loc[i] | s->loc[i];
        if (l != d->loc[i]) {
            d->loc[i] = l;
            changed = true;
        }
    }
    return changed;
}

static bool same_state(const tstate *a, const tstate *b)
{
    if (a->rel != b->rel)
        return false;
    if (a->rel == REL_UNSEEN)
        return true;
    return a->n == b->n && memcmp(a->cell, b->cell, a->n) == 0 && memcmp(a->loc, b->loc, sizeof a->loc) == 0;
}

/* ------------------------------------------------------- instructions */

/* Pops two integers for op and pushes pushes integers. */
static void int2(tc *c, tstate *s, size_t pc, unsigned pushes)
{
    unsigned b = pop(c, s), a = pop(c, s);
    if (wrong(a, T_INT) || wrong(b, T_INT))
        fail(c, pc, "needs two integers, got %s and %s", tname(a), tname(b));
    for (unsigned i = 0; i < pushes; i++)
        push(s, T_INT);
}

/* Pops one value that must be of type need; pushes a result of type res
 * (T_NONE: none). */
static void one(tc *c, tstate *s, size_t pc, unsigned need, unsigned res)
{
    unsigned a = pop(c, s);
    if (wrong(a, need))
        fail(c, pc, "needs %s, got %s", need == T_INT ? "an integer" : "bytes", tname(a));
    if (res != T_NONE)
        push(s, res);
}

/* Emit of a declared event: its fields, the last on top. */
static void emit_fields(tc *c, tstate *s, size_t pc, const cvm_event_decl *ev)
{
    for (uint32_t i = ev->nfields; i-- > 0;) {
        unsigned a = pop(c, s), need = of_vtype(ev->ftypes[i]);
        if (need != T_ANY && wrong(a, need))
            fail(c, pc, "event %s field %" PRIu32 " (%s) needs %s, got %s", ev->name, i + 1,
                 ev->fnames && ev->fnames[i] ? ev->fnames[i] : "?", need == T_INT ? "an integer" : "bytes",
                 tname(a));
    }
}

/* CallService / CallLibrary of an import: its parameters (the last on top),
 * then every result. */
static void call_import(tc *c, tstate *s, size_t pc, const cvm_import *im)
{
    for (uint32_t i = im->nparams; i-- > 0;) {
        unsigned a = pop(c, s), need = of_vtype(im->ptypes[i]);
        if (need != T_ANY && wrong(a, need))
            fail(c, pc, "%s argument %" PRIu32 " needs %s, got %s", im->target, i + 1,
                 need == T_INT ? "an integer" : "bytes", tname(a));
    }
    for (uint32_t i = 0; i < im->nresults; i++)
        push(s, of_vtype(im->rtypes[i]));
}

/* The effect on s of instruction pc other than its control transfer (the
 * walker's), checking what it needs. Call is the walker's entirely. */
static void apply(tc *c, tstate *s, size_t pc, const cvm_insn *in)
{
    unsigned a, b, d;
    switch (in->op) {
    case CVM_OP_ADD:
    case CVM_OP_SUB:
    case CVM_OP_MUL:
    case CVM_OP_DIV:
    case CVM_OP_MOD:
    case CVM_OP_AND:
    case CVM_OP_OR: int2(c, s, pc, 1); break;
    case CVM_OP_CAST_VOTE: int2(c, s, pc, 0); break;
    case CVM_OP_EQ:
    case CVM_OP_NE:
    case CVM_OP_LT:
    case CVM_OP_LE:
    case CVM_OP_GT:
    case CVM_OP_GE:
        b = pop(c, s), a = pop(c, s);
        if ((a == T_INT && b == T_BYTES) || (a == T_BYTES && b == T_INT))
            fail(c, pc, "compares two integers or two bytes, got %s and %s", tname(a), tname(b));
        push(s, T_INT);
        break;
    case CVM_OP_NOT:
    case CVM_OP_NEG: one(c, s, pc, T_INT, T_INT); break;
    case CVM_OP_JUMP_IF:
    case CVM_OP_JUMP_IF_NOT:
    case CVM_OP_LOG:
    case CVM_OP_ALLOCATE_RESOURCE:
    case CVM_OP_UPDATE_QUORUM: one(c, s, pc, T_INT, T_NONE); break;
    case CVM_OP_ASSERT: one(c, s, pc, T_INT, T_NONE); break;
    case CVM_OP_ITOA: one(c, s, pc, T_INT, T_BYTES); break;
    case CVM_OP_LEN: one(c, s, pc, T_BYTES, T_INT); break;
    case CVM_OP_SHA256:
    case CVM_OP_HEX: one(c, s, pc, T_BYTES, T_BYTES); break;
    case CVM_OP_CONCAT:
        b = pop(c, s), a = pop(c, s);
        if (wrong(a, T_BYTES) || wrong(b, T_BYTES))
            fail(c, pc, "needs two bytes, got %s and %s", tname(a), tname(b));
        push(s, T_BYTES);
        break;
    case CVM_OP_SLICE:
        d = pop(c, s), b = pop(c, s), a = pop(c, s);
        if (wrong(a, T_BYTES) || wrong(b, T_INT) || wrong(d, T_INT))
            fail(c, pc, "needs bytes, an integer start and an integer length, got %s, %s and %s", tname(a),
                 tname(b), tname(d));
        push(s, T_BYTES);
        break;
    case CVM_OP_PUSH_BYTES:
    case CVM_OP_SIGNER:
    case CVM_OP_CALLER:
    case CVM_OP_SELF:
    case CVM_OP_LOAD_BYTES:
        if (in->op == CVM_OP_LOAD_BYTES && !in->has_operand)
            pop(c, s); /* the key: integer or bytes */
        push(s, T_BYTES);
        break;
    case CVM_OP_POP: pop(c, s); break;
    case CVM_OP_DUP:
        a = pop(c, s);
        push(s, a);
        push(s, a);
        break;
    case CVM_OP_SWAP:
        b = pop(c, s), a = pop(c, s);
        push(s, b);
        push(s, a);
        break;
    case CVM_OP_OVER:
        b = pop(c, s), a = pop(c, s);
        push(s, a);
        push(s, b);
        push(s, a);
        break;
    case CVM_OP_ROT:
        d = pop(c, s), b = pop(c, s), a = pop(c, s);
        push(s, b);
        push(s, d);
        push(s, a);
        break;
    case CVM_OP_LOCAL_GET: push(s, local_get(s, (size_t)in->operand)); break;
    case CVM_OP_LOCAL_SET: {
        size_t i = (size_t)in->operand;
        local_set(s, i, pop(c, s));
        c->w[i / 32] |= (uint64_t)3 << (2 * (i % 32));
        break;
    }
    case CVM_OP_EMIT: {
        int32_t ev = c->event_of ? c->event_of[in->operand] : -1;
        if (ev >= 0)
            emit_fields(c, s, pc, &c->m->events[ev]);
        else
            one(c, s, pc, T_INT, T_NONE); /* one integer field, value */
        break;
    }
    case CVM_OP_CALL_SERVICE:
    case CVM_OP_CALL_LIBRARY: {
        int32_t im = c->import_of ? c->import_of[in->operand] : -1;
        if (im >= 0) {
            call_import(c, s, pc, &c->m->imports[im]);
        } else {
            /* pops the callee's parameters, known at run time only:
             * nothing is known below its one integer result */
            s->rel = REL_VARIES;
            s->n = 0;
            c->low = LOW_ANY;
            push(s, T_INT);
        }
        break;
    }
    default: {
        /* the rest takes any type (Store's key and value, Load's key,
         * Abort's code or reason) and pushes integers (Push, Load,
         * CreateProposal, Reputation, BlockHeight, BlockTime); an opcode
         * not known here pushes values of unknown type */
        const cvm_opinfo *oi = cvm_opinfo_of(in->op);
        unsigned t = T_ANY;
        switch (in->op) {
        case CVM_OP_PUSH:
        case CVM_OP_LOAD:
        case CVM_OP_CREATE_PROPOSAL:
        case CVM_OP_REPUTATION:
        case CVM_OP_BLOCK_HEIGHT:
        case CVM_OP_BLOCK_TIME: t = T_INT; break;
        default: break;
        }
        for (unsigned i = cvm_op_pops(in->op, in->has_operand); i > 0; i--)
            pop(c, s);
        for (unsigned i = 0; i < oi->pushes; i++)
            push(s, t);
        break;
    }
    }
}

/* The method ends with s (Halt, Ret at call depth 0, the end of its code):
 * a typed method's results are the top nresults values, the last on top;
 * an untyped method's, the top value (an integer) if there is one. */
static void end_method(tc *c, const tstate *s, size_t pc)
{
    const cvm_method *me = c->me;
    if (!c->check)
        return;
    if (!me->typed) { /* one integer result: the top, or 0 when the stack is empty */
        if (peek(s, 0) == T_BYTES)
            fail(c, pc, "the result needs an integer, got bytes (method %s is untyped: it returns one integer)",
                 me->name);
        return;
    }
    if (!me->rtypes || s->n < me->nresults)
        return; /* fewer values than results (kept) may be an underflow, not a type error */
    for (uint32_t i = 0; i < me->nresults; i++) {
        unsigned t = peek(s, me->nresults - 1 - i), need = of_vtype(me->rtypes[i]);
        if (need != T_ANY && wrong(t, need)) {
            fail(c, pc, "result %" PRIu32 " needs %s, got %s", i + 1, need == T_INT ? "an integer" : "bytes",
                 tname(t));
            return;
        }
    }
}

/* Joins s into the state of head pc of the current context. */
static void flow(tc *c, size_t pc, const tstate *s)
{
    if (c->check)
        return; /* the states are settled */
    int32_t h = c->head_ix[pc];
    c->spent += 4;
    if (join(&c->st[c->k * c->nheads + (size_t)h], s) && !c->queued[h]) {
        c->queued[h] = 1;
        c->work[c->nwork++] = (size_t)h;
    }
}

/* s after a Call of subroutine context j from a state s; false when no call
 * of it returns (so far as is known). */
static bool after_call(tc *c, tstate *s, size_t j)
{
    const summary *cs = &c->sum[j];
    if (cs->net == NET_UNKNOWN)
        return false;
    if (s->rel == REL_VARIES || cs->low == LOW_ANY || s->rel + cs->low < -TC_CELLS)
        c->low = LOW_ANY;
    else if (c->low != LOW_ANY && s->rel + cs->low < c->low)
        c->low = s->rel + cs->low;
    for (size_t i = 0; i < TC_LWORDS; i++)
        c->w[i] |= cs->w[i];
    tstate a;
    if (cs->net != REL_VARIES && cs->low != LOW_ANY && cs->net >= cs->low) {
        /* from the top: the cells it left above the lowest depth it
         * reached (unknown where its Rets keep fewer), then the caller's
         * cells below that depth, which it never touched */
        uint32_t below = (uint32_t)-cs->low, span = (uint32_t)(cs->net - cs->low);
        uint32_t have = cs->x.n < span ? cs->x.n : span;
        uint8_t top[TC_CELLS]; /* top[0] is the top */
        uint32_t n = 0;
        for (uint32_t i = 0; i < have && n < TC_CELLS; i++)
            top[n++] = cs->x.cell[cs->x.n - 1 - i];
        for (uint32_t i = have; i < span && n < TC_CELLS; i++)
            top[n++] = T_ANY;
        for (uint32_t i = below; i < s->n && n < TC_CELLS; i++)
            top[n++] = s->cell[s->n - 1 - i];
        for (uint32_t i = 0; i < n; i++)
            a.cell[i] = top[n - 1 - i];
        a.n = n;
        a.rel = rel_add(s->rel, cs->net);
    } else {
        /* only the cells it left are known */
        memcpy(a.cell, cs->x.cell, cs->x.n);
        a.n = cs->x.n;
        a.rel = cs->net == REL_VARIES ? REL_VARIES : rel_add(s->rel, cs->net);
    }
    for (size_t i = 0; i < TC_LWORDS; i++)
        a.loc[i] = (s->loc[i] & ~cs->w[i]) | (cs->x.loc[i] & cs->w[i]);
    *s = a;
    return true;
}

/* Does instruction in trap on the stack whenever it runs from s? Only
 * known in the method's context, where the depth is params + rel. Such an
 * instruction never runs its body, and what follows it never runs. */
static bool stack_traps(const tc *c, const tstate *s, const cvm_insn *in)
{
    if (c->k != 0 || s->rel == REL_VARIES)
        return false;
    int64_t depth = (int64_t)c->me->params + s->rel, pops = cvm_op_pops(in->op, in->has_operand),
            pushes = cvm_opinfo_of(in->op)->pushes;
    if (in->op == CVM_OP_CALL_SERVICE || in->op == CVM_OP_CALL_LIBRARY) {
        int32_t im = c->import_of ? c->import_of[in->operand] : -1;
        if (im < 0)
            return false; /* the callee's parameter count is known at run time only */
        pops = c->m->imports[im].nparams;
        pushes = c->m->imports[im].nresults;
    }
    if (in->op == CVM_OP_EMIT && c->event_of && c->event_of[in->operand] >= 0)
        pops = c->m->events[c->event_of[in->operand]].nfields;
    return depth < pops || depth - pops + pushes > CVM_STACK_LIMIT;
}

/* Walks the block at head h of the current context from its state. */
static void walk(tc *c, size_t h)
{
    tstate s = c->st[c->k * c->nheads + h];
    size_t pc = c->head_pc[h];
    /* the previous instruction of this walk was Push known_k: control
     * reaches pc only from it (pc is no head), so a JumpIf / JumpIfNot at
     * pc tests a constant and goes one way only */
    bool known = false;
    int64_t known_k = 0;
    for (;;) {
        c->spent++;
        const cvm_insn *in = &c->m->code[c->base + pc];
        size_t target = (size_t)in->operand - c->base; /* for labels only */
        if (stack_traps(c, &s, in))
            return;
        if (in->op != CVM_OP_CALL)
            apply(c, &s, pc, in);
        if (c->failed)
            return;
        switch (in->op) {
        case CVM_OP_JUMP: flow(c, target, &s); return;
        case CVM_OP_JUMP_IF:
        case CVM_OP_JUMP_IF_NOT:
            if (!known) {
                flow(c, target, &s); /* both ways */
                break;
            }
            if ((known_k != 0) == (in->op == CVM_OP_JUMP_IF)) {
                flow(c, target, &s); /* always taken: the fall-through is not reached from here */
                return;
            }
            break; /* never taken: the target is not reached from here */
        case CVM_OP_CALL:
            if (c->check && !c->live[c->ctx_at[target]])
                c->live[c->ctx_at[target]] = 1;
            if (!after_call(c, &s, (size_t)c->ctx_at[target]))
                return;
            break;
        case CVM_OP_RET:
            if (c->k == 0) {
                end_method(c, &s, pc);
            } else {
                if (c->net == NET_UNKNOWN)
                    c->net = s.rel;
                else if (c->net != s.rel)
                    c->net = REL_VARIES;
                join(&c->x, &s);
            }
            return;
        case CVM_OP_HALT: end_method(c, &s, pc); return;
        case CVM_OP_ABORT: return;
        default: break;
        }
        if (pc + 1 >= c->len) { /* the end of the method's code */
            end_method(c, &s, pc);
            return;
        }
        known = in->op == CVM_OP_PUSH && in->has_operand;
        known_k = in->operand;
        pc++;
        if (c->head_ix[pc] >= 0) {
            flow(c, pc, &s);
            return;
        }
    }
}

/* Explores context k to its fixed point with the current summaries; then,
 * when checking, walks each reached block once more to report. */
static void explore(tc *c, size_t k, bool check)
{
    c->k = k;
    c->check = false;
    c->net = NET_UNKNOWN;
    c->low = 0;
    memset(c->w, 0, sizeof c->w);
    c->x.rel = REL_UNSEEN;
    c->x.n = 0;
    tstate *st = c->st + k * c->nheads;
    for (size_t h = 0; h < c->nheads; h++) {
        st[h].rel = REL_UNSEEN;
        c->queued[h] = 0;
    }
    c->spent += c->nheads;
    tstate e;
    memset(&e, 0, sizeof e);
    if (k == 0) {
        /* the method's entry: its arguments, first deepest; locals are 0 */
        const cvm_method *me = c->me;
        uint32_t first = me->params > TC_CELLS ? me->params - TC_CELLS : 0;
        for (uint32_t i = first; i < me->params; i++)
            e.cell[e.n++] = (uint8_t)(me->typed && me->ptypes ? of_vtype(me->ptypes[i]) : T_INT);
        memset(e.loc, 0x55, sizeof e.loc);
    } else {
        memset(e.loc, 0xff, sizeof e.loc); /* entered at unknown types */
    }
    c->nwork = 0;
    flow(c, c->entry[k], &e);
    while (c->nwork && c->spent <= TC_WORK_MAX) {
        size_t h = c->work[--c->nwork];
        c->queued[h] = 0;
        walk(c, h);
    }
    if (!check || c->spent > TC_WORK_MAX)
        return;
    c->check = true;
    for (size_t h = 0; h < c->nheads && !c->failed; h++)
        if (st[h].rel != REL_UNSEEN)
            walk(c, h);
    c->check = false;
}

/* Iterates the subroutines' summaries to a fixed point; false when the
 * bounds were hit first. */
static bool settle(tc *c)
{
    for (size_t k = 0; k < c->n; k++) {
        summary *s = &c->sum[k];
        s->net = NET_UNKNOWN;
        s->low = 0;
        memset(s->w, 0, sizeof s->w);
        memset(&s->x, 0, sizeof s->x);
        s->x.rel = REL_UNSEEN;
    }
    for (;;) {
        bool changed = false;
        for (size_t k = 1; k < c->n; k++) {
            explore(c, k, false);
            if (c->spent > TC_WORK_MAX)
                return false;
            summary *s = &c->sum[k];
            if (s->net != c->net || s->low != c->low || memcmp(s->w, c->w, sizeof s->w) != 0 ||
                !same_state(&s->x, &c->x)) {
                s->net = c->net;
                s->low = c->low;
                memcpy(s->w, c->w, sizeof s->w);
                s->x = c->x;
                changed = true;
            }
        }
        if (!changed)
            return true;
    }
}

static void free_method(tc *c)
{
    const cvm_allocator *al = c->m->al;
    cvm_free(al, c->head_ix);
    cvm_free(al, c->head_pc);
    cvm_free(al, c->ctx_at);
    cvm_free(al, c->entry);
    cvm_free(al, c->st);
    cvm_free(al, c->sum);
    cvm_free(al, c->live);
    cvm_free(al, c->work);
    cvm_free(al, c->queued);
    c->head_ix = NULL, c->head_pc = NULL, c->ctx_at = NULL, c->entry = NULL;
    c->st = NULL, c->sum = NULL, c->live = NULL, c->work = NULL, c->queued = NULL;
}

/* Analyses method mi; CVM_ENOMEM when memory runs out. */
static cvm_status check_method(tc *c, size_t mi)
{
    const cvm_module *m = c->m;
    const cvm_allocator *al = m->al;
    c->me = &m->methods[mi];
    c->base = c->me->entry;
    c->len = c->me->len;
    c->nheads = 0;
    c->n = 0;
    if (c->len == 0)
        return CVM_OK;
    cvm_status st = CVM_ENOMEM;
    c->head_ix = cvm_malloc(al, c->len * sizeof *c->head_ix);
    c->ctx_at = cvm_malloc(al, c->len * sizeof *c->ctx_at);
    if (!c->head_ix || !c->ctx_at)
        goto out;
    for (size_t pc = 0; pc < c->len; pc++)
        c->head_ix[pc] = -1, c->ctx_at[pc] = -1;
    /* heads: the entry, every label target, and what follows a conditional
     * jump or a Call; contexts: the entry, then each Call target */
    c->head_ix[0] = 0;
    size_t ncalls = 0;
    for (size_t pc = 0; pc < c->len; pc++) {
        const cvm_insn *in = &m->code[c->base + pc];
        if (cvm_opinfo_of(in->op)->operand == CVM_OPK_LABEL)
            c->head_ix[(size_t)in->operand - c->base] = 0;
        if ((in->op == CVM_OP_JUMP_IF || in->op == CVM_OP_JUMP_IF_NOT || in->op == CVM_OP_CALL) && pc + 1 < c->len)
            c->head_ix[pc + 1] = 0;
        if (in->op == CVM_OP_CALL && c->ctx_at[(size_t)in->operand - c->base] < 0)
            c->ctx_at[(size_t)in->operand - c->base] = (int32_t)++ncalls;
    }
    for (size_t pc = 0; pc < c->len; pc++)
        if (c->head_ix[pc] == 0)
            c->head_ix[pc] = (int32_t)c->nheads++;
    c->n = ncalls + 1;
    if (c->n > TC_STATES_MAX / c->nheads) {
        st = CVM_OK; /* too big to analyse: the interpreter checks */
        goto out;
    }
    c->head_pc = cvm_malloc(al, c->nheads * sizeof *c->head_pc);
    c->entry = cvm_malloc(al, c->n * sizeof *c->entry);
    c->st = cvm_malloc(al, c->n * c->nheads * sizeof *c->st);
    c->sum = cvm_calloc(al, c->n, sizeof *c->sum);
    c->live = cvm_calloc(al, c->n, 1);
    c->work = cvm_malloc(al, c->nheads * sizeof *c->work);
    c->queued = cvm_calloc(al, c->nheads, 1);
    if (!c->head_pc || !c->entry || !c->st || !c->sum || !c->live || !c->work || !c->queued)
        goto out;
    c->entry[0] = 0;
    for (size_t pc = 0; pc < c->len; pc++) {
        if (c->head_ix[pc] >= 0)
            c->head_pc[c->head_ix[pc]] = pc;
        if (c->ctx_at[pc] >= 0)
            c->entry[c->ctx_at[pc]] = pc;
    }
    st = CVM_OK;
    if (!settle(c))
        goto out;
    /* check the method's context, then each subroutine a checked block
     * calls (one only called from code never reached is not checked) */
    c->live[0] = 1;
    for (bool more = true; more && !c->failed && c->spent <= TC_WORK_MAX;) {
        more = false;
        for (size_t k = 0; k < c->n && !c->failed && c->spent <= TC_WORK_MAX; k++)
            if (c->live[k] == 1) {
                c->live[k] = 2;
                explore(c, k, true);
                more = true;
            }
    }
out:
    free_method(c);
    return st;
}

/* Does the module have anything that makes or needs bytes? If not, every
 * value is an integer and there is nothing to prove. */
static bool has_types(const cvm_module *m)
{
    if (m->nimports || m->nevents)
        return true;
    for (size_t i = 0; i < m->nmethods; i++)
        if (m->methods[i].typed)
            return true;
    for (size_t pc = 0; pc < m->ncode; pc++)
        if (m->code[pc].op >= CVM_OP_PUSH_BYTES)
            return true;
    return false;
}

cvm_status cvm_typecheck(const cvm_module *m, size_t *bad_pc, char *err, size_t errcap)
{
    if (bad_pc)
        *bad_pc = SIZE_MAX;
    if (!has_types(m))
        return CVM_OK;
    tc c;
    memset(&c, 0, sizeof c);
    c.m = m;
    c.err = err;
    c.errcap = errcap;
    int32_t *event_of, *import_of; /* owned */
    cvm_status st = cvm_module_const_decls(m, &event_of, &import_of);
    c.event_of = event_of;
    c.import_of = import_of;
    for (size_t mi = 0; mi < m->nmethods && st == CVM_OK && !c.failed && c.spent <= TC_WORK_MAX; mi++)
        st = check_method(&c, mi);
    cvm_free(m->al, event_of);
    cvm_free(m->al, import_of);
    if (st != CVM_OK)
        return st;
    if (!c.failed)
        return CVM_OK;
    if (bad_pc)
        *bad_pc = c.bad_pc;
    return CVM_EINPUT;
}
