/*
 * fuse.c — superinstructions: common instruction sequences found at prepare
 * time and given one fused entry in the fast array (xform.h, CVM_XOPS). A
 * sequence never covers a jump target or a return address except as its
 * first instruction, and never crosses the end of its method.
 */
#include <string.h>

#include "xform.h"

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

/* The specialised superinstruction (first of six, in CVM_CCS order) for
 * the compare mask cc. */
static unsigned cc_variant(unsigned first, unsigned cc)
{
    switch (cc) {
    case CVM_CC_LT: return first;
    case CVM_CC_LT | CVM_CC_EQ: return first + 1;
    case CVM_CC_GT: return first + 2;
    case CVM_CC_GT | CVM_CC_EQ: return first + 3;
    case CVM_CC_EQ: return first + 4;
    default: return first + 5; /* LT | GT: not equal */
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
            f->b = (uint8_t)operand_at(w, 5);
            f->cc = (uint8_t)jump_cc(op_at(w, 6), op_at(w, 7));
            f->base = (uint8_t)cc_variant(CVM_OP_LKDS_J_LT, f->cc);
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
        f->a = (uint8_t)operand_at(w, 0), f->b = (uint8_t)operand_at(w, 1);
        f->cc = (uint8_t)jump_cc(o2, o3);
        f->base = (uint8_t)cc_variant(CVM_OP_LL_J_LT, f->cc);
        return 4;
    }
    if (o0 == CVM_OP_LOCAL_GET && o1 == CVM_OP_PUSH && is_cmp(o2) && is_cjump(o3)) {
        f->base = CVM_OP_LK_CMP_J;
        f->a = (uint8_t)operand_at(w, 0), f->k = operand_at(w, 1);
        f->cc = (uint8_t)jump_cc(o2, o3);
        return 4;
    }
    if (o0 == CVM_OP_DUP && o1 == CVM_OP_PUSH && is_cmp(o2) && is_cjump(o3)) {
        f->k = operand_at(w, 1);
        f->cc = (uint8_t)jump_cc(o2, o3);
        f->base = (uint8_t)cc_variant(CVM_OP_DK_J_LT, f->cc);
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

/* Completes fused entry f, covering plain[0..n): its own gas, its operand
 * display, and a compare-and-jump's target (the jump's). */
static void complete_fused(cvm_xinsn *f, const cvm_xinsn *plain, unsigned n)
{
    cvm_xeffect e = cvm_xcombine(plain, n);
    f->op = CVM_XDISPATCH(f->base, CVM_XCHECK_FULL);
    f->n = (uint8_t)n;
    f->gas = f->own = (uint32_t)e.gas;
    cvm_xset_stack(f, e);
    f->has = plain[0].has;
    f->xi = plain[0].xi;
    unsigned last = plain[n - 1].base;
    if (is_cjump(last) || last == CVM_OP_JUMP)
        f->k2 = plain[n - 1].k;
}

void cvm_xfuse(const cvm_module *m, const uint8_t *target, cvm_xmodule *x)
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
                size_t xi = cvm_xindex(pc, mi);
                complete_fused(&f, &x->plain[xi], n);
                x->fast[xi] = f;
            }
        }
    }
}

