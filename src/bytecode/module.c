/* module.c — the module's lifetime, lookups and read-only accessors. */
#include "module.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"

cvm_module *cvm_module_new(const cvm_allocator *al)
{
    cvm_module *m = cvm_calloc(al, 1, sizeof *m);
    if (m) {
        m->al = al;
        cvm_map_init(&m->method_index, al);
    }
    return m;
}

/* Frees names[0..n) and the array (NULL allowed). */
static void free_names(const cvm_allocator *al, char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        cvm_free(al, names[i]);
    cvm_free(al, names);
}

void cvm_module_free(cvm_module *m)
{
    if (!m)
        return;
    const cvm_allocator *al = m->al;
    if (m->exec && m->exec_free)
        m->exec_free(al, m->exec);
    cvm_free(al, m->name);
    cvm_free(al, m->coop.id);
    cvm_free(al, m->coop.purpose);
    cvm_free(al, m->coop.federation);
    for (size_t i = 0; i < m->nstate; i++)
        cvm_free(al, m->state[i].key);
    cvm_free(al, m->state);
    for (size_t i = 0; i < m->nmethods; i++) {
        cvm_method *me = &m->methods[i];
        cvm_free(al, me->name);
        free_names(al, me->pnames, me->pnames ? me->params : 0);
        cvm_free(al, me->ptypes);
        cvm_free(al, me->rtypes);
    }
    cvm_free(al, m->methods);
    for (size_t i = 0; i < m->nimports; i++) {
        cvm_free(al, m->imports[i].target);
        cvm_free(al, m->imports[i].ptypes);
        cvm_free(al, m->imports[i].rtypes);
    }
    cvm_free(al, m->imports);
    for (size_t i = 0; i < m->nevents; i++) {
        cvm_free(al, m->events[i].name);
        free_names(al, m->events[i].fnames, m->events[i].nfields);
        cvm_free(al, m->events[i].ftypes);
    }
    cvm_free(al, m->events);
    for (size_t i = 0; i < m->nconsts; i++)
        cvm_free(al, m->consts[i].bytes);
    cvm_free(al, m->consts);
    cvm_free(al, m->code);
    cvm_free(al, m->lines);
    cvm_map_free(&m->method_index);
    cvm_free(al, m);
}

cvm_status cvm_module_index_methods(cvm_module *m, char *err, size_t errcap)
{
    cvm_map_free(&m->method_index);
    for (size_t i = 0; i < m->nmethods; i++) {
        const char *name = m->methods[i].name;
        bool created;
        cvm_map_entry *e = cvm_map_put(&m->method_index, name, strlen(name), &created);
        if (!e)
            return CVM_ENOMEM;
        if (!created) {
            if (err && errcap)
                snprintf(err, errcap, "method %zu: duplicate method name '%s' (first is method %lld)", i, name,
                         (long long)e->ival);
            return CVM_EINPUT;
        }
        e->ival = (int64_t)i;
    }
    return CVM_OK;
}

const cvm_method *cvm_module_find_method(const cvm_module *m, const char *name, size_t len)
{
    const cvm_map_entry *e = cvm_map_get(&m->method_index, name, len);
    return e ? &m->methods[e->ival] : NULL;
}

const cvm_method *cvm_module_method_at(const cvm_module *m, size_t pc)
{
    /* methods tile the code in order: binary search on entry */
    size_t lo = 0, hi = m->nmethods;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const cvm_method *me = &m->methods[mid];
        if (pc < me->entry)
            hi = mid;
        else if (pc >= (size_t)me->entry + me->len)
            lo = mid + 1;
        else
            return me;
    }
    return NULL;
}

const char *cvm_module_name(const cvm_module *m) { return m->name ? m->name : ""; }
int64_t cvm_module_required_reputation(const cvm_module *m) { return m->required_reputation; }
size_t cvm_module_method_count(const cvm_module *m) { return m->nmethods; }

const char *cvm_module_method_name(const cvm_module *m, size_t i)
{
    return i < m->nmethods ? m->methods[i].name : NULL;
}

int cvm_module_method_params(const cvm_module *m, size_t i)
{
    return i < m->nmethods ? (int)m->methods[i].params : -1;
}

