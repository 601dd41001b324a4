/*
 * asm_decls.c — the assembler's declarations of what a module calls and
 * emits (.import, .event), and the pieces of signatures they share with
 * .method: type names and name:type lists. Grammar in docs/assembly.md.
 */
#include <stdio.h>
#include <string.h>

#include "asm_internal.h"
#include "base/alloc.h"
#include "base/suggest.h"

static const char *const type_names[] = {"int", "bytes", "string"};

static const char *type_at(const void *set, size_t i) { return ((const char *const *)set)[i]; }

static bool is_word(const cvm_token *t, const char *w)
{
    return t->kind == CVM_TOK_IDENT && strlen(w) == t->len && memcmp(w, t->text, t->len) == 0;
}

bool cvm_asm_is_keyword(const cvm_token *t)
{
    return is_word(t, "params") || is_word(t, "returns") || is_word(t, "readonly");
}

bool cvm_asm_type(asm_state *st, const cvm_token *t, const char *what, cvm_vtype *out)
{
    char b[220], why[400];
    cvm_vtype v = t->kind == CVM_TOK_IDENT ? cvm_vtype_lookup(t->text, t->len) : 0;
    if (v) {
        *out = v;
        return true;
    }
    if (t->kind != CVM_TOK_IDENT) {
        cvm_asm_err(st, t->col, "%s needs a type (int, bytes or string), found %s", what,
                    cvm_asm_tok_shown(b, sizeof b, t));
        return false;
    }
    snprintf(why, sizeof why, "unknown type %s for %s", cvm_asm_tok_shown(b, sizeof b, t), what);
    cvm_suggest_append(why, sizeof why, t->text, t->len, type_names, 3, type_at, "types");
    cvm_asm_err(st, t->col, "%s", why);
    return false;
}

bool cvm_asm_named_types(asm_state *st, const cvm_token *t, size_t n, size_t *i, const cvm_token **names,
                         cvm_vtype *types, size_t *count, size_t max, const char *item, const char *owner)
{
    char b[220], what[200];
    while (*i + 1 < n && t[*i].kind == CVM_TOK_IDENT && t[*i + 1].kind == CVM_TOK_COLON) {
        const cvm_token *nm = &t[*i];
        if (!cvm_asm_valid_name_len(nm->len)) {
            cvm_asm_err(st, nm->col, "%s name longer than %d bytes", item, CVM_MAX_NAME);
            return false;
        }
        for (size_t k = 0; k < *count; k++)
            if (names[k]->len == nm->len && memcmp(names[k]->text, nm->text, nm->len) == 0) {
                cvm_asm_err(st, nm->col, "%s '%s' of %s is named twice", item,
                            cvm_asm_shown(b, sizeof b, nm->text, nm->len), owner);
                return false;
            }
        if (*count == max) {
            cvm_asm_err(st, nm->col, "%s has more than %zu %ss", owner, max, item);
            return false;
        }
        snprintf(what, sizeof what, "%s '%s'", item, cvm_asm_shown(b, sizeof b, nm->text, nm->len));
        if (*i + 2 >= n) {
            cvm_asm_err(st, t[*i + 1].col, "%s needs a type after ':' (int, bytes or string)", what);
            return false;
        }
        if (!cvm_asm_type(st, &t[*i + 2], what, &types[*count]))
            return false;
        names[(*count)++] = nm;
        *i += 3;
    }
    return true;
}

/* Types after `params` or `returns` of an import, up to the next keyword. */
static bool type_list(asm_state *st, const cvm_token *t, size_t n, size_t *i, cvm_vtype *types, size_t *count,
                      size_t max, const char *item, const char *owner)
{
    char what[120];
    while (*i < n && !cvm_asm_is_keyword(&t[*i])) {
        if (*count == max) {
            cvm_asm_err(st, t[*i].col, "%s has more than %zu %ss", owner, max, item);
            return false;
        }
        snprintf(what, sizeof what, "%s %zu of %s", item, *count + 1, owner);
        if (!cvm_asm_type(st, &t[*i], what, &types[*count]))
            return false;
        (*count)++;
        (*i)++;
    }
    return true;
}

