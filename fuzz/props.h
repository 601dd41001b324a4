/*
 * props.h — the properties both fuzz harnesses check on every module they
 * manage to build, beyond "no crash": the binary format is canonical and
 * the disassembler is exact. A broken property aborts, so libFuzzer (and
 * fuzz/replay.c) report it as a crash with the input that caused it.
 *
 * Header-only (static functions): each harness is one .c file in the
 * Makefile's fuzz and replay rules.
 */
#ifndef CVM_FUZZ_PROPS_H
#define CVM_FUZZ_PROPS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "bytecode/module.h"
#include "coopvm.h"

static void prop_fail(const char *what, const char *detail)
{
    fprintf(stderr, "property broken: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

/* The bytes of m; NULL only when memory ran out. Owned by the caller. */
static uint8_t *prop_encode(const cvm_module *m, size_t *len)
{
    uint8_t *p = NULL;
    if (cvm_module_encode(m, &p, len) != CVM_OK)
        return NULL;
    return p;
}

static void prop_no_diag(void *ud, const char *file, int line, int col, const char *message)
{
    (void)file, (void)line, (void)col, (void)message;
    ++*(int *)ud;
}

/* For a verified module m whose encoding is bytes[0..len): decoding gives a
 * module that verifies and encodes to the same bytes, and the disassembly
 * assembles to the same bytes. */
static void prop_round_trips(const cvm_module *m, const uint8_t *bytes, size_t len)
{
    char err[256];
    cvm_module *d = NULL;
    cvm_status st = cvm_module_decode(NULL, bytes, len, &d, err, sizeof err);
    if (st == CVM_ENOMEM)
        return;
    if (st != CVM_OK)
        prop_fail("the encoding of a verified module decodes", err);
    if (cvm_verify(d, err, sizeof err) != CVM_OK)
        prop_fail("a decoded verified module verifies", err);
    size_t n2;
    uint8_t *b2 = prop_encode(d, &n2);
    cvm_module_free(d);
    if (b2 && (n2 != len || memcmp(b2, bytes, len) != 0))
        prop_fail("decode then encode gives the same bytes", NULL);
    cvm_free(NULL, b2);

    char *text = NULL;
    size_t tlen;
    if (cvm_module_disasm(m, &text, &tlen) != CVM_OK)
        return;
    int ndiag = 0;
    cvm_module *a = NULL;
    st = cvm_assemble(NULL, text, tlen, "disasm.asm", prop_no_diag, &ndiag, &a, NULL);
    if (st == CVM_EINPUT) {
        fprintf(stderr, "%s", text);
        prop_fail("the disassembly assembles", NULL);
    }
    cvm_free(NULL, text);
    if (st != CVM_OK)
        return;
    size_t n3;
    uint8_t *b3 = prop_encode(a, &n3);
    cvm_module_free(a);
    if (b3 && (n3 != len || memcmp(b3, bytes, len) != 0))
        prop_fail("disassemble then assemble gives the same bytes", NULL);
    cvm_free(NULL, b3);
}

#endif