int cvm_module_method_readonly(const cvm_module *m, size_t i)
{
    return i < m->nmethods ? (m->methods[i].flags & CVM_METHOD_READONLY) != 0 : -1;
}

const char *cvm_module_method_name_at(const void *m, size_t i)
{
    return ((const cvm_module *)m)->methods[i].name;
}

const char *cvm_vtype_name(cvm_vtype t)
{
    switch (t) {
    case CVM_ARG_INT64: return "int";
    case CVM_ARG_BYTES: return "bytes";
    case CVM_ARG_STRING: return "string";
    default: return NULL;
    }
}

cvm_vtype cvm_vtype_lookup(const char *name, size_t len)
{
    static const cvm_vtype types[] = {CVM_ARG_INT64, CVM_ARG_BYTES, CVM_ARG_STRING};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        const char *n = cvm_vtype_name(types[i]);
        if (strlen(n) == len && memcmp(n, name, len) == 0)
            return types[i];
    }
    return 0;
}

/* One-off lookups (tests, tools). Code that looks a declaration up per
 * instruction uses cvm_module_const_decls instead: a scan per instruction
 * made loading a module with many declarations quadratic. */
const cvm_import *cvm_module_find_import(const cvm_module *m, const char *target, size_t len)
{
    for (size_t i = 0; i < m->nimports; i++) {
        const char *t = m->imports[i].target;
        if (t && strlen(t) == len && memcmp(t, target, len) == 0)
            return &m->imports[i];
    }
    return NULL;
}

const cvm_event_decl *cvm_module_find_event(const cvm_module *m, const char *name, size_t len)
{
    for (size_t i = 0; i < m->nevents; i++) {
        const char *n = m->events[i].name;
        if (n && strlen(n) == len && memcmp(n, name, len) == 0)
            return &m->events[i];
    }
    return NULL;
}

/* For each constant, the declaration (of ndecls, named by name_at) of that
 * name, or -1 (the first when names repeat); NULL when there are none. One
 * hash map: O(constants + declarations). */
static int32_t *names_to_decls(const cvm_module *m, size_t ndecls, const char *(*name_at)(const cvm_module *, size_t),
                               cvm_status *st)
{
    *st = CVM_OK;
    if (!ndecls)
        return NULL;
    cvm_map names;
    cvm_map_init(&names, m->al);
    int32_t *of = cvm_malloc(m->al, (m->nconsts ? m->nconsts : 1) * sizeof *of);
    if (!of)
        goto oom;
    for (size_t i = 0; i < ndecls; i++) {
        const char *n = name_at(m, i);
        bool created;
        cvm_map_entry *e = n ? cvm_map_put(&names, n, strlen(n), &created) : NULL;
        if (n && !e)
            goto oom;
        if (e && created)
            e->ival = (int64_t)i;
    }
    for (size_t i = 0; i < m->nconsts; i++) {
        const cvm_map_entry *e = cvm_map_get(&names, m->consts[i].bytes ? (const void *)m->consts[i].bytes : "",
                                             m->consts[i].len);
        of[i] = e ? (int32_t)e->ival : -1;
    }
    cvm_map_free(&names);
    return of;
oom:
    cvm_map_free(&names);
    cvm_free(m->al, of);
    *st = CVM_ENOMEM;
    return NULL;
}

static const char *event_name(const cvm_module *m, size_t i) { return m->events[i].name; }
static const char *import_target(const cvm_module *m, size_t i) { return m->imports[i].target; }

cvm_status cvm_module_const_decls(const cvm_module *m, int32_t **events, int32_t **imports)
{
    cvm_status st;
    *imports = NULL;
    *events = names_to_decls(m, m->nevents, event_name, &st);
    if (st == CVM_OK)
        *imports = names_to_decls(m, m->nimports, import_target, &st);
    if (st != CVM_OK) {
        cvm_free(m->al, *events);
        *events = NULL;
    }
    return st;
}

unsigned cvm_module_format_version(const cvm_module *m)
{
    if (m->nimports || m->nevents)
        return CVM_MODULE_VERSION;
    for (size_t i = 0; i < m->nmethods; i++)
        if (m->methods[i].typed)
            return CVM_MODULE_VERSION;
    return CVM_MODULE_VERSION_1;
}
