/*
 * test_event.c — event-history records: exact bytes, round trips (with
 * copies that outlive the input), every rejection, truncation at every
 * prefix, the encoder's refusals and cvm_event_copy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/args.h"
#include "codec/event.h"

static void assert_event_equal(const cvm_event *a, const cvm_event *b)
{
    assert_string_equal(a->service, b->service);
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->nfields, b->nfields);
    for (size_t i = 0; i < a->nfields; i++) {
        assert_string_equal(a->fields[i].name, b->fields[i].name);
        assert_true(cvm_arg_equal(&a->fields[i].value, &b->fields[i].value));
    }
}

static const cvm_event_field sample_fields[] = {
    {"cooperative_id", {CVM_ARG_STRING, {.bytes = {(const uint8_t *)"c1", 2}}}},
    {"amount", {CVM_ARG_INT64, {.i64 = -3}}},
    {"member", {CVM_ARG_BYTES, {.bytes = {(const uint8_t *)"\x01\x02", 2}}}},
};
static const cvm_event sample = {"_Cooperatives", "ResourceAllocated", sample_fields, 3};

static void test_exact_bytes(void **state)
{
    (void)state;
    cvm_event_field f = {"value", cvm_arg_int64(5)};
    cvm_event ev = {"Counter", "Inc", &f, 1};
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    char err[200] = "";
    assert_int_equal(cvm_event_record_encode(300, 2, &ev, &b, err, sizeof err), CVM_OK);
    static const uint8_t want[] = {0xac, 0x02, 2, 7, 'C', 'o', 'u', 'n', 't', 'e', 'r', 3, 'I', 'n', 'c',
                                   1, 5, 'v', 'a', 'l', 'u', 'e', 1, 10};
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);

    cvm_arena a;
    cvm_arena_init(&a, NULL);
    cvm_event_record r;
    assert_int_equal(cvm_event_record_decode(b.data, b.len, &a, &r, err, sizeof err), CVM_OK);
    assert_int_equal(r.height, 300);
    assert_int_equal(r.tx_index, 2);
    assert_event_equal(&ev, &r.event);
    cvm_arena_free(&a);
    cvm_buf_free(&b);
}

static void test_round_trip_outlives_input(void **state)
{
    (void)state;
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    assert_int_equal(cvm_event_record_encode(UINT64_MAX, 0, &sample, &b, NULL, 0), CVM_OK);
    size_t len;
    uint8_t *bytes = cvm_buf_take(&b, &len);
    cvm_arena a;
    cvm_arena_init(&a, NULL);
    cvm_event_record r;
    assert_int_equal(cvm_event_record_decode(bytes, len, &a, &r, NULL, 0), CVM_OK);
    memset(bytes, 0xee, len); /* the record was copied into the arena */
    free(bytes);
    assert_int_equal(r.height, UINT64_MAX);
    assert_int_equal(r.tx_index, 0);
    assert_event_equal(&sample, &r.event);

    /* no fields */
    cvm_event bare = {"S", "E", NULL, 0};
    cvm_buf_init(&b, NULL);
    assert_int_equal(cvm_event_record_encode(1, 1, &bare, &b, NULL, 0), CVM_OK);
    static const uint8_t want[] = {1, 1, 1, 'S', 1, 'E', 0};
    assert_memory_equal(b.data, want, sizeof want);
    assert_int_equal(cvm_event_record_decode(b.data, b.len, &a, &r, NULL, 0), CVM_OK);
    assert_event_equal(&bare, &r.event);
    assert_null(r.event.fields);
    cvm_buf_free(&b);
    cvm_arena_free(&a);
}

static void test_every_prefix_fails(void **state)
{
    (void)state;
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    assert_int_equal(cvm_event_record_encode(1234567, 77, &sample, &b, NULL, 0), CVM_OK);
    for (size_t n = 0; n < b.len; n++) {
        cvm_arena a;
        cvm_arena_init(&a, NULL);
        cvm_event_record r;
        char err[200] = "";
        assert_int_equal(cvm_event_record_decode(b.data, n, &a, &r, err, sizeof err), CVM_EINPUT);
        assert_true(strstr(err, "at offset") != NULL);
        assert_null(r.event.service);
        assert_int_equal(r.height, 0);
        cvm_arena_free(&a);
    }
    cvm_buf_free(&b);
}

static void rejects(const uint8_t *p, size_t n, const char *msg)
{
    cvm_arena a;
    cvm_arena_init(&a, NULL);
    cvm_event_record r;
    char err[200] = "";
    assert_int_equal(cvm_event_record_decode(p, n, &a, &r, err, sizeof err), CVM_EINPUT);
    assert_string_equal(err, msg);
    cvm_arena_free(&a);
}

