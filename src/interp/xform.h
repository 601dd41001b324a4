/*
 * xform.h — the executable form of a module, built once by
 * cvm_interp_prepare (prepare.c) and run by cvm_exec (exec.c).
 *
 * Each method's code is copied into one array of cvm_xinsn, followed by an
 * END sentinel so that running off the end of a method stops like Halt
 * without a bounds test in the loop. Method i's instruction at module pc p
 * sits at index p + i: traps and traces subtract the method's index (fixed
 * for a whole run, since jumps and calls never leave their method) to report
 * the module's pc, and label operands are pre-resolved to indices.
 *
 * Every entry carries what the hot loop needs without looking at the opcode
 * table: the opcode to dispatch, the resolved operand, the gas, and the
 * stack precondition as (need, span): the instruction may run when
 * need <= depth and depth - need <= span.
 *
 * Two arrays exist. `plain` holds one entry per instruction. `fast` is the
 * same except where a superinstruction (CVM_XOPS below) was fused at
 * prepare time: its first entry dispatches the fused body and covers n
 * instructions. A fused body only runs when its combined gas and stack
 * precondition hold and it completes without a trap; otherwise it falls back
 * to the plain entry at the same index, so gas, traps and results are
 * exactly those of the unfused code. Tracing always runs `plain`.
 */
#ifndef CVM_INTERP_XFORM_H
#define CVM_INTERP_XFORM_H

#include <stddef.h>
#include <stdint.h>

#include "bytecode/module.h"

/* Executable-only opcodes, numbered after the table's. END is the sentinel;
 * the others are superinstructions, named by what they fuse:
 * L = LocalGet, K = Push k, S = LocalSet, D = Dup, CMP = any of Eq..Ge,
 * J = JumpIf or JumpIfNot. */
#define CVM_XOPS(X)                                                             \
    X(END)       /* the end of a method: stop like Halt, no gas */            \
    X(LL_ADD_S)  /* LocalGet a; LocalGet b; Add; LocalSet c */                \
    X(LL_SUB_S)  /* LocalGet a; LocalGet b; Sub; LocalSet c */                \
    X(LK_ADD_S)  /* LocalGet a; Push k; Add (or Sub -k); LocalSet c */        \
    X(LK_ADD)    /* LocalGet a; Push k; Add (or Sub -k) */                    \
    X(LL_CMP_J)  /* LocalGet a; LocalGet b; CMP; J */                         \
    X(LK_CMP_J)  /* LocalGet a; Push k; CMP; J */                             \
    X(DK_CMP_J)  /* Dup; Push k; CMP; J */                                    \
    X(K_CMP_J)   /* Push k; CMP; J */                                         \
    X(CMP_J)     /* CMP; J */                                                 \
    X(K_ADD)     /* Push k; Add (or Sub -k) */                                \
    X(K_SUB)     /* Push INT64_MIN; Sub (no Add equivalent) */                \
    X(LL)        /* LocalGet a; LocalGet b */                                 \
    X(K_S)       /* Push k; LocalSet a */

enum cvm_xop {
    CVM_XOP_BEFORE = CVM_OP_COUNT - 1,
#define CVM_X_ENUM(name) CVM_OP_##name,
    CVM_XOPS(CVM_X_ENUM)
#undef CVM_X_ENUM
    CVM_XOP_COUNT
};

_Static_assert(CVM_XOP_COUNT <= 256, "executable opcodes must fit in a byte");

/* Compare masks: bit 0 "a < b", bit 1 "a == b", bit 2 "a > b". A compare
 * holds when (cc >> (sign(a - b) + 1)) & 1; JumpIfNot inverts the mask. */
#define CVM_CC_LT 1u
#define CVM_CC_EQ 2u
#define CVM_CC_GT 4u

typedef struct cvm_xinsn {
    uint8_t op;      /* cvm_op or cvm_xop: what to dispatch */
    uint8_t need;    /* values the stack must hold */
    uint8_t has;     /* the module instruction had an operand (for traces) */
    uint8_t n;       /* module instructions covered: 1, more when fused */
    uint8_t a, b, c; /* local numbers of a fused instruction */
    uint8_t cc;      /* compare mask of a fused compare-and-jump */
    uint32_t gas;    /* charged before it runs (the sum, when fused) */
    uint32_t span;   /* the largest depth - need that leaves room for its pushes */
    int64_t k;       /* immediate, local number, constant index, or resolved target index */
    int64_t k2;      /* a fused compare-and-jump's resolved target index */
    const cvm_const *s; /* borrowed from the module: the string operand, or NULL */
} cvm_xinsn;

typedef struct cvm_xmodule {
    cvm_xinsn *plain; /* owned: ncode + nmethods entries */
    cvm_xinsn *fast;  /* owned: the same, with superinstructions */
    size_t n;
} cvm_xmodule;

/* The sign of a - b plus one, without branches: 0, 1 or 2. */
static inline unsigned cvm_cmp3(int64_t a, int64_t b) { return (unsigned)((a > b) - (a < b) + 1); }

/* Does the compare mask cc hold for a and b? */
static inline int cvm_cc_holds(unsigned cc, int64_t a, int64_t b) { return (int)((cc >> cvm_cmp3(a, b)) & 1u); }

#endif
