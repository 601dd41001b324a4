/*
 * asm.c — the assembler: coopvm assembly text to a verified module.
 *
 * One pass over the lines builds the module directly. Label uses are fixed
 * up when their method ends (labels are scoped per method). Every error is
 * collected with its position and the collection is sorted before it is
 * reported, so a label error found at the end of a method still comes out in
 * line order. The verifier runs last, as a safety net: the checks here are
 * meant to catch every problem first, with its exact position. The language
 * is described in docs/assembly.md.
 */
#include "asm.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "lexer.h"

#define LINE_MAX_NUMBER 2147483647 /* .line N and every line number fit an int */

/* One collected diagnostic; sorted by (phys, col, seq) before reporting. */
typedef struct diag_rec {
    size_t phys;    /* 0-based physical line, for ordering */
    size_t col;     /* 0-based byte column */
    size_t seq;     /* order of discovery, to keep the sort stable */
    int line;       /* the line number shown (after .line) */
    size_t msg_off; /* the message in asm_state.msgs */
} diag_rec;

/* A label use waiting for the end of its method. */
typedef struct fixup {
    size_t pc;
    const char *name; /* borrowed from the source */
    size_t len;
    size_t phys, col;
    int line;
} fixup;

typedef struct asm_state {
    const cvm_allocator *al; /* borrowed */
    const char *file;        /* borrowed */
    cvm_module *m;           /* owned until handed to the caller */
    size_t code_cap, methods_cap, consts_cap, state_cap;
    cvm_lexer lx;
    cvm_map consts;    /* constant bytes -> pool index */
    cvm_map methods;   /* method name -> line of its definition */
    cvm_map labels;    /* current method: label -> line << 32 | pc */
    cvm_map keys;      /* .state key -> line */
    fixup *fix;        /* owned; the current method's label uses */
    size_t nfix, fixcap;
    diag_rec *diags;   /* owned */
    size_t ndiags, diagcap;
    cvm_buf msgs;      /* owned: NUL-separated diagnostic messages */
    bool oom;
    /* where we are */
    size_t phys;       /* 0-based physical line */
    int64_t line_base; /* line number of physical line phys_base */
    size_t phys_base;
    int line;          /* the current line's number */
    /* the method being assembled */
    bool in_method;
    size_t cur;
    /* once-only directives: 0 = not seen, else 1 + the line it was on */
    int64_t contract_at, reputation_at, coop_at;
    bool nolines;
} asm_state;

/* ------------------------------------------------------------ diagnostics */

static void diag_vat(asm_state *st, size_t phys, int line, size_t col, const char *fmt, va_list ap)
{
    if (st->ndiags == st->diagcap) {
        size_t cap = st->diagcap ? st->diagcap * 2 : 16;
        diag_rec *d = cvm_realloc(st->al, st->diags, cap * sizeof *d);
        if (!d) {
            st->oom = true;
            return;
        }
        st->diags = d;
        st->diagcap = cap;
    }
    size_t off = st->msgs.len;
    cvm_buf_vprintf(&st->msgs, fmt, ap);
    cvm_buf_byte(&st->msgs, 0);
    if (!cvm_buf_ok(&st->msgs)) {
        st->oom = true;
        return;
    }
    st->diags[st->ndiags] = (diag_rec){phys, col, st->ndiags, line, off};
    st->ndiags++;
}

