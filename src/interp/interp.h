/*
 * interp.h — the interpreter's internal entry points.
 *
 * The interpreter runs verified modules. cvm_interp_prepare turns a module's
 * code into its executable form once (resolved operands, gas and stack
 * effects from the opcode table, superinstructions, per-block checks: see
 * xform.h), so the hot loop never decodes. cvm_exec (coopvm.h, exec.c) runs
 * a method of a prepared module against a cvm_host.
 */
#ifndef CVM_INTERP_INTERP_H
#define CVM_INTERP_INTERP_H

#include "bytecode/module.h"
#include "coopvm.h"

/* Builds m->exec (and m->exec_free) for a verified module. Idempotent. */
cvm_status cvm_interp_prepare(cvm_module *m);

/* Like cvm_interp_prepare but without superinstructions or per-block
 * checks (every instruction checks for itself): for tests that check that
 * both forms behave identically. */
cvm_status cvm_interp_prepare_unfused(cvm_module *m);

/* True when this build has computed-goto dispatch. */
int cvm_interp_has_goto(void);

#endif
