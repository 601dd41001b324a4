/*
 * hash.h — SHA-256, the one hash of coopvm (state-diff hashes, deployment
 * keys, transaction hashes, addresses). A thin wrapper over libsodium's
 * crypto_hash_sha256 so that no caller includes libsodium directly and the
 * digest size is spelled once.
 *
 * libsodium's SHA-256 is plain portable C with no CPU dispatch, so it needs
 * no sodium_init(): these functions keep no state of their own.
 */
#ifndef CVM_CRYPTO_HASH_H
#define CVM_CRYPTO_HASH_H

#include <stddef.h>
#include <stdint.h>

#include <sodium/crypto_hash_sha256.h>

#define CVM_SHA256_BYTES 32

/* An incremental SHA-256 computation; lives wherever the caller puts it
 * (no allocation, nothing to free). */
typedef struct cvm_sha256_ctx {
    crypto_hash_sha256_state st;
} cvm_sha256_ctx;

/* out = SHA-256 of the n bytes at p (p may be NULL when n is 0). */
void cvm_sha256(const void *p, size_t n, uint8_t out[CVM_SHA256_BYTES]);

/* Starts an incremental hash. */
void cvm_sha256_init(cvm_sha256_ctx *c);
/* Feeds n more bytes (p may be NULL when n is 0). */
void cvm_sha256_update(cvm_sha256_ctx *c, const void *p, size_t n);
/* Writes the digest of everything fed since init; c must be re-initialised
 * before reuse. */
void cvm_sha256_final(cvm_sha256_ctx *c, uint8_t out[CVM_SHA256_BYTES]);

#endif