static void diag_at(asm_state *st, size_t phys, int line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void diag_at(asm_state *st, size_t phys, int line, size_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vat(st, phys, line, col, fmt, ap);
    va_end(ap);
}

/* An error at column col (0-based) of the current line. */
static void err_col(asm_state *st, size_t col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void err_col(asm_state *st, size_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vat(st, st->phys, st->line, col, fmt, ap);
    va_end(ap);
}

static int cmp_diag(const void *a, const void *b)
{
    const diag_rec *x = a, *y = b;
    if (x->phys != y->phys)
        return x->phys < y->phys ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void report_all(asm_state *st, cvm_diag_fn diag, void *ud)
{
    if (!diag)
        return;
    qsort(st->diags, st->ndiags, sizeof *st->diags, cmp_diag);
    for (size_t i = 0; i < st->ndiags; i++) {
        const diag_rec *d = &st->diags[i];
        int col = d->col >= (size_t)INT_MAX ? INT_MAX : (int)d->col + 1;
        diag(ud, st->file, d->line, col, (const char *)st->msgs.data + d->msg_off);
    }
}

/* Bytes made printable for a message: quoted text kept, others as \xHH,
 * cut at 40 bytes. */
static const char *shown(char *buf, size_t cap, const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t o = 0;
    for (size_t i = 0; i < n && o + 8 < cap; i++) {
        if (i == 40) {
            o += (size_t)snprintf(buf + o, cap - o, "...");
            break;
        }
        if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\' && s[i] != '\'')
            buf[o++] = (char)s[i];
        else
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", s[i]);
    }
    buf[o] = '\0';
    return buf;
}

/* A token as the user wrote it, for "found ..." messages. */
static const char *tok_shown(char *buf, size_t cap, const cvm_token *t)
{
    char tmp[200];
    switch (t->kind) {
    case CVM_TOK_STRING: snprintf(buf, cap, "a string"); break;
    case CVM_TOK_COLON: snprintf(buf, cap, "':'"); break;
    case CVM_TOK_EQUALS: snprintf(buf, cap, "'='"); break;
    default: snprintf(buf, cap, "'%s'", shown(tmp, sizeof tmp, t->text, t->len)); break;
    }
    return buf;
}

/* "unexpected X after WHAT" for the first surplus token, if any. */
static bool no_more(asm_state *st, const cvm_token *t, size_t n, const char *what)
{
    if (n == 0)
        return true;
    char b[220];
    err_col(st, t[0].col, "unexpected %s after %s", tok_shown(b, sizeof b, &t[0]), what);
    return false;
}

/* ------------------------------------------------------------ building */

static bool grow(asm_state *st, void **p, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 16;
    if (c > SIZE_MAX / elem) {
        st->oom = true;
        return false;
    }
    void *q = cvm_realloc(st->al, *p, c * elem);
    if (!q) {
        st->oom = true;
        return false;
    }
    *p = q;
    *cap = c;
    return true;
}

static bool valid_name_len(size_t n) { return n >= 1 && n <= CVM_MAX_NAME; }

/* Line numbers shown for the current physical line (see .line). */
static int line_of(const asm_state *st, size_t phys)
{
    int64_t l = st->line_base + (int64_t)(phys - st->phys_base);
    return l > LINE_MAX_NUMBER ? LINE_MAX_NUMBER : (int)l;
}

static const char *cur_method_name(const asm_state *st)
{
    const char *n = st->m->methods[st->cur].name;
    return n ? n : "?";
}

/* Resolves the current method's label uses and fixes its length. */
static void close_method(asm_state *st)
{
    if (!st->in_method)
        return;
    cvm_module *m = st->m;
    for (size_t i = 0; i < st->nfix; i++) {
        const fixup *f = &st->fix[i];
        const cvm_map_entry *e = cvm_map_get(&st->labels, f->name, f->len);
        char b[200];
        if (!e) {
            diag_at(st, f->phys, f->line, f->col, "label '%s' is not defined in method %s",
                    shown(b, sizeof b, f->name, f->len), cur_method_name(st));
            continue;
        }
        size_t pc = (size_t)(e->ival & 0xffffffff);
        if (pc >= m->ncode) {
            diag_at(st, f->phys, f->line, f->col, "label '%s' is at the end of method %s, with no instruction after it",
                    shown(b, sizeof b, f->name, f->len), cur_method_name(st));
            continue;
        }
        m->code[f->pc].operand = (int64_t)pc;
    }
    st->nfix = 0;
    cvm_map_free(&st->labels);
    m->methods[st->cur].len = (uint32_t)(m->ncode - m->methods[st->cur].entry);
    st->in_method = false;
}

/* Starts a method; name NULL for a method whose name was in error. */
static void open_method(asm_state *st, const char *name, size_t len, uint32_t params, uint32_t flags)
{
    close_method(st);
    cvm_module *m = st->m;
    if (!grow(st, (void **)&m->methods, &st->methods_cap, m->nmethods, sizeof *m->methods))
        return;
    char *n = NULL;
    if (name) {
        bool created;
        cvm_map_entry *e = cvm_map_put(&st->methods, name, len, &created);
        n = cvm_strndup(st->al, name, len);
        if (!e || !n) {
            cvm_free(st->al, n);
            st->oom = true;
            return;
        }
        e->ival = st->line;
    }
    m->methods[m->nmethods] = (cvm_method){n, (uint32_t)m->ncode, 0, params, flags};
    st->cur = m->nmethods++;
    st->in_method = true;
}

/* Instructions and labels before any .method open method main. */
static bool ensure_method(asm_state *st)
{
    /* a method once opened stays open until the next .method opens another */
    if (!st->in_method && !st->oom)
        open_method(st, "main", 4, 0, 0);
    return st->in_method && !st->oom;
}

/* The pool index of bytes p[0..n), added in first-use order. */
static int64_t intern(asm_state *st, const uint8_t *p, size_t n)
{
    bool created;
    cvm_map_entry *e = cvm_map_put(&st->consts, p, n, &created);
    if (!e) {
        st->oom = true;
        return -1;
    }
    if (!created)
        return e->ival;
    cvm_module *m = st->m;
    uint8_t *copy = grow(st, (void **)&m->consts, &st->consts_cap, m->nconsts, sizeof *m->consts)
                        ? (uint8_t *)cvm_strndup(st->al, (const char *)p, n)
                        : NULL;
    if (!copy) {
        cvm_map_del(&st->consts, p, n);
        st->oom = true;
        return -1;
    }
    m->consts[m->nconsts] = (cvm_const){copy, n};
    e = cvm_map_get(&st->consts, p, n);
    e->ival = (int64_t)m->nconsts++;
    return e->ival;
}

static void emit(asm_state *st, cvm_op op, bool has_operand, int64_t operand)
{
    cvm_module *m = st->m;
    if (m->ncode >= UINT32_MAX) {
        err_col(st, 0, "too many instructions (at most %u)", (unsigned)UINT32_MAX);
        return;
    }
    size_t cap = st->code_cap;
    if (!grow(st, (void **)&m->code, &cap, m->ncode, sizeof *m->code))
        return;
    size_t lcap = st->code_cap;
    if (!grow(st, (void **)&m->lines, &lcap, m->ncode, sizeof *m->lines))
        return;
    st->code_cap = cap < lcap ? cap : lcap;
    m->code[m->ncode] = (cvm_insn){(uint8_t)op, has_operand, operand};
    m->lines[m->ncode] = (uint32_t)(st->line < 0 ? 0 : st->line);
    m->ncode++;
}

/* ------------------------------------------------------------ labels */

static void define_label(asm_state *st, const cvm_token *t)
{
    if (!ensure_method(st))
        return;
    if (!valid_name_len(t->len)) {
        err_col(st, t->col, "label name longer than %d bytes", CVM_MAX_NAME);
        return;
    }
    bool created;
    cvm_map_entry *e = cvm_map_put(&st->labels, t->text, t->len, &created);
    if (!e) {
        st->oom = true;
        return;
    }
    if (!created) {
        err_col(st, t->col, "label '%.*s' already defined at line %d", (int)t->len, t->text, (int)(e->ival >> 32));
        return;
    }
    e->ival = ((int64_t)st->line << 32) | (int64_t)st->m->ncode;
}

static void use_label(asm_state *st, const cvm_token *t)
{
    if (!grow(st, (void **)&st->fix, &st->fixcap, st->nfix, sizeof *st->fix))
        return;
    st->fix[st->nfix++] = (fixup){st->m->ncode, t->text, t->len, st->phys, t->col, st->line};
}

/* ------------------------------------------------------------ instructions */

static const char *kind_phrase(cvm_operand_kind k)
{
    switch (k) {
    case CVM_OPK_INT: return "an integer operand";
    case CVM_OPK_LOCAL: return "a local number 0..255 as operand";
    case CVM_OPK_STR: return "a string operand";
    case CVM_OPK_LABEL: return "a label operand";
    default: return "no operand";
    }
}

/* Reports a NUMBER token that is not a valid integer; true when it is one. */
static bool check_number(asm_state *st, const cvm_token *t)
{
    char b[200];
    if (t->num == CVM_NUM_RANGE)
        err_col(st, t->col, "integer out of range");
    else if (t->num == CVM_NUM_MALFORMED)
        err_col(st, t->col, "malformed integer '%s'", shown(b, sizeof b, t->text, t->len));
    return t->num == CVM_NUM_OK;
}

/* t[0] is the mnemonic, t[1..n) the operand tokens. */
static void instruction(asm_state *st, const cvm_token *t, size_t n)
{
    char b[220];
    int op = cvm_op_lookup(t[0].text, t[0].len);
    if (op < 0) {
        err_col(st, t[0].col, "unknown mnemonic %s", tok_shown(b, sizeof b, &t[0]));
        return;
    }
    if (!ensure_method(st))
        return;
    const cvm_opinfo *oi = cvm_opinfo_of((unsigned)op);
    const char *mn = oi->mnemonic;
    const cvm_token *arg = n > 1 ? &t[1] : NULL;
    size_t where = arg ? arg->col : t[0].col;
    bool has = false;
    int64_t v = 0;
    char after[96];
    snprintf(after, sizeof after, "the operand of %s", mn);
    switch (oi->operand) {
    case CVM_OPK_NONE:
        if (arg) {
            err_col(st, arg->col, "%s takes no operand", mn);
            return;
        }
        break;
    case CVM_OPK_INT:
    case CVM_OPK_LOCAL:
        if (!arg || arg->kind != CVM_TOK_NUMBER) {
            err_col(st, where, "%s needs %s", mn, kind_phrase(oi->operand));
            return;
        }
        if (oi->operand == CVM_OPK_LOCAL && arg->num != CVM_NUM_MALFORMED &&
            (arg->num == CVM_NUM_RANGE || arg->ival < 0 || arg->ival >= CVM_LOCALS)) {
            err_col(st, arg->col, "%s needs %s", mn, kind_phrase(oi->operand));
            return;
        }
        if (!check_number(st, arg))
            return;
        has = true;
        v = arg->ival;
        break;
    case CVM_OPK_STR:
    case CVM_OPK_OPT_STR:
        if (!arg && oi->operand == CVM_OPK_OPT_STR)
            break;
        if (!arg || arg->kind != CVM_TOK_STRING) {
            if (oi->operand == CVM_OPK_OPT_STR)
                err_col(st, where, "%s takes a string operand or none", mn);
            else
                err_col(st, where, "%s needs %s", mn, kind_phrase(oi->operand));
            return;
        }
        has = true;
        break;
    case CVM_OPK_LABEL:
        if (!arg || arg->kind != CVM_TOK_IDENT) {
            err_col(st, where, "%s needs %s", mn, kind_phrase(oi->operand));
            return;
        }
        if (!valid_name_len(arg->len)) {
            err_col(st, arg->col, "label name longer than %d bytes", CVM_MAX_NAME);
            return;
        }
        has = true;
        break;
    }
    if (arg && !no_more(st, t + 2, n - 2, after))
        return;
    if ((oi->flags & CVM_OPF_WRITES) && (st->m->methods[st->cur].flags & CVM_METHOD_READONLY)) {
        err_col(st, t[0].col, "%s writes state but method %s is readonly", mn, cur_method_name(st));
        return;
    }
    if (has && arg->kind == CVM_TOK_STRING) {
        v = intern(st, cvm_tok_bytes(&st->lx, arg), arg->str_len);
        if (v < 0)
            return;
    }
    if (has && oi->operand == CVM_OPK_LABEL)
        use_label(st, arg);
    if (!st->oom)
        emit(st, (cvm_op)op, has, v);
}

/* ------------------------------------------------------------ directives */

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
        err_col(st, d->col, "%.*s given twice (first at line %lld)", (int)d->len, d->text, (long long)(*at - 1));
        return false;
    }
    *at = (int64_t)st->line + 1;
    return true;
}

