/*
 * fuzz_diff.c — fuzzes the state-diff decoder (state/diff.h,
 * cvm_state_diff_decode) with arbitrary bytes: the canonical encoding a
 * block's diff hash is taken over, and what a node would receive.
 *
 * Beyond not crashing or leaking: a refused input has a message; an
 * accepted one is canonical (it encodes to the input, its hash is the
 * SHA-256 of the input, and it is sorted without duplicates). Committed to
 * a memory store it is then served back entry by entry (a value read back as
 * written, an empty one as absent), or, when a composite key is too long
 * for a store, refused by both the check and the commit, which leaves the
 * store as it was.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "state/diff.h"
#include "state/memstore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "property broken: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

static void check_canonical(const cvm_state_diff *d, const uint8_t *data, size_t size)
{
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    if (cvm_state_diff_encode(d, &b) == CVM_OK && (b.len != size || memcmp(b.data, data, size) != 0))
        fail("a decoded diff encodes to its bytes", NULL);
    cvm_buf_free(&b);
    uint8_t h[CVM_SHA256_BYTES], want[CVM_SHA256_BYTES];
    cvm_sha256(data, size, want);
    if (cvm_state_diff_hash(d, h) == CVM_OK && memcmp(h, want, sizeof h) != 0)
        fail("a decoded diff's hash is the SHA-256 of its bytes", NULL);
    for (size_t i = 1; i < d->count; i++)
        if (cvm_diff_entry_cmp(&d->entries[i - 1], &d->entries[i]) >= 0)
            fail("a decoded diff is sorted without duplicates", NULL);
}

static void check_committed(const cvm_state_diff *d, const uint8_t *data, size_t size)
{
    cvm_store *s = NULL;
    if (cvm_memstore_open(NULL, &s) != CVM_OK)
        return;
    char err[256] = "";
    bool fits = cvm_state_diff_check(d, err, sizeof err) == CVM_OK;
    if (!fits && !err[0])
        fail("a refused diff check gets a message", NULL);
    uint8_t h[CVM_SHA256_BYTES];
    cvm_status st = cvm_state_diff_commit(s, d, NULL, 0, h);
    if (!fits) {
        if (st == CVM_OK || cvm_store_height(s) != 0)
            fail("a diff with an oversized key is not committed", err);
        if (!cvm_store_errmsg(s)[0])
            fail("a refused commit gets a message", NULL);
    } else if (st == CVM_OK) {
        uint8_t want[CVM_SHA256_BYTES];
        cvm_sha256(data, size, want);
        if (cvm_store_height(s) != 1 || memcmp(cvm_store_last_hash(s), want, sizeof want) != 0 ||
            memcmp(h, want, sizeof want) != 0)
            fail("a committed diff is height 1 with its hash", NULL);
        cvm_buf v;
        cvm_buf_init(&v, NULL);
        for (size_t i = 0; i < d->count; i++) {
            const cvm_diff_entry *e = &d->entries[i];
            bool found = false;
            if (cvm_store_read(s, 1, e->service, e->service_len, e->key, e->key_len, &v, &found) != CVM_OK)
                continue; /* out of memory */
            if (found != (e->value_len > 0) ||
                (found && (v.len != e->value_len || memcmp(v.data, e->value, v.len) != 0)))
                fail("a committed diff reads back entry by entry", NULL);
        }
        cvm_buf_free(&v);
    } else if (st != CVM_ENOMEM) {
        fail("a diff that checks commits to an empty memory store", cvm_store_errmsg(s));
    }
    cvm_store_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    char err[256] = "";
    cvm_status st = cvm_state_diff_decode(data, size, &d, err, sizeof err);
    if (st == CVM_EINPUT && err[0] == '\0')
        fail("a refused diff gets a message", NULL);
    if (st == CVM_OK) {
        check_canonical(&d, data, size);
        check_committed(&d, data, size);
    }
    cvm_state_diff_free(&d);
    return 0;
}
