/*
 * verify.c — the verifier: every check the interpreter relies on, done once.
 *
 * A module reaches the interpreter only after cvm_verify accepted it, so the
 * interpreter never re-checks operands, indices, jump targets or read-only
 * rules in its hot loop. What is NOT checked here is what depends on the run:
 * stack depth (underflow and overflow are runtime traps), gas, call depth.
 *
 * Checks run in the order the module is laid out (metadata, state, constants,
 * imports, events, methods and their signatures, code, then pool usage), and
 * the first failure is reported.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "module.h"
#include "typecheck.h"
#include "base/count.h"

/* Largest line number: what the assembler's .line accepts (an int). */
#define CVM_MAX_LINE 2147483647

/* Longest constant, state key, purpose or federation, in bytes. */
#define CVM_MAX_BYTES 1024

static cvm_status fail(char *err, size_t errcap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static cvm_status fail(char *err, size_t errcap, const char *fmt, ...)
{
    if (err && errcap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errcap, fmt, ap);
        va_end(ap);
    }
    return CVM_EINPUT;
}

static bool is_alnum_(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Contract names: [A-Za-z0-9_]{1,63} (a service name may start with a digit). */
static bool valid_contract_name(const char *s)
{
    if (!s || !*s)
        return false;
    size_t n = 0;
    for (; s[n]; n++)
        if (!is_alnum_((unsigned char)s[n]) || n >= CVM_MAX_NAME)
            return false;
    return true;
}

/* Identifiers (method names, cooperative ids): [A-Za-z_][A-Za-z0-9_]{0,62}. */
static bool valid_ident(const char *s)
{
    if (!s || !*s || (s[0] >= '0' && s[0] <= '9'))
        return false;
    return valid_contract_name(s);
}

/* A name made safe for a message: at most 64 bytes shown, bytes outside
 * printable ASCII as \xHH, "(null)" for NULL. Returns buf. */
static const char *shown(char *buf, size_t cap, const char *s)
{
    if (!s)
        return "(null)";
    size_t o = 0;
    for (size_t i = 0; s[i] && i < 64 && o + 5 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f)
            buf[o++] = (char)c;
        else
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
    }
    buf[o] = '\0';
    return buf;
}

static cvm_status check_coop(const cvm_coop_meta *c, char *err, size_t errcap)
{
    if (!c->present)
        return CVM_OK;
    char sb[260];
    if (!valid_ident(c->id))
        return fail(err, errcap, "cooperative id '%s' is not an identifier ([A-Za-z_][A-Za-z0-9_]*, 1..%d bytes)",
                    shown(sb, sizeof sb, c->id), CVM_MAX_NAME);
    if (!c->purpose || strlen(c->purpose) > CVM_MAX_BYTES)
        return fail(err, errcap, "cooperative %s: purpose is missing or longer than %d bytes", c->id, CVM_MAX_BYTES);
    if (!c->federation || strlen(c->federation) > CVM_MAX_BYTES)
        return fail(err, errcap, "cooperative %s: federation is missing or longer than %d bytes", c->id,
                    CVM_MAX_BYTES);
    const struct {
        const char *name;
        uint8_t v;
    } impacts[] = {{"cpu", c->cpu},
                   {"memory", c->memory},
                   {"network", c->network},
                   {"storage", c->storage},
                   {"bandwidth", c->bandwidth}};
    for (size_t i = 0; i < sizeof impacts / sizeof impacts[0]; i++)
        if (impacts[i].v > CVM_IMPACT_MAX)
            return fail(err, errcap, "cooperative %s: %s impact %u is above %d", c->id, impacts[i].name,
                        (unsigned)impacts[i].v, CVM_IMPACT_MAX);
    return CVM_OK;
}

