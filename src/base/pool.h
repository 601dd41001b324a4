/*
 * pool.h — a small pool of worker threads (pthreads) for data-parallel
 * loops: the caller hands it n items and a function, the items are split
 * into chunks that the workers and the caller itself take in turn, and the
 * call returns when every item is done.
 *
 * A pool is created once (with its VM) and reused by every loop: no thread
 * is started per call. A pool of 1 thread starts none and runs every loop on
 * the caller's thread. The pool never allocates after it is created, so the
 * function it runs may be the only code on the workers; the function must
 * not allocate through a cvm_allocator either (a host's allocator need not
 * be thread-safe), and must write only to its own items' slots.
 *
 * Which thread runs which item is not deterministic; a function whose
 * result for item i depends only on item i gives the same results whatever
 * the number of threads.
 *
 * One loop at a time: cvm_pool_run is not reentrant and a pool is used from
 * one thread (its VM's).
 */
#ifndef CVM_BASE_POOL_H
#define CVM_BASE_POOL_H
#include <stddef.h>

#include "coopvm.h"

typedef struct cvm_pool cvm_pool;

/* Runs items [from, to) of a loop; ud is the loop's (borrowed). */
typedef void (*cvm_pool_fn)(void *ud, size_t from, size_t to);

#define CVM_POOL_MAX_THREADS 64

/* A pool of `threads` threads in all, the caller's included (so threads - 1
 * workers are started); 0 means the machine's online cores (sysconf), and
 * any count is capped at CVM_POOL_MAX_THREADS. On success the caller owns
 * *out. CVM_ENOMEM when memory runs out or a thread cannot be started
 * (nothing is left running then). */
cvm_status cvm_pool_new(const cvm_allocator *al, unsigned threads, cvm_pool **out);

/* Stops and joins the workers, frees the pool. NULL is allowed. */
void cvm_pool_free(cvm_pool *p);

/* The number of threads that run a loop, the caller's included (>= 1). */
unsigned cvm_pool_threads(const cvm_pool *p);

/* Calls fn(ud, from, to) over chunks covering [0, n) exactly once each, on
 * the workers and the calling thread, and returns when all are done. chunk
 * is the most items given out at once (0 means 1); a loop of at most one
 * chunk runs on the calling thread alone. */
void cvm_pool_run(cvm_pool *p, size_t n, size_t chunk, cvm_pool_fn fn, void *ud);

#endif
