/*
 * args.h — the canonical binary encoding of typed argument lists (the
 * arguments of a transaction or call, and a method's outputs).
 *
 *     list  := uvarint(count) arg*count              count <= CVM_ARGS_MAX
 *     arg   := type:u8 value
 *     value := int64  -> zigzag LEB128 (minimal)
 *              uint64 -> LEB128 (minimal)
 *              string -> uvarint(len) bytes          valid UTF-8, len <= CVM_ARG_BYTES_MAX
 *              bytes  -> uvarint(len) bytes          len <= CVM_ARG_BYTES_MAX
 *              bool   -> one byte, 0 or 1
 *
 * The type byte is the cvm_arg_type value (1 int64 .. 5 bool). One list has
 * exactly one encoding: the decoder rejects unknown types, a bool other than
 * 0/1, a string that is not UTF-8, a length past the end or over the limit,
 * a non-minimal varint and trailing bytes, naming the argument (1-based) and
 * the offset. The encoder refuses what the decoder would refuse, so that
 * whatever encodes also decodes.
 */
#ifndef CVM_CODEC_ARGS_H
#define CVM_CODEC_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/reader.h"
#include "coopvm.h"

#define CVM_ARGS_MAX 64             /* arguments in one list (and fields in one event) */
#define CVM_ARG_BYTES_MAX (64 * 1024) /* bytes of one string or bytes value */

/* CVM_OK when a can be encoded (known type, bool 0/1, UTF-8 string, length
 * within the limit, no NULL pointer with a length); else CVM_EINPUT and err
 * (cap bytes, may be NULL) says why, prefixed with `what` (e.g. "argument 2"). */
cvm_status cvm_arg_check(const cvm_arg *a, const char *what, char *err, size_t errcap);

/* Appends the type byte and value of a (already checked) to out. */
void cvm_arg_write(cvm_buf *out, const cvm_arg *a);

/* Reads one type byte and value. String and bytes values point into the
 * reader's input (borrowed). `what` names the value in the reader's message. */
bool cvm_arg_read(cvm_reader *r, const char *what, cvm_arg *out);

/* Appends the canonical encoding of args[0..n) to out after checking every
 * argument and the count. CVM_EINPUT (err says which argument and why) or
 * CVM_ENOMEM (out failed); out is unchanged by a CVM_EINPUT. */
cvm_status cvm_args_encode(const cvm_arg *args, size_t n, cvm_buf *out, char *err, size_t errcap);

/* Reads a list (count then arguments) at the reader's position, for
 * records that embed one (transactions, event fields use the same values).
 * The array is allocated in arena (NULL when the count is 0); string and
 * bytes values are borrowed from the reader's input. CVM_EINPUT with the
 * message in r->err, or CVM_ENOMEM. */
cvm_status cvm_args_read(cvm_reader *r, cvm_arena *arena, cvm_arg **out, size_t *n);

/* Decodes exactly one list from p[0..n) (trailing bytes are an error). The
 * array is in arena; string and bytes values point into p (borrowed: p must
 * outlive them, or copy them with cvm_args_copy). On failure *out is NULL,
 * *nout 0, and err says what and where. */
cvm_status cvm_args_decode(const uint8_t *p, size_t n, cvm_arena *arena, cvm_arg **out, size_t *nout, char *err,
                           size_t errcap);

/* Deep copy of args[0..n) into arena: the array and every string and bytes
 * value, so the copy outlives the source. *out is NULL when n is 0. */
cvm_status cvm_args_copy(cvm_arena *arena, const cvm_arg *args, size_t n, cvm_arg **out);

/* True when a and b have the same type and value (bytes compared by content). */
bool cvm_arg_equal(const cvm_arg *a, const cvm_arg *b);

#endif
