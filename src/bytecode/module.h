/*
 * module.h — the in-memory module (the spec's Contract) and the functions of
 * the bytecode layer that make, check and write one.
 *
 * A module is built by the assembler or the decoder, then checked by
 * cvm_verify; only a verified module reaches the interpreter. The binary
 * format is described in docs/module-format.md.
 */
#ifndef CVM_BYTECODE_MODULE_H
#define CVM_BYTECODE_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/map.h"
#include "coopvm.h"
#include "opcodes.h"

#define CVM_MODULE_MAGIC "CVM\x1a"
/* The newest format version. Version 2 adds method signatures, imports and
 * event declarations; a module that uses none of them is written as
 * version 1, byte for byte as before (docs/module-format.md). */
#define CVM_MODULE_VERSION 2
#define CVM_MODULE_VERSION_1 1

#define CVM_METHOD_READONLY 1u  /* may not write state */
#define CVM_METHOD_FLAGS_KNOWN CVM_METHOD_READONLY

#define CVM_MAX_PARAMS 64
#define CVM_MAX_RESULTS 16    /* results of a typed method or an import */
#define CVM_MAX_FIELDS 16     /* fields of a declared event */
#define CVM_MAX_NAME 63       /* contract, method, cooperative and key names */
#define CVM_IMPACT_MAX 100

/* One instruction: the spec's (OpCode, Option<i64>). For STR and OPT_STR
 * operands the value is a constant-pool index; for LABEL an instruction index
 * in the module's code; for LOCAL a local number. */
typedef struct cvm_insn {
    uint8_t op;          /* cvm_op */
    uint8_t has_operand;
    int64_t operand;
} cvm_insn;

/* A value's declared type in a signature (method, import, event): the
 * cvm_arg_type codes CVM_ARG_INT64 ("int"), CVM_ARG_BYTES ("bytes") and
 * CVM_ARG_STRING ("string": bytes that must be UTF-8). */
typedef uint8_t cvm_vtype;

/* "int", "bytes" or "string" for a signature type; NULL for any other code. */
const char *cvm_vtype_name(cvm_vtype t);

/* The signature type named name[0..len) ("int", "bytes", "string"), or 0. */
cvm_vtype cvm_vtype_lookup(const char *name, size_t len);

typedef struct cvm_method {
    char *name;          /* owned */
    uint32_t entry;      /* first instruction */
    uint32_t len;        /* instructions; methods tile the code in order */
    uint32_t params;
    uint32_t flags;      /* CVM_METHOD_* */
    /* A typed method (`.method m params a:bytes b:int returns int`) has
     * ptypes (params entries), pnames (params names) and nresults results
     * of rtypes (each array NULL when its count is 0; every pname is an
     * identifier, unique in the method). An untyped one (`params N`) has
     * all three NULL and nresults 0: N integers and one integer result
     * (the top of the stack, 0 when empty). */
    bool typed;
    cvm_vtype *ptypes;   /* owned, or NULL */
    char **pnames;       /* owned, params owned names, or NULL */
    cvm_vtype *rtypes;   /* owned, nresults entries, or NULL */
    uint32_t nresults;
} cvm_method;

/* `.import Svc.method params bytes int returns int`: what the module
 * expects of a service it calls, so that the stack effect of CallService /
 * CallLibrary "Svc.method" is known before it runs. */
typedef struct cvm_import {
    char *target;        /* owned: "Svc.method" */
    cvm_vtype *ptypes;   /* owned, nparams entries (NULL when 0) */
    uint32_t nparams;
    cvm_vtype *rtypes;   /* owned, nresults entries (NULL when 0) */
    uint32_t nresults;
} cvm_import;

/* `.event Transfer from:bytes to:bytes amount:int`: Emit "Transfer" pops
 * these fields (the last on top). */
typedef struct cvm_event_decl {
    char *name;          /* owned */
    char **fnames;       /* owned, nfields owned names (NULL when 0) */
    cvm_vtype *ftypes;   /* owned, nfields entries */
    uint32_t nfields;
} cvm_event_decl;

typedef struct cvm_const {
    uint8_t *bytes;      /* owned, NUL-terminated (not counted in len) */
    size_t len;
} cvm_const;

typedef struct cvm_state_init {
    uint8_t *key;        /* owned, NUL-terminated */
    size_t keylen;
    int64_t value;
} cvm_state_init;

/* The spec's CooperativeMetadata. */
typedef struct cvm_coop_meta {
    bool present;
    char *id;            /* owned */
    char *purpose;       /* owned */
    uint8_t cpu, memory, network, storage, bandwidth; /* resource impact 0..100 */
    char *federation;    /* owned; "" when none */
} cvm_coop_meta;

