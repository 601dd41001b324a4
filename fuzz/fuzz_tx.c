/*
 * fuzz_tx.c — fuzzes the transaction decoder (codec/tx.h) with arbitrary
 * bytes, as unsigned and as signed form: the bytes a node receives.
 *
 * Beyond not crashing: a refused input has a message; an accepted one is
 * canonical (encoding it gives the input back), its JSON view reads back to
 * the same bytes (codec/tx_json.h), and its signature check gives a verdict.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/tx.h"
#include "codec/tx_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "property broken: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

/* The bytes of tx in the given form must be exactly data[0..size). */
static void expect_bytes(const cvm_transaction *tx, bool sig, const uint8_t *data, size_t size, const char *what)
{
    cvm_buf b;
    cvm_errmsg err;
    cvm_buf_init(&b, NULL);
    cvm_status st = sig ? cvm_tx_encode_signed(&b, tx, err.text, sizeof err.text)
                        : cvm_tx_encode(&b, tx, err.text, sizeof err.text);
    if (st == CVM_EINPUT)
        fail(what, err.text);
    if (st == CVM_OK && (b.len != size || memcmp(b.data, data, size) != 0))
        fail(what, "different bytes");
    cvm_buf_free(&b);
}

static void check_json(const cvm_transaction *tx, bool sig, const uint8_t *data, size_t size)
{
    cvm_errmsg err;
    json_t *j = cvm_tx_to_json(tx, err.text, sizeof err.text);
    char *text = j ? json_dumps(j, 0) : NULL;
    json_decref(j);
    if (!text)
        return; /* out of memory */
    json_error_t je;
    json_t *back = json_loads(text, JSON_ALLOW_NUL, &je);
    if (!back)
        fail("the JSON view is valid JSON", je.text);
    cvm_tx_decoded d;
    cvm_status st = cvm_tx_from_json(NULL, back, &d, err.text, sizeof err.text);
    json_decref(back);
    free(text);
    if (st == CVM_EINPUT)
        fail("the JSON view reads back", err.text);
    if (st == CVM_OK) {
        expect_bytes(&d.tx, sig, data, size, "the JSON view reads back to the same bytes");
        cvm_tx_decoded_free(&d);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int sig = 0; sig < 2; sig++) {
        cvm_tx_decoded d;
        cvm_errmsg err;
        cvm_status st = cvm_tx_decode(NULL, data, size, sig, &d, err.text, sizeof err.text);
        if (st == CVM_EINPUT && err.text[0] == '\0')
            fail("a refused transaction gets a message", NULL);
        if (st != CVM_OK)
            continue;
        expect_bytes(&d.tx, sig, data, size, "a decoded transaction encodes to its bytes");
        check_json(&d.tx, sig, data, size);
        cvm_tx_verdict v;
        if (cvm_tx_verify(NULL, &d.tx, &v, &err) == CVM_OK && (unsigned)v > CVM_TX_INVALID_ADDRESS_SCHEME)
            fail("the verdict is one of three", NULL);
        cvm_tx_decoded_free(&d);
    }
    return 0;
}
