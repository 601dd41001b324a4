/*
 * run.h — the interpreter loop, written once and instantiated by exec.c for
 * each dispatch variant: CVM_GOTO (0 switch, 1 computed goto) times
 * CVM_TRACE (0 untraced, 1 calling the host's trace hook before each
 * instruction) times CVM_TYPED (0 integers only, 1 keeping a type tag per
 * stack cell and local, for modules with bytes values: ops.h). The function
 * is named CVM_RUN_NAME.
 *
 * It runs r->x from r->start with r->depth arguments already on r->stack,
 * and returns CVM_CODE_NONE when the method ends or the trap's code, with
 * r->err->message set; either way r->gas, r->depth and r->xpc say where it
 * stopped. Method name, pc and line are filled in by the caller.
 */
#include "dispatch.h"

CVM_RUN_ATTRS_IF(CVM_GOTO) static cvm_code CVM_RUN_NAME(cvm_run *r)
{
#if CVM_GOTO
    static const void *const disptab[CVM_XDISPATCH_COUNT] = {
#define CVM_X_LABEL(e, m, k, po, pu, g, f, s)                                                \
    [CVM_XDISPATCH(CVM_OP_##e, CVM_XCHECK_NONE)] = &&L_##e,                                   \
    [CVM_XDISPATCH(CVM_OP_##e, CVM_XCHECK_GAS)] = &&L_G_##e,                                  \
    [CVM_XDISPATCH(CVM_OP_##e, CVM_XCHECK_FULL)] = &&L_C_##e,
        CVM_OPCODES_INT(CVM_X_LABEL)
#if CVM_TYPED
        CVM_OPCODES_BYTES(CVM_X_LABEL)
#endif
#undef CVM_X_LABEL
#define CVM_X_LABEL(name)                                                                   \
    [CVM_XDISPATCH(CVM_OP_##name, CVM_XCHECK_NONE)] = &&L_##name,                             \
    [CVM_XDISPATCH(CVM_OP_##name, CVM_XCHECK_GAS)] = &&L_G_##name,                            \
    [CVM_XDISPATCH(CVM_OP_##name, CVM_XCHECK_FULL)] = &&L_C_##name,
        CVM_XOPS(CVM_X_LABEL)
#undef CVM_X_LABEL
    };
#endif
    const cvm_host *const h = r->h;
    const cvm_xinsn *const X = r->x;     /* the array run */
    const cvm_xinsn *const P = r->plain; /* one checked entry per instruction */
    const cvm_xinsn *F = X;              /* jumps land here: X, or P while a subroutine runs checked */
    const cvm_xinsn *I = X + r->start;
    int64_t *const stack = r->stack;
    int64_t *const locals = r->locals;
    const cvm_xinsn **const calls = r->calls;
    void **const handles = r->handles;
    int64_t *sp = stack + r->depth;
    int64_t gas = r->gas;
#if CVM_TYPED
    uint8_t *const ltags = r->ltags; /* CVM_T_* of locals[i] */
    cvm_heap *const hp = r->heap;
#endif
    size_t ncalls = 0;
    cvm_code code = CVM_CODE_NONE;

    for (;;) {
        vmtrace();
    dispatch:
        vmdispatch(I->op)
        {
#include "ops.h"
#if !CVM_GOTO
        default: __builtin_unreachable();
#endif
        }
    }

slow:
    /* A check failed. At a block head of the fast array, nothing of the block
     * has run: go on in plain, one checked instruction at a time. */
    if (I->in_fast) {
        if (I->ctx) /* the subroutine's entry: its blocks were not proved for this depth */
            F = P;
        I = P + I->xi;
        goto dispatch;
    }
    if (gas < (int64_t)I->gas)
        TRAP(CVM_CODE_OUT_OF_GAS, "%s costs %u gas, %lld left", OPNAME, (unsigned)I->gas, (long long)gas);
    gas -= I->gas; /* the instruction was paid for; its stack check failed */
    unsigned need = I->need_b / (unsigned)sizeof(int64_t);
    if ((size_t)(sp - stack) < need)
        TRAP(CVM_CODE_STACK_UNDERFLOW, "%s needs %u value%s, the stack holds %zu", OPNAME, need, need == 1 ? "" : "s",
             (size_t)(sp - stack));
    TRAP(CVM_CODE_STACK_OVERFLOW, "%s would leave more than %d values on the stack", OPNAME, CVM_STACK_LIMIT);

trap:
    /* charged per block: give back what the rest of the block did not use */
    r->gas = gas + I->after;
    r->depth = (size_t)(sp - stack);
    r->xpc = I->xi;
    return code;
done:
    r->gas = gas;
    r->depth = (size_t)(sp - stack);
    r->xpc = I->xi;
    return CVM_CODE_NONE;
}
