/*
 * prepare.c — builds a verified module's executable form (xform.h) once:
 * operands resolved, gas and stack preconditions copied out of the opcode
 * table, and common instruction sequences fused into superinstructions.
 */
#include <string.h>

#include "base/alloc.h"
#include "interp.h"
#include "xform.h"

/* Module pc -> index in the executable arrays: each method is followed by
 * its END sentinel, so method i starts i entries later than in the module. */
static size_t xindex(size_t pc, size_t method) { return pc + method; }

static void set_stack_effect(cvm_xinsn *x, unsigned pops, unsigned pushes)
{
    x->need = (uint16_t)pops;
    x->span = (uint16_t)(CVM_STACK_LIMIT - pushes);
}

static void fill_plain(const cvm_module *m, size_t mi, size_t pc, cvm_xinsn *x)
{
    const cvm_insn *in = &m->code[pc];
    const cvm_opinfo *info = cvm_opinfo_of(in->op);
    memset(x, 0, sizeof *x);
    x->base = in->op;
    x->op = CVM_XDISPATCH(in->op, CVM_XCHECK_FULL);
    x->has = in->has_operand;
    x->n = 1;
    x->gas = x->own = info->gas;
    x->xi = (uint32_t)xindex(pc, mi);
    unsigned pops = cvm_op_pops(in->op, in->has_operand);
    unsigned pushes = info->pushes;
    set_stack_effect(x, pops, pushes);
    x->k = in->operand;
    if (in->has_operand) {
        switch (info->operand) {
        case CVM_OPK_LABEL: x->k = CVM_XOFF(xindex((size_t)in->operand, mi)); break;
        case CVM_OPK_STR:
        case CVM_OPK_OPT_STR: x->s = &m->consts[in->operand]; break;
        default: break;
        }
    }
    if (in->op == CVM_OP_CALL)
        x->k2 = CVM_XOFF(x->xi + 1);
}

/* ------------------------------------------------------------------ fusion */

/* Marks every instruction that control can reach other than by falling
 * through: label targets and the return address after each Call. No
 * superinstruction may cover one except as its first instruction. */
static void mark_targets(const cvm_module *m, uint8_t *target)
{
    for (size_t pc = 0; pc < m->ncode; pc++) {
        const cvm_insn *in = &m->code[pc];
        if (cvm_opinfo_of(in->op)->operand == CVM_OPK_LABEL && in->has_operand)
            target[in->operand] = 1;
        if (in->op == CVM_OP_CALL && pc + 1 < m->ncode)
            target[pc + 1] = 1;
    }
}

static unsigned cc_of(unsigned op)
{
    switch (op) {
    case CVM_OP_EQ: return CVM_CC_EQ;
    case CVM_OP_NE: return CVM_CC_LT | CVM_CC_GT;
    case CVM_OP_LT: return CVM_CC_LT;
    case CVM_OP_LE: return CVM_CC_LT | CVM_CC_EQ;
    case CVM_OP_GT: return CVM_CC_GT;
    case CVM_OP_GE: return CVM_CC_GT | CVM_CC_EQ;
    default: return 0;
    }
}

/* The mask under which a compare followed by jump op jumps. */
static unsigned jump_cc(unsigned cmp, unsigned jump) { return jump == CVM_OP_JUMP_IF ? cc_of(cmp) : 7u & ~cc_of(cmp); }

typedef struct window {
    const cvm_module *m;
    size_t pc, end;        /* the candidate's first instruction and the method's end */
    const uint8_t *target;
} window;

/* The opcode at pc + i when the sequence may reach it by falling through,
 * else 255 (matches nothing). */
static unsigned op_at(const window *w, size_t i)
{
    size_t pc = w->pc + i;
    if (pc >= w->end || (i > 0 && w->target[pc]))
        return 255;
    return w->m->code[pc].op;
}

static int64_t operand_at(const window *w, size_t i) { return w->m->code[w->pc + i].operand; }

static int is_cmp(unsigned op) { return cc_of(op) != 0; }
static int is_cjump(unsigned op) { return op == CVM_OP_JUMP_IF || op == CVM_OP_JUMP_IF_NOT; }

/* Push k; Add or Sub as "add k": Sub k is Add -k except for k = INT64_MIN,
 * whose negation does not exist (then *k is unchanged and 0 is returned). */
