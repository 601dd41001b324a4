/*
 * asm.c — the assembler: coopvm assembly text to a verified module.
 *
 * One pass over the lines builds the module directly. Label uses are fixed
 * up when their method ends (labels are scoped per method). Every error is
 * collected with its position and the collection is sorted before it is
 * reported (asm_diag.c), so a label error found at the end of a method still
 * comes out in line order. The verifier runs last, as a safety net: the
 * checks here are meant to catch every problem first, with its exact
 * position. The language is described in docs/assembly.md.
 */
#include "asm.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "asm_internal.h"
#include "base/alloc.h"
#include "base/suggest.h"

void *cvm_asm_grow(asm_state *st, void *p, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return p;
    size_t c = *cap ? *cap * 2 : 16;
    void *q = c <= SIZE_MAX / elem ? cvm_realloc(st->al, p, c * elem) : NULL;
    if (!q) {
        st->oom = true;
        return NULL;
    }
    *cap = c;
    return q;
}

/* Line numbers shown for the current physical line (see .line). */
static int line_of(const asm_state *st, size_t phys)
{
    int64_t l = st->line_base + (int64_t)(phys - st->phys_base);
    return l > CVM_ASM_MAX_LINE ? CVM_ASM_MAX_LINE : (int)l;
}

static const char *cur_method_name(const asm_state *st)
{
    const char *n = st->m->methods[st->cur].name;
    return n ? n : "?";
}

static void emit(asm_state *st, cvm_op op, bool has_operand, int64_t operand);

/* Resolves the current method's label uses and fixes its length. */
static void close_method(asm_state *st)
{
    if (!st->in_method)
        return;
    cvm_module *m = st->m;
    /* A label on the last line of a method (the issue's own example ends a
     * method with `loop:`) marks the method's end. When a jump uses it, the
     * assembler appends a Halt there, so the jump ends the method and every
     * jump target in a module stays an instruction. */
    for (size_t i = 0; i < st->nfix; i++) {
        const asm_fixup *f = &st->fix[i];
        const cvm_map_entry *e = cvm_map_get(&st->labels, f->name, f->len);
        if (e && (size_t)(e->ival & 0xffffffff) == m->ncode) {
            int saved = st->line;
            st->line = (int)(e->ival >> 32);
            st->insn_col = 0;
            emit(st, CVM_OP_HALT, false, 0);
            st->line = saved;
            break;
        }
    }
    for (size_t i = 0; i < st->nfix; i++) {
        const asm_fixup *f = &st->fix[i];
        const cvm_map_entry *e = cvm_map_get(&st->labels, f->name, f->len);
        char b[200];
        if (!e) {
            cvm_asm_diag_at(st, f->phys, f->line, f->col, "label '%s' is not defined in method %s",
                            cvm_asm_shown(b, sizeof b, f->name, f->len), cur_method_name(st));
            continue;
        }
        size_t pc = (size_t)(e->ival & 0xffffffff);
        if (pc >= m->ncode) /* the Halt above could not be added: out of memory, already reported */
            continue;
        m->code[f->pc].operand = (int64_t)pc;
    }
    st->nfix = 0;
    cvm_map_free(&st->labels);
    m->methods[st->cur].len = (uint32_t)(m->ncode - m->methods[st->cur].entry);
    st->in_method = false;
}

/* Starts a method; name NULL for a method whose name was in error. */
void cvm_asm_open_method(asm_state *st, const char *name, size_t len, uint32_t params, uint32_t flags)
{
    close_method(st);
    cvm_module *m = st->m;
    cvm_method *ms = cvm_asm_grow(st, m->methods, &st->methods_cap, m->nmethods, sizeof *ms);
    if (!ms)
        return;
    m->methods = ms;
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
    m->methods[m->nmethods] = (cvm_method){.name = n, .entry = (uint32_t)m->ncode, .params = params, .flags = flags};
    st->cur = m->nmethods++;
    st->in_method = true;
}

