/*
 * heap.h — the bytes values of one method run (docs/vm.md, "Values").
 *
 * A stack cell or local holding bytes holds the index of an object
 * {pointer, length} in the run's table; the tag beside the cell (exec.c's
 * typed loops) says which cells are indices. Values never change once made,
 * so objects share memory freely (a Slice points into its source, every
 * PushBytes of one constant is one object). There is no collector: what a
 * run makes lives in a bump arena until the run ends, and everything is
 * counted against CVM_RUN_MEMORY so that no contract allocates without
 * bound — each object costs CVM_HEAP_OVERHEAD, and bytes copied into the
 * arena their length (constants, arguments and identities are borrowed, not
 * copied).
 */
#ifndef CVM_INTERP_HEAP_H
#define CVM_INTERP_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "coopvm.h"

/* What one object counts against CVM_RUN_MEMORY beyond its copied bytes. */
#define CVM_HEAP_OVERHEAD 16u

typedef struct cvm_bobj {
    const uint8_t *p; /* borrowed from the arena, the module, the arguments or the host */
    uint32_t len;     /* at most CVM_BYTES_MAX */
} cvm_bobj;

typedef struct cvm_heap {
    const cvm_allocator *al; /* borrowed */
    cvm_arena arena;         /* owned: the bytes the run made */
    cvm_bobj *objs;          /* owned: nobjs objects (cap allocated) */
    size_t nobjs, cap;
    size_t used;             /* counted against CVM_RUN_MEMORY */
    uint32_t *konst;         /* owned, nconsts: a constant's object index + 1, 0 before its first push */
    size_t nconsts;
    uint32_t ids[3];         /* Signer, Caller, Self: object index + 1, 0 before the first push */
    int oom;                 /* the allocator failed (not the contract's limit) */
} cvm_heap;

/* An empty heap; allocates nothing yet. */
void cvm_heap_init(cvm_heap *hp, const cvm_allocator *al, size_t nconsts);

/* Frees everything the heap holds; its objects are gone. */
void cvm_heap_free(cvm_heap *hp);

/* A new object for p[0..len), borrowed (it must outlive the run); *idx
 * receives its index. BYTES_TOO_LONG or MEMORY_LIMIT (message in err,
 * naming op) when it does not fit. */
cvm_code cvm_heap_borrow(cvm_heap *hp, const char *op, const uint8_t *p, size_t len, int64_t *idx, cvm_error *err);

/* A new object of len bytes in the arena, to be filled through *buf. */
cvm_code cvm_heap_make(cvm_heap *hp, const char *op, size_t len, uint8_t **buf, int64_t *idx, cvm_error *err);

/* A new object holding a copy of p[0..len). */
cvm_code cvm_heap_copy(cvm_heap *hp, const char *op, const uint8_t *p, size_t len, int64_t *idx, cvm_error *err);

/* The object of index idx (an index the heap handed out). */
static inline const cvm_bobj *cvm_heap_get(const cvm_heap *hp, int64_t idx) { return &hp->objs[idx]; }

#endif
