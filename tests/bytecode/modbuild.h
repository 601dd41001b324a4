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

/* Makes method me typed: params "name:type" pairs as names[]/types[]
 * (me->params entries), results rtypes[0..nres). */
static inline void mb_sig(cvm_module *m, cvm_method *me, const char *const *names, const cvm_vtype *types,
                          const cvm_vtype *rtypes, uint32_t nres)
{
    me->typed = true;
    if (me->params) {
        me->pnames = cvm_calloc(m->al, me->params, sizeof *me->pnames);
        me->ptypes = cvm_calloc(m->al, me->params, sizeof *me->ptypes);
        assert(me->pnames && me->ptypes);
        for (uint32_t k = 0; k < me->params; k++) {
            me->pnames[k] = cvm_strndup(m->al, names[k], strlen(names[k]));
            me->ptypes[k] = types[k];
        }
    }
    me->nresults = nres;
    if (nres) {
        me->rtypes = cvm_calloc(m->al, nres, sizeof *me->rtypes);
        assert(me->rtypes);
        memcpy(me->rtypes, rtypes, nres);
    }
}

static inline cvm_import *mb_import(cvm_module *m, const char *target, const cvm_vtype *p, uint32_t np,
                                    const cvm_vtype *r, uint32_t nr)
{
    m->imports = cvm_realloc(m->al, m->imports, (m->nimports + 1) * sizeof *m->imports);
    assert(m->imports);
    cvm_import *im = &m->imports[m->nimports++];
    memset(im, 0, sizeof *im);
    im->target = cvm_strndup(m->al, target, strlen(target));
    im->nparams = np;
    im->nresults = nr;
    if (np) {
        im->ptypes = cvm_calloc(m->al, np, 1);
        memcpy(im->ptypes, p, np);
    }
    if (nr) {
        im->rtypes = cvm_calloc(m->al, nr, 1);
        memcpy(im->rtypes, r, nr);
    }
    return im;
}

static inline cvm_event_decl *mb_event(cvm_module *m, const char *name, const char *const *fnames,
                                       const cvm_vtype *ftypes, uint32_t nf)
{
    m->events = cvm_realloc(m->al, m->events, (m->nevents + 1) * sizeof *m->events);
    assert(m->events);
    cvm_event_decl *ev = &m->events[m->nevents++];
    memset(ev, 0, sizeof *ev);
    ev->name = cvm_strndup(m->al, name, strlen(name));
    ev->nfields = nf;
    if (nf) {
        ev->fnames = cvm_calloc(m->al, nf, sizeof *ev->fnames);
        ev->ftypes = cvm_calloc(m->al, nf, 1);
        for (uint32_t k = 0; k < nf; k++)
            ev->fnames[k] = cvm_strndup(m->al, fnames[k], strlen(fnames[k]));
        memcpy(ev->ftypes, ftypes, nf);
    }
    return ev;
}

#define MB_INT CVM_ARG_INT64
#define MB_BYTES CVM_ARG_BYTES
#define MB_STRING CVM_ARG_STRING

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

/* mb_sample() with version 2's parts: main typed (params n:int, returns
 * int string), get typed (no params, returns nothing), two imports and two
 * events. */
static inline cvm_module *mb_typed_sample(void)
{
    cvm_module *m = mb_sample();
    static const char *const pn[] = {"n"};
    static const cvm_vtype pt[] = {MB_INT}, rt[] = {MB_INT, MB_STRING};
    mb_sig(m, &m->methods[0], pn, pt, rt, 2);
    mb_sig(m, &m->methods[1], NULL, NULL, NULL, 0);
    static const cvm_vtype ip[] = {MB_BYTES, MB_INT}, ir[] = {MB_INT};
    mb_import(m, "Token.transfer", ip, 2, ir, 1);
    mb_import(m, "_Governance.getProposal", ir, 1, NULL, 0);
    static const char *const fn[] = {"from", "to", "amount"};
    static const cvm_vtype ft[] = {MB_BYTES, MB_BYTES, MB_INT};
    mb_event(m, "Transfer", fn, ft, 3);
    mb_event(m, "Ping", NULL, NULL, 0);
    return m;
}

#endif
