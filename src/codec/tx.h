/*
 * tx.h — the canonical binary encoding of a transaction, its hash, and its
 * Ed25519 signature (Address Scheme 01).
 *
 * One byte sequence per transaction and no other (see docs/transactions.md):
 *
 *   uvarint  protocol version        (minimal LEB128, <= UINT32_MAX)
 *   uvarint  virtual chain id        (minimal LEB128, <= UINT32_MAX)
 *   uvarint  timestamp, ns           (minimal LEB128)
 *   u8       signer scheme           (0 none, 1 Ed25519, others unknown)
 *   32 bytes signer public key       (absent when the scheme is 0)
 *   bytes    service name            (uvarint length + UTF-8 bytes, no NUL,
 *                                     at most CVM_TX_NAME_MAX bytes)
 *   bytes    method name             (the same)
 *   args     the argument list       (codec/args.h: uvarint count, then
 *                                     per argument a type byte and value)
 *
 * The transaction hash is SHA-256 of exactly those bytes; the signature is
 * Ed25519 over the hash. The signed form is the encoding followed by the 64
 * signature bytes.
 *
 * Unknown schemes (2..255) still carry a 32-byte key so such a transaction
 * decodes and pre-order can refuse it as INVALID_ADDRESS_SCHEME rather than
 * as malformed bytes.
 */
#ifndef CVM_CODEC_TX_H
#define CVM_CODEC_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "coopvm.h"

#define CVM_TX_NAME_MAX 1024 /* bytes of a service or method name */

/* Public in coopvm.h, so a host builds, hashes, signs and verifies with
 * the same functions: cvm_tx_verdict and cvm_tx_verdict_name, cvm_tx_hash,
 * cvm_tx_sign, cvm_tx_verify, and the owned forms cvm_tx_to_bytes,
 * cvm_tx_from_bytes (over the functions below) and cvm_tx_to_json_text,
 * cvm_tx_from_json_text (codec/tx_json.h). */

/* True when a transaction of this scheme carries a 32-byte key field. */
bool cvm_tx_scheme_has_key(uint8_t scheme);

/* Appends the canonical unsigned encoding of tx to b. Fails with CVM_EINPUT
 * (message in err) when tx cannot be encoded: a NULL service/method, a name
 * that is not UTF-8 or too long, or an argument list codec/args.h refuses
 * (unknown type, too many, too long, not UTF-8), and then b is as it was;
 * CVM_ENOMEM when b failed. err may be NULL. */
cvm_status cvm_tx_encode(cvm_buf *b, const cvm_transaction *tx, char *err, size_t errcap);

/* Appends the signed form: the encoding, then the 64 signature bytes.
 * tx->signature must not be NULL (CVM_EINPUT otherwise). */
cvm_status cvm_tx_encode_signed(cvm_buf *b, const cvm_transaction *tx, char *err, size_t errcap);

/* A decoded transaction with the memory behind it. It may be copied as a
 * whole value (nothing points into the struct itself); free it once. */
typedef struct cvm_tx_decoded {
    cvm_transaction tx; /* service, method, args and signature point into arena */
    cvm_arena arena;    /* owned */
} cvm_tx_decoded;

/* Decodes p[0..n): the unsigned form when with_signature is false, the
 * signed form when true. Strict: trailing bytes, non-minimal or out-of-range
 * varints, unknown argument types, a name with NUL, not UTF-8 or too
 * long, and lengths past the end are CVM_EINPUT with err naming the field and offset. On success the
 * caller owns out (free with cvm_tx_decoded_free); on failure out holds
 * nothing to free. */
cvm_status cvm_tx_decode(const cvm_allocator *al, const uint8_t *p, size_t n, bool with_signature,
                         cvm_tx_decoded *out, char *err, size_t errcap);

/* Frees what a successful cvm_tx_decode gave out; a zeroed struct is fine. */
void cvm_tx_decoded_free(cvm_tx_decoded *d);

/* The verdict on tx whose hash is already known (pre-order hashes once). */
cvm_tx_verdict cvm_tx_verify_hash(const cvm_transaction *tx, const uint8_t hash[CVM_HASH_BYTES]);

#endif
