/*
 * address.c — addresses (DESIGN.md): the last 20 bytes of SHA-256 of an
 * Ed25519 public key (an account) or of a service's name (a service).
 */
#include <string.h>

#include "coopvm.h"
#include "crypto/hash.h"

void cvm_address_of_key(const uint8_t key[CVM_PUBKEY_BYTES], uint8_t out[CVM_ADDRESS_BYTES])
{
    uint8_t h[CVM_SHA256_BYTES];
    cvm_sha256(key, CVM_PUBKEY_BYTES, h);
    memcpy(out, h + CVM_SHA256_BYTES - CVM_ADDRESS_BYTES, CVM_ADDRESS_BYTES);
}

void cvm_address_of_service(const char *name, uint8_t out[CVM_ADDRESS_BYTES])
{
    uint8_t h[CVM_SHA256_BYTES];
    cvm_sha256(name, name ? strlen(name) : 0, h);
    memcpy(out, h + CVM_SHA256_BYTES - CVM_ADDRESS_BYTES, CVM_ADDRESS_BYTES);
}
