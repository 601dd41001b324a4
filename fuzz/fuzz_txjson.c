/*
 * fuzz_txjson.c — fuzzes the JSON reader of a transaction (codec/tx_json.h),
 * what `coopvm tx` reads from a file, with arbitrary bytes as the file's text
 * (parsed with the CLI's jansson flags).
 *
 * Beyond not crashing or leaking: a refused input has a message; an
 * accepted one writes back as JSON (cvm_tx_to_json) that reads again to a
 * transaction with the same canonical bytes, and whose own JSON view is the
 * same JSON (decode, encode, decode is a fixed point).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "codec/tx.h"
#include "codec/tx_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "property broken: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

/* The canonical bytes of tx (the signed form when it has a signature) in b;
 * false when memory ran out. Every transaction the reader accepts encodes. */
static bool bytes_of(const cvm_transaction *tx, cvm_buf *b)
{
    char err[256] = "";
    cvm_buf_init(b, NULL);
    cvm_status st = tx->signature ? cvm_tx_encode_signed(b, tx, err, sizeof err) : cvm_tx_encode(b, tx, err, sizeof err);
    if (st == CVM_EINPUT)
        fail("an accepted transaction encodes", err);
    if (st != CVM_OK) {
        cvm_buf_free(b);
        return false;
    }
    return true;
}

/* The JSON view of tx written out and read back (flags as the CLI's). */
static json_t *view_reread(const cvm_transaction *tx)
{
    char err[256] = "";
    json_t *j = cvm_tx_to_json(tx, err, sizeof err);
    if (!j && err[0])
        fail("an accepted transaction has a JSON view", err);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text)
        return NULL; /* out of memory */
    json_error_t je;
    json_t *back = json_loads(text, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    free(text);
    if (!back)
        fail("the JSON view is valid JSON", je.text);
    return back;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (!j)
        return 0;
    cvm_tx_decoded d1;
    char err[256] = "";
    cvm_status st = cvm_tx_from_json(NULL, j, &d1, err, sizeof err);
    json_decref(j);
    if (st == CVM_EINPUT && err[0] == '\0')
        fail("a refused transaction gets a message", NULL);
    if (st != CVM_OK)
        return 0;

    json_t *v1 = view_reread(&d1.tx);
    if (!v1) {
        cvm_tx_decoded_free(&d1);
        return 0;
    }
    cvm_tx_decoded d2;
    st = cvm_tx_from_json(NULL, v1, &d2, err, sizeof err);
    if (st == CVM_EINPUT)
        fail("the JSON view of an accepted transaction reads back", err);
    if (st == CVM_OK) {
        cvm_buf b1, b2;
        if (bytes_of(&d1.tx, &b1)) {
            if (bytes_of(&d2.tx, &b2)) {
                if (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0)
                    fail("decode, encode, decode gives the same transaction", NULL);
                cvm_buf_free(&b2);
            }
            cvm_buf_free(&b1);
        }
        json_t *v2 = view_reread(&d2.tx);
        if (v2 && !json_equal(v1, v2))
            fail("the JSON view of a read-back view is the same JSON", NULL);
        json_decref(v2);
        cvm_tx_decoded_free(&d2);
    }
    json_decref(v1);
    cvm_tx_decoded_free(&d1);
    return 0;
}
