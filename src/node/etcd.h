/*
 * etcd.h — a small etcd v3 client over etcd's JSON gateway (/v3/...), for the
 * etcd-ordered producer (producer_etcd.c). HTTP is libcurl's, JSON is
 * jansson's, base64 is libsodium's: nothing here speaks HTTP by hand.
 *
 * Several endpoints (the cluster's members' client URLs): a request that
 * cannot reach one (connection refused, timeout, 5xx) is tried on the next,
 * and the client stays on the one that answered. etcd's own answers (a
 * compare that failed, a lease that expired) are results, not failures.
 *
 * Threads: one client per thread (it keeps one curl handle). Keys and values
 * are raw bytes here; the gateway's base64 is this file's business. Built
 * without libcurl (make cross's foreign builds), cvm_etcd_open says so.
 */
#ifndef CVM_NODE_ETCD_H
#define CVM_NODE_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coopvm.h"

typedef struct cvm_etcd cvm_etcd;

/* One key as a range read returns it. */
typedef struct cvm_etcd_kv {
    char *key;           /* owned, NUL-terminated (keys here are text) */
    uint8_t *value;      /* owned; len bytes (NUL-terminated too, not counted) */
    size_t len;
    int64_t create_revision, mod_revision, lease;
} cvm_etcd_kv;

void cvm_etcd_kv_free(cvm_etcd_kv *kv, size_t n); /* frees kv[0..n) and kv */

/* endpoints: "http://127.0.0.1:2379,http://..." (borrowed); timeout_ms: one
 * request's limit on one endpoint. */
cvm_status cvm_etcd_open(const char *endpoints, long timeout_ms, cvm_etcd **out, char *err, size_t errcap);
void cvm_etcd_close(cvm_etcd *e);

/* GET key: *found false when absent (kv untouched). */
cvm_status cvm_etcd_get(cvm_etcd *e, const char *key, cvm_etcd_kv *kv, bool *found, char *err, size_t errcap);
/* Every key in [from, to) in key order, at most limit (0 = all); *kvs owned
 * (cvm_etcd_kv_free). */
cvm_status cvm_etcd_range(cvm_etcd *e, const char *from, const char *to, size_t limit, cvm_etcd_kv **kvs,
                          size_t *n, char *err, size_t errcap);
/* PUT key = value (lease 0 = none). */
cvm_status cvm_etcd_put(cvm_etcd *e, const char *key, const uint8_t *value, size_t len, int64_t lease, char *err,
                        size_t errcap);
/* Deletes every key in [from, to). */
cvm_status cvm_etcd_delete_range(cvm_etcd *e, const char *from, const char *to, char *err, size_t errcap);

/* Creates key = value under lease only if key does not exist (one txn:
 * create_revision == 0). *created says whether it did; *revision gets the
 * key's mod_revision (the one created). */
cvm_status cvm_etcd_create(cvm_etcd *e, const char *key, const uint8_t *value, size_t len, int64_t lease,
                           bool *created, int64_t *revision, char *err, size_t errcap);
/* Fenced create: key = value only if key does not exist AND fence_key's
 * mod_revision is still fence_revision (the writer still holds what it was
 * given at that revision: an expired lease deletes the key, a new holder
 * rewrites it). *written says whether it did. */
cvm_status cvm_etcd_create_fenced(cvm_etcd *e, const char *key, const uint8_t *value, size_t len,
                                  const char *fence_key, int64_t fence_revision, bool *written, char *err,
                                  size_t errcap);

/* Leases: grant (*id), keep alive once (*ttl 0: the lease expired), revoke. */
cvm_status cvm_etcd_lease_grant(cvm_etcd *e, int64_t ttl_s, int64_t *id, char *err, size_t errcap);
cvm_status cvm_etcd_lease_keepalive(cvm_etcd *e, int64_t id, int64_t *ttl, char *err, size_t errcap);
cvm_status cvm_etcd_lease_revoke(cvm_etcd *e, int64_t id, char *err, size_t errcap);

/* Waits (at most timeout_ms) for a change to a key at or after from_key
 * (a prefix watch from revision start_revision): returns when an event
 * arrives or the time passes (*changed says which). The gateway's watch is
 * a stream; this reads its first event and closes it. */
cvm_status cvm_etcd_watch_once(cvm_etcd *e, const char *from_key, const char *to_key, int64_t start_revision,
                               long timeout_ms, bool *changed, char *err, size_t errcap);

/* The highest store revision etcd answered with so far (a watch from
 * revision + 1 misses nothing written after the last read). */
int64_t cvm_etcd_revision(const cvm_etcd *e);

/* The endpoint the client talks to now (borrowed). */
const char *cvm_etcd_endpoint(const cvm_etcd *e);

#endif
