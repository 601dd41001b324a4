/*
 * xform.h — the executable form of a module, built once by
 * cvm_interp_prepare (prepare.c) and run by cvm_exec (exec.c).
 *
 * Each method's code is copied into one array of cvm_xinsn, followed by an
 * END sentinel so that running off the end of a method stops like Halt
 * without a bounds test in the loop. Method i's instruction at module pc p
 * sits at index p + i: traps and traces subtract the method's index (fixed
 * for a whole run, since jumps and calls never leave their method) to report
 * the module's pc, and label operands are pre-resolved to entries (as byte
 * offsets from the array's start).
 *
 * Every entry carries what the hot loop needs without looking at the opcode
 * table: the opcode to dispatch, the resolved operand, the gas, and the
 * stack precondition as (need, span), kept in bytes (8 per value) so that
 * the check compares the stack pointer without a shift: the instruction may
 * run when need <= depth and depth - need <= span.
 *
 * Two arrays exist. `plain` holds one entry per instruction, each of which
 * checks its own gas and stack before it runs. `fast` is what normally runs:
 *
 * - Superinstructions (CVM_XOPS below) fused at prepare time: the first
 *   entry of a common sequence dispatches one fused body covering n
 *   instructions.
 * - Checks per block, as evmone's advanced interpreter does: only the first
 *   entry of a block (a "head": a method entry, a jump target, a return
 *   address, or the entry after a Jump, Call, Ret, Halt or Abort) checks,
 *   for the gas and the stack precondition of the block's fall-through path;
 *   the others dispatch with no check at all. A conditional jump taken
 *   inside a block refunds the gas of the rest of it. Where prepare proved
 *   the stack depth safe (blocks.c), a head checks gas only; a subroutine's
 *   entry may check the stack once for the whole subroutine.
 *
 * Neither may be observable. When a head's check fails, or a fused body
 * would trap, execution moves to the plain entry at the same index (after
 * refunding the gas charged for what did not run) and goes on in `plain`,
 * one checked instruction at a time, until the next jump brings it back to
 * `fast` (or, when a subroutine's entry check failed, until it returns). A trap inside a block refunds the gas of the block's instructions
 * after the trapping one. So gas, traps and results are exactly those of
 * `plain`. Tracing always runs `plain`.
 */
#ifndef CVM_INTERP_XFORM_H
#define CVM_INTERP_XFORM_H

#include <stddef.h>
#include <stdint.h>

#include "bytecode/module.h"

/* The six compares, in the order of their specialised superinstructions.
 * X(name, C operator). */
#define CVM_CCS(X) X(LT, <) X(LE, <=) X(GT, >) X(GE, >=) X(EQ, ==) X(NE, !=)
#define CVM_XOPS_CC(X, stem) X(stem##_LT) X(stem##_LE) X(stem##_GT) X(stem##_GE) X(stem##_EQ) X(stem##_NE)

/* Executable-only opcodes, numbered after the table's. END is the sentinel;
 * the others are superinstructions, named by what they fuse:
 * L = LocalGet, K = Push k, S = LocalSet, D = Dup, CMP = any of Eq..Ge,
 * J = JumpIf or JumpIfNot (or Jump, in LK_ADD_S_J). The hottest
 * compare-and-jumps come once per compare (…_J_LT, …: jump when a < b; a
 * JumpIfNot takes the opposite compare), sparing the mask test. */
#define CVM_XOPS(X)                                                             \
    X(END)       /* the end of a method: stop like Halt, no gas */            \
    CVM_XOPS_FUSED(X)
