/*
 * modbuild.h — building modules by hand in the bytecode tests (verifier and
 * codec), without the assembler, so each test can make exactly the module it
 * needs, including ones the assembler would never produce.
 *
 * Header-only (static functions) so it links into no other test.
 */
#ifndef CVM_TESTS_MODBUILD_H
#define CVM_TESTS_MODBUILD_H

#include <assert.h>
#include <string.h>

#include "base/alloc.h"
#include "bytecode/module.h"

#define I0(o) ((cvm_insn){CVM_OP_##o, 0, 0})
#define I1(o, v) ((cvm_insn){CVM_OP_##o, 1, (v)})

static inline void mb_code(cvm_module *m, const cvm_insn *code, size_t n)
{
    m->code = cvm_calloc(m->al, n ? n : 1, sizeof *code);
    assert(m->code);
    if (n)
        memcpy(m->code, code, n * sizeof *code);
    m->ncode = n;
}

static inline cvm_method *mb_method(cvm_module *m, const char *name, uint32_t entry, uint32_t len, uint32_t params,
                                    uint32_t flags)
{
    m->methods = cvm_realloc(m->al, m->methods, (m->nmethods + 1) * sizeof *m->methods);
    assert(m->methods);
    cvm_method *me = &m->methods[m->nmethods++];
    memset(me, 0, sizeof *me);
    me->name = cvm_strndup(m->al, name, strlen(name));
    me->entry = entry;
    me->len = len;
    me->params = params;
    me->flags = flags;
    return me;
}

static inline cvm_const *mb_const(cvm_module *m, const void *bytes, size_t len)
{
    m->consts = cvm_realloc(m->al, m->consts, (m->nconsts + 1) * sizeof *m->consts);
    assert(m->consts);
    cvm_const *c = &m->consts[m->nconsts++];
    c->bytes = (uint8_t *)cvm_strndup(m->al, bytes, len);
    c->len = len;
    return c;
}

static inline cvm_state_init *mb_state(cvm_module *m, const void *key, size_t len, int64_t value)
{
    m->state = cvm_realloc(m->al, m->state, (m->nstate + 1) * sizeof *m->state);
    assert(m->state);
    cvm_state_init *s = &m->state[m->nstate++];
    s->key = (uint8_t *)cvm_strndup(m->al, key, len);
    s->keylen = len;
    s->value = value;
    return s;
}

static inline void mb_coop(cvm_module *m, const char *id, const char *purpose, const char *federation)
{
    m->coop.present = true;
    m->coop.id = cvm_strndup(m->al, id, strlen(id));
    m->coop.purpose = cvm_strndup(m->al, purpose, strlen(purpose));
    m->coop.federation = cvm_strndup(m->al, federation, strlen(federation));
    m->coop.cpu = 10;
    m->coop.memory = 20;
    m->coop.network = 5;
    m->coop.storage = 100;
    m->coop.bandwidth = 0;
}

static inline void mb_name(cvm_module *m, const char *name)
{
    cvm_free(m->al, m->name);
    m->name = cvm_strndup(m->al, name, strlen(name));
}

/* A valid module using most features:
 *   main (params 1): 0 Load "count"  1 Add  2 Dup  3 Store "count"  4 Dup
 *                    5 Emit "Changed"  6 Jump 7  7 Halt
 *   get (readonly):  8 Load "count"  9 LocalGet 3  10 Pop  11 Load  12 Halt
 *   nothing:         (empty)
 * with state count=37, reputation 5, a cooperative and a line table. */
static inline cvm_module *mb_sample(void)
{
    cvm_module *m = cvm_module_new(NULL);
    assert(m);
    mb_name(m, "Counter");
    m->required_reputation = 5;
    mb_coop(m, "housing", "Shared housing", "north");
    mb_state(m, "count", 5, 37);
    mb_const(m, "count", 5);
    mb_const(m, "Changed", 7);
    const cvm_insn code[] = {I1(LOAD, 0), I0(ADD),      I0(DUP), I1(STORE, 0), I0(DUP), I1(EMIT, 1), I1(JUMP, 7),
                             I0(HALT),    I1(LOAD, 0), I1(LOCAL_GET, 3), I0(POP), I0(LOAD), I0(HALT)};
    mb_code(m, code, sizeof code / sizeof code[0]);
    mb_method(m, "main", 0, 8, 1, 0);
    mb_method(m, "get", 8, 5, 0, CVM_METHOD_READONLY);
    mb_method(m, "nothing", 13, 0, 0, 0);
    m->lines = cvm_calloc(m->al, m->ncode, sizeof *m->lines);
    assert(m->lines);
    for (size_t i = 0; i < m->ncode; i++)
        m->lines[i] = (uint32_t)(i * 2 + 3);
    return m;
}

#endif
