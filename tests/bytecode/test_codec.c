/* test_codec.c — the binary module format: exact bytes, round trips, and every decoder rejection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "modbuild.h"
#include "support/failing.h"

static char err[256];

static void assert_same_code(const cvm_insn *a, const cvm_insn *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(a[i].op, b[i].op);
        assert_int_equal(a[i].has_operand, b[i].has_operand);
        assert_int_equal(a[i].operand, b[i].operand);
    }
}

static uint8_t *encode(const cvm_module *m, size_t *len)
{
    uint8_t *p;
    assert_int_equal(cvm_module_encode(m, &p, len), CVM_OK);
    return p;
}

/* Decoding bytes must fail with a message containing msg. */
static void expect_reject(const uint8_t *p, size_t n, const char *msg)
{
    cvm_module *m = (cvm_module *)1;
    assert_int_equal(cvm_module_decode(NULL, p, n, &m, err, sizeof err), CVM_EINPUT);
    assert_null(m);
    if (!strstr(err, msg))
        print_error("message '%s' lacks '%s'\n", err, msg);
    assert_non_null(strstr(err, msg));
}

/* A tiny module: contract A, method m = Push -1; Halt; no line table. */
static cvm_module *tiny(void)
{
    cvm_module *m = cvm_module_new(NULL);
    mb_name(m, "A");
    const cvm_insn code[] = {I1(PUSH, -1), I0(HALT)};
    mb_code(m, code, 2);
    mb_method(m, "m", 0, 2, 0, 0);
    return m;
}

static const uint8_t tiny_bytes[] = {
    'C', 'V', 'M', 0x1a, 1, 0, /* magic, version 1 */
    1, 'A',                    /* name */
    0,                         /* required reputation */
    0,                         /* no cooperative */
    0,                         /* state count */
    0,                         /* constant count */
    1, 1, 'm', 2, 0, 0,        /* 1 method: name, len 2, params 0, flags 0 */
    2, CVM_OP_PUSH | 0x80, 1, CVM_OP_HALT, /* 2 instructions: Push -1 (zigzag 1), Halt */
    0,                         /* no line table */
};

static void tiny_module_has_exact_bytes(void **state)
{
    (void)state;
    cvm_module *m = tiny();
    assert_int_equal(cvm_verify(m, err, sizeof err), CVM_OK);
    size_t n;
    uint8_t *p = encode(m, &n);
    assert_int_equal(n, sizeof tiny_bytes);
    assert_memory_equal(p, tiny_bytes, n);
    cvm_free(NULL, p);
    cvm_module_free(m);

    cvm_module *d;
    assert_int_equal(cvm_module_decode(NULL, tiny_bytes, sizeof tiny_bytes, &d, err, sizeof err), CVM_OK);
    assert_string_equal(d->name, "A");
    assert_int_equal(d->ncode, 2);
    assert_int_equal(d->code[0].op, CVM_OP_PUSH);
    assert_int_equal(d->code[0].has_operand, 1);
    assert_int_equal(d->code[0].operand, -1);
    assert_int_equal(d->code[1].has_operand, 0);
    assert_null(d->lines);
    assert_false(d->coop.present);
    assert_int_equal(cvm_verify(d, err, sizeof err), CVM_OK);
    cvm_module_free(d);
}