static bool is_contract_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool valid_contract_name(const char *p, size_t n)
{
    if (!valid_name_len(n))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_contract_char((unsigned char)p[i]))
            return false;
    return true;
}

static bool set_name(asm_state *st, const char *p, size_t n)
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
    if (!p || !valid_contract_name(p, len)) {
        err_col(st, n > 1 ? t[1].col : t[0].col, ".contract needs a name of 1..%d characters [A-Za-z0-9_]",
                CVM_MAX_NAME);
        return;
    }
    if (no_more(st, t + 2, n - 2, "the contract name"))
        set_name(st, p, len);
}

/* t[i] must be a valid NUMBER in lo..hi; otherwise reports "WHAT needs ...". */
static bool int_in(asm_state *st, const cvm_token *t, size_t i, size_t n, int64_t lo, int64_t hi, const char *what,
                   int64_t *v)
{
    if (i >= n || t[i].kind != CVM_TOK_NUMBER || (t[i].num == CVM_NUM_OK && (t[i].ival < lo || t[i].ival > hi)) ||
        (t[i].num == CVM_NUM_RANGE && (lo != INT64_MIN || hi != INT64_MAX))) {
        if (lo == INT64_MIN && hi == INT64_MAX)
            err_col(st, i < n ? t[i].col : t[i - 1].col, "%s needs an integer", what);
        else
            err_col(st, i < n ? t[i].col : t[i - 1].col, "%s needs an integer %lld..%lld", what, (long long)lo,
                    (long long)hi);
        return false;
    }
    if (!check_number(st, &t[i]))
        return false;
    *v = t[i].ival;
    return true;
}

