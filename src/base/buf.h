/*
 * buf.h — a growable byte buffer, the one way the library builds output
 * (encoded modules, disassembly, formatted messages).
 *
 * Errors are sticky: after a failed allocation every append is a no-op and
 * cvm_buf_ok() is false, so a writer checks once at the end.
 */
#ifndef CVM_BASE_BUF_H
#define CVM_BASE_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coopvm.h"

typedef struct cvm_buf {
    const cvm_allocator *al; /* borrowed */
    uint8_t *data;           /* owned; NULL until the first append */
    size_t len, cap;
    bool failed;             /* an allocation failed */
} cvm_buf;

void cvm_buf_init(cvm_buf *b, const cvm_allocator *al);
/* Frees the data. The buffer may be reused after cvm_buf_init. */
void cvm_buf_free(cvm_buf *b);
bool cvm_buf_ok(const cvm_buf *b);
/* Makes room for n more bytes; false on failure. */
bool cvm_buf_reserve(cvm_buf *b, size_t n);
void cvm_buf_put(cvm_buf *b, const void *p, size_t n);
void cvm_buf_byte(cvm_buf *b, uint8_t v);
void cvm_buf_str(cvm_buf *b, const char *s);
void cvm_buf_printf(cvm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cvm_buf_vprintf(cvm_buf *b, const char *fmt, va_list ap);
/* Unsigned LEB128, minimal. */
void cvm_buf_uvarint(cvm_buf *b, uint64_t v);
/* Signed values as zigzag-encoded LEB128. */
void cvm_buf_svarint(cvm_buf *b, int64_t v);
/* Hands the bytes (NUL-terminated, not counted in len) to the caller, who
 * owns them; the buffer is left empty. NULL if any append failed. */
uint8_t *cvm_buf_take(cvm_buf *b, size_t *len);

#endif
