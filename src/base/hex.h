/* hex.h — lowercase hexadecimal, for state values, hashes and keys in JSON. */
#ifndef CVM_BASE_HEX_H
#define CVM_BASE_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coopvm.h"

/* Writes 2n lowercase hex digits and a NUL into out (2n + 1 bytes). */
void cvm_hex_write(char *out, const uint8_t *p, size_t n);
/* A new NUL-terminated hex string of p[0..n), owned by the caller; NULL on
 * allocation failure. */
char *cvm_hex_encode(const cvm_allocator *al, const uint8_t *p, size_t n);
/* Decodes exactly 2*cap hex digits (either case) of s[0..len) into out;
 * false if len != 2*cap or a character is not a hex digit. */
bool cvm_hex_decode(const char *s, size_t len, uint8_t *out, size_t cap);

#endif
