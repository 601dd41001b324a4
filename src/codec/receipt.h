/*
 * receipt.h — the canonical binary encoding of a receipt (what a block
 * commits for each transaction of its set, and what receipts_root hashes;
 * docs/blocks.md):
 *
 *     receipt := u8(status | REASON_FLAG)       cvm_exec_status; the flag when
 *                                               the error has a reason
 *                uvarint(error code)            cvm_code
 *                text(error message) text(error method)
 *                svarint(error pc) svarint(error line)
 *                [bytes(error reason)]          only with the flag: uvarint(len)
 *                                               bytes, len <= CVM_REASON_MAX
 *                list(outputs)                  codec/args.h
 *                uvarint(nevents) event*nevents event body of codec/event.h
 *                uvarint(nlogs) svarint*nlogs
 *                svarint(gas_used)
 *     text    := uvarint(len) bytes            no NUL; len < the cvm_error field's size
 *
 * One receipt has one encoding: the decoder refuses an unknown status or
 * code, a reason longer than CVM_REASON_MAX, a text too long for its field or with a NUL, more than CVM_ARGS_MAX
 * outputs or events (events: at most CVM_RECEIPT_EVENTS_MAX), logs beyond
 * CVM_RECEIPT_LOGS_MAX, non-minimal varints and trailing bytes, naming
 * the part and the offset.
 */
#ifndef CVM_CODEC_RECEIPT_H
#define CVM_CODEC_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "coopvm.h"

/* Bounds the decoder enforces (far above what a transaction's gas pays for). */
#define CVM_RECEIPT_EVENTS_MAX 1000000
#define CVM_RECEIPT_LOGS_MAX 10000000

/* The status byte's flag saying that the error's reason follows its line:
 * a receipt without a reason (every receipt before reasons existed) keeps
 * its exact bytes. */
#define CVM_RECEIPT_REASON_FLAG 0x80u

/* Appends the encoding of r to out. CVM_EINPUT (err says which part; out
 * unchanged) when an output or event cannot be encoded (cvm_args_encode,
 * cvm_event_check), CVM_ENOMEM when out failed. */
cvm_status cvm_receipt_encode(const cvm_receipt *r, cvm_buf *out, char *err, size_t errcap);

/* Decodes exactly one receipt from p[0..n) into out; everything it points
 * to (outputs, events, logs) is copied into arena. On failure *out is
 * zeroed and err says what and where. */
cvm_status cvm_receipt_decode(const uint8_t *p, size_t n, cvm_arena *arena, cvm_receipt *out, char *err,
                              size_t errcap);

#endif
