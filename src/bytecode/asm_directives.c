/*
 * asm_directives.c — the assembler's directives: the contract's metadata
 * (.contract, .reputation, .cooperative, .state), methods (.method, with
 * their signatures) and the line table (.line, .nolines); .import and
 * .event are in asm_decls.c. Grammar in docs/assembly.md.
 */
#include <string.h>

#include <stdio.h>

#include "asm_internal.h"
#include "base/alloc.h"
#include "base/suggest.h"

/* The text of a NAME-like operand: an identifier, or a string. */
static bool word_or_string(const asm_state *st, const cvm_token *t, const char **p, size_t *n)
{
    if (t->kind == CVM_TOK_IDENT) {
        *p = t->text;
        *n = t->len;
        return true;
    }
    if (t->kind == CVM_TOK_STRING) {
        *p = (const char *)cvm_tok_bytes(&st->lx, t);
        *n = t->str_len;
        return true;
    }
    return false;
}

/* A once-only directive: false (after an error) when it was seen before. */
static bool once(asm_state *st, int64_t *at, const cvm_token *d)
{
    if (*at) {
        cvm_asm_err(st, d->col, "%.*s given twice (first at line %lld)", (int)d->len, d->text, (long long)(*at - 1));
        return false;
    }
    *at = (int64_t)st->line + 1;
    return true;
}

static bool is_contract_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool cvm_asm_valid_contract_name(const char *p, size_t n)
{
    if (!cvm_asm_valid_name_len(n))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_contract_char((unsigned char)p[i]))
            return false;
    return true;
}

bool cvm_asm_set_name(asm_state *st, const char *p, size_t n)
{
    char *s = cvm_strndup(st->al, p, n);
    if (!s) {
        st->oom = true;
        return false;
    }
    cvm_free(st->al, st->m->name);
    st->m->name = s;
    return true;
}

static void dir_contract(asm_state *st, const cvm_token *t, size_t n)
{
    if (!once(st, &st->contract_at, &t[0]))
        return;
    const char *p = NULL;
    size_t len = 0;
    if (n > 1 && t[1].kind == CVM_TOK_NUMBER) { /* a service name may start with a digit */
        p = t[1].text;
        len = t[1].len;
    } else if (n > 1) {
        word_or_string(st, &t[1], &p, &len);
    }
    if (!p || !cvm_asm_valid_contract_name(p, len)) {
        cvm_asm_err(st, n > 1 ? t[1].col : t[0].col, ".contract needs a name of 1..%d characters [A-Za-z0-9_]",
                    CVM_MAX_NAME);
        return;
    }
    if (cvm_asm_no_more(st, t + 2, n - 2, "the contract name"))
        cvm_asm_set_name(st, p, len);
}

static void dir_reputation(asm_state *st, const cvm_token *t, size_t n)
{
    int64_t v;
    if (once(st, &st->reputation_at, &t[0]) && cvm_asm_int_in(st, t, 1, n, INT64_MIN, INT64_MAX, ".reputation", &v) &&
        cvm_asm_no_more(st, t + 2, n - 2, "the reputation"))
        st->m->required_reputation = v;
}

static void dir_state(asm_state *st, const cvm_token *t, size_t n)
{
    const char *key = NULL;
    size_t klen = 0;
    if (n < 2 || !word_or_string(st, &t[1], &key, &klen)) {
        cvm_asm_err(st, n > 1 ? t[1].col : t[0].col,
                    ".state needs a key (a name or a string; write \"5\" for a numeric key)");
        return;
    }
    if (klen == 0) {
        cvm_asm_err(st, t[1].col, "state key must not be empty");
        return;
    }
    if (klen > CVM_ASM_MAX_STR) { /* a string cannot be longer; a word can */
        cvm_asm_err(st, t[1].col, "state key longer than %d bytes", CVM_ASM_MAX_STR);
        return;
    }
    int64_t v;
    if (!cvm_asm_int_in(st, t, 2, n, INT64_MIN, INT64_MAX, ".state", &v) ||
        !cvm_asm_no_more(st, t + 3, n - 3, "the state value"))
        return;
    bool created;
    cvm_map_entry *e = cvm_map_put(&st->keys, key, klen, &created);
    if (!e) {
        st->oom = true;
        return;
    }
    char b[200];
    if (!created) {
        cvm_asm_err(st, t[1].col, "state key '%s' already set at line %lld", cvm_asm_shown(b, sizeof b, key, klen),
                    (long long)e->ival);
        return;
    }
    e->ival = st->line;
    cvm_module *m = st->m;
    cvm_state_init *ss = cvm_asm_grow(st, m->state, &st->state_cap, m->nstate, sizeof *ss);
    if (ss)
        m->state = ss;
    uint8_t *k = ss ? (uint8_t *)cvm_strndup(st->al, key, klen) : NULL;
    if (!k) {
        st->oom = true;
        return;
    }
    m->state[m->nstate++] = (cvm_state_init){k, klen, v};
}