static cvm_status check_state(cvm_module *m, char *err, size_t errcap)
{
    char sb[260];
    cvm_map seen;
    cvm_map_init(&seen, m->al);
    cvm_status st = CVM_OK;
    for (size_t i = 0; i < m->nstate && st == CVM_OK; i++) {
        const cvm_state_init *s = &m->state[i];
        if (!s->key || s->keylen == 0) {
            st = fail(err, errcap, "state entry %zu: the key is empty", i);
        } else if (s->keylen > CVM_MAX_BYTES) {
            char n1[CVM_COUNT_BUF], n2[CVM_COUNT_BUF];
            st = fail(err, errcap, "state entry %zu: the key is %s bytes; a state key holds at most %s", i,
                      cvm_count(s->keylen, n1), cvm_count(CVM_MAX_BYTES, n2));
        } else {
            bool created;
            cvm_map_entry *e = cvm_map_put(&seen, s->key, s->keylen, &created);
            if (!e)
                st = CVM_ENOMEM;
            else if (!created)
                st = fail(err, errcap, "state entry %zu: duplicate key \"%s\" (first is entry %lld)", i,
                          shown(sb, sizeof sb, (const char *)s->key), (long long)e->ival);
            else
                e->ival = (int64_t)i;
        }
    }
    cvm_map_free(&seen);
    return st;
}

static cvm_status check_consts(cvm_module *m, char *err, size_t errcap)
{
    cvm_map seen;
    cvm_map_init(&seen, m->al);
    cvm_status st = CVM_OK;
    for (size_t i = 0; i < m->nconsts && st == CVM_OK; i++) {
        const cvm_const *c = &m->consts[i];
        if (!c->bytes && c->len) {
            st = fail(err, errcap, "constant %zu: no bytes", i);
        } else if (c->len > CVM_MAX_BYTES) {
            st = fail(err, errcap, "constant %zu: %zu bytes, more than %d", i, c->len, CVM_MAX_BYTES);
        } else {
            bool created;
            cvm_map_entry *e = cvm_map_put(&seen, c->bytes ? (const void *)c->bytes : "", c->len, &created);
            if (!e)
                st = CVM_ENOMEM;
            else if (!created)
                st = fail(err, errcap, "constant %zu: duplicate of constant %lld", i, (long long)e->ival);
            else
                e->ival = (int64_t)i;
        }
    }
    cvm_map_free(&seen);
    return st;
}

/* n types t[0..n) of what ("method transfer param", "import Token.m
 * result"...): present when n > 0, each int, bytes or string. */
static cvm_status check_types(const cvm_vtype *t, size_t n, const char *what, const char *name, char *err,
                              size_t errcap)
{
    if (n && !t)
        return fail(err, errcap, "%s %s: %zu types but no array", what, name, n);
    for (size_t k = 0; k < n; k++)
        if (!cvm_vtype_name(t[k]))
            return fail(err, errcap, "%s %s: type %zu has code %u (not int, bytes or string)", what, name, k,
                        (unsigned)t[k]);
    return CVM_OK;
}

/* names[0..n), each an identifier, all different; what names the owner. */
static cvm_status check_names(char *const *names, size_t n, const char *what, const char *name, const char *item,
                              char *err, size_t errcap)
{
    char sb[260];
    if (n && !names)
        return fail(err, errcap, "%s %s: %zu %ss but no names", what, name, n, item);
    for (size_t k = 0; k < n; k++) {
        if (!valid_ident(names[k]))
            return fail(err, errcap, "%s %s: %s %zu name '%s' is not an identifier ([A-Za-z_][A-Za-z0-9_]*, 1..%d bytes)",
                        what, name, item, k, shown(sb, sizeof sb, names[k]), CVM_MAX_NAME);
        for (size_t j = 0; j < k; j++)
            if (strcmp(names[j], names[k]) == 0)
                return fail(err, errcap, "%s %s: %s %zu has the name '%s' of %s %zu", what, name, item, k, names[k],
                            item, j);
    }
    return CVM_OK;
}

/* A method's signature: none (untyped), or named, typed params and typed
 * results within the limits. */
static cvm_status check_signature(const cvm_method *me, char *err, size_t errcap)
{
    if (!me->typed) {
        if (me->ptypes || me->pnames || me->rtypes || me->nresults)
            return fail(err, errcap, "method %s: untyped, but has parameter or result types", me->name);
        return CVM_OK;
    }
    if (me->nresults > CVM_MAX_RESULTS)
        return fail(err, errcap, "method %s: %" PRIu32 " results, at most %d", me->name, me->nresults,
                    CVM_MAX_RESULTS);
    cvm_status st;
    if ((st = check_names(me->pnames, me->params, "method", me->name, "param", err, errcap)) != CVM_OK ||
        (st = check_types(me->ptypes, me->params, "method", me->name, err, errcap)) != CVM_OK ||
        (st = check_types(me->rtypes, me->nresults, "method", me->name, err, errcap)) != CVM_OK)
        return st;
    return CVM_OK;
}

