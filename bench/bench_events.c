/*
 * bench_events.c — part of `make bench`: the event history's filtered
 * queries at 10^4, 10^5 and 10^6 events (docs/events.md, docs/bench.md).
 *
 * Each history is committed into a fresh LMDB store through the store
 * itself (cvm_store_commit, 1,000 records a block: fast, no VM), with the
 * same 100 events named "Hit" of service "Rare" spread evenly through it
 * and every other event "Noise" of "Common". Then, on the store reopened
 * read-only as `coopvm events` opens it, the wall time of:
 *   by service   cvm_store_events_page(service "Rare")  — the service index
 *   by name      cvm_store_events_page(name "Hit")      — the name index
 *   page         the same, limit 10, resumed after the 50th event
 *   full walk    every record decoded, "Rare" kept here — what a filter
 *                cost before the indexes (and still costs without one)
 * best of 5. The indexed rows read the 100 matching records whatever the
 * history's size, so they must stay flat while the walk grows with it.
 *
 * Run from anywhere: build/bench_events [--max N] (N = 1000000 by default).
 * The stores live in a temporary directory removed at the end.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec/event.h"
#include "coopvm.h"
#include "state/diff.h"
#include "state/lmdbstore.h"

#define PER_BLOCK 1000
#define HITS 100

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void rm_store(const char *dir)
{
    char p[512];
    snprintf(p, sizeof p, "%s/data.mdb", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/lock.mdb", dir);
    unlink(p);
    rmdir(dir);
}

/* Commits n events (n a multiple of PER_BLOCK); false on failure. */
static int build(cvm_store *s, uint64_t n)
{
    uint64_t every = n / HITS; /* event k is a hit when k % every == every / 2 */
    cvm_buf buf;
    cvm_buf_init(&buf, NULL);
    cvm_store_record *recs = malloc(PER_BLOCK * sizeof *recs);
    size_t *ends = malloc(PER_BLOCK * sizeof *ends);
    int ok = recs && ends;
    for (uint64_t h = 1, k = 0; ok && k < n; h++) {
        buf.len = 0;
        for (size_t i = 0; i < PER_BLOCK; i++, k++) {
            int hit = k % every == every / 2;
            cvm_event_field f = {"k", cvm_arg_int64((int64_t)k)};
            cvm_event ev = {hit ? "Rare" : "Common", hit ? "Hit" : "Noise", &f, 1};
            if (cvm_event_record_encode(h, i / 10, &ev, &buf, NULL, 0) != CVM_OK)
                ok = 0;
            ends[i] = buf.len;
        }
        for (size_t i = 0; i < PER_BLOCK; i++)
            recs[i] = (cvm_store_record){buf.data + (i ? ends[i - 1] : 0), ends[i] - (i ? ends[i - 1] : 0)};
        cvm_state_diff d;
        cvm_state_diff_init(&d, NULL);
        cvm_store_block b = {.height = h, .diff = &d, .events = recs, .nevents = PER_BLOCK};
        if (ok && cvm_store_commit(s, &b) != CVM_OK) {
            fprintf(stderr, "bench_events: commit %" PRIu64 ": %s\n", h, cvm_store_errmsg(s));
            ok = 0;
        }
        cvm_state_diff_free(&d);
    }
    cvm_buf_free(&buf);
    free(recs);
    free(ends);
    return ok;
}

typedef struct counted {
    uint64_t n;
    cvm_event_pos last;
    const char *keep; /* the walk: count only this service */
} counted;

static int count(void *ud, const cvm_event_pos *p, const cvm_event *ev)
{
    counted *c = ud;
    if (!c->keep || strcmp(ev->service, c->keep) == 0)
        c->n++;
    c->last = *p;
    return 0;
}

/* Best wall time of 5 runs of q; *n what the last run counted. */
static double best_of(cvm_store *s, const cvm_event_query *q, const char *keep, uint64_t *n)
{
    double best = 1e9;
    for (int r = 0; r < 5; r++) {
        counted c = {0, {0, 0, 0}, keep};
        double t0 = now();
        if (cvm_store_events_page(s, q, count, &c, NULL) != CVM_OK) {
            fprintf(stderr, "bench_events: query: %s\n", cvm_store_errmsg(s));
            exit(1);
        }
        double t = now() - t0;
        if (t < best)
            best = t;
        *n = c.n;
    }
    return best;
}

int main(int argc, char **argv)
{
    uint64_t max = 1000000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--max") == 0 && i + 1 < argc) {
            max = strtoull(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "usage: bench_events [--max N]\n");
            return 2;
        }
    }
    char tmp[] = "/tmp/cvm-bench-events-XXXXXX";
    if (!mkdtemp(tmp)) {
        perror("bench_events: mkdtemp");
        return 1;
    }
    printf("\nevent history: filtered queries (%d matching events in each; LMDB, best of 5, wall time)\n", HITS);
    printf("%10s  %12s  %12s  %12s  %12s  %10s\n", "events", "by service", "by name", "page of 10", "full walk",
           "build");
    int rc = 0;
    for (uint64_t n = 10000; n <= max && !rc; n *= 10) {
        char dir[128];
        snprintf(dir, sizeof dir, "%s/h%" PRIu64, tmp, n);
        cvm_store *s = NULL;
        cvm_errmsg err;
        double t0 = now();
        if (cvm_lmdbstore_open(NULL, dir, &s, &err) != CVM_OK || !build(s, n)) {
            fprintf(stderr, "bench_events: %s\n", s ? cvm_store_errmsg(s) : err.text);
            rc = 1;
        }
        double built = now() - t0;
        cvm_store_close(s);
        s = NULL;
        if (!rc && cvm_lmdbstore_open_readonly(NULL, dir, &s, &err) != CVM_OK) {
            fprintf(stderr, "bench_events: %s\n", err.text);
            rc = 1;
        }
        if (!rc) {
            uint64_t a, b, c, d;
            cvm_event_query by_service = {.service = "Rare"}, by_name = {.name = "Hit"};
            double ts = best_of(s, &by_service, NULL, &a), tn = best_of(s, &by_name, NULL, &b);
            /* the 50th hit's position, then a page of 10 after it */
            cvm_event_query first = {.name = "Hit", .limit = 50};
            counted f = {0, {0, 0, 0}, NULL};
            cvm_store_events_page(s, &first, count, &f, NULL);
            cvm_event_query page = {.name = "Hit", .limit = 10, .after_height = f.last.height,
                                    .after_tx = f.last.tx_index, .after_index = f.last.index};
            double tp = best_of(s, &page, NULL, &c);
            cvm_event_query all = {0};
            double tw = best_of(s, &all, "Rare", &d);
            if (a != HITS || b != HITS || c != 10 || d != HITS) {
                fprintf(stderr, "bench_events: %" PRIu64 " / %" PRIu64 " / %" PRIu64 " / %" PRIu64
                        " events found, expected %d / %d / 10 / %d\n", a, b, c, d, HITS, HITS, HITS);
                rc = 1;
            }
            printf("%10" PRIu64 "  %9.3f ms  %9.3f ms  %9.3f ms  %9.1f ms  %8.1f s\n", n, ts * 1e3, tn * 1e3,
                   tp * 1e3, tw * 1e3, built);
            fflush(stdout);
        }
        cvm_store_close(s);
        rm_store(dir);
    }
    rmdir(tmp);
    return rc;
}
