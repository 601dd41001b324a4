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
    x->need = (uint8_t)pops;
    x->span = (uint32_t)(CVM_STACK_LIMIT - pushes);
}

static void fill_plain(const cvm_module *m, size_t mi, size_t pc, cvm_xinsn *x)
{
    const cvm_insn *in = &m->code[pc];
    const cvm_opinfo *info = cvm_opinfo_of(in->op);
    memset(x, 0, sizeof *x);
    x->op = in->op;
    x->has = in->has_operand;
    x->n = 1;
    x->gas = info->gas;
    unsigned pops = cvm_op_pops(in->op, in->has_operand);
    unsigned pushes = info->pushes;
    set_stack_effect(x, pops, pushes);
    x->k = in->operand;
    if (in->has_operand) {
        switch (info->operand) {
        case CVM_OPK_LABEL: x->k = (int64_t)xindex((size_t)in->operand, mi); break;
        case CVM_OPK_STR:
        case CVM_OPK_OPT_STR: x->s = &m->consts[in->operand]; break;
        default: break;
        }
    }
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
    if (o0 == CVM_OP_LOCAL_GET && o1 == CVM_OP_LOCAL_GET && (o2 == CVM_OP_ADD || o2 == CVM_OP_SUB) &&
        o3 == CVM_OP_LOCAL_SET) {
        f->op = o2 == CVM_OP_ADD ? CVM_OP_LL_ADD_S : CVM_OP_LL_SUB_S;
        f->a = (uint8_t)operand_at(w, 0), f->b = (uint8_t)operand_at(w, 1), f->c = (uint8_t)operand_at(w, 3);
        return 4;
    }
    if (o0 == CVM_OP_LOCAL_GET && o1 == CVM_OP_PUSH && (k = operand_at(w, 1), as_add(o2, &k)) &&
        o3 == CVM_OP_LOCAL_SET) {
        f->op = CVM_OP_LK_ADD_S;
        f->a = (uint8_t)operand_at(w, 0), f->k = k, f->c = (uint8_t)operand_at(w, 3);
        return 4;
    }
    if (o0 == CVM_OP_LOCAL_GET && o1 == CVM_OP_LOCAL_GET && is_cmp(o2) && is_cjump(o3)) {
        f->op = CVM_OP_LL_CMP_J;
        f->a = (uint8_t)operand_at(w, 0), f->b = (uint8_t)operand_at(w, 1);
        f->cc = (uint8_t)jump_cc(o2, o3);
        return 4;
    }
    if (o0 == CVM_OP_LOCAL_GET && o1 == CVM_OP_PUSH && is_cmp(o2) && is_cjump(o3)) {
        f->op = CVM_OP_LK_CMP_J;
        f->a = (uint8_t)operand_at(w, 0), f->k = operand_at(w, 1);
        f->cc = (uint8_t)jump_cc(o2, o3);
        return 4;
    }
    if (o0 == CVM_OP_DUP && o1 == CVM_OP_PUSH && is_cmp(o2) && is_cjump(o3)) {
        f->op = CVM_OP_DK_CMP_J;
        f->k = operand_at(w, 1);
        f->cc = (uint8_t)jump_cc(o2, o3);
        return 4;
    }
    if (o0 == CVM_OP_LOCAL_GET && o1 == CVM_OP_PUSH && (k = operand_at(w, 1), as_add(o2, &k))) {
        f->op = CVM_OP_LK_ADD;
        f->a = (uint8_t)operand_at(w, 0), f->k = k;
        return 3;
    }
    if (o0 == CVM_OP_PUSH && is_cmp(o1) && is_cjump(o2)) {
        f->op = CVM_OP_K_CMP_J;
        f->k = operand_at(w, 0);
        f->cc = (uint8_t)jump_cc(o1, o2);
        return 3;
    }
    if (is_cmp(o0) && is_cjump(o1)) {
        f->op = CVM_OP_CMP_J;
        f->cc = (uint8_t)jump_cc(o0, o1);
        return 2;
    }
    if (o0 == CVM_OP_PUSH && (o1 == CVM_OP_ADD || o1 == CVM_OP_SUB)) {
        k = operand_at(w, 0);
        f->op = as_add(o1, &k) ? CVM_OP_K_ADD : CVM_OP_K_SUB;
        f->k = k;
        return 2;
    }
    if (o0 == CVM_OP_LOCAL_GET && o1 == CVM_OP_LOCAL_GET) {
        f->op = CVM_OP_LL;
        f->a = (uint8_t)operand_at(w, 0), f->b = (uint8_t)operand_at(w, 1);
        return 2;
    }
    if (o0 == CVM_OP_PUSH && o1 == CVM_OP_LOCAL_SET) {
        f->op = CVM_OP_K_S;
        f->k = operand_at(w, 0), f->c = (uint8_t)operand_at(w, 1);
        return 2;
    }
    return 0;
}

/* Gives fused entry f, covering plain[0..n), the sum of their gas and the
 * stack precondition under which every one of them would pass its own check,
 * by walking the depth relative to the start. A compare-and-jump's target is
 * the jump's resolved target. */
static void combine(cvm_xinsn *f, const cvm_xinsn *plain, unsigned n)
{
    int64_t rel = 0, lo = 0, hi = CVM_STACK_LIMIT;
    uint32_t gas = 0;
    for (unsigned i = 0; i < n; i++) {
        const cvm_xinsn *p = &plain[i];
        /* p runs when need <= start + rel <= need + span */
        if ((int64_t)p->need - rel > lo)
            lo = (int64_t)p->need - rel;
        if ((int64_t)p->need + (int64_t)p->span - rel < hi)
            hi = (int64_t)p->need + (int64_t)p->span - rel;
        gas += p->gas;
        int64_t pushes = (int64_t)CVM_STACK_LIMIT - (int64_t)p->span;
        rel += pushes - (int64_t)p->need;
    }
    f->n = (uint8_t)n;
    f->gas = gas;
    f->need = (uint8_t)lo;
    f->span = (uint32_t)(hi - lo);
    f->has = plain[0].has;
    if (is_cjump(plain[n - 1].op))
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
                combine(&f, &x->plain[xi], n);
                x->fast[xi] = f;
            }
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
    if (!x->plain || !x->fast || !target) {
        cvm_free(al, target);
        xmodule_free(al, x);
        return CVM_ENOMEM;
    }
    for (size_t mi = 0; mi < m->nmethods; mi++) {
        const cvm_method *me = &m->methods[mi];
        for (size_t pc = me->entry; pc < (size_t)me->entry + me->len; pc++)
            fill_plain(m, mi, pc, &x->plain[xindex(pc, mi)]);
        cvm_xinsn *end = &x->plain[xindex((size_t)me->entry + me->len, mi)];
        end->op = CVM_OP_END;
        end->n = 1;
        set_stack_effect(end, 0, 0);
    }
    memcpy(x->fast, x->plain, x->n * sizeof *x->fast);
    if (with_fusion) {
        mark_targets(m, target);
        fuse(m, target, x);
    }
    cvm_free(al, target);
    m->exec = x;
    m->exec_free = xmodule_free;
    return CVM_OK;
}

cvm_status cvm_interp_prepare(cvm_module *m) { return prepare(m, 1); }

cvm_status cvm_interp_prepare_unfused(cvm_module *m) { return prepare(m, 0); }
