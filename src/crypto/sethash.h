/*
 * sethash.h — an additive multiset hash over the ristretto255 group
 * (libsodium's crypto_core_ristretto255_*), for the state commitment.
 *
 * An element's point is ristretto255's hash-to-group of the SHA-512 of its
 * bytes (crypto_core_ristretto255_from_hash); the hash of a multiset is the
 * sum of its elements' points, encoded in 32 bytes. Adding or removing one
 * element is one group addition or subtraction, whatever the multiset's
 * size, and the sum does not depend on the order. Finding two different
 * multisets with the same sum is as hard as discrete logarithms in the
 * group (the elliptic-curve multiset hash of Maitin-Shepard et al.). The
 * empty multiset is the group's identity, encoded as 32 zero bytes.
 *
 * Nothing here is hand-written crypto: SHA-512, the map to the group and
 * the group law are libsodium's. libsodium needs no sodium_init() for them.
 */
#ifndef CVM_CRYPTO_SETHASH_H
#define CVM_CRYPTO_SETHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium/crypto_hash_sha512.h>

#define CVM_SETHASH_BYTES 32

/* An element's bytes being fed, piece by piece (no allocation). */
typedef struct cvm_sethash_elem {
    crypto_hash_sha512_state st;
} cvm_sethash_elem;

/* Starts an element. */
void cvm_sethash_elem_init(cvm_sethash_elem *e);
/* Feeds n more of its bytes (p may be NULL when n is 0). */
void cvm_sethash_elem_update(cvm_sethash_elem *e, const void *p, size_t n);
/* The element's point (32 bytes); e must be started again before reuse. */
void cvm_sethash_elem_point(cvm_sethash_elem *e, uint8_t point[CVM_SETHASH_BYTES]);

/* h = 32 zero bytes: the hash of the empty multiset. */
void cvm_sethash_empty(uint8_t h[CVM_SETHASH_BYTES]);

/* h += point (add an element) or h -= point (remove one). false, h
 * unchanged, when h or point is not the encoding of a group element (a
 * damaged stored hash: no element's point ever is). */
bool cvm_sethash_add(uint8_t h[CVM_SETHASH_BYTES], const uint8_t point[CVM_SETHASH_BYTES]);
bool cvm_sethash_sub(uint8_t h[CVM_SETHASH_BYTES], const uint8_t point[CVM_SETHASH_BYTES]);

/* Whether h encodes a group element (the identity included). */
bool cvm_sethash_valid(const uint8_t h[CVM_SETHASH_BYTES]);

#endif