static void dir_reputation(asm_state *st, const cvm_token *t, size_t n)
{
    int64_t v;
    if (once(st, &st->reputation_at, &t[0]) && int_in(st, t, 1, n, INT64_MIN, INT64_MAX, ".reputation", &v) &&
        no_more(st, t + 2, n - 2, "the reputation"))
        st->m->required_reputation = v;
}

static void dir_state(asm_state *st, const cvm_token *t, size_t n)
{
    const char *key = NULL;
    size_t klen = 0;
    if (n < 2 || !word_or_string(st, &t[1], &key, &klen)) {
        err_col(st, n > 1 ? t[1].col : t[0].col, ".state needs a key (a name or a string; write \"5\" for a numeric key)");
        return;
    }
    if (klen == 0) {
        err_col(st, t[1].col, "state key must not be empty");
        return;
    }
    int64_t v;
    if (!int_in(st, t, 2, n, INT64_MIN, INT64_MAX, ".state", &v) || !no_more(st, t + 3, n - 3, "the state value"))
        return;
    bool created;
    cvm_map_entry *e = cvm_map_put(&st->keys, key, klen, &created);
    if (!e) {
        st->oom = true;
        return;
    }
    char b[200];
    if (!created) {
        err_col(st, t[1].col, "state key '%s' already set at line %lld", shown(b, sizeof b, key, klen),
                (long long)e->ival);
        return;
    }
    e->ival = st->line;
    cvm_module *m = st->m;
    uint8_t *k = grow(st, (void **)&m->state, &st->state_cap, m->nstate, sizeof *m->state)
                     ? (uint8_t *)cvm_strndup(st->al, key, klen)
                     : NULL;
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
        err_col(st, val->col, "%.*s needs a word or a string", (int)key->len, key->text);
        return false;
    }
    if (memchr(p, 0, n)) {
        err_col(st, val->col, "%.*s must not contain a NUL byte", (int)key->len, key->text);
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
    if (n < 2 || t[1].kind != CVM_TOK_IDENT || !valid_name_len(t[1].len)) {
        err_col(st, n > 1 ? t[1].col : t[0].col, ".cooperative needs an id (an identifier of at most %d bytes)",
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
            err_col(st, t[i].col, "expected key=value in .cooperative, found %s", tok_shown(b, sizeof b, &t[i]));
            return;
        }
        if (i + 1 >= n || t[i + 1].kind != CVM_TOK_EQUALS) {
            err_col(st, i + 1 < n ? t[i + 1].col : t[i].col, "expected '=' after %s",
                    shown(b, sizeof b, t[i].text, t[i].len));
            return;
        }
        size_t k = 0;
        while (k < 7 && !(strlen(keys[k]) == t[i].len && memcmp(keys[k], t[i].text, t[i].len) == 0))
            k++;
        if (k == 7) {
            err_col(st, t[i].col,
                    "unknown cooperative key %s (expected purpose, cpu, memory, network, storage, bandwidth or "
                    "federation)",
                    tok_shown(b, sizeof b, &t[i]));
            return;
        }
        if (i + 2 >= n) {
            err_col(st, t[i + 1].col, "%s needs a value", keys[k]);
            return;
        }
        if (seen & (1u << k)) {
            err_col(st, t[i].col, "cooperative key %s given twice", keys[k]);
            continue;
        }
        seen |= 1u << k;
        int64_t v;
        if (impacts[k]) {
            if (int_in(st, t, i + 2, n, 0, CVM_IMPACT_MAX, keys[k], &v))
                *impacts[k] = (uint8_t)v;
        } else {
            coop_text(st, &t[i], &t[i + 2], k == 0 ? &c->purpose : &c->federation);
        }
        if (st->oom)
            return;
    }
}

