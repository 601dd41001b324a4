/* sethash.c — the ristretto255 multiset hash through libsodium (sethash.h). */
#include "sethash.h"

#include <string.h>

#include <sodium/crypto_core_ristretto255.h>

void cvm_sethash_elem_init(cvm_sethash_elem *e) { crypto_hash_sha512_init(&e->st); }

void cvm_sethash_elem_update(cvm_sethash_elem *e, const void *p, size_t n)
{
    if (n)
        crypto_hash_sha512_update(&e->st, p, (unsigned long long)n);
}

void cvm_sethash_elem_point(cvm_sethash_elem *e, uint8_t point[CVM_SETHASH_BYTES])
{
    uint8_t digest[crypto_hash_sha512_BYTES];
    crypto_hash_sha512_final(&e->st, digest);
    crypto_core_ristretto255_from_hash(point, digest);
}

void cvm_sethash_empty(uint8_t h[CVM_SETHASH_BYTES]) { memset(h, 0, CVM_SETHASH_BYTES); }

bool cvm_sethash_add(uint8_t h[CVM_SETHASH_BYTES], const uint8_t point[CVM_SETHASH_BYTES])
{
    uint8_t r[CVM_SETHASH_BYTES];
    if (crypto_core_ristretto255_add(r, h, point) != 0)
        return false;
    memcpy(h, r, sizeof r);
    return true;
}

bool cvm_sethash_sub(uint8_t h[CVM_SETHASH_BYTES], const uint8_t point[CVM_SETHASH_BYTES])
{
    uint8_t r[CVM_SETHASH_BYTES];
    if (crypto_core_ristretto255_sub(r, h, point) != 0)
        return false;
    memcpy(h, r, sizeof r);
    return true;
}

bool cvm_sethash_valid(const uint8_t h[CVM_SETHASH_BYTES])
{
    return crypto_core_ristretto255_is_valid_point(h) == 1;
}