/* Instructions and labels before any .method open method main. */
static bool ensure_method(asm_state *st)
{
    /* a method once opened stays open until the next .method opens another */
    if (!st->in_method && !st->oom)
        cvm_asm_open_method(st, "main", 4, 0, 0);
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
    cvm_const *cs = cvm_asm_grow(st, m->consts, &st->consts_cap, m->nconsts, sizeof *cs);
    if (cs)
        m->consts = cs;
    uint8_t *copy = cs ? (uint8_t *)cvm_strndup(st->al, (const char *)p, n) : NULL;
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
        cvm_asm_err(st, 0, "too many instructions (at most %u)", (unsigned)UINT32_MAX);
        return;
    }
    cvm_insn *code = cvm_asm_grow(st, m->code, &st->code_cap, m->ncode, sizeof *code);
    if (!code)
        return;
    m->code = code;
    uint32_t *lines = cvm_asm_grow(st, m->lines, &st->lines_cap, m->ncode, sizeof *lines);
    if (!lines)
        return;
    m->lines = lines;
    uint32_t *cols = cvm_asm_grow(st, st->cols, &st->cols_cap, m->ncode, sizeof *cols);
    if (!cols)
        return;
    st->cols = cols;
    st->cols[m->ncode] = st->insn_col > UINT32_MAX ? UINT32_MAX : (uint32_t)st->insn_col;
    m->code[m->ncode] = (cvm_insn){(uint8_t)op, has_operand, operand};
    m->lines[m->ncode] = (uint32_t)(st->line < 0 ? 0 : st->line);
    m->ncode++;
}

static void define_label(asm_state *st, const cvm_token *t)
{
    if (!ensure_method(st))
        return;
    if (!cvm_asm_valid_name_len(t->len)) {
        cvm_asm_err(st, t->col, "label name longer than %d bytes", CVM_MAX_NAME);
        return;
    }
    bool created;
    cvm_map_entry *e = cvm_map_put(&st->labels, t->text, t->len, &created);
    if (!e) {
        st->oom = true;
        return;
    }
    if (!created) {
        cvm_asm_err(st, t->col, "label '%.*s' already defined at line %d", (int)t->len, t->text, (int)(e->ival >> 32));
        return;
    }
    e->ival = ((int64_t)st->line << 32) | (int64_t)st->m->ncode;
}

static void use_label(asm_state *st, const cvm_token *t)
{
    asm_fixup *fix = cvm_asm_grow(st, st->fix, &st->fixcap, st->nfix, sizeof *fix);
    if (!fix)
        return;
    st->fix = fix;
    st->fix[st->nfix++] = (asm_fixup){st->m->ncode, t->text, t->len, st->phys, t->col, st->line};
}

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

/* base/suggest.h's view of the instruction set. */
static const char *mnemonic_at(const void *table, size_t i) { return ((const cvm_opinfo *)table)[i].mnemonic; }

/* t[0] is the mnemonic, t[1..n) the operand tokens. */
static void instruction(asm_state *st, const cvm_token *t, size_t n)
{
    char b[220];
    int op = cvm_op_lookup(t[0].text, t[0].len);
    if (op < 0) {
        char why[320];
        snprintf(why, sizeof why, "unknown mnemonic %s", cvm_asm_tok_shown(b, sizeof b, &t[0]));
        cvm_suggest_append(why, sizeof why, t[0].text, t[0].len, cvm_opinfo_table, CVM_OP_COUNT, mnemonic_at, NULL);
        cvm_asm_err(st, t[0].col, "%s", why);
        return;
    }
    if (!ensure_method(st))
        return;
    const cvm_token *arg = n > 1 ? &t[1] : NULL;
    /* `Push "text"` pushes bytes: it is PushBytes (which disasm prints so) */
    if (op == CVM_OP_PUSH && arg && arg->kind == CVM_TOK_STRING)
        op = CVM_OP_PUSH_BYTES;
    const cvm_opinfo *oi = cvm_opinfo_of((unsigned)op);
    const char *mn = oi->mnemonic;
    size_t where = arg ? arg->col : t[0].col;
    bool has = false;
    int64_t v = 0;
    char after[96];
    snprintf(after, sizeof after, "the operand of %s", mn);
    switch (oi->operand) {
    case CVM_OPK_NONE:
        if (arg) {
            cvm_asm_err(st, arg->col, "%s takes no operand", mn);
            return;
        }
        break;
    case CVM_OPK_INT:
    case CVM_OPK_LOCAL:
        if (!arg || arg->kind != CVM_TOK_NUMBER) {
            if (op == CVM_OP_PUSH)
                cvm_asm_err(st, where, "Push needs an integer or a string operand");
            else
                cvm_asm_err(st, where, "%s needs %s", mn, kind_phrase(oi->operand));
            return;
        }
        if (oi->operand == CVM_OPK_LOCAL && arg->num != CVM_NUM_MALFORMED &&
            (arg->num == CVM_NUM_RANGE || arg->ival < 0 || arg->ival >= CVM_LOCALS)) {
            cvm_asm_err(st, arg->col, "%s needs %s", mn, kind_phrase(oi->operand));
            return;
        }
        if (!cvm_asm_check_number(st, arg))
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
                cvm_asm_err(st, where, "%s takes a string operand or none", mn);
            else
                cvm_asm_err(st, where, "%s needs %s", mn, kind_phrase(oi->operand));
            return;
        }
        has = true;
        break;
    case CVM_OPK_LABEL:
        if (!arg || arg->kind != CVM_TOK_IDENT) {
            cvm_asm_err(st, where, "%s needs %s", mn, kind_phrase(oi->operand));
            return;
        }
        if (!cvm_asm_valid_name_len(arg->len)) {
            cvm_asm_err(st, arg->col, "label name longer than %d bytes", CVM_MAX_NAME);
            return;
        }
        has = true;
        break;
    }
    if (arg && !cvm_asm_no_more(st, t + 2, n - 2, after))
        return;
    if ((oi->flags & CVM_OPF_WRITES) && (st->m->methods[st->cur].flags & CVM_METHOD_READONLY)) {
        cvm_asm_err(st, t[0].col, "%s writes state but method %s is readonly", mn, cur_method_name(st));
        return;
    }
    if (has && arg->kind == CVM_TOK_STRING) {
        v = intern(st, cvm_tok_bytes(&st->lx, arg), arg->str_len);
        if (v < 0)
            return;
    }
    if (has && oi->operand == CVM_OPK_LABEL)
        use_label(st, arg);
    st->insn_col = t[0].col;
    if (!st->oom)
        emit(st, (cvm_op)op, has, v);
}

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
        cvm_asm_err(st, st->lx.err_col, "%s", st->lx.err);
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
        cvm_asm_err(st, t[n - 1].col, "too many tokens on one line (at most %d)", CVM_LEX_MAX_TOKENS);
}