/* [A-Za-z_][A-Za-z0-9_]{0,62} */
static bool valid_ident(const char *p, size_t n)
{
    return cvm_asm_valid_contract_name(p, n) && !(p[0] >= '0' && p[0] <= '9');
}

/* The target of .import at t[1] (and t[2]): `Svc.method`, which the lexer
 * splits into a name and an adjacent `.method`, or a string. Sets *next to
 * the first token after it. */
static bool import_target(asm_state *st, const cvm_token *t, size_t n, const char **p, size_t *len, size_t *next)
{
    *next = 2;
    if (n > 1 && t[1].kind == CVM_TOK_STRING) {
        *p = (const char *)cvm_tok_bytes(&st->lx, &t[1]);
        *len = t[1].str_len;
    } else if (n > 2 && (t[1].kind == CVM_TOK_IDENT || t[1].kind == CVM_TOK_NUMBER) &&
               t[2].kind == CVM_TOK_DIRECTIVE && t[2].col == t[1].col + t[1].len) {
        *p = t[1].text; /* both tokens lie next to each other in the line */
        *len = t[1].len + t[2].len;
        *next = 3;
    } else {
        return false;
    }
    const char *dot = memchr(*p, '.', *len);
    return dot && cvm_asm_valid_contract_name(*p, (size_t)(dot - *p)) &&
           valid_ident(dot + 1, *len - (size_t)(dot - *p) - 1);
}

/* Records key[0..len) in map (-> this line); false after reporting a
 * duplicate as "WHAT 'key' already declared at line N". */
static bool first_declaration(asm_state *st, cvm_map *map, const char *key, size_t len, size_t col, const char *what)
{
    bool created;
    cvm_map_entry *e = cvm_map_put(map, key, len, &created);
    if (!e) {
        st->oom = true;
        return false;
    }
    if (!created) {
        char b[200];
        cvm_asm_err(st, col, "%s '%s' already declared at line %lld", what, cvm_asm_shown(b, sizeof b, key, len),
                    (long long)e->ival);
        return false;
    }
    e->ival = st->line;
    return true;
}

cvm_vtype *cvm_asm_copy_types(asm_state *st, const cvm_vtype *types, size_t n)
{
    if (!n)
        return NULL;
    cvm_vtype *c = cvm_calloc(st->al, n, sizeof *c);
    if (!c) {
        st->oom = true;
        return NULL;
    }
    memcpy(c, types, n * sizeof *c);
    return c;
}

char **cvm_asm_copy_names(asm_state *st, const cvm_token *const *names, size_t n)
{
    if (!n)
        return NULL;
    char **c = cvm_calloc(st->al, n, sizeof *c);
    if (!c) {
        st->oom = true;
        return NULL;
    }
    for (size_t k = 0; k < n; k++)
        if (!(c[k] = cvm_strndup(st->al, names[k]->text, names[k]->len)))
            st->oom = true;
    return c; /* with NULL entries after oom: freed whole by cvm_module_free */
}

/* Reports "unknown WHAT option X", with a suggestion from opts. */
static void unknown_option(asm_state *st, const cvm_token *t, const char *what, const char *const *opts, size_t nopts)
{
    char b[220], why[400];
    snprintf(why, sizeof why, "unknown %s option %s", what, cvm_asm_tok_shown(b, sizeof b, t));
    if (t->kind == CVM_TOK_IDENT)
        cvm_suggest_append(why, sizeof why, t->text, t->len, opts, nopts, type_at, "options");
    else
        cvm_suggest_append(why, sizeof why, "", 0, opts, nopts, type_at, "options");
    cvm_asm_err(st, t->col, "%s", why);
}

