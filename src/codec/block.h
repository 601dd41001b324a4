/*
 * block.h — the block's canonical encodings (docs/blocks.md): the header
 * (coopvm.h: cvm_block_header_encode, cvm_block_hash) and the record a
 * store keeps for each transaction of a block's set:
 *
 *     tx record := u8(form) bytes
 *       form 0: the transaction had no canonical encoding (no bytes follow;
 *               its hash counts as 32 zero bytes in tx_root)
 *       form 1: the unsigned canonical encoding (codec/tx.h)
 *       form 2: the signed form: the encoding, then the 64 signature bytes
 *
 * tx_root is SHA-256 of the set's transaction hashes concatenated in
 * order; receipts_root SHA-256 of the receipts' encodings (codec/receipt.h)
 * concatenated in order. Both are fed one item at a time.
 */
#ifndef CVM_CODEC_BLOCK_H
#define CVM_CODEC_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "codec/tx.h"
#include "coopvm.h"

#define CVM_BLOCK_HEADER_VERSION 1

enum { CVM_TX_FORM_NONE = 0, CVM_TX_FORM_UNSIGNED = 1, CVM_TX_FORM_SIGNED = 2 };

/* Finds the hash of an unsigned encoding p[0..n) computed before (true,
 * *hash filled), so that it is not computed again. */
typedef bool (*cvm_hash_lookup_fn)(void *ud, const uint8_t *p, size_t n, uint8_t hash[CVM_HASH_BYTES]);

/* Appends tx's record to out and writes its hash (zeros when it has no
 * canonical encoding): lookup's (may be NULL) when it knows the encoding,
 * else SHA-256 of it. CVM_ENOMEM only. */
cvm_status cvm_block_tx_record(cvm_buf *out, const cvm_transaction *tx, uint8_t hash[CVM_HASH_BYTES],
                               cvm_hash_lookup_fn lookup, void *ud);

/* Decodes a tx record p[0..n) into out: bytes point into p (borrowed),
 * the hash is recomputed, and the transaction is decoded into *dec (the
 * caller frees it with cvm_tx_decoded_free; zeroed for form 0).
 * CVM_EINPUT with err naming what is wrong. */
cvm_status cvm_block_tx_record_decode(const cvm_allocator *al, const uint8_t *p, size_t n, cvm_block_tx *out,
                                      cvm_tx_decoded *dec, char *err, size_t errcap);

#endif
