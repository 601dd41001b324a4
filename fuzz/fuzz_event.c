/*
 * fuzz_event.c — fuzzes the event-history record decoder (codec/event.h,
 * cvm_event_record_decode) with arbitrary bytes: what `coopvm events` and
 * cvm_store_events_query read back from a store, damaged or not.
 *
 * Beyond not crashing or leaking: a refused input has a message; an
 * accepted one is canonical — docs/codec.md, "one value, one encoding" and
 * "whatever encodes, decodes": cvm_event_record_encode accepts the decoded
 * record and gives exactly the input back — and has a JSON view
 * (cvm_event_record_to_json, as `coopvm events --json` prints it; NULL
 * there means only "out of memory", which these sizes never reach).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/event.h"
#include "codec/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "property broken: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cvm_arena arena;
    cvm_arena_init(&arena, NULL);
    cvm_event_record rec;
    char err[256] = "";
    cvm_status st = cvm_event_record_decode(data, size, &arena, &rec, err, sizeof err);
    if (st == CVM_EINPUT && err[0] == '\0')
        fail("a refused record gets a message", NULL);
    if (st == CVM_OK) {
        cvm_buf b;
        cvm_buf_init(&b, NULL);
        st = cvm_event_record_encode(rec.height, rec.tx_index, &rec.event, &b, err, sizeof err);
        if (st == CVM_EINPUT)
            fail("a decoded record encodes", err);
        if (st == CVM_OK && (b.len != size || memcmp(b.data, data, size) != 0))
            fail("a decoded record encodes to the bytes it was decoded from", NULL);
        cvm_buf_free(&b);
        json_t *j = cvm_event_record_to_json(&rec);
        char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (!text)
            fail("a decoded record has a JSON view", NULL);
        free(text);
        json_decref(j);
    }
    cvm_arena_free(&arena);
    return 0;
}
