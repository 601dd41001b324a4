/* utf8.h — strict UTF-8 validation, for string arguments and JSON names. */
#ifndef CVM_CODEC_UTF8_H
#define CVM_CODEC_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when p[0..n) is well-formed UTF-8 (RFC 3629): no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequence. On false,
 * *bad_at (may be NULL) is the offset of the first bad byte. NUL is valid. */
bool cvm_utf8_valid(const uint8_t *p, size_t n, size_t *bad_at);

/* The longest prefix of p[0..n) of at most max bytes that does not end
 * inside a character: max itself unless p[max] continues a sequence, then
 * back to where that character starts. For cutting valid text short. */
size_t cvm_utf8_clip(const uint8_t *p, size_t n, size_t max);

#endif
