/*
 * memstore.h — the in-memory state store: a fresh chain for `coopvm run`,
 * scenario runs without --data, and tests. Nothing survives close.
 */
#ifndef CVM_STATE_MEMSTORE_H
#define CVM_STATE_MEMSTORE_H

#include "state/store.h"

/* Opens an empty in-memory store at height 0 that allocates through al
 * (borrowed; must outlive the store). The caller owns *out and closes it
 * with cvm_store_close. CVM_ENOMEM if the handle cannot be allocated. */
cvm_status cvm_memstore_open(const cvm_allocator *al, cvm_store **out);

#endif