static int as_add(unsigned op, int64_t *k)
{
    if (op == CVM_OP_ADD)
        return 1;
    if (op == CVM_OP_SUB && *k != INT64_MIN) {
        *k = -*k;
        return 1;
    }
    return 0;
}

/* Tries the superinstructions in order of length at w->pc; fills *f (whose
 * operands are then completed from the plain entries) and returns the number
 * of instructions it covers, or 0. */
static unsigned match(const window *w, cvm_xinsn *f)
{
    unsigned o0 = op_at(w, 0), o1 = op_at(w, 1), o2 = op_at(w, 2), o3 = op_at(w, 3);
    int64_t k;
    /* LocalGet a; Push k; Add; Dup; LocalSet c; ... the step of a loop */
    if (o0 == CVM_OP_LOCAL_GET && o1 == CVM_OP_PUSH && (k = operand_at(w, 1), as_add(o2, &k)) &&
        o3 == CVM_OP_DUP && op_at(w, 4) == CVM_OP_LOCAL_SET) {
        f->a = (uint8_t)operand_at(w, 0), f->k = k, f->c = (uint8_t)operand_at(w, 4);
        if (op_at(w, 5) == CVM_OP_LOCAL_GET && is_cmp(op_at(w, 6)) && is_cjump(op_at(w, 7))) {
            f->base = CVM_OP_LK_ADD_DS_LCMP_J;
            f->b = (uint8_t)operand_at(w, 5);
            f->cc = (uint8_t)jump_cc(op_at(w, 6), op_at(w, 7));
            return 8;
        }
        if (is_cjump(op_at(w, 5))) {
            /* JumpIf v is "v != 0": the compare mask against 0 */
            f->base = CVM_OP_LK_ADD_DS_J;
            f->cc = (uint8_t)jump_cc(CVM_OP_NE, op_at(w, 5));
            return 6;
        }
        f->base = CVM_OP_LK_ADD_DS;
        return 5;
    }
    if (o0 == CVM_OP_LOCAL_GET && o1 == CVM_OP_LOCAL_GET && (o2 == CVM_OP_ADD || o2 == CVM_OP_SUB) &&
        o3 == CVM_OP_LOCAL_SET) {
        f->base = o2 == CVM_OP_ADD ? CVM_OP_LL_ADD_S : CVM_OP_LL_SUB_S;
        f->a = (uint8_t)operand_at(w, 0), f->b = (uint8_t)operand_at(w, 1), f->c = (uint8_t)operand_at(w, 3);
        return 4;
    }
    if (o0 == CVM_OP_LOCAL_GET && o1 == CVM_OP_PUSH && (k = operand_at(w, 1), as_add(o2, &k)) &&
        o3 == CVM_OP_LOCAL_SET && op_at(w, 4) == CVM_OP_JUMP) {
        f->base = CVM_OP_LK_ADD_S_J;
        f->a = (uint8_t)operand_at(w, 0), f->k = k, f->c = (uint8_t)operand_at(w, 3);
        return 5;
    }
    if (o0 == CVM_OP_LOCAL_GET && o1 == CVM_OP_PUSH && (k = operand_at(w, 1), as_add(o2, &k)) &&
        o3 == CVM_OP_LOCAL_SET) {
        f->base = CVM_OP_LK_ADD_S;
        f->a = (uint8_t)operand_at(w, 0), f->k = k, f->c = (uint8_t)operand_at(w, 3);
        return 4;
    }
    if (o0 == CVM_OP_LOCAL_GET && o1 == CVM_OP_LOCAL_GET && is_cmp(o2) && is_cjump(o3)) {
        f->base = CVM_OP_LL_CMP_J;
        f->a = (uint8_t)operand_at(w, 0), f->b = (uint8_t)operand_at(w, 1);
        f->cc = (uint8_t)jump_cc(o2, o3);
        return 4;
    }
    if (o0 == CVM_OP_LOCAL_GET && o1 == CVM_OP_PUSH && is_cmp(o2) && is_cjump(o3)) {
        f->base = CVM_OP_LK_CMP_J;
        f->a = (uint8_t)operand_at(w, 0), f->k = operand_at(w, 1);
        f->cc = (uint8_t)jump_cc(o2, o3);
        return 4;
    }
    if (o0 == CVM_OP_DUP && o1 == CVM_OP_PUSH && is_cmp(o2) && is_cjump(o3)) {
        f->base = CVM_OP_DK_CMP_J;
        f->k = operand_at(w, 1);
        f->cc = (uint8_t)jump_cc(o2, o3);
        return 4;
    }
    if (o0 == CVM_OP_LOCAL_GET && is_cmp(o1) && is_cjump(o2)) {
        f->base = CVM_OP_L_CMP_J;
        f->b = (uint8_t)operand_at(w, 0);
        f->cc = (uint8_t)jump_cc(o1, o2);
        return 3;
    }
    if ((o0 == CVM_OP_DUP || o0 == CVM_OP_SWAP) && o1 == CVM_OP_PUSH && (k = operand_at(w, 1), as_add(o2, &k))) {
        f->base = o0 == CVM_OP_DUP ? CVM_OP_DK_ADD : CVM_OP_SK_ADD;
        f->k = k;
        return 3;
    }
    if (o0 == CVM_OP_LOCAL_GET && o1 == CVM_OP_PUSH && (k = operand_at(w, 1), as_add(o2, &k))) {
        f->base = CVM_OP_LK_ADD;
        f->a = (uint8_t)operand_at(w, 0), f->k = k;
        return 3;
    }
    if (o0 == CVM_OP_PUSH && is_cmp(o1) && is_cjump(o2)) {
        f->base = CVM_OP_K_CMP_J;
        f->k = operand_at(w, 0);
        f->cc = (uint8_t)jump_cc(o1, o2);
        return 3;
    }
    if (is_cmp(o0) && is_cjump(o1)) {
        f->base = CVM_OP_CMP_J;
        f->cc = (uint8_t)jump_cc(o0, o1);
        return 2;
    }
    if (o0 == CVM_OP_PUSH && (o1 == CVM_OP_ADD || o1 == CVM_OP_SUB)) {
        k = operand_at(w, 0);
        f->base = as_add(o1, &k) ? CVM_OP_K_ADD : CVM_OP_K_SUB;
        f->k = k;
        return 2;
    }
    if (o0 == CVM_OP_LOCAL_GET && o1 == CVM_OP_LOCAL_GET) {
        f->base = CVM_OP_LL;
        f->a = (uint8_t)operand_at(w, 0), f->b = (uint8_t)operand_at(w, 1);
        return 2;
    }
    if (o0 == CVM_OP_PUSH && o1 == CVM_OP_LOCAL_SET) {
        f->base = CVM_OP_K_S;
        f->k = operand_at(w, 0), f->c = (uint8_t)operand_at(w, 1);
        return 2;
    }
    return 0;
}