/* purpose= and federation=: a word or a string without NUL bytes. */
static bool coop_text(asm_state *st, const cvm_token *key, const cvm_token *val, char **out)
{
    const char *p;
    size_t n;
    if (!word_or_string(st, val, &p, &n)) {
        cvm_asm_err(st, val->col, "%.*s needs a word or a string", (int)key->len, key->text);
        return false;
    }
    if (memchr(p, 0, n)) {
        cvm_asm_err(st, val->col, "%.*s must not contain a NUL byte", (int)key->len, key->text);
        return false;
    }
    if (n > CVM_ASM_MAX_STR) {
        cvm_asm_err(st, val->col, "%.*s longer than %d bytes", (int)key->len, key->text, CVM_ASM_MAX_STR);
        return false;
    }
    char *s = cvm_strndup(st->al, p, n);
    if (!s) {
        st->oom = true;
        return false;
    }
    cvm_free(st->al, *out);
    *out = s;
    return true;
}

static void dir_cooperative(asm_state *st, const cvm_token *t, size_t n)
{
    if (!once(st, &st->coop_at, &t[0]))
        return;
    if (n < 2 || t[1].kind != CVM_TOK_IDENT || !cvm_asm_valid_name_len(t[1].len)) {
        cvm_asm_err(st, n > 1 ? t[1].col : t[0].col, ".cooperative needs an id (an identifier of at most %d bytes)",
                    CVM_MAX_NAME);
        return;
    }
    cvm_coop_meta *c = &st->m->coop;
    c->present = true;
    c->id = cvm_strndup(st->al, t[1].text, t[1].len);
    c->purpose = cvm_strndup(st->al, "", 0);
    c->federation = cvm_strndup(st->al, "", 0);
    if (!c->id || !c->purpose || !c->federation) {
        st->oom = true;
        return;
    }
    static const char *const keys[] = {"purpose", "cpu", "memory", "network", "storage", "bandwidth", "federation"};
    uint8_t *impacts[] = {NULL, &c->cpu, &c->memory, &c->network, &c->storage, &c->bandwidth, NULL};
    unsigned seen = 0;
    char b[220];
    for (size_t i = 2; i < n; i += 3) {
        if (t[i].kind != CVM_TOK_IDENT) {
            cvm_asm_err(st, t[i].col, "expected key=value in .cooperative, found %s",
                        cvm_asm_tok_shown(b, sizeof b, &t[i]));
            return;
        }
        if (i + 1 >= n || t[i + 1].kind != CVM_TOK_EQUALS) {
            cvm_asm_err(st, i + 1 < n ? t[i + 1].col : t[i].col, "expected '=' after %s",
                        cvm_asm_shown(b, sizeof b, t[i].text, t[i].len));
            return;
        }
        size_t k = 0;
        while (k < 7 && !(strlen(keys[k]) == t[i].len && memcmp(keys[k], t[i].text, t[i].len) == 0))
            k++;
        if (k == 7) {
            cvm_asm_err(st, t[i].col,
                        "unknown cooperative key %s (expected purpose, cpu, memory, network, storage, bandwidth or "
                        "federation)",
                        cvm_asm_tok_shown(b, sizeof b, &t[i]));
            return;
        }
        if (i + 2 >= n) {
            cvm_asm_err(st, t[i + 1].col, "%s needs a value", keys[k]);
            return;
        }
        if (seen & (1u << k)) {
            cvm_asm_err(st, t[i].col, "cooperative key %s given twice", keys[k]);
            continue;
        }
        seen |= 1u << k;
        int64_t v;
        if (impacts[k]) {
            if (cvm_asm_int_in(st, t, i + 2, n, 0, CVM_IMPACT_MAX, keys[k], &v))
                *impacts[k] = (uint8_t)v;
        } else {
            coop_text(st, &t[i], &t[i + 2], k == 0 ? &c->purpose : &c->federation);
        }
        if (st->oom)
            return;
    }
}

