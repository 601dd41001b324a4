/*
 * dispatch.h — the macros that let one set of opcode bodies (ops.h) be
 * compiled as a switch loop or as computed-goto threaded code, in the manner
 * of Lua's lvm.c (vmdispatch, vmcase, vmbreak).
 *
 * Included by run.h with CVM_GOTO 0 or 1 and CVM_TRACE 0 or 1; it expects
 * run.h's locals (I, sp, stack, gas) and labels (slow, dispatch).
 *
 * Every opcode has three entry points (xform.h's CVM_XDISPATCH): with
 * CVM_XCHECK_FULL it runs the check all instructions share — a stack depth
 * inside the entry's (need, span) window, and enough gas, both from the
 * opcode table (or the whole block's, at a block head) — and falls into the
 * body; with CVM_XCHECK_GAS it checks only the gas (the depth was proved at
 * prepare time); with CVM_XCHECK_NONE it enters the body directly. A failed check goes to the cold
 * `slow` path, which works out what failed.
 *
 * The trace hook (vmtrace) exists only in the traced variant: the untraced
 * one contains no trace code at all.
 */
#ifndef CVM_GOTO
#error "define CVM_GOTO before including dispatch.h"
#endif

#undef vmtrace
#undef vmcheck_stack
#undef vmcheck_gas
#undef vmdispatch
#undef vmcase
#undef vmbreak

#if CVM_TRACE
#define vmtrace() trace_step(r, I, (size_t)(sp - stack), gas, ncalls, CVM_GOTO)
#else
#define vmtrace() ((void)0)
#endif

#define vmcheck_stack()                                                                                \
    do {                                                                                               \
        if (__builtin_expect((uint64_t)((const char *)sp - (const char *)stack - I->need_b) > I->span_b, 0)) \
            goto slow;                                                                                 \
    } while (0)

#define vmcheck_gas()                                     \
    do {                                                  \
        if (__builtin_expect(gas < (int64_t)I->gas, 0))   \
            goto slow;                                    \
        gas -= I->gas;                                    \
    } while (0)

#if CVM_GOTO
#define vmdispatch(o) goto *disptab[o];
#define vmcase(name)             \
    L_C_##name : vmcheck_stack(); \
    L_G_##name : vmcheck_gas();   \
    L_##name:
#define vmbreak                  \
    do {                         \
        vmtrace();               \
        vmdispatch(I->op);       \
    } while (0)
#else
#define vmdispatch(o) switch (o)
#define vmcase(name)                           \
    case CVM_OP_##name + 2 * CVM_XOP_COUNT:    \
        vmcheck_stack();                       \
        __attribute__((fallthrough));          \
    case CVM_OP_##name + CVM_XOP_COUNT:        \
        vmcheck_gas();                         \
        __attribute__((fallthrough));          \
    case CVM_OP_##name:
#define vmbreak continue
#endif