#define REJECTS(msg, ...)                                                                                   \
    do {                                                                                                    \
        static const uint8_t in_[] = {__VA_ARGS__};                                                         \
        rejects(in_, sizeof in_, msg);                                                                      \
    } while (0)

static void test_rejections(void **state)
{
    (void)state;
    REJECTS("height at offset 0: non-minimal integer encoding", 0x80, 0x00, 0, 1, 'S', 1, 'E', 0);
    REJECTS("transaction index at offset 1: non-minimal integer encoding", 1, 0x81, 0x00, 1, 'S', 1, 'E', 0);
    REJECTS("service at offset 2: length 1025 exceeds the limit of 1024", 1, 0, 0x81, 0x08);
    REJECTS("service at offset 2: length 9 runs past the end (4 bytes left)", 1, 0, 9, 'S', 1, 'E', 0);
    REJECTS("service at offset 4: contains a NUL byte", 1, 0, 2, 'S', 0, 1, 'E', 0);
    REJECTS("event name at offset 4: length 1025 exceeds the limit of 1024", 1, 0, 1, 'S', 0x81, 0x08);
    REJECTS("event name at offset 5: contains a NUL byte", 1, 0, 1, 'S', 1, 0, 0);
    REJECTS("field count at offset 6: 65 exceeds the limit of 64", 1, 0, 1, 'S', 1, 'E', 65);
    REJECTS("field 0 name at offset 7: length 1025 exceeds the limit of 1024", 1, 0, 1, 'S', 1, 'E', 1, 0x81, 0x08);
    REJECTS("field 1 name at offset 10: repeats the name of field 0", 1, 0, 1, 'S', 1, 'E', 2, 0, 5, 1, 0, 5, 0);
    REJECTS("field 0 value at offset 9: unknown type 7", 1, 0, 1, 'S', 1, 'E', 1, 1, 'v', 7, 0);
    REJECTS("field 0 value at offset 10: bool must be 0 or 1, not 2", 1, 0, 1, 'S', 1, 'E', 1, 1, 'v', 5, 2);
    REJECTS("field 0 value at offset 11: string is not valid UTF-8", 1, 0, 1, 'S', 1, 'E', 1, 1, 'v', 3, 1, 0x80);
    REJECTS("field 1 name at offset 11: repeats the name of field 0", 1, 0, 1, 'S', 1, 'E', 2, 1, 'v', 5, 1, 1, 'v',
            5, 0);
    REJECTS("event record at offset 7: 1 trailing bytes after the last field", 1, 0, 1, 'S', 1, 'E', 0, 0);
    /* empty names are allowed: whatever a contract emits must commit */
    static const uint8_t empty[] = {1, 0, 0, 0, 1, 0, 5, 1};
    cvm_arena e;
    cvm_arena_init(&e, NULL);
    cvm_event_record er;
    assert_int_equal(cvm_event_record_decode(empty, sizeof empty, &e, &er, NULL, 0), CVM_OK);
    assert_string_equal(er.event.service, "");
    assert_string_equal(er.event.fields[0].name, "");
    cvm_buf eb;
    cvm_buf_init(&eb, NULL);
    assert_int_equal(cvm_event_record_encode(1, 0, &er.event, &eb, NULL, 0), CVM_OK);
    assert_int_equal(eb.len, sizeof empty);
    assert_memory_equal(eb.data, empty, sizeof empty);
    cvm_buf_free(&eb);
    cvm_arena_free(&e);
    /* names need not be UTF-8 (they are bytes without NUL) */
    static const uint8_t ok[] = {1, 0, 1, 0xff, 1, 'E', 0};
    cvm_arena a;
    cvm_arena_init(&a, NULL);
    cvm_event_record r;
    assert_int_equal(cvm_event_record_decode(ok, sizeof ok, &a, &r, NULL, 0), CVM_OK);
    assert_string_equal(r.event.service, "\xff");
    cvm_arena_free(&a);
}

static void refuses(const cvm_event *ev, const char *msg)
{
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    char err[200] = "";
    assert_int_equal(cvm_event_record_encode(1, 0, ev, &b, err, sizeof err), CVM_EINPUT);
    assert_string_equal(err, msg);
    assert_int_equal(b.len, 0);
    cvm_buf_free(&b);
}