#define CVM_XOPS_FUSED(X)                                                       \
    X(LL_ADD_S)  /* LocalGet a; LocalGet b; Add; LocalSet c */                \
    X(LL_SUB_S)  /* LocalGet a; LocalGet b; Sub; LocalSet c */                \
    X(LK_ADD_S)  /* LocalGet a; Push k; Add (or Sub -k); LocalSet c */        \
    X(LK_ADD_S_J) /* the same, then Jump: the step at the end of a loop */    \
    X(LK_ADD)    /* LocalGet a; Push k; Add (or Sub -k) */                    \
    CVM_XOPS_CC(X, LL_J) /* LocalGet a; LocalGet b; CMP; J */                \
    X(LK_CMP_J)  /* LocalGet a; Push k; CMP; J */                             \
    CVM_XOPS_CC(X, DK_J) /* Dup; Push k; CMP; J */                           \
    X(K_CMP_J)   /* Push k; CMP; J */                                         \
    X(CMP_J)     /* CMP; J */                                                 \
    X(K_ADD)     /* Push k; Add (or Sub -k) */                                \
    X(K_SUB)     /* Push INT64_MIN; Sub (no Add equivalent) */                \
    X(LL)        /* LocalGet a; LocalGet b */                                 \
    X(K_S)       /* Push k; LocalSet a */                                     \
    X(LK_ADD_DS) /* LocalGet a; Push k; Add; Dup; LocalSet c: step, keep it */ \
    X(LK_ADD_DS_J) /* the same, then J on the new value: a countdown loop */  \
    CVM_XOPS_CC(X, LKDS_J) /* LocalGet a; Push k; Add; Dup; LocalSet c;    \
                              LocalGet b; CMP; J: the step and test of a loop */ \
    X(L_CMP_J)   /* LocalGet b; CMP; J: the top against a local */            \
    X(DK_ADD)    /* Dup; Push k; Add (or Sub -k) */                           \
    X(SK_ADD)    /* Swap; Push k; Add (or Sub -k) */

enum cvm_xop {
    CVM_XOP_BEFORE = CVM_OP_COUNT - 1,
#define CVM_X_ENUM(name) CVM_OP_##name,
    CVM_XOPS(CVM_X_ENUM)
#undef CVM_X_ENUM
    CVM_XOP_COUNT
};

/* What an entry checks before its body: nothing (inside a block), the gas
 * only (a block head whose stack depth prepare proved), or gas and stack. An
 * entry dispatches on its opcode and its check together. */
enum cvm_xcheck { CVM_XCHECK_NONE, CVM_XCHECK_GAS, CVM_XCHECK_FULL };
#define CVM_XDISPATCH(op, check) ((uint16_t)((unsigned)(op) + (unsigned)(check) * CVM_XOP_COUNT))
#define CVM_XDISPATCH_COUNT (3 * CVM_XOP_COUNT)

_Static_assert(CVM_XOP_COUNT <= 256, "executable opcodes must fit in a byte (cvm_xinsn.base)");

/* Compare masks: bit 0 "a < b", bit 1 "a == b", bit 2 "a > b". A compare
 * holds when (cc >> (sign(a - b) + 1)) & 1; JumpIfNot inverts the mask. */
#define CVM_CC_LT 1u
#define CVM_CC_EQ 2u
#define CVM_CC_GT 4u

typedef struct cvm_xinsn {
    uint16_t op;     /* what to dispatch: CVM_XDISPATCH(base, check) */
    uint8_t base;    /* the cvm_op or cvm_xop */
    uint8_t has;     /* the module instruction had an operand (for traces) */
    uint8_t n;       /* module instructions covered: 1, more when fused */
    uint8_t in_fast; /* this entry belongs to the fast array */
    uint8_t a, b, c; /* local numbers of a fused instruction */
    uint8_t cc;      /* compare mask of a fused compare-and-jump */
    uint8_t ctx;     /* a subroutine's entry checking for all of it (blocks.c) */
    uint8_t hk;      /* Load/Store/LoadBytes of a string operand whose constant index is
                        below CVM_HANDLE_CACHE: its key may go by the host's handle (exec.c) */
    uint16_t need_b; /* bytes of values the stack must hold (for the whole block at a head) */
    uint16_t span_b; /* the largest depth - need, in bytes, that leaves room for the pushes */
    uint32_t gas;    /* charged by the check (the whole block's, at a head) */
    uint32_t own;    /* gas of the instructions this entry covers */
    uint32_t after;  /* gas of the block's instructions after this entry */
    uint32_t xi;     /* this entry's index */
    int64_t k;       /* immediate, local number, constant index, or a label's entry as a byte
                        offset; for Emit, CallService and CallLibrary the index of the .event or
                        .import its operand names, -1 for none (prepare.c) */
    union {
        int64_t k2;         /* a fused compare-and-jump's target, Call's return entry (byte offsets) */
        const cvm_const *s; /* borrowed from the module: the string operand, or NULL */
    };
} cvm_xinsn;

