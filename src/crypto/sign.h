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

/* The key functions are public, in coopvm.h: CVM_SEED_BYTES (an Ed25519
 * seed, the secret key as key files store it), CVM_SECRETKEY_BYTES
 * (libsodium's secret key: seed, then public key), cvm_keypair_from_seed,
 * cvm_keypair_random, cvm_dev_keypair and cvm_secretkey_seed. */

/* sig = the detached Ed25519 signature of msg[0..n) under sk. */
void cvm_sign_detached(const uint8_t *msg, size_t n, const uint8_t sk[CVM_SECRETKEY_BYTES],
                       uint8_t sig[CVM_SIGNATURE_BYTES]);

/* True when sig is a valid signature of msg[0..n) under pk by the rule
 * above. */
bool cvm_verify_detached(const uint8_t *msg, size_t n, const uint8_t pk[CVM_PUBKEY_BYTES],
                         const uint8_t sig[CVM_SIGNATURE_BYTES]);

#endif