/* "Svc.method": a contract name, a dot, a method identifier. */
static bool valid_target(const char *s)
{
    const char *dot = s ? strchr(s, '.') : NULL;
    if (!dot || (size_t)(dot - s) > CVM_MAX_NAME)
        return false;
    char svc[CVM_MAX_NAME + 1];
    memcpy(svc, s, (size_t)(dot - s));
    svc[dot - s] = '\0';
    return valid_contract_name(svc) && valid_ident(dot + 1);
}

/* Records name as declaration i in seen; CVM_OK and *first = -1 when it is
 * new, else *first the declaration that has it already. A map, not a scan
 * of the earlier ones: thousands of declarations fit a module, and a scan
 * made verifying them quadratic. */
static cvm_status seen_before(cvm_map *seen, const char *name, size_t i, int64_t *first)
{
    bool created;
    cvm_map_entry *e = cvm_map_put(seen, name, strlen(name), &created);
    if (!e)
        return CVM_ENOMEM;
    if (created)
        e->ival = (int64_t)i;
    *first = created ? -1 : e->ival;
    return CVM_OK;
}

static cvm_status check_import(const cvm_import *im, size_t i, cvm_map *seen, char *err, size_t errcap)
{
    char sb[260];
    if (!valid_target(im->target))
        return fail(err, errcap, "import %zu: target '%s' is not Service.method (a contract name, a dot, an identifier)",
                    i, shown(sb, sizeof sb, im->target));
    int64_t first;
    cvm_status st = seen_before(seen, im->target, i, &first);
    if (st != CVM_OK)
        return st;
    if (first >= 0)
        return fail(err, errcap, "import %zu: %s is imported twice (first is import %lld)", i, im->target,
                    (long long)first);
    if (im->nparams > CVM_MAX_PARAMS)
        return fail(err, errcap, "import %s: %" PRIu32 " params, at most %d", im->target, im->nparams,
                    CVM_MAX_PARAMS);
    if (im->nresults > CVM_MAX_RESULTS)
        return fail(err, errcap, "import %s: %" PRIu32 " results, at most %d", im->target, im->nresults,
                    CVM_MAX_RESULTS);
    if ((st = check_types(im->ptypes, im->nparams, "import", im->target, err, errcap)) != CVM_OK ||
        (st = check_types(im->rtypes, im->nresults, "import", im->target, err, errcap)) != CVM_OK)
        return st;
    return CVM_OK;
}

static cvm_status check_imports(const cvm_module *m, char *err, size_t errcap)
{
    cvm_map seen;
    cvm_map_init(&seen, m->al);
    cvm_status st = CVM_OK;
    for (size_t i = 0; i < m->nimports && st == CVM_OK; i++)
        st = check_import(&m->imports[i], i, &seen, err, errcap);
    cvm_map_free(&seen);
    return st;
}

static cvm_status check_event(const cvm_event_decl *ev, size_t i, cvm_map *seen, char *err, size_t errcap)
{
    char sb[260];
    if (!valid_ident(ev->name))
        return fail(err, errcap, "event %zu: name '%s' is not an identifier ([A-Za-z_][A-Za-z0-9_]*, 1..%d bytes)", i,
                    shown(sb, sizeof sb, ev->name), CVM_MAX_NAME);
    int64_t first;
    cvm_status st = seen_before(seen, ev->name, i, &first);
    if (st != CVM_OK)
        return st;
    if (first >= 0)
        return fail(err, errcap, "event %zu: %s is declared twice (first is event %lld)", i, ev->name,
                    (long long)first);
    if (ev->nfields > CVM_MAX_FIELDS)
        return fail(err, errcap, "event %s: %" PRIu32 " fields, at most %d", ev->name, ev->nfields, CVM_MAX_FIELDS);
    if ((st = check_names(ev->fnames, ev->nfields, "event", ev->name, "field", err, errcap)) != CVM_OK ||
        (st = check_types(ev->ftypes, ev->nfields, "event", ev->name, err, errcap)) != CVM_OK)
        return st;
    return CVM_OK;
}

