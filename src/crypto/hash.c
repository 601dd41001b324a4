/* hash.c — SHA-256 through libsodium (see hash.h). */
#include "hash.h"

/* libsodium's SHA-256 functions cannot fail (they always return 0), so the
 * wrappers return void. An empty input may come as a NULL pointer; a NULL
 * source is undefined for memcpy even with 0 bytes, so hand libsodium a
 * harmless non-NULL pointer instead. */
static const unsigned char empty_input[1] = {0};

void cvm_sha256(const void *p, size_t n, uint8_t out[CVM_SHA256_BYTES])
{
    crypto_hash_sha256(out, n ? p : empty_input, (unsigned long long)n);
}

void cvm_sha256_init(cvm_sha256_ctx *c) { crypto_hash_sha256_init(&c->st); }

void cvm_sha256_update(cvm_sha256_ctx *c, const void *p, size_t n)
{
    if (n)
        crypto_hash_sha256_update(&c->st, p, (unsigned long long)n);
}

void cvm_sha256_final(cvm_sha256_ctx *c, uint8_t out[CVM_SHA256_BYTES])
{
    crypto_hash_sha256_final(&c->st, out);
}