void cvm_asm_dir_import(asm_state *st, const cvm_token *t, size_t n)
{
    const char *target;
    size_t tlen, i;
    if (!import_target(st, t, n, &target, &tlen, &i)) {
        cvm_asm_err(st, n > 1 ? t[1].col : t[0].col,
                    ".import needs a target Service.method (for example Token.transfer or \"Token.transfer\")");
        return;
    }
    char owner[CVM_MAX_NAME * 2 + 16];
    snprintf(owner, sizeof owner, "import %.*s", (int)tlen, target);
    cvm_vtype ptypes[CVM_MAX_PARAMS], rtypes[CVM_MAX_RESULTS];
    size_t np = 0, nr = 0;
    bool have_params = false, have_returns = false;
    static const char *const opts[] = {"params", "returns"};
    while (i < n) {
        const cvm_token *o = &t[i];
        bool is_params = is_word(o, "params");
        if (is_params || is_word(o, "returns")) {
            bool *have = is_params ? &have_params : &have_returns;
            if (*have) {
                cvm_asm_err(st, o->col, "%s given twice", is_params ? "params" : "returns");
                return;
            }
            *have = true;
            i++;
            if (is_params && i < n && t[i].kind == CVM_TOK_NUMBER) {
                cvm_asm_err(st, t[i].col, "the params of an import are types (for example params bytes int), not a count");
                return;
            }
            bool ok = is_params ? type_list(st, t, n, &i, ptypes, &np, CVM_MAX_PARAMS, "param", owner)
                                : type_list(st, t, n, &i, rtypes, &nr, CVM_MAX_RESULTS, "result", owner);
            if (!ok)
                return;
        } else {
            unknown_option(st, o, "import", opts, 2);
            return;
        }
    }
    if (!first_declaration(st, &st->imports, target, tlen, t[1].col, "import"))
        return;
    cvm_module *m = st->m;
    cvm_import *ims = cvm_asm_grow(st, m->imports, &st->imports_cap, m->nimports, sizeof *ims);
    if (!ims)
        return;
    m->imports = ims;
    cvm_import *im = &m->imports[m->nimports];
    *im = (cvm_import){.nparams = (uint32_t)np, .nresults = (uint32_t)nr};
    m->nimports++; /* counted at once: cvm_module_free frees what is set */
    im->target = cvm_strndup(st->al, target, tlen);
    if (!im->target)
        st->oom = true;
    im->ptypes = cvm_asm_copy_types(st, ptypes, np);
    im->rtypes = cvm_asm_copy_types(st, rtypes, nr);
}

void cvm_asm_dir_event(asm_state *st, const cvm_token *t, size_t n)
{
    char b[220];
    if (n < 2 || t[1].kind != CVM_TOK_IDENT || !cvm_asm_valid_name_len(t[1].len)) {
        cvm_asm_err(st, n > 1 ? t[1].col : t[0].col, ".event needs a name (an identifier of at most %d bytes)",
                    CVM_MAX_NAME);
        return;
    }
    char owner[CVM_MAX_NAME + 16];
    snprintf(owner, sizeof owner, "event %.*s", (int)t[1].len, t[1].text);
    const cvm_token *names[CVM_MAX_FIELDS];
    cvm_vtype types[CVM_MAX_FIELDS];
    size_t nf = 0, i = 2;
    if (!cvm_asm_named_types(st, t, n, &i, names, types, &nf, CVM_MAX_FIELDS, "field", owner))
        return;
    if (i < n) {
        cvm_asm_err(st, t[i].col, "expected a field name:type in .event, found %s", cvm_asm_tok_shown(b, sizeof b, &t[i]));
        return;
    }
    if (!first_declaration(st, &st->events, t[1].text, t[1].len, t[1].col, "event"))
        return;
    cvm_module *m = st->m;
    cvm_event_decl *evs = cvm_asm_grow(st, m->events, &st->events_cap, m->nevents, sizeof *evs);
    if (!evs)
        return;
    m->events = evs;
    cvm_event_decl *ev = &m->events[m->nevents];
    *ev = (cvm_event_decl){.nfields = (uint32_t)nf};
    m->nevents++;
    ev->name = cvm_strndup(st->al, t[1].text, t[1].len);
    if (!ev->name)
        st->oom = true;
    ev->fnames = cvm_asm_copy_names(st, names, nf);
    ev->ftypes = cvm_asm_copy_types(st, types, nf);
}
