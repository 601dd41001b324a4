/*
 * bytecode.h — the bytecode processor's module cache: each deployed
 * module's code is decoded, verified and prepared once per VM and kept,
 * keyed by the SHA-256 of its code bytes.
 */
#ifndef CVM_VM_BYTECODE_H
#define CVM_VM_BYTECODE_H
#include "vm/context.h"

/* The module of code[0..len) (borrowed), loaded once and owned by vm's
 * cache; *m is borrowed until cvm_vm_free. CVM_EINPUT with the loader's
 * message in err when the code does not load; CVM_ENOMEM. */
cvm_status cvm_vm_module_get(cvm_vm *vm, const uint8_t *code, size_t len, const cvm_module **m, char *err,
                             size_t errcap);
/* Frees every cached module. */
void cvm_vm_modules_free(cvm_vm *vm);

/* Whether args fit the parameters of a typed bytecode method (mi->vtypes
 * set; the count is already checked): an `int` parameter takes int64,
 * uint64 up to INT64_MAX and bool; `bytes` takes bytes and string;
 * `string` takes string, and bytes that are UTF-8. False with
 * WRONG_ARGUMENTS in err naming service.method, the position, the
 * parameter's name, the type expected and the type given. */
bool cvm_bc_args_ok(const char *service, const cvm_method_info *mi, const cvm_arg *args, size_t nargs,
                    cvm_error *err);

#endif