static bool is_word(const cvm_token *t, const char *w)
{
    return t->kind == CVM_TOK_IDENT && strlen(w) == t->len && memcmp(w, t->text, t->len) == 0;
}

static const char *option_at(const void *set, size_t i) { return ((const char *const *)set)[i]; }

/* A method's signature as written: `params N`, or `params a:int ...`
 * (named), and `returns type ...`. */
typedef struct method_sig {
    int64_t params;
    bool named, returns;
    const cvm_token *pnames[CVM_MAX_PARAMS]; /* borrowed from the line */
    cvm_vtype ptypes[CVM_MAX_PARAMS];
    cvm_vtype rtypes[CVM_MAX_RESULTS];
    size_t nresults;
} method_sig;

/* The options after `.method NAME` from t[2]; false after an error. */
static bool method_options(asm_state *st, const cvm_token *t, size_t n, uint32_t *flags, method_sig *sig,
                           const char *owner)
{
    static const char *const opts[] = {"params", "returns", "readonly"};
    bool have_params = false;
    size_t i = 2;
    while (i < n) {
        const cvm_token *o = &t[i];
        if (is_word(o, "readonly")) {
            if (*flags & CVM_METHOD_READONLY)
                cvm_asm_err(st, o->col, "readonly given twice");
            *flags |= CVM_METHOD_READONLY;
            i++;
        } else if (is_word(o, "params")) {
            if (have_params)
                cvm_asm_err(st, o->col, "params given twice");
            have_params = true;
            sig->named = false;
            if (i + 1 < n && t[i + 1].kind == CVM_TOK_NUMBER) {
                int64_t v;
                if (cvm_asm_int_in(st, t, i + 1, n, 0, CVM_MAX_PARAMS, "params", &v))
                    sig->params = v;
                i += 2;
            } else if (i + 2 < n && t[i + 1].kind == CVM_TOK_IDENT && t[i + 2].kind == CVM_TOK_COLON) {
                size_t np = 0;
                i++;
                if (!cvm_asm_named_types(st, t, n, &i, sig->pnames, sig->ptypes, &np, CVM_MAX_PARAMS, "param", owner))
                    return false;
                sig->named = true;
                sig->params = (int64_t)np;
            } else {
                cvm_asm_err(st, i + 1 < n ? t[i + 1].col : o->col,
                            "params needs an integer 0..%d or name:type pairs (for example params to:bytes amount:int)",
                            CVM_MAX_PARAMS);
                return false;
            }
        } else if (is_word(o, "returns")) {
            if (sig->returns) {
                cvm_asm_err(st, o->col, "returns given twice");
                return false;
            }
            sig->returns = true;
            char what[120];
            for (i++; i < n && !cvm_asm_is_keyword(&t[i]); i++) {
                if (sig->nresults == CVM_MAX_RESULTS) {
                    cvm_asm_err(st, t[i].col, "%s has more than %d results", owner, CVM_MAX_RESULTS);
                    return false;
                }
                snprintf(what, sizeof what, "result %zu of %s", sig->nresults + 1, owner);
                if (!cvm_asm_type(st, &t[i], what, &sig->rtypes[sig->nresults]))
                    return false;
                sig->nresults++;
            }
        } else {
            char b[220], why[400];
            snprintf(why, sizeof why, "unknown method option %s", cvm_asm_tok_shown(b, sizeof b, o));
            cvm_suggest_append(why, sizeof why, o->kind == CVM_TOK_IDENT ? o->text : "",
                               o->kind == CVM_TOK_IDENT ? o->len : 0, opts, 3, option_at, "options");
            cvm_asm_err(st, o->col, "%s", why);
            return false;
        }
    }
    return true;
}

/* Gives the method just opened its signature: named params or a returns
 * clause make it typed; `params N` with returns means N integers, named
 * arg1..argN (a typed method names every param). */
