/*
 * asm_diag.c — the assembler's diagnostics: every error is recorded with its
 * position and reported at the end in source order; plus the small checks
 * that report on a token (integers, surplus tokens).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "asm_internal.h"

static void diag_vat(asm_state *st, size_t phys, int line, size_t col, const char *fmt, va_list ap)
{
    asm_diag *d = cvm_asm_grow(st, st->diags, &st->diagcap, st->ndiags, sizeof *d);
    if (!d)
        return;
    st->diags = d;
    size_t off = st->msgs.len;
    cvm_buf_vprintf(&st->msgs, fmt, ap);
    cvm_buf_byte(&st->msgs, 0);
    if (!cvm_buf_ok(&st->msgs)) {
        st->oom = true;
        return;
    }
    st->diags[st->ndiags] = (asm_diag){phys, col, st->ndiags, line, off};
    st->ndiags++;
}

void cvm_asm_diag_at(asm_state *st, size_t phys, int line, size_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vat(st, phys, line, col, fmt, ap);
    va_end(ap);
}

void cvm_asm_err(asm_state *st, size_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vat(st, st->phys, st->line, col, fmt, ap);
    va_end(ap);
}

/* Source order; errors found later at the same spot stay after. */
static int cmp_diag(const void *a, const void *b)
{
    const asm_diag *x = a, *y = b;
    if (x->phys != y->phys)
        return x->phys < y->phys ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void cvm_asm_report(asm_state *st, cvm_diag_fn diag, void *ud)
{
    if (!diag)
        return;
    qsort(st->diags, st->ndiags, sizeof *st->diags, cmp_diag);
    for (size_t i = 0; i < st->ndiags; i++) {
        const asm_diag *d = &st->diags[i];
        int col = d->col >= (size_t)INT_MAX ? INT_MAX : (int)d->col + 1;
        diag(ud, st->file, d->line, col, (const char *)st->msgs.data + d->msg_off);
    }
}

/* Printable ASCII is kept except ' and \ (they would confuse the quoting). */
const char *cvm_asm_shown(char *buf, size_t cap, const void *p, size_t n)
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

const char *cvm_asm_tok_shown(char *buf, size_t cap, const cvm_token *t)
{
    char tmp[200];
    switch (t->kind) {
    case CVM_TOK_STRING: snprintf(buf, cap, "a string"); break;
    case CVM_TOK_COLON: snprintf(buf, cap, "':'"); break;
    case CVM_TOK_EQUALS: snprintf(buf, cap, "'='"); break;
    default: snprintf(buf, cap, "'%s'", cvm_asm_shown(tmp, sizeof tmp, t->text, t->len)); break;
    }
    return buf;
}

bool cvm_asm_no_more(asm_state *st, const cvm_token *t, size_t n, const char *what)
{
    if (n == 0)
        return true;
    char b[220];
    cvm_asm_err(st, t[0].col, "unexpected %s after %s", cvm_asm_tok_shown(b, sizeof b, &t[0]), what);
    return false;
}

bool cvm_asm_check_number(asm_state *st, const cvm_token *t)
{
    char b[200];
    if (t->num == CVM_NUM_RANGE)
        cvm_asm_err(st, t->col, "integer out of range");
    else if (t->num == CVM_NUM_MALFORMED)
        cvm_asm_err(st, t->col, "malformed integer '%s'", cvm_asm_shown(b, sizeof b, t->text, t->len));
    return t->num == CVM_NUM_OK;
}

bool cvm_asm_int_in(asm_state *st, const cvm_token *t, size_t i, size_t n, int64_t lo, int64_t hi, const char *what,
                   int64_t *v)
{
    if (i >= n || t[i].kind != CVM_TOK_NUMBER || (t[i].num == CVM_NUM_OK && (t[i].ival < lo || t[i].ival > hi)) ||
        (t[i].num == CVM_NUM_RANGE && (lo != INT64_MIN || hi != INT64_MAX))) {
        if (lo == INT64_MIN && hi == INT64_MAX)
            cvm_asm_err(st, i < n ? t[i].col : t[i - 1].col, "%s needs an integer", what);
        else
            cvm_asm_err(st, i < n ? t[i].col : t[i - 1].col, "%s needs an integer %lld..%lld", what, (long long)lo,
                        (long long)hi);
        return false;
    }
    if (!cvm_asm_check_number(st, &t[i]))
        return false;
    *v = t[i].ival;
    return true;
}