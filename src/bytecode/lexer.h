/*
 * lexer.h — splits one line of coopvm assembly into tokens for the assembler.
 *
 * The assembler works line by line (one instruction or directive per line),
 * so the lexer only ever sees one line, without its line end. It decodes
 * string escapes and integers as it goes but leaves the judgement of a bad
 * integer to the assembler: `2fast` is a fine contract name and only an error
 * where an integer is expected. Errors it does own (an unterminated string, a
 * bad escape, a stray character) stop the line and carry their column.
 */
#ifndef CVM_BYTECODE_LEXER_H
#define CVM_BYTECODE_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "coopvm.h"

/* Longest string literal after unescaping, in bytes (the verifier's limit on
 * constants, state keys, purposes and federations). */
#define CVM_ASM_MAX_STR 1024

/* Most tokens kept per line. The longest valid line (`.method NAME
 * readonly params` with 64 name:type params, `returns` and 16 types) has
 * 213, so a line that reaches the limit is always in error; stopping there
 * keeps a line of a million ':' cheap. */
#define CVM_LEX_MAX_TOKENS 256

typedef enum cvm_tok_kind {
    CVM_TOK_IDENT,     /* [A-Za-z_][A-Za-z0-9_]* */
    CVM_TOK_NUMBER,    /* -?[0-9][A-Za-z0-9_]*: an integer when num == CVM_NUM_OK */
    CVM_TOK_STRING,    /* "..." with escapes decoded */
    CVM_TOK_DIRECTIVE, /* .word (text includes the dot) */
    CVM_TOK_COLON,     /* : */
    CVM_TOK_EQUALS     /* = */
} cvm_tok_kind;

typedef enum cvm_num_status {
    CVM_NUM_OK,
    CVM_NUM_MALFORMED, /* not decimal or 0x hex: `12ab`, `0x` */
    CVM_NUM_RANGE      /* well formed but outside int64 */
} cvm_num_status;

typedef struct cvm_token {
    cvm_tok_kind kind;
    size_t col;          /* 0-based byte offset of the token in its line */
    const char *text;    /* borrowed from the line: the token as written */
    size_t len;
    cvm_num_status num;  /* NUMBER only */
    int64_t ival;        /* NUMBER with num == CVM_NUM_OK */
    size_t str_off;      /* STRING: decoded bytes at lexer.strs.data + str_off */
    size_t str_len;
} cvm_token;

typedef struct cvm_lexer {
    cvm_token *toks;     /* owned; ntoks tokens of the last line lexed */
    size_t ntoks, cap;
    bool truncated;      /* the line had more than CVM_LEX_MAX_TOKENS tokens: the rest was not read */
    cvm_buf strs;        /* owned: decoded string bytes of the last line */
    const cvm_allocator *al; /* borrowed */
    size_t err_col;      /* after CVM_EINPUT: 0-based column of the error */
    char err[96];        /* after CVM_EINPUT: the message */
} cvm_lexer;

/* Prepares an empty lexer that allocates through al (borrowed). */
void cvm_lexer_init(cvm_lexer *lx, const cvm_allocator *al);

/* Frees what the lexer owns. */
void cvm_lexer_free(cvm_lexer *lx);

/* Tokenizes line[0..len) (borrowed; must outlive the tokens), replacing the
 * previous line's tokens. A ';' starts a comment. After CVM_LEX_MAX_TOKENS
 * tokens it stops and sets truncated. Returns CVM_OK; CVM_EINPUT
 * with err and err_col set (the tokens before the error are kept); or
 * CVM_ENOMEM. */
cvm_status cvm_lex_line(cvm_lexer *lx, const char *line, size_t len);

/* The decoded bytes of a STRING token (never NULL). */
const uint8_t *cvm_tok_bytes(const cvm_lexer *lx, const cvm_token *t);

/* Parses a whole integer literal s[0..len): -?[0-9]+ or -?0[xX][0-9a-fA-F]+. */
cvm_num_status cvm_parse_int(const char *s, size_t len, int64_t *out);

#endif
