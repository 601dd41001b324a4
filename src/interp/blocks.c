/*
 * blocks.c — per-block checks in the fast array (xform.h): which entries
 * start a block, what each block's head checks for the whole block, what a
 * trap or a taken jump inside it refunds, and which heads need not check
 * the stack at all.
 *
 * The stack part of a head's check can go when prepare proves it, per
 * "context": the method's entry (where the depth is its parameter count) and
 * each Call target (a subroutine, entered at depths only known at run time).
 * Within a context, the depth relative to its entry is worked out on every
 * path; a Call returns with the callee's net effect when that is the same on
 * every Ret. The nets are found by iterating to a least fixed point, which
 * handles recursion: by induction on the call depth, a call that returns at
 * all returns with its callee's net, and code after a call of a callee that
 * never reaches a Ret is never reached from that call.
 * - In the method's context the depth at a head is then known outright: the
 *   head checks gas only if that depth suits its block.
 * - A subroutine's entry checks, once per Call, the window of entry depths
 *   under which every block of the subroutine with a known relative depth
 *   passes (the intersection of their windows); those heads then check gas
 *   only. If the entry check fails, the invocation runs in the plain array
 *   until it returns (exec.c), one checked instruction at a time.
 * A head reached in several contexts checks gas only if each of them proves
 * it; anything not proved keeps the full check.
 */
#include <limits.h>

#include "base/alloc.h"
#include "xform.h"

/* Does control never fall through after this (fast) entry, or come back
 * to the next one from elsewhere (a Call)? A conditional jump does not end a
 * block: the block is charged for its fall-through path, and a jump taken
 * refunds the rest (ops.h), so loops pay one check per iteration. */
static int ends_block(const cvm_xinsn *f)
{
    switch (f->base) {
    case CVM_OP_JUMP:
    case CVM_OP_LK_ADD_S_J:
    case CVM_OP_CALL:
    case CVM_OP_CALL_SERVICE: /* pops what the callee takes: the next block is unproved */
    case CVM_OP_CALL_LIBRARY:
    case CVM_OP_CREATE_COOPERATIVE: /* the SDK operations charge the service's gas: the next */
    case CVM_OP_JOIN_COOPERATIVE:   /* block checks the gas left after it (ops.h) */
    case CVM_OP_ALLOCATE_RESOURCE:
    case CVM_OP_CREATE_PROPOSAL:
    case CVM_OP_CAST_VOTE:
    case CVM_OP_UPDATE_QUORUM:
    case CVM_OP_LOAD_BYTES: /* charges for what it read after reading it: the gas left must be exact */
    case CVM_OP_RET:
    case CVM_OP_HALT:
    case CVM_OP_ABORT:
    case CVM_OP_END:
        return 1;
    default:
        return 0;
    }
}

/* A block's gas stays far below what a check can hold. */
#define CVM_BLOCK_GAS_MAX (1u << 30)

/* Splits method mi's fast entries into blocks: every entry gets the gas of
 * the block after it (refunded on a trap or a fallback) and enters its body
 * unchecked; each head gets its block's gas and stack window and a full
 * check, and its block's effect in eff[head - first]. */
static void make_blocks(const cvm_module *m, size_t mi, const uint8_t *target, cvm_xmodule *x, cvm_xeffect *eff)
{
    const cvm_method *me = &m->methods[mi];
    size_t first = cvm_xindex(me->entry, mi), end = cvm_xindex((size_t)me->entry + me->len, mi) + 1;
    size_t head = first;
    while (head < end) {
        /* the block: entries from head while nothing jumps in or out */
        size_t stop = head;
        uint64_t gas = 0;
        for (;;) {
            const cvm_xinsn *f = &x->fast[stop];
            gas += f->own;
            stop += f->n;
            if (ends_block(f) || stop >= end || (stop - mi < m->ncode && target[stop - mi]) ||
                gas + 500u * 4 > CVM_BLOCK_GAS_MAX)
                break;
        }
        cvm_xeffect e = cvm_xcombine(&x->plain[head], stop - head);
        uint64_t after = e.gas;
        for (size_t i = head; i < stop; i += x->fast[i].n) {
            cvm_xinsn *f = &x->fast[i];
            after -= f->own;
            f->after = (uint32_t)after;
            f->in_fast = 1;
            f->op = CVM_XDISPATCH(f->base, CVM_XCHECK_NONE);
        }
        cvm_xinsn *h = &x->fast[head];
        h->op = CVM_XDISPATCH(h->base, CVM_XCHECK_FULL);
        h->gas = (uint32_t)e.gas;
        cvm_xset_stack(h, e);
        eff[head - first] = e;
        head = stop;
    }
}