static void test_encoder_refusals(void **state)
{
    (void)state;
    static char longname[CVM_EVENT_NAME_MAX + 2];
    memset(longname, 'n', CVM_EVENT_NAME_MAX + 1);
    cvm_event_field f[CVM_ARGS_MAX + 1];
    for (size_t i = 0; i < CVM_ARGS_MAX + 1; i++)
        f[i] = (cvm_event_field){"v", cvm_arg_int64(0)};
    refuses(&(cvm_event){NULL, "E", NULL, 0}, "event service name is missing");
    refuses(&(cvm_event){longname, "E", NULL, 0}, "event service name is longer than 1024 bytes");
    refuses(&(cvm_event){"S", NULL, NULL, 0}, "event name is missing");
    refuses(&(cvm_event){"S", "E", NULL, 1}, "event E: 1 fields but no array");
    refuses(&(cvm_event){"S", "E", f, CVM_ARGS_MAX + 1}, "event E: 65 fields exceed the limit of 64");
    refuses(&(cvm_event){"S", "E", f, 2}, "event E: field 1 repeats the name 'v' of field 0");
    f[1].name = NULL;
    refuses(&(cvm_event){"S", "E", f, 2}, "event E: field 1 name is missing");
    f[1].name = "w";
    f[1].value = cvm_arg_stringn("\xc3", 1);
    refuses(&(cvm_event){"S", "E", f, 2}, "event E: field 1 (w): string is not valid UTF-8 (byte 0)");
    /* exactly at the limits is fine */
    longname[CVM_EVENT_NAME_MAX] = '\0';
    char names[CVM_ARGS_MAX][4];
    for (size_t i = 0; i < CVM_ARGS_MAX; i++) {
        snprintf(names[i], sizeof names[i], "f%zu", i);
        f[i] = (cvm_event_field){names[i], cvm_arg_uint64(i)};
    }
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    cvm_event ev = {longname, longname, f, CVM_ARGS_MAX};
    assert_int_equal(cvm_event_record_encode(1, 0, &ev, &b, NULL, 0), CVM_OK);
    cvm_arena a;
    cvm_arena_init(&a, NULL);
    cvm_event_record r;
    assert_int_equal(cvm_event_record_decode(b.data, b.len, &a, &r, NULL, 0), CVM_OK);
    assert_event_equal(&ev, &r.event);
    cvm_arena_free(&a);
    cvm_buf_free(&b);
}

static void test_event_copy(void **state)
{
    (void)state;
    cvm_arena a;
    cvm_arena_init(&a, NULL);
    cvm_event c;
    assert_int_equal(cvm_event_copy(&a, &sample, &c), CVM_OK);
    assert_event_equal(&sample, &c);
    assert_ptr_not_equal(c.service, sample.service);
    assert_ptr_not_equal(c.fields[0].value.v.bytes.ptr, sample.fields[0].value.v.bytes.ptr);
    cvm_arena_free(&a);
}

/* Mutations of a valid record (a byte changed, inserted or dropped) either
 * fail with a message or decode to a record that encodes to exactly the
 * mutated bytes: one record, one encoding. */
static void test_mutations_canonical(void **state)
{
    (void)state;
    cvm_buf orig;
    cvm_buf_init(&orig, NULL);
    assert_int_equal(cvm_event_record_encode(300, 2, &sample, &orig, NULL, 0), CVM_OK);
    uint64_t seed = 12345;
    size_t ok = 0;
    for (int iter = 0; iter < 20000; iter++) {
        uint8_t in[128];
        size_t n = orig.len;
        memcpy(in, orig.data, n);
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        size_t at = (size_t)(seed >> 33) % n;
        uint8_t v = (uint8_t)(seed >> 20);
        switch ((seed >> 60) % 3) {
        case 0: in[at] = v; break;
        case 1: memmove(in + at + 1, in + at, n - at); in[at] = v; n++; break;
        default: memmove(in + at, in + at + 1, n - at - 1); n--; break;
        }
        cvm_arena a;
        cvm_arena_init(&a, NULL);
        cvm_event_record r;
        char err[200] = "";
        if (cvm_event_record_decode(in, n, &a, &r, err, sizeof err) == CVM_OK) {
            cvm_buf b;
            cvm_buf_init(&b, NULL);
            assert_int_equal(cvm_event_record_encode(r.height, r.tx_index, &r.event, &b, NULL, 0), CVM_OK);
            assert_int_equal(b.len, n);
            assert_memory_equal(b.data, in, n);
            cvm_buf_free(&b);
            ok++;
        } else {
            assert_true(err[0] != '\0');
        }
        cvm_arena_free(&a);
    }
    assert_true(ok > 100);
    cvm_buf_free(&orig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_bytes),
        cmocka_unit_test(test_round_trip_outlives_input),
        cmocka_unit_test(test_every_prefix_fails),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_encoder_refusals),
        cmocka_unit_test(test_event_copy),
        cmocka_unit_test(test_mutations_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
