/*
 * asm.h — the assembler: coopvm assembly text to a verified module.
 *
 * The language is documented in docs/assembly.md. Every error in the text is
 * reported (as FILE:LINE:COL: error: MESSAGE through the diag callback), not
 * only the first; a module is produced only when there is none.
 */
#ifndef CVM_BYTECODE_ASM_H
#define CVM_BYTECODE_ASM_H

#include "module.h"

/* Assembles src[0..len) (borrowed). filename (borrowed) is used in
 * diagnostics and its stem is the default contract name. Returns CVM_OK and a
 * verified module owned by the caller in *out, or CVM_EINPUT after reporting
 * every error (or CVM_ENOMEM) with *out NULL. Does not prepare m->exec. */
cvm_status cvm_asm(const cvm_allocator *al, const char *src, size_t len, const char *filename,
                   cvm_diag_fn diag, void *diag_ud, cvm_module **out);

#endif