/* ------------------------------------------------------------ stack depths */

#define REL_UNSEEN INT32_MIN
#define REL_VARIES (INT32_MIN + 1)
#define NET_UNKNOWN (INT32_MIN + 2) /* no Ret reached (yet) */

/* Bounds on the analysis, so that no module makes prepare slow: beyond
 * them, heads simply keep their full checks. */
#define CTX_CELLS_MAX (1u << 21)
#define CTX_WORK_MAX (1u << 24)

typedef struct ctxs {
    size_t base, len;   /* the method's first pc and length */
    const cvm_xinsn *plain; /* borrowed, len: the method's plain entries (what each pops) */
    size_t n;           /* contexts */
    size_t *entry;      /* n entry pcs (method-local); entry[0] is the method's */
    int main_is_ctx;    /* the method's entry is also a Call target */
    int32_t *ctx_at;    /* len: the context whose entry this pc is, or -1 */
    int32_t *rel;       /* n * len relative depths */
    int32_t *net;       /* n net effects of a call (REL_VARIES, NET_UNKNOWN) */
    size_t *work;       /* len * 2 */
    uint64_t spent;     /* cells cleared and visited so far */
} ctxs;

static void merge_rel(ctxs *c, int32_t *rel, size_t *nwork, size_t pc, int32_t d)
{
    if (rel[pc] == d || rel[pc] == REL_VARIES)
        return;
    rel[pc] = rel[pc] == REL_UNSEEN ? d : REL_VARIES;
    c->work[(*nwork)++] = pc;
}

static int32_t add_rel(int32_t d, int32_t delta) { return d == REL_VARIES ? REL_VARIES : d + delta; }

/* Explores context k's code with the current nets; returns its net effect. */
static int32_t explore(const cvm_module *m, ctxs *c, size_t k)
{
    int32_t *rel = c->rel + k * c->len;
    for (size_t pc = 0; pc < c->len; pc++)
        rel[pc] = REL_UNSEEN;
    c->spent += c->len;
    size_t nwork = 0;
    int32_t net = NET_UNKNOWN;
    merge_rel(c, rel, &nwork, c->entry[k], 0);
    while (nwork) {
        size_t pc = c->work[--nwork];
        c->spent++;
        const cvm_insn *in = &m->code[c->base + pc];
        /* the pops prepare resolved once (a declared event's fields for
         * Emit): no lookup per step, which runs up to CTX_WORK_MAX times */
        unsigned pops = c->plain[pc].need_b / sizeof(int64_t), pushes = cvm_opinfo_of(in->op)->pushes;
        int32_t next = add_rel(rel[pc], (int32_t)pushes - (int32_t)pops);
        size_t target = (size_t)in->operand - c->base; /* for labels only */
        switch (in->op) {
        case CVM_OP_JUMP: merge_rel(c, rel, &nwork, target, next); break;
        case CVM_OP_JUMP_IF:
        case CVM_OP_JUMP_IF_NOT:
            merge_rel(c, rel, &nwork, target, next);
            if (pc + 1 < c->len)
                merge_rel(c, rel, &nwork, pc + 1, next);
            break;
        case CVM_OP_CALL: {
            /* the callee runs in its own context; this one goes on after
             * the Call with the callee's net effect. While no Ret of the
             * callee has been reached, no call of it returns (so far as is
             * known): the code after the Call waits for a later round. */
            int32_t callee = c->net[c->ctx_at[target]];
            if (callee != NET_UNKNOWN && pc + 1 < c->len)
                merge_rel(c, rel, &nwork, pc + 1, callee == REL_VARIES ? REL_VARIES : add_rel(next, callee));
            break;
        }
        case CVM_OP_CALL_SERVICE:
        case CVM_OP_CALL_LIBRARY:
            /* the depth after it is only known at run time */
            if (pc + 1 < c->len)
                merge_rel(c, rel, &nwork, pc + 1, REL_VARIES);
            break;
        case CVM_OP_RET:
            if (net == NET_UNKNOWN)
                net = rel[pc];
            else if (net != rel[pc])
                net = REL_VARIES;
            break;
        case CVM_OP_HALT:
        case CVM_OP_ABORT: break;
        default:
            if (pc + 1 < c->len)
                merge_rel(c, rel, &nwork, pc + 1, next);
            break;
        }
    }
    return net;
}

