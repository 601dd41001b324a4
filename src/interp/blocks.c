/*
 * blocks.c — per-block checks in the fast array (xform.h): which entries
 * start a block, what each block's head checks for the whole block, what a
 * trap or a taken jump inside it refunds, and where the stack depth is the
 * same on every path so that a head can check gas only.
 */
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
                if (ends_block(f) || stop >= end || (stop - mi < m->ncode && target[stop - mi]) || gas + 500u * 4 > CVM_BLOCK_GAS_MAX)
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
            /* where the depth at the head is known and suits the whole
             * block, only gas needs checking */
            size_t hpc = head - mi;
            int known = hpc < mend && depth[hpc] >= 0 && e.need != CVM_NEED_NEVER &&
                        (uint32_t)depth[hpc] >= e.need && (uint32_t)depth[hpc] - e.need <= e.span;
            h->op = CVM_XDISPATCH(h->base, known ? CVM_XCHECK_GAS : CVM_XCHECK_FULL);
            h->gas = (uint32_t)e.gas;
            cvm_xset_stack(h, e);
            head = stop;
        }
    }
}

void cvm_xblocks(const cvm_module *m, const uint8_t *target, int32_t *depth, size_t *work, cvm_xmodule *x)
{
    for (size_t mi = 0; mi < m->nmethods; mi++)
        static_depths(m, &m->methods[mi], depth, work);
    make_blocks(m, target, depth, x);
}