static cvm_status check_events(const cvm_module *m, char *err, size_t errcap)
{
    cvm_map seen;
    cvm_map_init(&seen, m->al);
    cvm_status st = CVM_OK;
    for (size_t i = 0; i < m->nevents && st == CVM_OK; i++)
        st = check_event(&m->events[i], i, &seen, err, errcap);
    cvm_map_free(&seen);
    return st;
}

static cvm_status check_methods(cvm_module *m, char *err, size_t errcap)
{
    size_t next = 0; /* where the next method must start */
    for (size_t i = 0; i < m->nmethods; i++) {
        const cvm_method *me = &m->methods[i];
        char sb[260];
        if (!valid_ident(me->name))
            return fail(err, errcap,
                        "method %zu: name '%s' is not an identifier ([A-Za-z_][A-Za-z0-9_]*, 1..%d bytes)", i,
                        shown(sb, sizeof sb, me->name), CVM_MAX_NAME);
        if (me->entry != next)
            return fail(err, errcap, "method %s: starts at pc %" PRIu32 ", expected %zu (methods tile the code in order)",
                        me->name, me->entry, next);
        if ((size_t)me->len > m->ncode - next)
            return fail(err, errcap, "method %s: pcs %" PRIu32 "..+%" PRIu32 " run past the end of the code (%zu instructions)",
                        me->name, me->entry, me->len, m->ncode);
        next += me->len;
        if (me->params > CVM_MAX_PARAMS)
            return fail(err, errcap, "method %s: %" PRIu32 " params, at most %d", me->name, me->params,
                        CVM_MAX_PARAMS);
        if (me->flags & ~(uint32_t)CVM_METHOD_FLAGS_KNOWN)
            return fail(err, errcap, "method %s: unknown flags 0x%" PRIx32, me->name,
                        me->flags & ~(uint32_t)CVM_METHOD_FLAGS_KNOWN);
        cvm_status st = check_signature(me, err, errcap);
        if (st != CVM_OK)
            return st;
    }
    if (next != m->ncode)
        return fail(err, errcap, "code: pcs %zu..%zu belong to no method", next, m->ncode - 1);
    return cvm_module_index_methods(m, err, errcap);
}

/* One instruction of method me at pc; *nused counts the constants seen so far
 * in code order (the canonical pool is in first-use order). */
static cvm_status check_insn(const cvm_module *m, const cvm_method *me, size_t pc, size_t *nused, char *err,
                             size_t errcap)
{
    const cvm_insn *in = &m->code[pc];
    if (in->op >= CVM_OP_COUNT)
        return fail(err, errcap, "method %s, pc %zu: unknown opcode %u", me->name, pc, (unsigned)in->op);
    const cvm_opinfo *oi = cvm_opinfo_of(in->op);
    const char *mn = oi->mnemonic;
    if (in->has_operand > 1)
        return fail(err, errcap, "method %s, pc %zu (%s): has_operand is %u, not 0 or 1", me->name, pc, mn,
                    (unsigned)in->has_operand);
    if (oi->operand == CVM_OPK_NONE && in->has_operand)
        return fail(err, errcap, "method %s, pc %zu (%s): unexpected operand %lld (%s takes none)", me->name, pc, mn,
                    (long long)in->operand, mn);
    if (oi->operand != CVM_OPK_NONE && oi->operand != CVM_OPK_OPT_STR && !in->has_operand)
        return fail(err, errcap, "method %s, pc %zu (%s): missing %s operand", me->name, pc, mn,
                    cvm_operand_kind_name(oi->operand));
    if ((oi->flags & CVM_OPF_WRITES) && (me->flags & CVM_METHOD_READONLY))
        return fail(err, errcap, "method %s, pc %zu (%s): writes state in a read-only method", me->name, pc, mn);
    if (!in->has_operand)
        return CVM_OK;
    int64_t v = in->operand;
    switch (oi->operand) {
    case CVM_OPK_NONE:
    case CVM_OPK_INT:
        break;
    case CVM_OPK_LOCAL:
        if (v < 0 || v >= CVM_LOCALS)
            return fail(err, errcap, "method %s, pc %zu (%s): local %lld is outside 0..%d", me->name, pc, mn,
                        (long long)v, CVM_LOCALS - 1);
        break;
    case CVM_OPK_STR:
    case CVM_OPK_OPT_STR:
        if (v < 0 || (uint64_t)v >= m->nconsts)
            return fail(err, errcap, "method %s, pc %zu (%s): constant %lld is outside the pool (%zu constants)",
                        me->name, pc, mn, (long long)v, m->nconsts);
        if ((size_t)v > *nused)
            return fail(err, errcap,
                        "method %s, pc %zu (%s): constant %lld is used before constant %zu (the pool must be in "
                        "first-use order)",
                        me->name, pc, mn, (long long)v, *nused);
        if ((size_t)v == *nused)
            (*nused)++;
        break;
    case CVM_OPK_LABEL:
        if (v < (int64_t)me->entry || v >= (int64_t)me->entry + (int64_t)me->len)
            return fail(err, errcap, "method %s, pc %zu (%s): target %lld is outside the method (pcs %" PRIu32
                        "..%" PRIu32 ")",
                        me->name, pc, mn, (long long)v, me->entry, me->entry + me->len - 1);
        break;
    }
    return CVM_OK;
}