/* The gas and stack precondition of running plain[0..n) in a row, found by
 * walking the depth relative to the start: each p runs when
 * p->need <= start + rel <= p->need + p->span. need is CVM_NEED_NEVER when no
 * start depth works (such a block always falls back to plain). */
typedef struct effect {
    uint64_t gas;
    uint16_t need, span;
} effect;

static effect combine(const cvm_xinsn *plain, size_t n)
{
    int64_t rel = 0, lo = 0, hi = CVM_STACK_LIMIT;
    effect e = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        const cvm_xinsn *p = &plain[i];
        if ((int64_t)p->need - rel > lo)
            lo = (int64_t)p->need - rel;
        if ((int64_t)p->need + (int64_t)p->span - rel < hi)
            hi = (int64_t)p->need + (int64_t)p->span - rel;
        e.gas += p->gas;
        int64_t pushes = (int64_t)CVM_STACK_LIMIT - (int64_t)p->span;
        rel += pushes - (int64_t)p->need;
    }
    if (hi < lo || lo >= CVM_NEED_NEVER) {
        e.need = CVM_NEED_NEVER;
        e.span = 0;
    } else {
        e.need = (uint16_t)lo;
        e.span = (uint16_t)(hi - lo);
    }
    return e;
}

/* Completes fused entry f, covering plain[0..n): its own gas, its operand
 * display, and a compare-and-jump's target (the jump's). */
static void complete_fused(cvm_xinsn *f, const cvm_xinsn *plain, unsigned n)
{
    effect e = combine(plain, n);
    f->op = CVM_XDISPATCH(f->base, CVM_XCHECK_FULL);
    f->n = (uint8_t)n;
    f->gas = f->own = (uint32_t)e.gas;
    f->need = e.need;
    f->span = e.span;
    f->has = plain[0].has;
    f->xi = plain[0].xi;
    unsigned last = plain[n - 1].base;
    if (is_cjump(last) || last == CVM_OP_JUMP)
        f->k2 = plain[n - 1].k;
}

