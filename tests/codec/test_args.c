/*
 * test_args.c — the argument codec: exact bytes of every type (edges
 * included), round trips, every decoder rejection with its message, the
 * encoder's refusals, borrowing versus copying, and cvm_arg_type_name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "codec/args.h"

/* Encodes args, checks the exact bytes, decodes them back and compares. */
static void round_trip(const cvm_arg *args, size_t n, const uint8_t *want, size_t wantlen)
{
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    char err[200] = "";
    assert_int_equal(cvm_args_encode(args, n, &b, err, sizeof err), CVM_OK);
    assert_int_equal(b.len, wantlen);
    assert_memory_equal(b.data, want, wantlen);
    cvm_arena a;
    cvm_arena_init(&a, NULL);
    cvm_arg *out;
    size_t nout;
    assert_int_equal(cvm_args_decode(b.data, b.len, &a, &out, &nout, err, sizeof err), CVM_OK);
    assert_int_equal(nout, n);
    for (size_t i = 0; i < n; i++)
        assert_true(cvm_arg_equal(&args[i], &out[i]));
    cvm_arena_free(&a);
    cvm_buf_free(&b);
}

static void test_type_names(void **state)
{
    (void)state;
    assert_string_equal(cvm_arg_type_name(CVM_ARG_INT64), "int64");
    assert_string_equal(cvm_arg_type_name(CVM_ARG_UINT64), "uint64");
    assert_string_equal(cvm_arg_type_name(CVM_ARG_STRING), "string");
    assert_string_equal(cvm_arg_type_name(CVM_ARG_BYTES), "bytes");
    assert_string_equal(cvm_arg_type_name(CVM_ARG_BOOL), "bool");
    assert_null(cvm_arg_type_name((cvm_arg_type)0));
    assert_null(cvm_arg_type_name((cvm_arg_type)6));
}

