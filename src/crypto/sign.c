/* sign.c — Ed25519 through libsodium (see sign.h). */
#include "sign.h"

#include <string.h>

#include <sodium/core.h>
#include <sodium/crypto_sign_ed25519.h>
#include <sodium/randombytes.h>
#include <sodium/utils.h>

#include "crypto/hash.h"

/* libsodium needs sodium_init() before its randomness and before it picks
 * the fastest implementation for this CPU. The library keeps no globals of
 * its own, so instead of an init function of ours every entry point that can
 * reach such code calls sodium_init() itself: it is idempotent and
 * thread-safe, and after the first call it only returns 1 ("already done"). */
static bool sodium_ready(void) { return sodium_init() >= 0; }

/* A short empty message may come as NULL; libsodium hashes it with memcpy
 * semantics, so give it a harmless non-NULL pointer. */
static const unsigned char empty_msg[1] = {0};

void cvm_keypair_from_seed(const uint8_t seed[CVM_SEED_BYTES], uint8_t pk[CVM_PUBKEY_BYTES],
                           uint8_t sk[CVM_SECRETKEY_BYTES])
{
    (void)sodium_ready();
    crypto_sign_ed25519_seed_keypair(pk, sk, seed);
}

cvm_status cvm_keypair_random(uint8_t pk[CVM_PUBKEY_BYTES], uint8_t sk[CVM_SECRETKEY_BYTES])
{
    if (!sodium_ready())
        return CVM_EIO;
    uint8_t seed[CVM_SEED_BYTES];
    randombytes_buf(seed, sizeof seed);
    crypto_sign_ed25519_seed_keypair(pk, sk, seed);
    sodium_memzero(seed, sizeof seed);
    return CVM_OK;
}

void cvm_dev_keypair(const char *name, uint8_t pk[CVM_PUBKEY_BYTES], uint8_t sk[CVM_SECRETKEY_BYTES])
{
    static const char prefix[] = "coopvm-dev-key:";
    uint8_t seed[CVM_SEED_BYTES];
    cvm_sha256_ctx c;
    cvm_sha256_init(&c);
    cvm_sha256_update(&c, prefix, sizeof prefix - 1);
    cvm_sha256_update(&c, name, strlen(name));
    cvm_sha256_final(&c, seed);
    cvm_keypair_from_seed(seed, pk, sk);
}

void cvm_secretkey_seed(const uint8_t sk[CVM_SECRETKEY_BYTES], uint8_t seed[CVM_SEED_BYTES])
{
    crypto_sign_ed25519_sk_to_seed(seed, sk);
}

void cvm_sign_detached(const uint8_t *msg, size_t n, const uint8_t sk[CVM_SECRETKEY_BYTES],
                       uint8_t sig[CVM_SIGNATURE_BYTES])
{
    (void)sodium_ready();
    crypto_sign_ed25519_detached(sig, NULL, n ? msg : empty_msg, (unsigned long long)n, sk);
}

bool cvm_verify_detached(const uint8_t *msg, size_t n, const uint8_t pk[CVM_PUBKEY_BYTES],
                         const uint8_t sig[CVM_SIGNATURE_BYTES])
{
    (void)sodium_ready();
    return crypto_sign_ed25519_verify_detached(sig, n ? msg : empty_msg, (unsigned long long)n, pk) == 0;
}