static void dir_method(asm_state *st, const cvm_token *t, size_t n)
{
    const char *name = NULL;
    size_t len = 0;
    char b[220];
    if (n < 2 || t[1].kind != CVM_TOK_IDENT) {
        err_col(st, n > 1 ? t[1].col : t[0].col, ".method needs a name (an identifier)");
    } else if (!valid_name_len(t[1].len)) {
        err_col(st, t[1].col, "method name longer than %d bytes", CVM_MAX_NAME);
    } else {
        const cvm_map_entry *e = cvm_map_get(&st->methods, t[1].text, t[1].len);
        if (e)
            err_col(st, t[1].col, "method '%.*s' already defined at line %lld", (int)t[1].len, t[1].text,
                    (long long)e->ival);
        else {
            name = t[1].text;
            len = t[1].len;
        }
    }
    int64_t params = 0;
    uint32_t flags = 0;
    bool have_params = false;
    for (size_t i = 2; i < n; i++) {
        if (t[i].kind == CVM_TOK_IDENT && t[i].len == 8 && memcmp(t[i].text, "readonly", 8) == 0) {
            if (flags & CVM_METHOD_READONLY)
                err_col(st, t[i].col, "readonly given twice");
            flags |= CVM_METHOD_READONLY;
        } else if (t[i].kind == CVM_TOK_IDENT && t[i].len == 6 && memcmp(t[i].text, "params", 6) == 0) {
            if (have_params)
                err_col(st, t[i].col, "params given twice");
            have_params = true;
            int64_t v;
            if (int_in(st, t, i + 1, n, 0, CVM_MAX_PARAMS, "params", &v))
                params = v;
            if (i + 1 < n && t[i + 1].kind == CVM_TOK_NUMBER)
                i++;
        } else {
            err_col(st, t[i].col, "unknown method option %s (expected params N or readonly)",
                    tok_shown(b, sizeof b, &t[i]));
            break;
        }
    }
    open_method(st, name, len, (uint32_t)params, flags);
}

