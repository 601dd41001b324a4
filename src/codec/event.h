/*
 * event.h — the durable event-history record: one event of a committed
 * transaction, as the VM hands it to the store (an opaque record) at commit
 * and as `coopvm events` reads it back.
 *
 *     record := uvarint(height) uvarint(tx_index)
 *               name(service) name(event name)
 *               uvarint(nfields) field*nfields          nfields <= CVM_ARGS_MAX
 *     field  := name(field name) arg                    arg as in codec/args.h
 *     name   := uvarint(len) bytes                      len <= CVM_EVENT_NAME_MAX, no NUL byte
 *
 * Names are bytes without NUL (they are C strings in cvm_event) and need not
 * be UTF-8 (an Emit name is a constant, which is arbitrary bytes); the JSON
 * view writes a non-UTF-8 name as "0x" + hex. A name may be empty: what a
 * contract can emit (an Emit of any constant) must never make a commit
 * fail. Field names within one event are distinct. Decoding is strict like the argument decoder: every
 * rejection names the part and the offset, and trailing bytes are an error.
 */
#ifndef CVM_CODEC_EVENT_H
#define CVM_CODEC_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/reader.h"
#include "coopvm.h"

#define CVM_EVENT_NAME_MAX 1024 /* bytes of a service, event or field name */

/* One event of the history, with where it happened. */
typedef struct cvm_event_record {
    uint64_t height;   /* the block */
    uint64_t tx_index; /* the transaction's index in the block's set, 0-based */
    cvm_event event;   /* strings, fields and values owned by the decoding arena */
} cvm_event_record;

/* CVM_OK when ev can be encoded: names present, at most
 * CVM_EVENT_NAME_MAX bytes, distinct field names, at most CVM_ARGS_MAX
 * fields, every value valid (cvm_arg_check). Else CVM_EINPUT and err says
 * which part. */
cvm_status cvm_event_check(const cvm_event *ev, char *err, size_t errcap);

/* Appends the record of ev at (height, tx_index) to out after
 * cvm_event_check. CVM_EINPUT (out unchanged) or CVM_ENOMEM. */
cvm_status cvm_event_record_encode(uint64_t height, uint64_t tx_index, const cvm_event *ev, cvm_buf *out,
                                   char *err, size_t errcap);

/* The event body of a record (service, name, fields), for other records
 * that embed events (codec/receipt.h): appends it to out, ev already
 * checked (cvm_event_check); reads one at r's position into arena (names,
 * fields and values copied), CVM_EINPUT leaving the message in r->err. */
void cvm_event_write(cvm_buf *out, const cvm_event *ev);
cvm_status cvm_event_read(cvm_reader *r, cvm_arena *arena, cvm_event *out);

/* Decodes exactly one record from p[0..n). Everything the record points to
 * (names as NUL-terminated strings, the fields array, string and bytes
 * values) is copied into arena, so p may be freed afterwards. On failure
 * *out is zeroed and err says what and where. */
cvm_status cvm_event_record_decode(const uint8_t *p, size_t n, cvm_arena *arena, cvm_event_record *out, char *err,
                                   size_t errcap);

/* Reads a record's position and names without decoding the rest (what the
 * store's event indexes need at commit): height, transaction index, and
 * the service and event name as bytes pointing into p. false when p does
 * not begin like a record. */
bool cvm_event_record_peek(const uint8_t *p, size_t n, uint64_t *height, uint64_t *tx_index, const uint8_t **service,
                           size_t *service_len, const uint8_t **name, size_t *name_len);

/* Deep copy of src into arena (the VM keeps its receipts' events this way). */
cvm_status cvm_event_copy(cvm_arena *arena, const cvm_event *src, cvm_event *dst);

#endif
