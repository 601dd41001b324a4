/* lexer.c — tokens of one assembly line: names, integers, strings, punctuation. */
#include "lexer.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"

void cvm_lexer_init(cvm_lexer *lx, const cvm_allocator *al)
{
    memset(lx, 0, sizeof *lx);
    lx->al = al;
    cvm_buf_init(&lx->strs, al);
}

void cvm_lexer_free(cvm_lexer *lx)
{
    cvm_free(lx->al, lx->toks);
    cvm_buf_free(&lx->strs);
    lx->toks = NULL;
    lx->ntoks = lx->cap = 0;
}

static bool is_alpha_(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static bool is_word(unsigned char c) { return is_alpha_(c) || is_digit(c); }
static bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

static int hex_val(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

cvm_num_status cvm_parse_int(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && s[i] == '-') {
        neg = true;
        i++;
    }
    unsigned base = 10;
    if (len - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        base = 16;
        i += 2;
    }
    if (i >= len)
        return CVM_NUM_MALFORMED;
    /* the magnitude, up to 2^63 (INT64_MIN's) */
    const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    bool range = false;
    for (; i < len; i++) {
        int d = base == 16 ? hex_val((unsigned char)s[i]) : (is_digit((unsigned char)s[i]) ? s[i] - '0' : -1);
        if (d < 0)
            return CVM_NUM_MALFORMED;
        if (v > (limit - (uint64_t)d) / base)
            range = true; /* keep scanning: a malformed tail wins */
        else
            v = v * base + (uint64_t)d;
    }
    if (range)
        return CVM_NUM_RANGE;
    /* -(2^63) has no positive int64: negate in unsigned arithmetic */
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return CVM_NUM_OK;
}

static cvm_token *push_tok(cvm_lexer *lx, cvm_tok_kind kind, const char *line, size_t start, size_t end)
{
    if (lx->ntoks == lx->cap) {
        size_t cap = lx->cap ? lx->cap * 2 : 16;
        cvm_token *t = cvm_realloc(lx->al, lx->toks, cap * sizeof *t);
        if (!t)
            return NULL;
        lx->toks = t;
        lx->cap = cap;
    }
    cvm_token *t = &lx->toks[lx->ntoks++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->col = start;
    t->text = line + start;
    t->len = end - start;
    return t;
}

static cvm_status lex_error(cvm_lexer *lx, size_t col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static cvm_status lex_error(cvm_lexer *lx, size_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lx->err, sizeof lx->err, fmt, ap);
    va_end(ap);
    lx->err_col = col;
    return CVM_EINPUT;
}

/* A string literal starting at line[*pos] == '"'; decodes into lx->strs. */
static cvm_status lex_string(cvm_lexer *lx, const char *line, size_t len, size_t *pos)
{
    size_t start = *pos, i = start + 1;
    size_t off = lx->strs.len;
    for (;;) {
        if (i >= len)
            return lex_error(lx, start, "unterminated string");
        unsigned char c = (unsigned char)line[i];
        if (c == '"')
            break;
        if (c == '\\') {
            if (i + 1 >= len)
                return lex_error(lx, start, "unterminated string");
            unsigned char e = (unsigned char)line[i + 1];
            int hi, lo;
            switch (e) {
            case '"': c = '"'; i += 2; break;
            case '\\': c = '\\'; i += 2; break;
            case 'n': c = '\n'; i += 2; break;
            case 't': c = '\t'; i += 2; break;
            case 'x':
                hi = i + 2 < len ? hex_val((unsigned char)line[i + 2]) : -1;
                lo = i + 3 < len ? hex_val((unsigned char)line[i + 3]) : -1;
                if (hi < 0 || lo < 0)
                    return lex_error(lx, i, "bad escape: \\x needs two hex digits");
                c = (unsigned char)(hi * 16 + lo);
                i += 4;
                break;
            default:
                if (e >= 0x20 && e < 0x7f)
                    return lex_error(lx, i, "bad escape '\\%c' (use \\\" \\\\ \\n \\t or \\xHH)", e);
                return lex_error(lx, i, "bad escape: byte 0x%02x after '\\' (use \\\" \\\\ \\n \\t or \\xHH)", e);
            }
        } else {
            i++;
        }
        if (lx->strs.len - off >= CVM_ASM_MAX_STR)
            return lex_error(lx, start, "string longer than %d bytes", CVM_ASM_MAX_STR);
        cvm_buf_byte(&lx->strs, c);
        if (!cvm_buf_ok(&lx->strs))
            return CVM_ENOMEM;
    }
    cvm_token *t = push_tok(lx, CVM_TOK_STRING, line, start, i + 1);
    if (!t)
        return CVM_ENOMEM;
    t->str_off = off;
    t->str_len = lx->strs.len - off;
    *pos = i + 1;
    return CVM_OK;
}

cvm_status cvm_lex_line(cvm_lexer *lx, const char *line, size_t len)
{
    lx->ntoks = 0;
    lx->truncated = false;
    lx->strs.len = 0;
    lx->err[0] = '\0';
    lx->err_col = 0;
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)line[i];
        size_t start = i;
        if (lx->ntoks == CVM_LEX_MAX_TOKENS && !is_space(c) && c != ';') {
            lx->truncated = true;
            break;
        }
        if (is_space(c)) {
            i++;
        } else if (c == ';') {
            break;
        } else if (c == '"') {
            cvm_status st = lex_string(lx, line, len, &i);
            if (st != CVM_OK)
                return st;
        } else if (is_alpha_(c) || c == '.') {
            i++;
            while (i < len && is_word((unsigned char)line[i]))
                i++;
            if (c == '.' && i == start + 1)
                return lex_error(lx, start, "expected a directive name after '.'");
            if (!push_tok(lx, c == '.' ? CVM_TOK_DIRECTIVE : CVM_TOK_IDENT, line, start, i))
                return CVM_ENOMEM;
        } else if (is_digit(c) || (c == '-' && i + 1 < len && is_digit((unsigned char)line[i + 1]))) {
            i++;
            while (i < len && is_word((unsigned char)line[i]))
                i++;
            cvm_token *t = push_tok(lx, CVM_TOK_NUMBER, line, start, i);
            if (!t)
                return CVM_ENOMEM;
            t->num = cvm_parse_int(t->text, t->len, &t->ival);
        } else if (c == ':' || c == '=') {
            i++;
            if (!push_tok(lx, c == ':' ? CVM_TOK_COLON : CVM_TOK_EQUALS, line, start, i))
                return CVM_ENOMEM;
        } else if (c >= 0x21 && c < 0x7f) {
            return lex_error(lx, start, "unexpected character '%c'", c);
        } else {
            return lex_error(lx, start, "unexpected byte 0x%02x", c);
        }
    }
    return CVM_OK;
}

const uint8_t *cvm_tok_bytes(const cvm_lexer *lx, const cvm_token *t)
{
    return lx->strs.data ? lx->strs.data + t->str_off : (const uint8_t *)"";
}