/* Iterates the contexts' nets to a fixed point. Each net only goes from
 * unknown to a value to REL_VARIES, so 2n + 2 rounds suffice; 0 if the
 * bounds were hit first. */
static int settle(const cvm_module *m, ctxs *c)
{
    for (size_t k = 0; k < c->n; k++)
        c->net[k] = NET_UNKNOWN;
    for (size_t round = 0; round < 2 * c->n + 2; round++) {
        int changed = 0;
        for (size_t k = 0; k < c->n; k++) {
            int32_t net = explore(m, c, k);
            if (net != c->net[k]) {
                c->net[k] = net;
                changed = 1;
            }
            if (c->spent > CTX_WORK_MAX)
                return 0;
        }
        if (!changed)
            return 1;
    }
    return 0;
}

/* The window of entry depths of context k: every head it reaches with a
 * known relative depth passes its block's check. lo > hi when there is none. */
static void ctx_window(const ctxs *c, size_t k, const cvm_xeffect *eff, const uint8_t *is_head, int64_t *lo,
                       int64_t *hi)
{
    const int32_t *rel = c->rel + k * c->len;
    *lo = 0;
    *hi = CVM_STACK_LIMIT;
    for (size_t pc = 0; pc < c->len; pc++) {
        if (!is_head[pc] || rel[pc] == REL_UNSEEN || rel[pc] == REL_VARIES)
            continue;
        if (eff[pc].need == CVM_NEED_NEVER) {
            *lo = 1, *hi = 0;
            return;
        }
        int64_t need = (int64_t)eff[pc].need - rel[pc], top = (int64_t)eff[pc].need + eff[pc].span - rel[pc];
        if (need > *lo)
            *lo = need;
        if (top < *hi)
            *hi = top;
    }
}

/* Decides each head's check in method mi (see the file comment). */
static void decide_checks(const cvm_module *m, size_t mi, ctxs *c, const cvm_xeffect *eff, const uint8_t *is_head,
                          cvm_xmodule *x, uint8_t *proved)
{
    const cvm_method *me = &m->methods[mi];
    size_t first = cvm_xindex(me->entry, mi);
    for (size_t k = 0; k < c->n; k++) {
        int64_t lo, hi;
        ctx_window(c, k, eff, is_head, &lo, &hi);
        size_t e = c->entry[k];
        int only_own = c->rel[k * c->len + e] == 0;
        for (size_t j = 0; j < c->n && only_own; j++)
            if (j != k && c->rel[j * c->len + e] != REL_UNSEEN)
                only_own = 0; /* another context runs into this entry */
        if (k == 0 && !c->main_is_ctx) {
            /* the method's context: its depth at the entry is known, so
             * each head is judged by itself below */
            proved[k] = 1;
            continue;
        }
        proved[k] = only_own && lo <= hi;
        if (proved[k]) {
            cvm_xinsn *h = &x->fast[first + e];
            cvm_xeffect w = {0, (uint16_t)lo, (uint16_t)(hi - lo)};
            cvm_xset_stack(h, w);
            h->ctx = 1;
        }
    }
    for (size_t pc = 0; pc < c->len; pc++) {
        if (!is_head[pc] || (c->ctx_at[pc] >= 0 && (c->ctx_at[pc] != 0 || c->main_is_ctx)))
            continue; /* subroutine entries keep their (window) check */
        int reached = 0, ok = 1;
        for (size_t k = 0; k < c->n && ok; k++) {
            int32_t r = c->rel[k * c->len + pc];
            if (r == REL_UNSEEN)
                continue;
            reached = 1;
            if (r == REL_VARIES || !proved[k])
                ok = 0;
            else if (k == 0 && !c->main_is_ctx) {
                int64_t d = (int64_t)me->params + r;
                ok = eff[pc].need != CVM_NEED_NEVER && d >= eff[pc].need && d - eff[pc].need <= eff[pc].span;
            }
        }
        if (reached && ok) {
            cvm_xinsn *h = &x->fast[first + pc];
            h->op = CVM_XDISPATCH(h->base, CVM_XCHECK_GAS);
        }
    }
}

