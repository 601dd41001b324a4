/*
 * reader.h — a bounds-checked cursor over a byte string, for decoders.
 *
 * Every read checks the bytes left; the first failure records a message
 * naming what was being read and the offset, and later reads fail too, so a
 * decoder can read a whole record and test once.
 */
#ifndef CVM_BASE_READER_H
#define CVM_BASE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cvm_reader {
    const uint8_t *p; /* borrowed */
    size_t len, pos;
    bool failed;
    char err[160];
} cvm_reader;

void cvm_reader_init(cvm_reader *r, const uint8_t *p, size_t len);
/* Records a failure (the first one wins) with "what at offset N: ...". */
void cvm_reader_fail(cvm_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool cvm_reader_u8(cvm_reader *r, const char *what, uint8_t *v);
/* Little-endian fixed width. */
bool cvm_reader_u16(cvm_reader *r, const char *what, uint16_t *v);
/* Minimal unsigned LEB128 of at most 10 bytes; rejects over-long forms. */
bool cvm_reader_uvarint(cvm_reader *r, const char *what, uint64_t *v);
/* Zigzag LEB128. */
bool cvm_reader_svarint(cvm_reader *r, const char *what, int64_t *v);
/* A uvarint length then that many bytes; *p points into the input. */
bool cvm_reader_bytes(cvm_reader *r, const char *what, const uint8_t **p, size_t *n);
/* n raw bytes. */
bool cvm_reader_raw(cvm_reader *r, const char *what, size_t n, const uint8_t **p);
size_t cvm_reader_left(const cvm_reader *r);

#endif