static void fuse(const cvm_module *m, const uint8_t *target, cvm_xmodule *x)
{
    for (size_t mi = 0; mi < m->nmethods; mi++) {
        const cvm_method *me = &m->methods[mi];
        window w = {m, 0, (size_t)me->entry + me->len, target};
        for (size_t pc = me->entry; pc < w.end; pc++) {
            w.pc = pc;
            cvm_xinsn f;
            memset(&f, 0, sizeof f);
            unsigned n = match(&w, &f);
            if (n) {
                size_t xi = xindex(pc, mi);
                complete_fused(&f, &x->plain[xi], n);
                x->fast[xi] = f;
            }
        }
    }
}

/* ------------------------------------------------------------------ blocks */

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
    case CVM_OP_RET:
    case CVM_OP_HALT:
    case CVM_OP_ABORT:
    case CVM_OP_END:
        return 1;
    default:
        return 0;
    }
}

/* ------------------------------------------------------------ stack depths */

#define DEPTH_UNSEEN (-2)
#define DEPTH_VARIES (-1)

static void merge_depth(int32_t *depth, size_t *work, size_t *nwork, size_t pc, int32_t d)
{
    if (depth[pc] == d || depth[pc] == DEPTH_VARIES)
        return;
    depth[pc] = depth[pc] == DEPTH_UNSEEN ? d : DEPTH_VARIES;
    work[(*nwork)++] = pc;
}

/* The stack depth before each instruction when it is the same on every path
 * (a method always starts with exactly its parameters on the stack), else
 * DEPTH_VARIES. Code after a Call returns with whatever the subroutine
 * left, and a subroutine may be called at several depths: both vary unless
 * every path agrees. Each pc changes at most twice, so this ends. */
static void static_depths(const cvm_module *m, const cvm_method *me, int32_t *depth, size_t *work)
{
    size_t end = (size_t)me->entry + me->len, nwork = 0;
    for (size_t pc = me->entry; pc < end; pc++)
        depth[pc] = DEPTH_UNSEEN;
    if (me->len == 0)
        return;
    merge_depth(depth, work, &nwork, me->entry, (int32_t)me->params);
    while (nwork) {
        size_t pc = work[--nwork];
        const cvm_insn *in = &m->code[pc];
        int32_t d = depth[pc], next = DEPTH_VARIES;
        unsigned pops = cvm_op_pops(in->op, in->has_operand), pushes = cvm_opinfo_of(in->op)->pushes;
        if (d >= (int32_t)pops && d - (int32_t)pops + (int32_t)pushes <= CVM_STACK_LIMIT)
            next = d - (int32_t)pops + (int32_t)pushes;
        switch (in->op) {
        case CVM_OP_JUMP: merge_depth(depth, work, &nwork, (size_t)in->operand, next); break;
        case CVM_OP_JUMP_IF:
        case CVM_OP_JUMP_IF_NOT:
            merge_depth(depth, work, &nwork, (size_t)in->operand, next);
            if (pc + 1 < end)
                merge_depth(depth, work, &nwork, pc + 1, next);
            break;
        case CVM_OP_CALL:
            merge_depth(depth, work, &nwork, (size_t)in->operand, next);
            if (pc + 1 < end)
                merge_depth(depth, work, &nwork, pc + 1, DEPTH_VARIES);
            break;
        case CVM_OP_RET:
        case CVM_OP_HALT:
        case CVM_OP_ABORT: break;
        default:
            if (pc + 1 < end)
                merge_depth(depth, work, &nwork, pc + 1, next);
            break;
        }
    }
}

/* A block's gas stays far below what a check can hold. */
#define CVM_BLOCK_GAS_MAX (1u << 30)

/* Splits each method's fast entries into basic blocks: the head checks for
 * the whole block, the others not at all; every entry knows the gas of the
 * block after it, to refund on a trap or a fallback. */