static void assemble_tokens(asm_state *st, const cvm_token *t, size_t n)
{
    if (t[0].kind == CVM_TOK_DIRECTIVE) {
        cvm_asm_directive(st, t, n);
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
        cvm_asm_err(st, t[i].col, "expected an instruction, a label or a directive, found %s",
                    cvm_asm_tok_shown(b, sizeof b, &t[i]));
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
    cvm_map_free(&st->imports);
    cvm_map_free(&st->events);
    cvm_free(st->al, st->fix);
    cvm_free(st->al, st->cols);
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
    cvm_map_init(&st.imports, al);
    cvm_map_init(&st.events, al);
    cvm_buf_init(&st.msgs, al);
    st.m = cvm_module_new(al);
    if (!st.m) {
        free_state(&st);
        return CVM_ENOMEM;
    }

    const char *p = src, *end = src ? src + len : src; /* NULL src: an empty file */
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
        if (cvm_asm_valid_contract_name(s, n))
            cvm_asm_set_name(&st, s, n);
        else
            cvm_asm_diag_at(
                &st, 0, 1, 0,
                "the file name '%s' does not give a contract name (1..%d characters [A-Za-z0-9_]); add .contract "
                "NAME",
                cvm_asm_shown(b, sizeof b, filename ? filename : "", filename ? strlen(filename) : 0), CVM_MAX_NAME);
    }
    if (st.oom) {
        free_state(&st);
        return CVM_ENOMEM;
    }
    if (st.ndiags) {
        cvm_asm_report(&st, diag, diag_ud);
        free_state(&st);
        return CVM_EINPUT;
    }

    cvm_module *m = st.m;
    if (m->ncode == 0) {
        /* a module without instructions has no line table (one encoding) */
        cvm_free(al, m->lines);
        m->lines = NULL;
    }
    /* The verifier, with the line table still there: a failure about one
     * instruction (the type proof's, mostly: the checks here catch the
     * rest first) is reported where that instruction was written. */
    char err[256];
    size_t pc;
    cvm_status vs = cvm_verify_at(m, err, sizeof err, &pc);
    if (vs != CVM_OK) {
        if (vs == CVM_EINPUT && diag) {
            bool at_insn = pc < m->ncode && m->lines && st.cols;
            diag(diag_ud, st.file, at_insn ? (int)m->lines[pc] : 1,
                 at_insn && st.cols[pc] < INT_MAX ? (int)st.cols[pc] + 1 : 1, err);
        }
        free_state(&st);
        return vs;
    }
    if (st.nolines) {
        cvm_free(al, m->lines);
        m->lines = NULL;
    }
    st.m = NULL;
    free_state(&st);
    *out = m;
    return CVM_OK;
}