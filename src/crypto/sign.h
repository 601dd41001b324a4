/*
 * sign.h — Ed25519 signatures (Address Scheme 01): key pairs, detached
 * signing and the one verification rule of coopvm. A thin wrapper over
 * libsodium so no caller includes it directly and the sizes are spelled once.
 *
 * Verification rule (the only one): libsodium 1.0.18's
 * crypto_sign_verify_detached. Beyond the Ed25519 equation it rejects
 *   - a non-canonical S (S >= L, the group order),
 *   - a public key of small order (and a non-canonical key encoding),
 *   - a non-canonical or small-order R.
 * So a signature is never malleable: (R, S + L) does not verify where
 * (R, S) does. Every node must use this same rule or they would disagree on
 * which transactions are valid.
 */
#ifndef CVM_CRYPTO_SIGN_H
#define CVM_CRYPTO_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coopvm.h"

#define CVM_SEED_BYTES 32       /* an Ed25519 seed: the secret key as stored in key files */
#define CVM_SECRETKEY_BYTES 64  /* libsodium's secret key: seed followed by public key */

/* Derives the key pair of a 32-byte seed (deterministic). */
void cvm_keypair_from_seed(const uint8_t seed[CVM_SEED_BYTES], uint8_t pk[CVM_PUBKEY_BYTES],
                           uint8_t sk[CVM_SECRETKEY_BYTES]);

/* A fresh random key pair (the operating system's randomness); false only
 * if libsodium cannot initialise. */
bool cvm_keypair_random(uint8_t pk[CVM_PUBKEY_BYTES], uint8_t sk[CVM_SECRETKEY_BYTES]);

/* The deterministic development key of an account name (NUL-terminated,
 * borrowed): seed = SHA-256("coopvm-dev-key:" + name). For tests, examples
 * and local chains only: anyone can compute these secret keys. */
void cvm_dev_keypair(const char *name, uint8_t pk[CVM_PUBKEY_BYTES], uint8_t sk[CVM_SECRETKEY_BYTES]);

/* The seed inside a secret key (its first 32 bytes). */
void cvm_secretkey_seed(const uint8_t sk[CVM_SECRETKEY_BYTES], uint8_t seed[CVM_SEED_BYTES]);

/* sig = the detached Ed25519 signature of msg[0..n) under sk. */
void cvm_sign_detached(const uint8_t *msg, size_t n, const uint8_t sk[CVM_SECRETKEY_BYTES],
                       uint8_t sig[CVM_SIGNATURE_BYTES]);

/* True when sig is a valid signature of msg[0..n) under pk by the rule
 * above. */
bool cvm_verify_detached(const uint8_t *msg, size_t n, const uint8_t pk[CVM_PUBKEY_BYTES],
                         const uint8_t sig[CVM_SIGNATURE_BYTES]);

#endif