struct cvm_module {
    const cvm_allocator *al;     /* borrowed; must outlive the module */
    char *name;                  /* owned: the contract (service) name */
    int64_t required_reputation;
    cvm_coop_meta coop;
    cvm_state_init *state;       /* owned, nstate entries, in source order */
    size_t nstate;
    cvm_method *methods;         /* owned, nmethods, in code order */
    size_t nmethods;
    cvm_const *consts;           /* owned, nconsts, in first-use order */
    size_t nconsts;
    cvm_import *imports;         /* owned, nimports, in source order, unique targets */
    size_t nimports;
    cvm_event_decl *events;      /* owned, nevents, in source order, unique names */
    size_t nevents;
    cvm_insn *code;              /* owned, ncode */
    size_t ncode;
    uint32_t *lines;             /* owned, ncode source lines (0 = unknown), or NULL */
    cvm_map method_index;        /* method name -> index; built by cvm_verify */
    void *exec;                  /* owned by the interpreter: the executable form */
    void (*exec_free)(const cvm_allocator *al, void *exec);
};

/* An empty module owned by the caller. */
cvm_module *cvm_module_new(const cvm_allocator *al);

/* Checks everything the interpreter relies on, and builds method_index:
 * names (non-empty, at most CVM_MAX_NAME bytes, unique methods), methods
 * tiling the code in order, operands present exactly when the table says,
 * local indices < CVM_LOCALS, constant indices in range and the pool in
 * canonical first-use order without duplicates or unused entries, label
 * targets inside the method of the jump, Store and write opcodes absent from
 * read-only methods, cooperative impacts 0..100, unique state keys, a line
 * table of ncode entries or none; signatures (identifiers, type codes,
 * unique names, at most CVM_MAX_PARAMS params and CVM_MAX_RESULTS results),
 * imports (Svc.method targets, unique) and events (unique names and field
 * names, at most CVM_MAX_FIELDS fields). On failure returns CVM_EINPUT and writes a
 * message naming the method and instruction into err. */
cvm_status cvm_verify(cvm_module *m, char *err, size_t errcap);

/* cvm_verify, and *pc (may be NULL) the instruction a failure is about, or
 * SIZE_MAX when it is about no single instruction (names, metadata...). */
cvm_status cvm_verify_at(cvm_module *m, char *err, size_t errcap, size_t *pc);

/* Decodes bytes into a new module (not yet verified). On failure returns
 * CVM_EINPUT with err naming the field and byte offset. */
cvm_status cvm_module_decode(const cvm_allocator *al, const uint8_t *bytes, size_t len, cvm_module **out,
                             char *err, size_t errcap);

/* Appends the binary encoding of m to b. */
void cvm_module_write(const cvm_module *m, cvm_buf *b);

/* Appends the disassembly of m to b. */
void cvm_module_write_asm(const cvm_module *m, cvm_buf *b);

/* The name of method i of module m (a const cvm_module *), for
 * base/suggest.h's lists of a module's methods. */
const char *cvm_module_method_name_at(const void *m, size_t i);

/* Builds method_index from methods; CVM_EINPUT with err on a duplicate name.
 * cvm_verify calls it; tests that build modules by hand may too. */
cvm_status cvm_module_index_methods(cvm_module *m, char *err, size_t errcap);

/* The method named name[0..len) or NULL; needs method_index. */
const cvm_method *cvm_module_find_method(const cvm_module *m, const char *name, size_t len);

/* The import whose target is target[0..len) ("Svc.method"), or NULL. */
const cvm_import *cvm_module_find_import(const cvm_module *m, const char *target, size_t len);

/* The declared event named name[0..len), or NULL. */
const cvm_event_decl *cvm_module_find_event(const cvm_module *m, const char *name, size_t len);

/* For each constant i of m, the declaration it names: (*events)[i] the
 * index of the .event named by it, (*imports)[i] that of the .import whose
 * target it is, or -1. Each array (nconsts entries) is owned by the caller
 * (cvm_free with m->al); NULL when m declares no events (no imports).
 * Built once with hash maps, in O(constants + declarations), so that the
 * passes over the code look a declaration up in O(1) per instruction.
 * CVM_ENOMEM leaves both NULL. */
cvm_status cvm_module_const_decls(const cvm_module *m, int32_t **events, int32_t **imports);

/* The format version cvm_module_write writes for m: 2 when m has a typed
 * method, an import or an event declaration, else 1. */
unsigned cvm_module_format_version(const cvm_module *m);

/* The method that contains instruction pc, or NULL. */
const cvm_method *cvm_module_method_at(const cvm_module *m, size_t pc);

#endif
