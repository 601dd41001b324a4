/*
 * typecheck.h — the static type proof of a module's code (typecheck.c).
 *
 * Values are integers or bytes (docs/assembly.md, "Type checking"). Where
 * the type of a stack slot or a local is known before the module runs, an
 * instruction that needs another type is rejected at assembly and at load;
 * where it is not known, the module is accepted and the interpreter checks
 * the type when the instruction runs (TYPE_MISMATCH).
 */
#ifndef CVM_BYTECODE_TYPECHECK_H
#define CVM_BYTECODE_TYPECHECK_H

#include <stddef.h>

#include "module.h"

/* Proves the types of m's code (m passed every other check of cvm_verify:
 * operands, labels and constants in range). Returns CVM_OK when no
 * instruction can be shown to receive a value of the wrong type (also when
 * the module is too big to analyse within the bounds: the interpreter checks
 * at run time). On a definite type error returns CVM_EINPUT, writes
 * "method M, pc N (Op): ..." naming both types into err, and sets *bad_pc
 * (when not NULL) to the instruction, for the assembler's FILE:LINE:COL;
 * CVM_ENOMEM when memory runs out. */
cvm_status cvm_typecheck(const cvm_module *m, size_t *bad_pc, char *err, size_t errcap);

#endif