static void dir_line(asm_state *st, const cvm_token *t, size_t n)
{
    int64_t v;
    if (int_in(st, t, 1, n, 0, LINE_MAX_NUMBER, ".line", &v) && no_more(st, t + 2, n - 2, "the line number")) {
        st->line_base = v;
        st->phys_base = st->phys + 1;
    }
}

static void directive(asm_state *st, const cvm_token *t, size_t n)
{
    static const struct {
        const char *name;
        void (*fn)(asm_state *, const cvm_token *, size_t);
    } dirs[] = {{".contract", dir_contract}, {".reputation", dir_reputation}, {".cooperative", dir_cooperative},
                {".state", dir_state},       {".method", dir_method},         {".line", dir_line}};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        if (strlen(dirs[i].name) == t[0].len && memcmp(dirs[i].name, t[0].text, t[0].len) == 0) {
            dirs[i].fn(st, t, n);
            return;
        }
    if (t[0].len == 8 && memcmp(t[0].text, ".nolines", 8) == 0) {
        if (no_more(st, t + 1, n - 1, ".nolines"))
            st->nolines = true;
        return;
    }
    char b[220];
    err_col(st, t[0].col, "unknown directive %s", tok_shown(b, sizeof b, &t[0]));
}

/* ------------------------------------------------------------ lines */

static void assemble_tokens(asm_state *st, const cvm_token *t, size_t n);

static void assemble_line(asm_state *st, const char *line, size_t len)
{
    cvm_status s = cvm_lex_line(&st->lx, line, len);
    const cvm_token *t = st->lx.toks;
    size_t n = st->lx.ntoks;
    if (s == CVM_ENOMEM) {
        st->oom = true;
        return;
    }
    if (s != CVM_OK) {
        err_col(st, st->lx.err_col, "%s", st->lx.err);
        /* keep a label defined before the error, so its uses do not fail too */
        if (n >= 2 && t[0].kind == CVM_TOK_IDENT && t[1].kind == CVM_TOK_COLON)
            define_label(st, &t[0]);
        return;
    }
    if (n == 0)
        return;
    size_t before = st->ndiags;
    assemble_tokens(st, t, n);
    /* unreachable for any line the language allows (see CVM_LEX_MAX_TOKENS) */
    if (st->lx.truncated && st->ndiags == before)
        err_col(st, t[n - 1].col, "too many tokens on one line (at most %d)", CVM_LEX_MAX_TOKENS);
}

