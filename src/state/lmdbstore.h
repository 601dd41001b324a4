/*
 * lmdbstore.h — the durable state store, in an LMDB environment directory.
 *
 * Layout (four named databases in one environment):
 *   state   composite key (store.h) -> value bytes (never empty)
 *   meta    "format" -> "coopvm-state-1"
 *           "height" -> the latest height, 8 bytes big-endian
 *           "diff_hash" -> that height's state-diff hash, 32 bytes
 *   events  height (8 bytes BE) || index (8 bytes BE) -> the event record,
 *           so that records sort by height then index
 *   txs     transaction hash (32 bytes) -> height (8 bytes BE) || index in
 *           the set (8 bytes BE) || the transaction's timestamp (8 bytes
 *           BE): the transaction index, every committed (run) transaction
 *           of every height, none pruned. A store written before it had
 *           none: a read-write open creates it empty, a read-only open
 *           reads it as empty.
 * Each commit is ONE LMDB write transaction holding the diff's writes and
 * deletes, the new height, the hash, the event records and the
 * transaction index entries: after a crash
 * the directory holds the old height or the new one, never a mix.
 */
#ifndef CVM_STATE_LMDBSTORE_H
#define CVM_STATE_LMDBSTORE_H

#include "state/store.h"

/* The LMDB map's initial size: address space only (the file grows as data
 * is written), and no ceiling: a commit that fills the map doubles it and
 * is tried again. A store reopened starts at the size it last had. */
#define CVM_LMDB_INITIAL_MAP_SIZE ((size_t)1 << 30)

/* Named databases an environment may hold: the four above, and room for
 * more without a change here. */
#define CVM_LMDB_MAX_DBS 16

/* cvm_lmdbstore_open (coopvm.h) opens (creating when missing: the
 * directory itself, not its parents) the store in directory dir (borrowed),
 * continuing from its last committed height. The caller owns *out and
 * closes it with cvm_store_close. On failure *out is NULL, the status is
 * CVM_EIO (the directory or LMDB), CVM_ESTATE (not a coopvm state
 * directory, or a damaged one) or CVM_ENOMEM, and the caller's cvm_errmsg
 * says what and where. One process writes a directory at a time. */

/* cvm_lmdbstore_open_readonly (coopvm.h) opens the existing store in dir
 * for reading only (`coopvm events`):
 * creates and writes nothing — not the directory, not data.mdb, not meta.
 * Refused with CVM_EIO when dir is missing or not a directory, CVM_ESTATE
 * when it holds no data.mdb, an LMDB file without the three databases, no
 * or another format, or a damaged data.mdb (lmdbcheck.h: both opens check
 * the file before LMDB maps it); err names dir. Reads and cvm_store_events work as on
 * any handle; cvm_store_commit is refused with CVM_ESTATE. */

/* cvm_lmdbstore_open with the map's initial size (0: the default) — for
 * tests that fill a small map; the chain then grows it as usual. */
cvm_status cvm_lmdbstore_open_map(const cvm_allocator *al, const char *dir, size_t map_size, cvm_store **out,
                                  cvm_errmsg *err);

/* The map's current size, and how often it was doubled since the open, of
 * an LMDB store (s must be one). For tests and statistics. */
size_t cvm_lmdbstore_map_size(const cvm_store *s);
unsigned cvm_lmdbstore_grows(const cvm_store *s);

#endif
