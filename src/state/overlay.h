/*
 * overlay.h — the transient state of a context: an overlay over a store at
 * one height, namespaced by service.
 *
 * Reads see the overlay's own writes first, then read through to the store;
 * what the store said is cached (absent keys too), so each key reaches the
 * store at most once per overlay. Writes stay in the overlay until its diff
 * is committed (cvm_overlay_diff, then cvm_state_diff_commit).
 *
 * Checkpoints undo writes: each transaction of a set runs under one, a call
 * inside it may open another, and a failure rolls back to its own mark while
 * the writes around it stay. Checkpoints nest and close innermost first.
 * (The events of a rolled-back transaction are the context's to drop.)
 *
 * A read-only overlay (RunLocalMethod) caches reads and refuses writes.
 * Errors are statuses with a message on the handle (cvm_overlay_errmsg).
 */
#ifndef CVM_STATE_OVERLAY_H
#define CVM_STATE_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coopvm.h"
#include "state/diff.h"
#include "state/store.h"

typedef struct cvm_overlay cvm_overlay;

/* Creates an overlay over store (borrowed; must outlive the overlay and
 * stay at its current height while the overlay reads from it). The caller
 * owns *out and frees it with cvm_overlay_free. CVM_ENOMEM on failure. */
cvm_status cvm_overlay_new(const cvm_allocator *al, cvm_store *store, bool read_only, cvm_overlay **out);

/* Frees the overlay and everything it holds. NULL is allowed. */
void cvm_overlay_free(cvm_overlay *o);

/* Whether writes are refused. */
bool cvm_overlay_read_only(const cvm_overlay *o);

/* The height the overlay reads at: the store's height when it was made. */
uint64_t cvm_overlay_height(const cvm_overlay *o);

/* Why the last failed call on o failed; borrowed from o, valid until the
 * next call. */
const char *cvm_overlay_errmsg(const cvm_overlay *o);

/* Reads (service, key): the overlay's last write, else the store's value.
 * *value (borrowed from o; valid until the next write, rollback or free)
 * and *len give the bytes, len 0 when absent or deleted; *found (may be
 * NULL) is len > 0. Store failures come back with the store's message. */
cvm_status cvm_overlay_read(cvm_overlay *o, const uint8_t *service, size_t service_len, const uint8_t *key,
                            size_t key_len, const uint8_t **value, size_t *len, bool *found);

/* Writes (service, key) = value (len bytes copied; len 0 deletes). CVM_EINPUT
 * when the overlay is read-only or the key is longer than the store allows
 * (CVM_STATE_KEY_MAX), with the service and key in the message. */
cvm_status cvm_overlay_write(cvm_overlay *o, const uint8_t *service, size_t service_len, const uint8_t *key,
                             size_t key_len, const uint8_t *value, size_t len);

/* A handle on one (service, key) of an overlay, for a host that reads or
 * writes the same key many times (a contract's Load/Store of a constant
 * key): reading and writing through it is exactly cvm_overlay_read and
 * cvm_overlay_write of that (service, key), with no key to build, hash or
 * compare. Borrowed from the overlay and valid until cvm_overlay_free:
 * slots are never removed, whatever the writes, checkpoints and rollbacks
 * (a rollback restores what the slot holds; the handle then reads that). */
typedef struct cvm_overlay_slot cvm_overlay_slot;

/* Finds or creates the slot of (service, key) into *out (NULL on failure).
 * CVM_EINPUT when the key is longer than the store allows, as for a write. */
cvm_status cvm_overlay_ref(cvm_overlay *o, const uint8_t *service, size_t service_len, const uint8_t *key,
                           size_t key_len, cvm_overlay_slot **out);

/* cvm_overlay_read of the slot's (service, key); s made by cvm_overlay_ref
 * of this overlay. */
cvm_status cvm_overlay_read_at(cvm_overlay *o, cvm_overlay_slot *s, const uint8_t **value, size_t *len, bool *found);

/* cvm_overlay_write of the slot's (service, key): the same journal, the
 * same refusal on a read-only overlay. */
cvm_status cvm_overlay_write_at(cvm_overlay *o, cvm_overlay_slot *s, const uint8_t *value, size_t len);

/* Opens a checkpoint and gives its mark (1 for the outermost, then 2, ...). */
cvm_status cvm_overlay_checkpoint(cvm_overlay *o, size_t *mark);

/* Undoes every write since the checkpoint `mark` and closes it. mark must
 * be the innermost open checkpoint (CVM_EINPUT otherwise, nothing undone). */
cvm_status cvm_overlay_rollback(cvm_overlay *o, size_t mark);

/* Closes the checkpoint `mark`, keeping its writes (an enclosing checkpoint
 * can still undo them). mark must be the innermost open one. */
cvm_status cvm_overlay_release(cvm_overlay *o, size_t mark);

/* How many checkpoints are open. */
size_t cvm_overlay_depth(const cvm_overlay *o);

/* Appends to out (initialised, normally empty) the combined state diff of
 * every write: one entry per (service, key) with its last value, only where
 * that differs from the store's value, in canonical order. May read the
 * store for keys written without being read first. */
cvm_status cvm_overlay_diff(cvm_overlay *o, cvm_state_diff *out);

/* out = the state commitment (commitment.h) after this overlay's writes,
 * from before, the store's commitment at the overlay's height: each written
 * key whose value differs from the store's has its old entry removed and
 * its new one added, so the work follows the diff, not the state. Reads the
 * store's value of a key written without being read, as cvm_overlay_diff
 * does. CVM_ESTATE when before is not a commitment (a damaged record). */
cvm_status cvm_overlay_commitment(cvm_overlay *o, const uint8_t before[CVM_SHA256_BYTES],
                                  uint8_t out[CVM_SHA256_BYTES]);

#endif