static void assemble_tokens(asm_state *st, const cvm_token *t, size_t n)
{
    if (t[0].kind == CVM_TOK_DIRECTIVE) {
        directive(st, t, n);
        return;
    }
    size_t i = 0;
    if (n >= 2 && t[0].kind == CVM_TOK_IDENT && t[1].kind == CVM_TOK_COLON) {
        define_label(st, &t[0]);
        i = 2;
        if (i == n)
            return;
    }
    if (t[i].kind != CVM_TOK_IDENT) {
        char b[220];
        err_col(st, t[i].col, "expected an instruction, a label or a directive, found %s",
                tok_shown(b, sizeof b, &t[i]));
        return;
    }
    instruction(st, t + i, n - i);
}

/* The file name without directories and its last extension. */
static void stem(const char *file, const char **p, size_t *n)
{
    const char *base = file ? file : "";
    for (const char *s = base; *s; s++)
        if (*s == '/' || *s == '\\')
            base = s + 1;
    const char *dot = strrchr(base, '.');
    *p = base;
    *n = dot ? (size_t)(dot - base) : strlen(base);
}

static void free_state(asm_state *st)
{
    cvm_lexer_free(&st->lx);
    cvm_map_free(&st->consts);
    cvm_map_free(&st->methods);
    cvm_map_free(&st->labels);
    cvm_map_free(&st->keys);
    cvm_free(st->al, st->fix);
    cvm_free(st->al, st->diags);
    cvm_buf_free(&st->msgs);
    cvm_module_free(st->m);
}

cvm_status cvm_asm(const cvm_allocator *al, const char *src, size_t len, const char *filename, cvm_diag_fn diag,
                   void *diag_ud, cvm_module **out)
{
    *out = NULL;
    asm_state st;
    memset(&st, 0, sizeof st);
    st.al = al;
    st.file = filename ? filename : "<input>";
    st.line_base = 1;
    cvm_lexer_init(&st.lx, al);
    cvm_map_init(&st.consts, al);
    cvm_map_init(&st.methods, al);
    cvm_map_init(&st.labels, al);
    cvm_map_init(&st.keys, al);
    cvm_buf_init(&st.msgs, al);
    st.m = cvm_module_new(al);
    if (!st.m) {
        free_state(&st);
        return CVM_ENOMEM;
    }

    const char *p = src, *end = src + len;
    while (p < end && !st.oom) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        st.line = line_of(&st, st.phys);
        assemble_line(&st, p, (size_t)(le - p));
        if (!nl)
            break;
        p = nl + 1;
        st.phys++;
    }
    if (!st.oom)
        close_method(&st);

    if (!st.oom && !st.contract_at) {
        const char *s;
        size_t n;
        stem(filename, &s, &n);
        char b[200];
        if (valid_contract_name(s, n))
            set_name(&st, s, n);
        else
            diag_at(&st, 0, 1, 0,
                    "the file name '%s' does not give a contract name (1..%d characters [A-Za-z0-9_]); add .contract "
                    "NAME",
                    shown(b, sizeof b, filename ? filename : "", filename ? strlen(filename) : 0), CVM_MAX_NAME);
    }
    if (st.oom) {
        free_state(&st);
        return CVM_ENOMEM;
    }
    if (st.ndiags) {
        report_all(&st, diag, diag_ud);
        free_state(&st);
        return CVM_EINPUT;
    }

    cvm_module *m = st.m;
    if (st.nolines || m->ncode == 0) {
        /* a module without instructions has no line table (one encoding) */
        cvm_free(al, m->lines);
        m->lines = NULL;
    }
    char err[256];
    cvm_status vs = cvm_verify(m, err, sizeof err);
    if (vs != CVM_OK) {
        if (vs == CVM_EINPUT && diag)
            diag(diag_ud, st.file, 1, 1, err);
        free_state(&st);
        return vs;
    }
    st.m = NULL;
    free_state(&st);
    *out = m;
    return CVM_OK;
}
