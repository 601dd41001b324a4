/*
 * asm_internal.h — what the assembler's three files share: the state of one
 * assembly run and the helpers each needs from the others. Not an interface
 * for anything outside the assembler.
 *
 *   asm.c            the driver: lines, methods, labels, instructions
 *   asm_directives.c .contract, .reputation, .cooperative, .state, .method, .line, .nolines
 *   asm_decls.c      .import and .event, and the types of signatures
 *   asm_diag.c       collecting, ordering and reporting diagnostics
 */
#ifndef CVM_BYTECODE_ASM_INTERNAL_H
#define CVM_BYTECODE_ASM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/map.h"
#include "lexer.h"
#include "module.h"

#define CVM_ASM_MAX_LINE 2147483647 /* .line N and every line number fit an int */

/* One collected diagnostic; sorted by (phys, col, seq) before reporting. */
typedef struct asm_diag {
    size_t phys;    /* 0-based physical line, for ordering */
    size_t col;     /* 0-based byte column */
    size_t seq;     /* order of discovery, to keep the sort stable */
    int line;       /* the line number shown (after .line) */
    size_t msg_off; /* the message in asm_state.msgs */
} asm_diag;

/* A label use waiting for the end of its method. */
typedef struct asm_fixup {
    size_t pc;
    const char *name; /* borrowed from the source */
    size_t len;
    size_t phys, col;
    int line;
} asm_fixup;

typedef struct asm_state {
    const cvm_allocator *al; /* borrowed */
    const char *file;        /* borrowed */
    cvm_module *m;           /* owned until handed to the caller */
    size_t code_cap, lines_cap, methods_cap, consts_cap, state_cap, imports_cap, events_cap; /* allocated elements */
    cvm_lexer lx;            /* owned: tokens of the current line */
    cvm_map consts;          /* constant bytes -> pool index */
    cvm_map methods;         /* method name -> line of its definition */
    cvm_map labels;          /* current method: label -> line << 32 | pc */
    cvm_map keys;            /* .state key -> line */
    cvm_map imports;         /* .import target -> line */
    cvm_map events;          /* .event name -> line */
    uint32_t *cols;          /* owned: ncode 0-based columns, where each instruction was written */
    size_t cols_cap;
    size_t insn_col;         /* the column of the instruction being emitted */
    asm_fixup *fix;          /* owned; the current method's label uses */
    size_t nfix, fixcap;
    asm_diag *diags;         /* owned */
    size_t ndiags, diagcap;
    cvm_buf msgs;            /* owned: NUL-separated diagnostic messages */
    bool oom;                /* an allocation failed: stop, return CVM_ENOMEM */
    /* where we are */
    size_t phys;             /* 0-based physical line */
    int64_t line_base;       /* line number of physical line phys_base */
    size_t phys_base;
    int line;                /* the current line's number */
    /* the method being assembled */
    bool in_method;
    size_t cur;
    /* once-only directives: 0 = not seen, else 1 + the line it was on */
    int64_t contract_at, reputation_at, coop_at;
    bool nolines;
} asm_state;

/* Label, method, cooperative id and contract name lengths: 1..CVM_MAX_NAME. */
static inline bool cvm_asm_valid_name_len(size_t n) { return n >= 1 && n <= CVM_MAX_NAME; }

/* ---- asm.c */

/* Makes room for element n of the array p (owned by the caller; capacity
 * *cap elements of elem bytes) and returns it, maybe moved; NULL (p is
 * untouched, st->oom set) when memory runs out. */
void *cvm_asm_grow(asm_state *st, void *p, size_t *cap, size_t n, size_t elem);

/* Ends the current method and starts the next at the end of the code; name
 * (borrowed; NULL for a method whose name was in error) is not checked here. */
void cvm_asm_open_method(asm_state *st, const char *name, size_t len, uint32_t params, uint32_t flags);

/* ---- asm_directives.c */

/* Handles a line whose first token t[0] is a directive. */
void cvm_asm_directive(asm_state *st, const cvm_token *t, size_t n);

/* [A-Za-z0-9_]{1,63}: a contract (service) name. */
bool cvm_asm_valid_contract_name(const char *p, size_t n);

/* Sets the module's name to a copy of p[0..n). */
bool cvm_asm_set_name(asm_state *st, const char *p, size_t n);

/* ---- asm_decls.c */

void cvm_asm_dir_import(asm_state *st, const cvm_token *t, size_t n);
void cvm_asm_dir_event(asm_state *st, const cvm_token *t, size_t n);

/* t is a type name (int, bytes, string): true with *out set; otherwise
 * reports "unknown type" with a suggestion for WHAT and returns false. */
bool cvm_asm_type(asm_state *st, const cvm_token *t, const char *what, cvm_vtype *out);

/* True when t is one of the words that end a list of types ("params",
 * "returns", "readonly"). */
bool cvm_asm_is_keyword(const cvm_token *t);

/* Reads name:type pairs from t[*i] on (while t[*i] is a name followed by
 * ':'), advancing *i past them: names[] (borrowed tokens) and types[] get
 * *count entries, at most max. ITEM ("param", "field") and OWNER ("method
 * m", "event E") are for messages. False after reporting an error. */
bool cvm_asm_named_types(asm_state *st, const cvm_token *t, size_t n, size_t *i, const cvm_token **names,
                         cvm_vtype *types, size_t *count, size_t max, const char *item, const char *owner);

/* An owned copy of types[0..n); NULL when n is 0 (or, with st->oom set,
 * when memory ran out). */
cvm_vtype *cvm_asm_copy_types(asm_state *st, const cvm_vtype *types, size_t n);

/* An owned array of n owned copies of the names' texts; NULL when n is 0.
 * After running out of memory (st->oom) entries may be NULL. */
char **cvm_asm_copy_names(asm_state *st, const cvm_token *const *names, size_t n);

/* ---- asm_diag.c */

/* Records an error at physical line phys (shown as line) and 0-based column col. */
void cvm_asm_diag_at(asm_state *st, size_t phys, int line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Records an error at 0-based column col of the current line. */
void cvm_asm_err(asm_state *st, size_t col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Sorts the recorded errors by position and hands each to diag (may be NULL). */
void cvm_asm_report(asm_state *st, cvm_diag_fn diag, void *ud);

/* p[0..n) made printable into buf for a message (\xHH, cut at 40 bytes). */
const char *cvm_asm_shown(char *buf, size_t cap, const void *p, size_t n);

/* A token as the user wrote it, quoted, for "found ..." messages. */
const char *cvm_asm_tok_shown(char *buf, size_t cap, const cvm_token *t);

/* True when n == 0; otherwise reports "unexpected X after WHAT" at t[0]. */
bool cvm_asm_no_more(asm_state *st, const cvm_token *t, size_t n, const char *what);

/* Reports a NUMBER token that is not a valid int64; true when it is one. */
bool cvm_asm_check_number(asm_state *st, const cvm_token *t);

/* t[i] must be an integer in lo..hi (i may be n: missing); otherwise reports
 * "WHAT needs an integer lo..hi" and returns false. */
bool cvm_asm_int_in(asm_state *st, const cvm_token *t, size_t i, size_t n, int64_t lo, int64_t hi, const char *what,
                    int64_t *v);

#endif
