/*
 * pool.c — the worker pool (pool.h).
 *
 * The workers sleep on a condition variable until the caller publishes a
 * loop (a new generation), then take chunks of it by an atomic counter, as
 * the caller does, until none is left; the last worker to finish wakes the
 * caller. Chunks are taken dynamically rather than split in equal parts up
 * front, so a worker slowed down by a busy machine does not hold the whole
 * loop back.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/pool.h"

struct cvm_pool {
    const cvm_allocator *al;  /* borrowed */
    unsigned nthreads;        /* threads that run a loop, the caller's included */
    unsigned nworkers;        /* workers started: nthreads - 1 */
    pthread_t *workers;       /* owned; nworkers of them */
    pthread_mutex_t mu;       /* guards everything below but `next` */
    pthread_cond_t wake;      /* a new generation, or stop */
    pthread_cond_t done;      /* busy reached 0 */
    unsigned long generation; /* loops published so far */
    unsigned busy;            /* workers not yet done with the current loop */
    bool stop;
    /* the current loop, written under mu before its generation is published */
    cvm_pool_fn fn;
    void *ud;                 /* borrowed, the loop's */
    size_t n, chunk;
    atomic_size_t next;       /* the first item not yet taken */
};

/* Takes chunks of the current loop until none is left. */
static void work(cvm_pool *p)
{
    for (;;) {
        size_t from = atomic_fetch_add_explicit(&p->next, p->chunk, memory_order_relaxed);
        if (from >= p->n)
            return;
        size_t to = p->n - from < p->chunk ? p->n : from + p->chunk;
        p->fn(p->ud, from, to);
    }
}

static void *worker_main(void *arg)
{
    cvm_pool *p = arg;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->generation == seen)
            pthread_cond_wait(&p->wake, &p->mu);
        if (p->stop)
            break;
        seen = p->generation;
        pthread_mutex_unlock(&p->mu);
        work(p);
        pthread_mutex_lock(&p->mu);
        if (--p->busy == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Stops and joins the first `started` workers. */
static void stop_workers(cvm_pool *p, unsigned started)
{
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < started; i++)
        pthread_join(p->workers[i], NULL);
}

static unsigned machine_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1u : n > CVM_POOL_MAX_THREADS ? CVM_POOL_MAX_THREADS : (unsigned)n;
}

cvm_status cvm_pool_new(const cvm_allocator *al, unsigned threads, cvm_pool **out)
{
    *out = NULL;
    if (threads == 0)
        threads = machine_cores();
    if (threads > CVM_POOL_MAX_THREADS)
        threads = CVM_POOL_MAX_THREADS;
    cvm_pool *p = cvm_calloc(al, 1, sizeof *p);
    if (!p)
        return CVM_ENOMEM;
    p->al = al;
    p->nthreads = threads;
    p->nworkers = threads - 1;
    atomic_init(&p->next, 0);
    if (p->nworkers && !(p->workers = cvm_calloc(al, p->nworkers, sizeof *p->workers)))
        goto no_mutex;
    if (pthread_mutex_init(&p->mu, NULL) != 0)
        goto no_mutex;
    if (pthread_cond_init(&p->wake, NULL) != 0)
        goto no_wake;
    if (pthread_cond_init(&p->done, NULL) != 0)
        goto no_done;
    /* the workers are the library's: they take no signal of the host's
     * (a thread inherits the creator's mask) */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    unsigned started = 0;
    while (started < p->nworkers && pthread_create(&p->workers[started], NULL, worker_main, p) == 0)
        started++;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (started < p->nworkers) {
        stop_workers(p, started);
        p->nworkers = 0; /* all joined */
        cvm_pool_free(p);
        return CVM_ENOMEM;
    }
    *out = p;
    return CVM_OK;

no_done:
    pthread_cond_destroy(&p->wake);
no_wake:
    pthread_mutex_destroy(&p->mu);
no_mutex:
    cvm_free(al, p->workers);
    cvm_free(al, p);
    return CVM_ENOMEM;
}

void cvm_pool_free(cvm_pool *p)
{
    if (!p)
        return;
    if (p->nworkers)
        stop_workers(p, p->nworkers);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
    cvm_free(p->al, p->workers);
    cvm_free(p->al, p);
}

unsigned cvm_pool_threads(const cvm_pool *p) { return p->nthreads; }

void cvm_pool_run(cvm_pool *p, size_t n, size_t chunk, cvm_pool_fn fn, void *ud)
{
    if (chunk == 0)
        chunk = 1;
    if (n == 0)
        return;
    if (p->nworkers == 0 || n <= chunk) {
        fn(ud, 0, n);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ud = ud;
    p->n = n;
    p->chunk = chunk;
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
    p->busy = p->nworkers;
    p->generation++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    work(p);
    pthread_mutex_lock(&p->mu);
    while (p->busy)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}