static void test_exact_bytes_each_type(void **state)
{
    (void)state;
    static const uint8_t empty[] = {0};
    round_trip(NULL, 0, empty, sizeof empty);

    cvm_arg i[] = {cvm_arg_int64(0), cvm_arg_int64(-1), cvm_arg_int64(1), cvm_arg_int64(-65)};
    static const uint8_t wi[] = {4, 1, 0, 1, 1, 1, 2, 1, 0x81, 0x01};
    round_trip(i, 4, wi, sizeof wi);

    cvm_arg mx[] = {cvm_arg_int64(INT64_MAX), cvm_arg_int64(INT64_MIN)};
    static const uint8_t wmx[] = {2, 1, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
                                  1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    round_trip(mx, 2, wmx, sizeof wmx);

    cvm_arg u[] = {cvm_arg_uint64(0), cvm_arg_uint64(300), cvm_arg_uint64(UINT64_MAX)};
    static const uint8_t wu[] = {3, 2, 0, 2, 0xac, 0x02, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    round_trip(u, 3, wu, sizeof wu);

    cvm_arg s[] = {cvm_arg_stringn("", 0), cvm_arg_stringn("h\xc3\xa9", 3), cvm_arg_bytes(NULL, 0),
                   cvm_arg_bytes("\x00\xff", 2), cvm_arg_bool(1), cvm_arg_bool(0)};
    static const uint8_t ws[] = {6, 3, 0, 3, 3, 'h', 0xc3, 0xa9, 4, 0, 4, 2, 0x00, 0xff, 5, 1, 5, 0};
    round_trip(s, 6, ws, sizeof ws);
}

static void test_limits_round_trip(void **state)
{
    (void)state;
    /* 64 arguments and a 64 KiB value are allowed */
    static uint8_t big[CVM_ARG_BYTES_MAX];
    memset(big, 'x', sizeof big);
    cvm_arg args[CVM_ARGS_MAX];
    for (size_t i = 0; i < CVM_ARGS_MAX; i++)
        args[i] = cvm_arg_int64((int64_t)i);
    args[0] = cvm_arg_bytes(big, sizeof big);
    args[1] = cvm_arg_stringn((const char *)big, sizeof big);
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    assert_int_equal(cvm_args_encode(args, CVM_ARGS_MAX, &b, NULL, 0), CVM_OK);
    cvm_arena a;
    cvm_arena_init(&a, NULL);
    cvm_arg *out;
    size_t n;
    assert_int_equal(cvm_args_decode(b.data, b.len, &a, &out, &n, NULL, 0), CVM_OK);
    assert_int_equal(n, CVM_ARGS_MAX);
    for (size_t i = 0; i < n; i++)
        assert_true(cvm_arg_equal(&args[i], &out[i]));
    /* decoded values are borrowed from the input */
    assert_ptr_equal(out[0].v.bytes.ptr, b.data + 1 + 1 + 3);
    cvm_arena_free(&a);
    cvm_buf_free(&b);
}

/* Decoding p[0..n) fails with exactly this message. */
static void rejects(const uint8_t *p, size_t n, const char *msg)
{
    cvm_arena a;
    cvm_arena_init(&a, NULL);
    cvm_arg *out = (cvm_arg *)1;
    size_t nout = 99;
    char err[200] = "";
    assert_int_equal(cvm_args_decode(p, n, &a, &out, &nout, err, sizeof err), CVM_EINPUT);
    assert_string_equal(err, msg);
    assert_null(out);
    assert_int_equal(nout, 0);
    cvm_arena_free(&a);
}

#define REJECTS(msg, ...)                                                                                   \
    do {                                                                                                    \
        static const uint8_t in_[] = {__VA_ARGS__};                                                         \
        rejects(in_, sizeof in_, msg);                                                                      \
    } while (0)

static void test_decoder_rejections(void **state)
{
    (void)state;
    rejects(NULL, 0, "argument count at offset 0: truncated integer");
    REJECTS("argument count at offset 0: 65 exceeds the limit of 64", 65);
    REJECTS("argument count at offset 0: non-minimal integer encoding", 0x81, 0x00);
    REJECTS("argument 1 at offset 1: needs 1 bytes, 0 left", 1);
    REJECTS("argument 1 at offset 1: unknown type 0", 1, 0);
    REJECTS("argument 2 at offset 3: unknown type 6", 2, 5, 1, 6);
    REJECTS("argument 1 at offset 2: bool must be 0 or 1, not 2", 1, 5, 2);
    REJECTS("argument 1 at offset 2: truncated integer", 1, 1);
    REJECTS("argument 1 at offset 2: truncated integer", 1, 1, 0x80);
    REJECTS("argument 1 at offset 2: non-minimal integer encoding", 1, 1, 0x80, 0x00);
    REJECTS("argument 1 at offset 2: non-minimal integer encoding", 1, 2, 0xff, 0x00);
    REJECTS("argument 1 at offset 2: integer exceeds 64 bits", 1, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0x02);
    REJECTS("argument 1 at offset 2: length 3 runs past the end (2 bytes left)", 1, 4, 3, 'a', 'b');
    REJECTS("argument 1 at offset 2: length 2 runs past the end (1 bytes left)", 1, 3, 2, 'a');
    REJECTS("argument 1 at offset 2: non-minimal integer encoding", 1, 3, 0x80, 0x00);
    REJECTS("argument 1 at offset 2: bytes length 65537 exceeds the limit of 65536", 1, 4, 0x81, 0x80, 0x04);
    REJECTS("argument 1 at offset 2: string length 4294967295 exceeds the limit of 65536", 1, 3, 0xff, 0xff, 0xff,
            0xff, 0x0f);
    REJECTS("argument 1 at offset 4: string is not valid UTF-8", 1, 3, 2, 'a', 0xff);
    REJECTS("argument 1 at offset 3: string is not valid UTF-8", 1, 3, 2, 0xc0, 0x80);      /* overlong */
    REJECTS("argument 1 at offset 3: string is not valid UTF-8", 1, 3, 3, 0xed, 0xa0, 0x80); /* surrogate */
    REJECTS("argument 1 at offset 3: string is not valid UTF-8", 1, 3, 2, 0xe2, 0x82);      /* truncated */
    REJECTS("argument 2 at offset 5: string is not valid UTF-8", 2, 5, 0, 3, 4, 0xf4, 0x90, 0x80, 0x80);
    REJECTS("argument list at offset 3: 1 trailing bytes after the last argument", 1, 5, 1, 0);
    REJECTS("argument list at offset 1: 2 trailing bytes after the last argument", 0, 0, 0);
}

/* Every proper prefix of a valid list fails cleanly. */
static void test_every_prefix_fails(void **state)
{
    (void)state;
    cvm_arg args[] = {cvm_arg_int64(INT64_MIN), cvm_arg_uint64(UINT64_MAX), cvm_arg_stringn("abc", 3),
                      cvm_arg_bytes("\x01\x02", 2), cvm_arg_bool(1)};
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    assert_int_equal(cvm_args_encode(args, 5, &b, NULL, 0), CVM_OK);
    for (size_t n = 0; n < b.len; n++) {
        cvm_arena a;
        cvm_arena_init(&a, NULL);
        cvm_arg *out;
        size_t nout;
        char err[200] = "";
        assert_int_equal(cvm_args_decode(b.data, n, &a, &out, &nout, err, sizeof err), CVM_EINPUT);
        assert_true(strstr(err, "at offset") != NULL);
        cvm_arena_free(&a);
    }
    cvm_buf_free(&b);
}

/* The encoder refuses what the decoder would refuse, and writes nothing. */
static void encode_refuses(const cvm_arg *args, size_t n, const char *msg)
{
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    char err[200] = "";
    assert_int_equal(cvm_args_encode(args, n, &b, err, sizeof err), CVM_EINPUT);
    assert_string_equal(err, msg);
    assert_int_equal(b.len, 0);
    cvm_buf_free(&b);
}

static void test_encoder_refusals(void **state)
{
    (void)state;
    static uint8_t big[CVM_ARG_BYTES_MAX + 1];
    cvm_arg a[CVM_ARGS_MAX + 1];
    for (size_t i = 0; i <= CVM_ARGS_MAX; i++)
        a[i] = cvm_arg_bool(0);
    encode_refuses(a, CVM_ARGS_MAX + 1, "argument count 65 exceeds the limit of 64");
    a[1].type = (cvm_arg_type)9;
    encode_refuses(a, 2, "argument 2: unknown type 9");
    a[1] = cvm_arg_bool(0);
    a[1].v.boolean = 2;
    encode_refuses(a, 2, "argument 2: bool must be 0 or 1, not 2");
    a[0] = cvm_arg_bytes(big, sizeof big);
    encode_refuses(a, 1, "argument 1: the bytes value is 65,537 bytes; an argument carries at most 65,536");
    a[0] = cvm_arg_stringn("ok\xff", 3);
    encode_refuses(a, 1, "argument 1: string is not valid UTF-8 (byte 2)");
    a[0] = cvm_arg_bytes(NULL, 3);
    encode_refuses(a, 1, "argument 1: bytes of 3 bytes has a NULL pointer");
}

static void test_read_embedded_and_copy(void **state)
{
    (void)state;
    /* a list inside a larger record: the reader stops right after it */
    static const uint8_t rec[] = {0xaa, 2, 3, 2, 'h', 'i', 5, 1, 0xbb};
    cvm_reader r;
    cvm_reader_init(&r, rec, sizeof rec);
    r.pos = 1;
    cvm_arena a;
    cvm_arena_init(&a, NULL);
    cvm_arg *args;
    size_t n;
    assert_int_equal(cvm_args_read(&r, &a, &args, &n), CVM_OK);
    assert_int_equal(n, 2);
    assert_int_equal(r.pos, 8);
    assert_ptr_equal(args[0].v.bytes.ptr, rec + 4);

    /* a deep copy no longer points into the input */
    cvm_arg *c;
    assert_int_equal(cvm_args_copy(&a, args, n, &c), CVM_OK);
    assert_ptr_not_equal(c[0].v.bytes.ptr, rec + 4);
    assert_true(cvm_arg_equal(&c[0], &args[0]));
    assert_true(cvm_arg_equal(&c[1], &args[1]));
    assert_int_equal(cvm_args_copy(&a, NULL, 0, &c), CVM_OK);
    assert_null(c);
    cvm_arena_free(&a);

    /* an empty list allocates nothing */
    cvm_arena_init(&a, NULL);
    static const uint8_t zero[] = {0};
    char err[100];
    assert_int_equal(cvm_args_decode(zero, 1, &a, &args, &n, err, sizeof err), CVM_OK);
    assert_null(args);
    assert_int_equal(n, 0);
    assert_null(a.head);
    cvm_arena_free(&a);
}

static void test_arg_equal(void **state)
{
    (void)state;
    cvm_arg x = cvm_arg_int64(1), y = cvm_arg_uint64(1);
    assert_false(cvm_arg_equal(&x, &y));
    x = cvm_arg_bytes("ab", 2);
    y = cvm_arg_stringn("ab", 2);
    assert_false(cvm_arg_equal(&x, &y));
    y = cvm_arg_bytes("ab", 2);
    assert_true(cvm_arg_equal(&x, &y));
    y = cvm_arg_bytes("ac", 2);
    assert_false(cvm_arg_equal(&x, &y));
}

/* Random bytes (biased towards small counts and known types) either fail
 * with a message or decode to a list whose encoding is exactly those bytes:
 * one list, one encoding. */
static void test_random_bytes_canonical(void **state)
{
    (void)state;
    uint64_t seed = 0x9e3779b97f4a7c15u;
    size_t ok = 0;
    for (int iter = 0; iter < 20000; iter++) {
        uint8_t in[24];
        size_t n = 0;
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        size_t len = (size_t)(seed >> 59) % sizeof in;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            uint8_t b = (uint8_t)(seed >> 56);
            in[n++] = (seed >> 40) % 3 ? (uint8_t)(b % 7) : b; /* mostly small bytes */
        }
        cvm_arena a;
        cvm_arena_init(&a, NULL);
        cvm_arg *args;
        size_t nargs;
        char err[200] = "";
        if (cvm_args_decode(in, n, &a, &args, &nargs, err, sizeof err) == CVM_OK) {
            cvm_buf b;
            cvm_buf_init(&b, NULL);
            assert_int_equal(cvm_args_encode(args, nargs, &b, NULL, 0), CVM_OK);
            assert_int_equal(b.len, n);
            assert_memory_equal(b.data, in, n);
            cvm_buf_free(&b);
            ok++;
        } else {
            assert_true(err[0] != '\0');
        }
        cvm_arena_free(&a);
    }
    assert_true(ok > 100); /* the generator does reach valid lists */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_exact_bytes_each_type),
        cmocka_unit_test(test_limits_round_trip),
        cmocka_unit_test(test_decoder_rejections),
        cmocka_unit_test(test_every_prefix_fails),
        cmocka_unit_test(test_encoder_refusals),
        cmocka_unit_test(test_read_embedded_and_copy),
        cmocka_unit_test(test_arg_equal),
        cmocka_unit_test(test_random_bytes_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