static void sample_round_trips(void **state)
{
    (void)state;
    cvm_module *m = mb_sample();
    m->required_reputation = -123456789012345LL;
    m->state[0].value = INT64_MIN;
    assert_int_equal(cvm_verify(m, err, sizeof err), CVM_OK);
    size_t n1, n2;
    uint8_t *b1 = encode(m, &n1);

    cvm_module *d;
    assert_int_equal(cvm_module_decode(NULL, b1, n1, &d, err, sizeof err), CVM_OK);
    assert_int_equal(cvm_verify(d, err, sizeof err), CVM_OK);
    assert_string_equal(d->name, "Counter");
    assert_int_equal(d->required_reputation, -123456789012345LL);
    assert_true(d->coop.present);
    assert_string_equal(d->coop.id, "housing");
    assert_string_equal(d->coop.purpose, "Shared housing");
    assert_string_equal(d->coop.federation, "north");
    assert_int_equal(d->coop.storage, 100);
    assert_int_equal(d->nstate, 1);
    assert_int_equal(d->state[0].value, INT64_MIN);
    assert_int_equal(d->nconsts, 2);
    assert_memory_equal(d->consts[1].bytes, "Changed", 8); /* NUL-terminated */
    assert_int_equal(d->nmethods, 3);
    assert_int_equal(d->methods[1].entry, 8);
    assert_int_equal(d->methods[1].flags, CVM_METHOD_READONLY);
    assert_int_equal(d->methods[2].entry, 13);
    assert_non_null(d->lines);
    assert_int_equal(d->lines[12], 27);
    assert_same_code(d->code, m->code, m->ncode);

    uint8_t *b2 = encode(d, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(b1, b2, n1);
    cvm_free(NULL, b1);
    cvm_free(NULL, b2);
    cvm_module_free(d);
    cvm_module_free(m);
}

static void extreme_operands_round_trip(void **state)
{
    (void)state;
    cvm_module *m = cvm_module_new(NULL);
    mb_name(m, "X");
    const cvm_insn code[] = {I1(PUSH, INT64_MIN), I1(PUSH, INT64_MAX), I1(PUSH, 0), I1(LOCAL_SET, 255),
                             I1(ALLOCATE_RESOURCE, -7), I0(HALT)};
    mb_code(m, code, 6);
    mb_method(m, "main", 0, 6, 64, 0);
    m->lines = cvm_calloc(NULL, 6, sizeof *m->lines);
    m->lines[5] = 2147483647;
    assert_int_equal(cvm_verify(m, err, sizeof err), CVM_OK);
    size_t n;
    uint8_t *b = encode(m, &n);
    cvm_module *d;
    assert_int_equal(cvm_module_decode(NULL, b, n, &d, err, sizeof err), CVM_OK);
    assert_same_code(d->code, m->code, 6);
    assert_int_equal(d->lines[5], 2147483647);
    assert_int_equal(d->methods[0].params, 64);
    size_t n2;
    uint8_t *b2 = encode(d, &n2);
    assert_int_equal(n, n2);
    assert_memory_equal(b, b2, n);
    cvm_free(NULL, b);
    cvm_free(NULL, b2);
    cvm_module_free(d);
    cvm_module_free(m);
}

static void empty_code_has_no_line_table(void **state)
{
    (void)state;
    cvm_module *m = cvm_module_new(NULL);
    mb_name(m, "E");
    m->lines = cvm_calloc(NULL, 1, sizeof *m->lines); /* present but empty: encoded as absent */
    size_t n;
    uint8_t *b = encode(m, &n);
    assert_int_equal(n, 15);
    assert_int_equal(b[n - 1], 0);
    cvm_module *d;
    assert_int_equal(cvm_module_decode(NULL, b, n, &d, err, sizeof err), CVM_OK);
    assert_null(d->lines);
    cvm_module_free(d);
    b[n - 1] = 1; /* the other spelling is refused */
    expect_reject(b, n, "line table flag at offset 14: a module without instructions has no line table");
    cvm_free(NULL, b);
    cvm_module_free(m);
}

static void every_truncation_fails_cleanly(void **state)
{
    (void)state;
    cvm_module *m = mb_sample();
    size_t n;
    uint8_t *b = encode(m, &n);
    cvm_module_free(m);
    for (size_t cut = 0; cut < n; cut++) {
        /* a fresh copy of exactly cut bytes, so ASan sees any over-read */
        uint8_t *p = malloc(cut ? cut : 1);
        memcpy(p, b, cut);
        cvm_module *d = (cvm_module *)1;
        err[0] = '\0';
        assert_int_equal(cvm_module_decode(NULL, p, cut, &d, err, sizeof err), CVM_EINPUT);
        assert_null(d);
        assert_non_null(strstr(err, " at offset "));
        free(p);
    }
    cvm_free(NULL, b);
    expect_reject(NULL, 0, "magic at offset 0: needs 4 bytes, 0 left");
}

static void header_rejections(void **state)
{
    (void)state;
    uint8_t p[sizeof tiny_bytes];
    memcpy(p, tiny_bytes, sizeof p);
    p[3] = 0x1b;
    expect_reject(p, sizeof p, "magic at offset 0: not a coopvm module");

    memcpy(p, tiny_bytes, sizeof p);
    p[4] = 3;
    expect_reject(p, sizeof p, "format version at offset 4: version 3, this build reads versions 1 to 2");

    memcpy(p, tiny_bytes, sizeof p);
    p[4] = 0;
    expect_reject(p, sizeof p, "format version at offset 4: version 0, this build reads versions 1 to 2");

    memcpy(p, tiny_bytes, sizeof p);
    p[5] = 1;
    expect_reject(p, sizeof p, "format version at offset 4: version 257");
}

static void trailing_bytes_rejected(void **state)
{
    (void)state;
    uint8_t p[sizeof tiny_bytes + 1];
    memcpy(p, tiny_bytes, sizeof tiny_bytes);
    p[sizeof tiny_bytes] = 0;
    expect_reject(p, sizeof p, "end of module at offset 23: 1 trailing bytes");
}

static void non_minimal_varint_rejected(void **state)
{
    (void)state;
    /* the name length 1 written as 0x81 0x00 */
    uint8_t p[sizeof tiny_bytes + 1];
    memcpy(p, tiny_bytes, 6);
    p[6] = 0x81;
    p[7] = 0x00;
    memcpy(p + 8, tiny_bytes + 7, sizeof tiny_bytes - 7);
    expect_reject(p, sizeof p, "contract name at offset 6: non-minimal integer encoding");

    /* the Push operand -1 (zigzag 1) written as 0x81 0x00 */
    memcpy(p, tiny_bytes, 20);
    p[20] = 0x81;
    p[21] = 0x00;
    memcpy(p + 22, tiny_bytes + 21, sizeof tiny_bytes - 21);
    expect_reject(p, sizeof p, "instruction 0 operand at offset 20: non-minimal integer encoding");
}

static void flag_bytes_are_zero_or_one(void **state)
{
    (void)state;
    uint8_t p[sizeof tiny_bytes];
    memcpy(p, tiny_bytes, sizeof p);
    p[9] = 2;
    expect_reject(p, sizeof p, "cooperative flag at offset 9: flag byte is 2, must be 0 or 1");

    memcpy(p, tiny_bytes, sizeof p);
    p[sizeof p - 1] = 0xff;
    expect_reject(p, sizeof p, "line table flag at offset 22: flag byte is 255, must be 0 or 1");
}

static void counts_cannot_exceed_the_input(void **state)
{
    (void)state;
    uint8_t p[sizeof tiny_bytes];
    memcpy(p, tiny_bytes, sizeof p);
    p[10] = 0x7f; /* 127 state entries in 12 bytes */
    expect_reject(p, sizeof p, "state count at offset 10: 127 entries cannot fit in the 12 bytes left");

    memcpy(p, tiny_bytes, sizeof p);
    p[12] = 4; /* 4 methods need at least 16 bytes; 10 left */
    expect_reject(p, sizeof p, "method count at offset 12: 4 entries cannot fit in the 10 bytes left");

    memcpy(p, tiny_bytes, sizeof p);
    p[18] = 9;
    expect_reject(p, sizeof p, "instruction count at offset 18: 9 entries cannot fit in the 4 bytes left");

    /* a huge count in a 10-byte varint: refused before any allocation */
    const uint8_t huge[] = {'C', 'V', 'M', 0x1a, 1, 0, 1, 'A', 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    expect_reject(huge, sizeof huge, "state count at offset 10: 18446744073709551615 entries cannot fit in the 0 bytes left");

    memcpy(p, tiny_bytes, sizeof p);
    p[13] = 0x7f; /* method 0 name length 127 */
    expect_reject(p, sizeof p, "method 0 name at offset 14: length 127 runs past the end (9 bytes left)");
}

static void names_hold_no_nul(void **state)
{
    (void)state;
    uint8_t p[sizeof tiny_bytes];
    memcpy(p, tiny_bytes, sizeof p);
    p[14] = 0;
    expect_reject(p, sizeof p, "method 0 name at offset 13: contains a NUL byte");
    memcpy(p, tiny_bytes, sizeof p);
    p[7] = 0;
    expect_reject(p, sizeof p, "contract name at offset 6: contains a NUL byte");
}

static void bad_opcodes_and_operands(void **state)
{
    (void)state;
    uint8_t p[sizeof tiny_bytes];
    memcpy(p, tiny_bytes, sizeof p);
    p[21] = 0x7f;
    expect_reject(p, sizeof p, "instruction 1 at offset 21: unknown opcode 127");

    /* Halt with the operand bit decodes (the verifier refuses it) */
    const uint8_t halt_operand[] = {'C', 'V', 'M', 0x1a, 1, 0, 1, 'A', 0, 0, 0, 0, 1, 1, 'm', 1, 0, 0,
                                    1, CVM_OP_HALT | 0x80, 3, 0};
    cvm_module *d;
    assert_int_equal(cvm_module_decode(NULL, halt_operand, sizeof halt_operand, &d, err, sizeof err), CVM_OK);
    assert_int_equal(cvm_verify(d, err, sizeof err), CVM_EINPUT);
    assert_string_equal(err, "method m, pc 0 (Halt): unexpected operand 3 (Halt takes none)");
    cvm_module_free(d);

    /* a label operand above INT64_MAX */
    const uint8_t big_label[] = {'C', 'V', 'M', 0x1a, 1, 0, 1, 'A', 0, 0, 0, 0, 1, 1, 'm', 1, 0, 0,
                                 1, CVM_OP_JUMP | 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0};
    expect_reject(big_label, sizeof big_label, "instruction 0 operand at offset 20: 18446744073709551615 is above the limit");

    /* a line number above 32 bits */
    const uint8_t big_line[] = {'C', 'V', 'M', 0x1a, 1, 0, 1, 'A', 0, 0, 0, 0, 1, 1, 'm', 1, 0, 0,
                                1, CVM_OP_HALT, 1, 0x80, 0x80, 0x80, 0x80, 0x10};
    expect_reject(big_line, sizeof big_line, "line 0 at offset 21: 4294967296 is above the limit 4294967295");
}

static void out_of_memory_is_clean(void **state)
{
    (void)state;
    cvm_module *m = mb_sample();
    size_t n;
    uint8_t *b = encode(m, &n);
    cvm_module_free(m);
    bool succeeded = false;
    for (int k = 0; k < 200 && !succeeded; k++) {
        failing bud = {.left = k};
        cvm_allocator al = failing_allocator(&bud);
        cvm_module *d = NULL;
        cvm_status st = cvm_module_decode(&al, b, n, &d, err, sizeof err);
        if (st == CVM_OK) {
            succeeded = true;
            cvm_module_free(d);
        } else {
            assert_int_equal(st, CVM_ENOMEM);
            assert_null(d);
        }
    }
    assert_true(succeeded);
    cvm_free(NULL, b);
}

/* ---------------------------------------------------------- version 2 */

/* tiny() with method m typed: params who:bytes, returns int; an import
 * X.f params int returns string; an event E v:int. */
static cvm_module *tiny_typed(void)
{
    cvm_module *m = tiny();
    m->methods[0].params = 1;
    static const char *const pn[] = {"who"};
    static const cvm_vtype pt[] = {MB_BYTES}, rt[] = {MB_INT}, ip[] = {MB_INT}, ir[] = {MB_STRING};
    mb_sig(m, &m->methods[0], pn, pt, rt, 1);
    mb_import(m, "X.f", ip, 1, ir, 1);
    static const char *const fn[] = {"v"};
    mb_event(m, "E", fn, ip, 1);
    return m;
}

static const uint8_t tiny_typed_bytes[] = {
    'C', 'V', 'M', 0x1a, 2, 0, /* magic, version 2 */
    1, 'A', 0, 0, 0, 0,        /* name, reputation, no cooperative, no state, no constants */
    1,                         /* 1 import */
    3, 'X', '.', 'f', 1, CVM_ARG_INT64, 1, CVM_ARG_STRING, /* target, 1 param int, 1 result string */
    1,                         /* 1 event */
    1, 'E', 1, 1, 'v', CVM_ARG_INT64, /* name, 1 field: v int */
    1, 1, 'm', 2, 1, 0,        /* 1 method: name, len 2, params 1, flags 0 */
    1, 3, 'w', 'h', 'o', CVM_ARG_BYTES, 1, CVM_ARG_INT64, /* typed: who bytes; 1 result int */
    2, CVM_OP_PUSH | 0x80, 1, CVM_OP_HALT,
    0,
};

static void version_2_has_exact_bytes(void **state)
{
    (void)state;
    cvm_module *m = tiny_typed();
    assert_int_equal(cvm_verify(m, err, sizeof err), CVM_OK);
    assert_int_equal(cvm_module_format_version(m), 2);
    size_t n;
    uint8_t *p = encode(m, &n);
    assert_int_equal(n, sizeof tiny_typed_bytes);
    assert_memory_equal(p, tiny_typed_bytes, n);
    cvm_free(NULL, p);
    cvm_module_free(m);

    cvm_module *d;
    assert_int_equal(cvm_module_decode(NULL, tiny_typed_bytes, sizeof tiny_typed_bytes, &d, err, sizeof err), CVM_OK);
    assert_int_equal(cvm_verify(d, err, sizeof err), CVM_OK);
    const cvm_method *me = &d->methods[0];
    assert_true(me->typed);
    assert_int_equal(me->params, 1);
    assert_string_equal(me->pnames[0], "who");
    assert_int_equal(me->ptypes[0], CVM_ARG_BYTES);
    assert_int_equal(me->nresults, 1);
    assert_int_equal(me->rtypes[0], CVM_ARG_INT64);
    assert_int_equal(d->nimports, 1);
    assert_string_equal(d->imports[0].target, "X.f");
    assert_int_equal(d->imports[0].nparams, 1);
    assert_int_equal(d->imports[0].rtypes[0], CVM_ARG_STRING);
    assert_ptr_equal(cvm_module_find_import(d, "X.f", 3), &d->imports[0]);
    assert_null(cvm_module_find_import(d, "X.g", 3));
    assert_int_equal(d->nevents, 1);
    assert_string_equal(d->events[0].fnames[0], "v");
    assert_ptr_equal(cvm_module_find_event(d, "E", 1), &d->events[0]);
    assert_null(cvm_module_find_event(d, "F", 1));
    cvm_module_free(d);
}

/* cvm_module_const_decls: each constant's event and import, -1 for none;
 * no array when the module declares none of a kind. */
static void constants_name_declarations(void **state)
{
    (void)state;
    const char *src = ".import X.f params int\n.import Y.g\n.event E a:int\n.event F\n.method main\n"
                      "    CallService \"Y.g\"\n    Emit \"F\"\n    Push \"X.f\"\n    Pop\n    Push 1\n"
                      "    Emit \"E\"\n    Push 1\n    Emit \"Z\"\n    Push 1\n    CallService \"X.f\"\n    Halt\n";
    cvm_module *m = NULL;
    assert_int_equal(cvm_assemble(NULL, src, strlen(src), "d.asm", NULL, NULL, &m, NULL), CVM_OK);
    assert_int_equal(m->nconsts, 5); /* Y.g F X.f E Z, in first-use order */
    int32_t *ev, *im;
    assert_int_equal(cvm_module_const_decls(m, &ev, &im), CVM_OK);
    const int32_t want_ev[] = {-1, 1, -1, 0, -1}, want_im[] = {1, -1, 0, -1, -1};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(ev[i], want_ev[i]);
        assert_int_equal(im[i], want_im[i]);
    }
    cvm_free(NULL, ev);
    cvm_free(NULL, im);
    cvm_module_free(m);

    src = ".method main\n    Push 1\n    Emit \"E\"\n    Halt\n";
    assert_int_equal(cvm_assemble(NULL, src, strlen(src), "d.asm", NULL, NULL, &m, NULL), CVM_OK);
    assert_int_equal(cvm_module_const_decls(m, &ev, &im), CVM_OK);
    assert_null(ev);
    assert_null(im);
    cvm_module_free(m);
}

/* Each part of version 2 alone makes a module version 2; without them it
 * is version 1, exactly the bytes written before version 2 existed (the
 * tiny_bytes above decode as well: version 1 still loads). */
static void version_follows_what_the_module_uses(void **state)
{
    (void)state;
    cvm_module *m = tiny();
    assert_int_equal(cvm_module_format_version(m), 1);
    mb_sig(m, &m->methods[0], NULL, NULL, NULL, 0); /* typed, no params, no results */
    assert_int_equal(cvm_module_format_version(m), 2);
    size_t n;
    uint8_t *b = encode(m, &n);
    assert_int_equal(b[4], 2);
    cvm_module *d;
    assert_int_equal(cvm_module_decode(NULL, b, n, &d, err, sizeof err), CVM_OK);
    assert_true(d->methods[0].typed);
    assert_null(d->methods[0].rtypes);
    cvm_module_free(d);
    cvm_free(NULL, b);
    cvm_module_free(m);

    m = tiny();
    mb_import(m, "S.m", NULL, 0, NULL, 0);
    assert_int_equal(cvm_module_format_version(m), 2);
    cvm_module_free(m);
    m = tiny();
    mb_event(m, "E", NULL, NULL, 0);
    assert_int_equal(cvm_module_format_version(m), 2);
    cvm_module_free(m);

    /* the version 2 spelling of a version 1 module is refused (one encoding) */
    const uint8_t v2_plain[] = {'C', 'V', 'M', 0x1a, 2, 0, 1, 'A', 0, 0, 0, 0, 0, 0,
                                1, 1, 'm', 2, 0, 0, 0, 2, CVM_OP_PUSH | 0x80, 1, CVM_OP_HALT, 0};
    expect_reject(v2_plain, sizeof v2_plain,
                  "format version at offset 4: version 2 for a module without typed methods, imports or events");
}

static void typed_sample_round_trips(void **state)
{
    (void)state;
    cvm_module *m = mb_typed_sample();
    assert_int_equal(cvm_verify(m, err, sizeof err), CVM_OK);
    size_t n1, n2;
    uint8_t *b1 = encode(m, &n1);
    cvm_module *d;
    assert_int_equal(cvm_module_decode(NULL, b1, n1, &d, err, sizeof err), CVM_OK);
    assert_int_equal(cvm_verify(d, err, sizeof err), CVM_OK);
    assert_int_equal(d->methods[0].nresults, 2);
    assert_int_equal(d->methods[0].rtypes[1], CVM_ARG_STRING);
    assert_true(d->methods[1].typed);
    assert_false(d->methods[2].typed);
    assert_int_equal(d->nimports, 2);
    assert_int_equal(d->events[0].nfields, 3);
    assert_string_equal(d->events[0].fnames[2], "amount");
    assert_int_equal(d->events[1].nfields, 0);
    uint8_t *b2 = encode(d, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(b1, b2, n1);
    cvm_free(NULL, b2);
    cvm_module_free(d);
    cvm_module_free(m);

    /* every truncation fails cleanly, naming an offset */
    for (size_t cut = 0; cut < n1; cut++) {
        uint8_t *p = malloc(cut ? cut : 1);
        memcpy(p, b1, cut);
        d = (cvm_module *)1;
        assert_int_equal(cvm_module_decode(NULL, p, cut, &d, err, sizeof err), CVM_EINPUT);
        assert_null(d);
        assert_non_null(strstr(err, " at offset "));
        free(p);
    }
    /* and running out of memory anywhere is clean */
    bool succeeded = false;
    for (int k = 0; k < 300 && !succeeded; k++) {
        failing bud = {.left = k};
        cvm_allocator al = failing_allocator(&bud);
        d = NULL;
        cvm_status st = cvm_module_decode(&al, b1, n1, &d, err, sizeof err);
        if (st == CVM_OK) {
            succeeded = true;
            cvm_module_free(d);
        } else {
            assert_int_equal(st, CVM_ENOMEM);
            assert_null(d);
        }
    }
    assert_true(succeeded);
    cvm_free(NULL, b1);
}

static void version_2_rejections(void **state)
{
    (void)state;
    uint8_t p[sizeof tiny_typed_bytes + 8];
    const size_t n = sizeof tiny_typed_bytes;
#define RESET() memcpy(p, tiny_typed_bytes, n)
    RESET();
    p[18] = 9; /* import 0 param 0 type */
    expect_reject(p, n, "import 0 param 0 at offset 18: type code 9 is not int (1), string (3) or bytes (4)");
    RESET();
    p[20] = 5; /* import 0 result 0 type: bool is not a signature type */
    expect_reject(p, n, "import 0 result 0 at offset 20: type code 5 is not int (1), string (3) or bytes (4)");
    RESET();
    p[17] = 65; /* import 0 param count */
    expect_reject(p, n, "import 0 param count at offset 17: 65 is above the limit 64");
    RESET();
    p[19] = 17; /* import 0 result count */
    expect_reject(p, n, "import 0 result count at offset 19: 17 is above the limit 16");
    RESET();
    p[21] = 200; /* event count */
    expect_reject(p, n, "event count at offset 21: 200 entries cannot fit");
    RESET();
    p[24] = 17; /* event 0 field count */
    expect_reject(p, n, "event 0 field count at offset 24: 17 is above the limit 16");
    RESET();
    p[26] = 0; /* event 0 field 0 name: NUL */
    expect_reject(p, n, "event 0 field 0 name at offset 25: contains a NUL byte");
    RESET();
    p[27] = 0; /* event 0 field 0 type */
    expect_reject(p, n, "event 0 field 0 type at offset 27: type code 0 is not int");
    RESET();
    p[14] = 0; /* import 0 target: NUL */
    expect_reject(p, n, "import 0 target at offset 13: contains a NUL byte");
    RESET();
    p[34] = 2; /* method 0 signature flag */
    expect_reject(p, n, "method 0 signature flag at offset 34: flag byte is 2, must be 0 or 1");
    RESET();
    p[39] = 2; /* method 0 param 0 type */
    expect_reject(p, n, "method 0 param 0 type at offset 39: type code 2 is not int");
    RESET();
    p[40] = 17; /* method 0 result count */
    expect_reject(p, n, "method 0 result count at offset 40: 17 is above the limit 16");
    RESET();
    p[41] = 0x7f; /* method 0 result 0 type */
    expect_reject(p, n, "method 0 result 0 at offset 41: type code 127 is not int");
    RESET();
    p[32] = 65; /* method 0 params, typed */
    expect_reject(p, n, "method 0 signature at offset 34: 65 params, a typed method has at most 64");
    RESET();
    p[32] = 20; /* more params than bytes left */
    expect_reject(p, n, "method 0 signature at offset 35: 20 params cannot fit in the");
#undef RESET
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tiny_module_has_exact_bytes),
        cmocka_unit_test(sample_round_trips),
        cmocka_unit_test(extreme_operands_round_trip),
        cmocka_unit_test(empty_code_has_no_line_table),
        cmocka_unit_test(every_truncation_fails_cleanly),
        cmocka_unit_test(header_rejections),
        cmocka_unit_test(trailing_bytes_rejected),
        cmocka_unit_test(non_minimal_varint_rejected),
        cmocka_unit_test(flag_bytes_are_zero_or_one),
        cmocka_unit_test(counts_cannot_exceed_the_input),
        cmocka_unit_test(names_hold_no_nul),
        cmocka_unit_test(bad_opcodes_and_operands),
        cmocka_unit_test(out_of_memory_is_clean),
        cmocka_unit_test(version_2_has_exact_bytes),
        cmocka_unit_test(version_follows_what_the_module_uses),
        cmocka_unit_test(constants_name_declarations),
        cmocka_unit_test(typed_sample_round_trips),
        cmocka_unit_test(version_2_rejections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