/* Proves what it can about method mi's heads; the heads keep their full
 * checks when it cannot (or runs out of memory or of its bounds). */
static void prove_depths(const cvm_module *m, size_t mi, const cvm_xeffect *eff, cvm_xmodule *x)
{
    const cvm_allocator *al = m->al;
    const cvm_method *me = &m->methods[mi];
    size_t first = cvm_xindex(me->entry, mi);
    ctxs c = {.base = me->entry, .len = me->len, .plain = &x->plain[first]};
    if (c.len == 0)
        return;
    uint8_t *is_head = cvm_calloc(al, c.len, 1);
    c.ctx_at = cvm_malloc(al, c.len * sizeof *c.ctx_at);
    c.entry = cvm_malloc(al, (c.len + 1) * sizeof *c.entry);
    c.work = cvm_malloc(al, 2 * c.len * sizeof *c.work);
    if (!is_head || !c.ctx_at || !c.entry || !c.work)
        goto out;
    for (size_t pc = 0; pc < c.len; pc++) {
        c.ctx_at[pc] = -1;
        is_head[pc] = x->fast[first + pc].in_fast && x->fast[first + pc].op >= CVM_XOP_COUNT;
    }
    /* the contexts: the method's entry, then every Call target */
    c.entry[c.n++] = 0;
    c.ctx_at[0] = 0;
    for (size_t pc = 0; pc < c.len; pc++) {
        const cvm_insn *in = &m->code[c.base + pc];
        if (in->op != CVM_OP_CALL)
            continue;
        size_t t = (size_t)in->operand - c.base;
        if (t == 0)
            c.main_is_ctx = 1;
        else if (c.ctx_at[t] < 0) {
            c.ctx_at[t] = (int32_t)c.n;
            c.entry[c.n++] = t;
        }
    }
    if (c.n > CTX_CELLS_MAX / c.len)
        goto out;
    c.rel = cvm_malloc(al, c.n * c.len * sizeof *c.rel);
    c.net = cvm_malloc(al, c.n * sizeof *c.net);
    uint8_t *proved = cvm_calloc(al, c.n, 1);
    if (c.rel && c.net && proved && settle(m, &c))
        decide_checks(m, mi, &c, eff, is_head, x, proved);
    cvm_free(al, proved);
out:
    cvm_free(al, c.rel);
    cvm_free(al, c.net);
    cvm_free(al, is_head);
    cvm_free(al, c.ctx_at);
    cvm_free(al, c.entry);
    cvm_free(al, c.work);
}

cvm_status cvm_xblocks(const cvm_module *m, const uint8_t *target, cvm_xmodule *x)
{
    size_t longest = 0;
    for (size_t mi = 0; mi < m->nmethods; mi++)
        if (m->methods[mi].len > longest)
            longest = m->methods[mi].len;
    cvm_xeffect *eff = cvm_calloc(m->al, longest + 1, sizeof *eff);
    if (!eff)
        return CVM_ENOMEM;
    for (size_t mi = 0; mi < m->nmethods; mi++) {
        make_blocks(m, mi, target, x, eff);
        prove_depths(m, mi, eff, x);
    }
    cvm_free(m->al, eff);
    return CVM_OK;
}
