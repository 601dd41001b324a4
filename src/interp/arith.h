/*
 * arith.h — coopvm's integer semantics, written once: checked i64 arithmetic
 * with truncating division. Every opcode body and every fused instruction
 * that computes uses these, so the rules cannot drift apart.
 */
#ifndef CVM_INTERP_ARITH_H
#define CVM_INTERP_ARITH_H

#include <stdbool.h>
#include <stdint.h>

#include "coopvm.h"

/* a + b into *r; true when the exact result does not fit (then *r is unusable). */
static inline bool cvm_add_ovf(int64_t a, int64_t b, int64_t *r) { return __builtin_add_overflow(a, b, r); }
static inline bool cvm_sub_ovf(int64_t a, int64_t b, int64_t *r) { return __builtin_sub_overflow(a, b, r); }
static inline bool cvm_mul_ovf(int64_t a, int64_t b, int64_t *r) { return __builtin_mul_overflow(a, b, r); }

/* a / b truncated toward zero (C's rule). NONE, DIVISION_BY_ZERO, or
 * INTEGER_OVERFLOW for INT64_MIN / -1 (the one quotient that does not fit). */
static inline cvm_code cvm_div(int64_t a, int64_t b, int64_t *r)
{
    if (b == 0)
        return CVM_CODE_DIVISION_BY_ZERO;
    if (b == -1 && a == INT64_MIN)
        return CVM_CODE_INTEGER_OVERFLOW;
    *r = a / b;
    return CVM_CODE_NONE;
}

/* a % b with the sign of a (C's rule). INT64_MIN % -1 traps like the
 * division it comes from, although its remainder 0 would fit: the spec
 * groups the two, and C leaves it undefined. */
static inline cvm_code cvm_mod(int64_t a, int64_t b, int64_t *r)
{
    if (b == 0)
        return CVM_CODE_DIVISION_BY_ZERO;
    if (b == -1 && a == INT64_MIN)
        return CVM_CODE_INTEGER_OVERFLOW;
    *r = a % b;
    return CVM_CODE_NONE;
}

/* -a; true for INT64_MIN, whose negation does not fit. */
static inline bool cvm_neg_ovf(int64_t a, int64_t *r)
{
    if (a == INT64_MIN)
        return true;
    *r = -a;
    return false;
}

#endif
