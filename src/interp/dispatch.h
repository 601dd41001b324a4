/*
 * dispatch.h — the three macros that let one set of opcode bodies (ops.h)
 * be compiled as a switch loop or as computed-goto threaded code, in the
 * manner of Lua's lvm.c (vmdispatch, vmcase, vmbreak).
 *
 * Included by run.h with CVM_GOTO 0 or 1 and CVM_TRACE 0 or 1; it expects
 * run.h's locals (X, I, xpc, sp, stack, gas) and labels (slow, dispatch).
 *
 * vmfetch loads the instruction at xpc, calls the trace hook (only in the
 * traced variant: the untraced one contains no trace code at all), and does
 * the one check every instruction shares: enough gas, and a stack depth
 * inside the instruction's (need, span) window. Anything else goes to the
 * cold `slow` path, which works out which trap it is.
 */
#ifndef CVM_GOTO
#error "define CVM_GOTO before including dispatch.h"
#endif

#undef vmfetch
#undef vmdispatch
#undef vmcase
#undef vmbreak
#undef CVM_TRACE_HOOK

#if CVM_TRACE
#define CVM_TRACE_HOOK() trace_step(r, I, xpc, (size_t)(sp - stack), gas, ncalls)
#else
#define CVM_TRACE_HOOK() ((void)0)
#endif

#define vmfetch()                                                                                  \
    do {                                                                                           \
        I = X + xpc;                                                                               \
        CVM_TRACE_HOOK();                                                                          \
        if (__builtin_expect(gas < (int64_t)I->gas ||                                              \
                                 (uint64_t)((sp - stack) - (ptrdiff_t)I->need) > (uint64_t)I->span, \
                             0))                                                                   \
            goto slow;                                                                             \
        gas -= I->gas;                                                                             \
    } while (0)

#if CVM_GOTO
#define vmdispatch(o) goto *disptab[o];
#define vmcase(name) L_##name:
#define vmbreak                \
    do {                       \
        vmfetch();             \
        vmdispatch(I->op);     \
    } while (0)
#else
#define vmdispatch(o) switch (o)
#define vmcase(name) case CVM_OP_##name:
#define vmbreak continue
#endif