static void make_blocks(const cvm_module *m, const uint8_t *target, const int32_t *depth, cvm_xmodule *x)
{
    for (size_t mi = 0; mi < m->nmethods; mi++) {
        const cvm_method *me = &m->methods[mi];
        size_t mend = (size_t)me->entry + me->len;
        size_t first = xindex(me->entry, mi), end = xindex((size_t)me->entry + me->len, mi) + 1;
        size_t head = first;
        while (head < end) {
            /* the block: entries from head while nothing jumps in or out */
            size_t stop = head;
            uint64_t gas = 0;
            for (;;) {
                const cvm_xinsn *f = &x->fast[stop];
                gas += f->own;
                stop += f->n;
                if (ends_block(f) || stop >= end || (stop - mi < m->ncode && target[stop - mi]) || gas + 500u * 4 > CVM_BLOCK_GAS_MAX)
                    break;
            }
            effect e = combine(&x->plain[head], stop - head);
            uint64_t after = e.gas;
            for (size_t i = head; i < stop; i += x->fast[i].n) {
                cvm_xinsn *f = &x->fast[i];
                after -= f->own;
                f->after = (uint32_t)after;
                f->in_fast = 1;
                f->op = CVM_XDISPATCH(f->base, CVM_XCHECK_NONE);
            }
            cvm_xinsn *h = &x->fast[head];
            /* where the depth at the head is known and suits the whole
             * block, only gas needs checking */
            size_t hpc = head - mi;
            int known = hpc < mend && depth[hpc] >= 0 && e.need != CVM_NEED_NEVER &&
                        (uint32_t)depth[hpc] >= e.need && (uint32_t)depth[hpc] - e.need <= e.span;
            h->op = CVM_XDISPATCH(h->base, known ? CVM_XCHECK_GAS : CVM_XCHECK_FULL);
            h->gas = (uint32_t)e.gas;
            h->need = e.need;
            h->span = e.span;
            head = stop;
        }
    }
}

/* ------------------------------------------------------------------- build */

static void xmodule_free(const cvm_allocator *al, void *p)
{
    cvm_xmodule *x = p;
    if (!x)
        return;
    cvm_free(al, x->plain);
    cvm_free(al, x->fast);
    cvm_free(al, x);
}

static cvm_status prepare(cvm_module *m, int with_fusion)
{
    if (m->exec)
        return CVM_OK;
    const cvm_allocator *al = m->al;
    cvm_xmodule *x = cvm_calloc(al, 1, sizeof *x);
    if (!x)
        return CVM_ENOMEM;
    x->n = m->ncode + m->nmethods;
    x->plain = cvm_calloc(al, x->n ? x->n : 1, sizeof *x->plain);
    x->fast = cvm_calloc(al, x->n ? x->n : 1, sizeof *x->fast);
    uint8_t *target = cvm_calloc(al, m->ncode ? m->ncode : 1, 1);
    int32_t *depth = cvm_calloc(al, m->ncode ? m->ncode : 1, sizeof *depth);
    size_t *work = cvm_calloc(al, m->ncode ? 2 * m->ncode : 1, sizeof *work);
    if (!x->plain || !x->fast || !target || !depth || !work) {
        cvm_free(al, target);
        cvm_free(al, depth);
        cvm_free(al, work);
        xmodule_free(al, x);
        return CVM_ENOMEM;
    }
    for (size_t mi = 0; mi < m->nmethods; mi++) {
        const cvm_method *me = &m->methods[mi];
        for (size_t pc = me->entry; pc < (size_t)me->entry + me->len; pc++)
            fill_plain(m, mi, pc, &x->plain[xindex(pc, mi)]);
        cvm_xinsn *end = &x->plain[xindex((size_t)me->entry + me->len, mi)];
        end->base = CVM_OP_END;
        end->op = CVM_XDISPATCH(CVM_OP_END, CVM_XCHECK_FULL);
        end->n = 1;
        end->xi = (uint32_t)xindex((size_t)me->entry + me->len, mi);
        set_stack_effect(end, 0, 0);
    }
    memcpy(x->fast, x->plain, x->n * sizeof *x->fast);
    if (with_fusion) {
        mark_targets(m, target);
        fuse(m, target, x);
        for (size_t mi = 0; mi < m->nmethods; mi++)
            static_depths(m, &m->methods[mi], depth, work);
        make_blocks(m, target, depth, x);
    }
    cvm_free(al, target);
    cvm_free(al, depth);
    cvm_free(al, work);
    m->exec = x;
    m->exec_free = xmodule_free;
    return CVM_OK;
}

cvm_status cvm_interp_prepare(cvm_module *m) { return prepare(m, 1); }

cvm_status cvm_interp_prepare_unfused(cvm_module *m) { return prepare(m, 0); }