cvm_status cvm_verify(cvm_module *m, char *err, size_t errcap) { return cvm_verify_at(m, err, errcap, NULL); }

cvm_status cvm_verify_at(cvm_module *m, char *err, size_t errcap, size_t *pc_out)
{
    if (err && errcap)
        err[0] = '\0';
    size_t pc_none;
    size_t *where = pc_out ? pc_out : &pc_none;
    *where = SIZE_MAX;
    char sb[260];
    if (!valid_contract_name(m->name))
        return fail(err, errcap, "contract name '%s' is not valid ([A-Za-z0-9_], 1..%d bytes)",
                    shown(sb, sizeof sb, m->name), CVM_MAX_NAME);
    if (m->ncode > UINT32_MAX)
        return fail(err, errcap, "code: %zu instructions, more than %" PRIu32, m->ncode, UINT32_MAX);
    if ((m->ncode && !m->code) || (m->nmethods && !m->methods) || (m->nconsts && !m->consts) ||
        (m->nstate && !m->state) || (m->nimports && !m->imports) || (m->nevents && !m->events))
        return fail(err, errcap, "module: a count is non-zero but its array is missing");
    cvm_status st;
    if ((st = check_coop(&m->coop, err, errcap)) != CVM_OK)
        return st;
    if ((st = check_state(m, err, errcap)) != CVM_OK)
        return st;
    if ((st = check_consts(m, err, errcap)) != CVM_OK)
        return st;
    if ((st = check_imports(m, err, errcap)) != CVM_OK)
        return st;
    if ((st = check_events(m, err, errcap)) != CVM_OK)
        return st;
    if ((st = check_methods(m, err, errcap)) != CVM_OK)
        return st;
    size_t nused = 0;
    for (size_t i = 0; i < m->nmethods; i++) {
        const cvm_method *me = &m->methods[i];
        for (size_t pc = me->entry; pc < (size_t)me->entry + me->len; pc++)
            if ((st = check_insn(m, me, pc, &nused, err, errcap)) != CVM_OK) {
                *where = pc;
                return st;
            }
    }
    if (m->lines)
        for (size_t pc = 0; pc < m->ncode; pc++)
            if (m->lines[pc] > CVM_MAX_LINE) {
                const cvm_method *me = cvm_module_method_at(m, pc);
                *where = pc;
                return fail(err, errcap, "method %s, pc %zu: line %" PRIu32 " is above %d", me ? me->name : "?", pc,
                            m->lines[pc], CVM_MAX_LINE);
            }
    if (nused != m->nconsts)
        return fail(err, errcap, "constant %zu: never used by the code (the pool holds only used constants)", nused);
    /* The static type proof, last: it relies on everything above
     * (operands, targets, signatures). It sets *where to the instruction it
     * refuses, and the assembler then reports FILE:LINE:COL of that
     * instruction (asm.c). */
    return cvm_typecheck(m, where, err, errcap);
}