static void set_signature(asm_state *st, const method_sig *sig)
{
    if (!sig->named && !sig->returns)
        return;
    cvm_method *me = &st->m->methods[st->cur];
    me->typed = true;
    me->nresults = (uint32_t)sig->nresults;
    me->rtypes = cvm_asm_copy_types(st, sig->rtypes, sig->nresults);
    size_t np = (size_t)sig->params;
    if (sig->named) {
        me->pnames = cvm_asm_copy_names(st, sig->pnames, np);
        me->ptypes = cvm_asm_copy_types(st, sig->ptypes, np);
        return;
    }
    if (!np)
        return;
    me->pnames = cvm_calloc(st->al, np, sizeof *me->pnames);
    me->ptypes = cvm_calloc(st->al, np, sizeof *me->ptypes);
    if (!me->pnames || !me->ptypes) {
        st->oom = true;
        return;
    }
    for (size_t k = 0; k < np; k++) {
        char nm[16];
        int len = snprintf(nm, sizeof nm, "arg%zu", k + 1);
        me->ptypes[k] = CVM_ARG_INT64;
        if (!(me->pnames[k] = cvm_strndup(st->al, nm, (size_t)len)))
            st->oom = true;
    }
}

static void dir_method(asm_state *st, const cvm_token *t, size_t n)
{
    const char *name = NULL;
    size_t len = 0;
    if (n < 2 || t[1].kind != CVM_TOK_IDENT) {
        cvm_asm_err(st, n > 1 ? t[1].col : t[0].col, ".method needs a name (an identifier)");
    } else if (!cvm_asm_valid_name_len(t[1].len)) {
        cvm_asm_err(st, t[1].col, "method name longer than %d bytes", CVM_MAX_NAME);
    } else {
        const cvm_map_entry *e = cvm_map_get(&st->methods, t[1].text, t[1].len);
        if (e)
            cvm_asm_err(st, t[1].col, "method '%.*s' already defined at line %lld", (int)t[1].len, t[1].text,
                        (long long)e->ival);
        else {
            name = t[1].text;
            len = t[1].len;
        }
    }
    char owner[CVM_MAX_NAME + 16];
    snprintf(owner, sizeof owner, "method %.*s", n > 1 ? (int)(t[1].len > CVM_MAX_NAME ? CVM_MAX_NAME : t[1].len) : 1,
             n > 1 ? t[1].text : "?");
    uint32_t flags = 0;
    method_sig sig;
    memset(&sig, 0, sizeof sig);
    bool ok = method_options(st, t, n, &flags, &sig, owner);
    cvm_asm_open_method(st, name, len, (uint32_t)sig.params, flags);
    if (ok && st->in_method && !st->oom)
        set_signature(st, &sig);
}

static void dir_line(asm_state *st, const cvm_token *t, size_t n)
{
    int64_t v;
    if (cvm_asm_int_in(st, t, 1, n, 0, CVM_ASM_MAX_LINE, ".line", &v) &&
        cvm_asm_no_more(st, t + 2, n - 2, "the line number")) {
        st->line_base = v;
        st->phys_base = st->phys + 1;
    }
}

void cvm_asm_directive(asm_state *st, const cvm_token *t, size_t n)
{
    static const struct {
        const char *name;
        void (*fn)(asm_state *, const cvm_token *, size_t);
    } dirs[] = {{".contract", dir_contract}, {".reputation", dir_reputation}, {".cooperative", dir_cooperative},
                {".state", dir_state},       {".method", dir_method},         {".line", dir_line},
                {".import", cvm_asm_dir_import}, {".event", cvm_asm_dir_event}};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        if (strlen(dirs[i].name) == t[0].len && memcmp(dirs[i].name, t[0].text, t[0].len) == 0) {
            dirs[i].fn(st, t, n);
            return;
        }
    if (t[0].len == 8 && memcmp(t[0].text, ".nolines", 8) == 0) {
        if (cvm_asm_no_more(st, t + 1, n - 1, ".nolines"))
            st->nolines = true;
        return;
    }
    char b[220];
    cvm_asm_err(st, t[0].col, "unknown directive %s", cvm_asm_tok_shown(b, sizeof b, &t[0]));
}