/*
 * gas.h — charging the gas of what native methods make the chain do (the
 * schedule's numbers are public: CVM_GAS_* in coopvm.h; docs/vm.md, "Gas").
 *
 * Bytecode pays by instruction (the opcode table, in the interpreter);
 * everything else a transaction causes is charged here, from the same
 * per-transaction gas (cvm_context.gas_left, shared by nested calls): the
 * call of a native method, the bytes a native method writes to state, the
 * events it emits and the code a deployment loads. A charge that the gas
 * left cannot pay fails with OUT_OF_GAS and charges nothing, as an
 * instruction the interpreter cannot pay; the failed call's transaction is
 * rolled back like any failed one.
 */
#ifndef CVM_VM_GAS_H
#define CVM_VM_GAS_H
#include "vm/context.h"

/* Takes amount from ctx's gas left; OUT_OF_GAS with err filled ("<what>
 * costs N gas, M left") when less is left, charging nothing. */
cvm_code cvm_gas_charge(cvm_context *ctx, int64_t amount, const char *what, cvm_error *err);
/* The gas of writing keylen + len bytes of state (a delete: len 0). */
int64_t cvm_gas_state_write(size_t keylen, size_t len);
/* The bytes an event is charged for: its name, each field's name and
 * value (8 for an integer, 1 for a bool, the bytes of a string or bytes). */
size_t cvm_gas_event_bytes(size_t namelen, const cvm_event_field *fields, size_t nfields);
/* The gas of emitting such an event. */
int64_t cvm_gas_event(size_t namelen, const cvm_event_field *fields, size_t nfields);

#endif