/* Constant keys whose host handles a run keeps (by constant index). */
#define CVM_HANDLE_CACHE 64

_Static_assert(sizeof(cvm_xinsn) == 48, "keep entries small: the hot loop walks them");

/* The entry at byte offset off from base: byte offsets spare the hot loop
 * a multiplication. */
#define CVM_AT(base, off) ((const cvm_xinsn *)(const void *)((const char *)(base) + (off)))
#define CVM_XOFF(xi) ((int64_t)(xi) * (int64_t)sizeof(cvm_xinsn))

/* need (in values or bytes) of a block that no stack depth can run: its
 * check always fails */
#define CVM_NEED_NEVER UINT16_MAX

/* Module pc -> entry index: each method is followed by its END sentinel, so
 * method i starts i entries later than in the module. */
static inline size_t cvm_xindex(size_t pc, size_t method) { return pc + method; }

typedef struct cvm_xmodule {
    cvm_xinsn *plain; /* owned: ncode + nmethods entries */
    cvm_xinsn *fast;  /* owned: the same, with superinstructions and blocks */
    size_t n;         /* entries in each */
    int typed;        /* the module can make a bytes value (or declares signatures,
                         imports or events): it runs the typed loops (exec.c) */
    uint32_t scratch; /* the most fields or parameters one declared Emit or typed call passes */
} cvm_xmodule;

/* The sign of a - b plus one, without branches: 0, 1 or 2. */
static inline unsigned cvm_cmp3(int64_t a, int64_t b) { return (unsigned)((a > b) - (a < b) + 1); }

/* Does the compare mask cc hold for a and b? */
static inline int cvm_cc_holds(unsigned cc, int64_t a, int64_t b) { return (int)((cc >> cvm_cmp3(a, b)) & 1u); }

/* The gas and stack precondition of running some entries in a row. */
typedef struct cvm_xeffect {
    uint64_t gas;           /* their gas, summed */
    uint16_t need, span;    /* the start depths under which all pass their checks;
                             * need is CVM_NEED_NEVER when none does */
} cvm_xeffect;

/* The effect of running plain[0..n) in a row (prepare.c). */
cvm_xeffect cvm_xcombine(const cvm_xinsn *plain, size_t n);

/* Gives x the stack precondition of e. */
static inline void cvm_xset_stack(cvm_xinsn *x, cvm_xeffect e)
{
    x->need_b = e.need == CVM_NEED_NEVER ? CVM_NEED_NEVER : (uint16_t)(e.need * sizeof(int64_t));
    x->span_b = (uint16_t)(e.span * sizeof(int64_t));
}

/* Fuses superinstructions into x->fast; target[pc] marks the module pcs
 * reached other than by falling through (fuse.c). */
void cvm_xfuse(const cvm_module *m, const uint8_t *target, cvm_xmodule *x);

/* Splits x->fast into checked blocks and decides each head's check
 * (blocks.c); target as for cvm_xfuse. CVM_ENOMEM leaves x unusable. */
cvm_status cvm_xblocks(const cvm_module *m, const uint8_t *target, cvm_xmodule *x);

#endif
