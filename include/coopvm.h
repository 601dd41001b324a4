/*
 * coopvm.h — the public embedding API of coopvm, a virtual machine for
 * cooperative contracts.
 *
 * One header, one prefix (cvm_). Handles are opaque; every constructor has a
 * matching _free; every pointer parameter says who owns it. The library never
 * prints and keeps no globals: failures come back as status values with a
 * message (see "Errors" below), and the host supplies callbacks for
 * everything the contract sees.
 *
 * Threads. The library starts no thread of its own except a VM's pre-order
 * workers, and shares nothing between handles, so different handles may be
 * used on different threads at once. Beside each handle its rule is stated:
 * in short, a module is immutable and shareable; a store and a VM are used
 * by one thread at a time; results are owned by the caller and immutable.
 *
 * Linking. `pkg-config --cflags --libs coopvm` links the shared library
 * (libcoopvm.so.0), `--static` the archive with its dependencies. The shared
 * library exports exactly the functions declared here.
 */
#ifndef COOPVM_H
#define COOPVM_H

#include <stddef.h>
#include <stdint.h>

/* The library is built with hidden visibility: what this header declares,
 * and nothing else, is exported from the shared library. */
#if defined(__GNUC__) && !defined(_WIN32)
#pragma GCC visibility push(default)
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define COOPVM_VERSION_MAJOR 0
#define COOPVM_VERSION_MINOR 1
#define COOPVM_VERSION_PATCH 0
#define COOPVM_VERSION "0.1.0"

/* The runtime version string, e.g. "0.1.0"; static storage. */
const char *cvm_version(void);

/* ---------------------------------------------------------------- statuses */

/* Library statuses: did the call itself work? Contract outcomes are not
 * library failures; they come back in a cvm_exec_result. */
typedef enum cvm_status {
    CVM_OK = 0,
    CVM_ENOMEM, /* an allocation failed */
    CVM_EINPUT, /* malformed input: bad module bytes, bad source, bad argument */
    CVM_EIO,    /* the operating system refused a read or write */
    CVM_ESTATE  /* the state storage failed or is inconsistent */
} cvm_status;

/* The name of a library status ("OK", "ENOMEM", ...); static storage. */
const char *cvm_status_name(cvm_status s);

/* ------------------------------------------------------------------ errors
 *
 * One convention, in the manner of sqlite3_errmsg. Every call that can fail
 * returns a cvm_status: CVM_OK, or the kind of failure. Why, in words, is
 * then read from the object the call worked with:
 *
 *  - A call on a handle (a cvm_vm, a cvm_store) leaves its message on that
 *    handle: cvm_vm_errmsg(vm), cvm_store_errmsg(s). "" after a success;
 *    borrowed from the handle until its next call. cvm_vm_new is a call on
 *    its store: a store it refuses says why in cvm_store_errmsg.
 *  - A call that has no handle to hold the message — it creates one
 *    (opening a store, assembling or loading a module) or works on plain
 *    values (transactions) — takes as its last parameter a cvm_errmsg, a
 *    small error object of the caller's, and leaves its message there: ""
 *    after a success. It may be NULL when the reason does not matter.
 *  - A call whose status says everything has no message: those that can
 *    fail only with CVM_ENOMEM (cvm_memstore_open, cvm_exec,
 *    cvm_module_encode, cvm_module_disasm; and CVM_EINPUT for a NULL
 *    where a pointer is required) and cvm_keypair_random (CVM_EIO).
 *
 * A contract that fails is not a failing call: its outcome comes back in a
 * cvm_exec_result or a cvm_receipt, with a cvm_error saying why. The
 * assembler reports every diagnostic through its callback as well; its
 * cvm_errmsg holds the first.
 */
#define CVM_ERRMSG_BYTES 512

typedef struct cvm_errmsg {
    char text[CVM_ERRMSG_BYTES]; /* NUL-terminated; "" after a success */
} cvm_errmsg;

/* Execution statuses of a call or transaction (the spec's receipt statuses).
 * NOT_EXECUTED: a transaction of a set that was not run at all (gas 0,
 * nothing written, no events, no log), its error code saying why — e.g.
 * BLOCK_GAS_LIMIT or BLOCK_TX_LIMIT when the block was full, or
 * DUPLICATE_TRANSACTION for a replay. */
#define CVM_EXEC_STATUSES(X) \
    X(SUCCESS)                 \
    X(ERROR_SMART_CONTRACT)    \
    X(ERROR_INPUT)             \
    X(ERROR_CONTRACT_NOT_DEPLOYED) \
    X(ERROR_UNEXPECTED)        \
    X(NOT_EXECUTED)

typedef enum cvm_exec_status {
#define CVM_X_ENUM(name) CVM_##name,
    CVM_EXEC_STATUSES(CVM_X_ENUM)
#undef CVM_X_ENUM
    CVM_EXEC_STATUS_COUNT
} cvm_exec_status;

/* "SUCCESS", "ERROR_SMART_CONTRACT", ...; static storage. */
const char *cvm_exec_status_name(cvm_exec_status s);

/* Error codes: why a call failed. Each appears as error.code in receipts and
 * in `coopvm run --json`. NONE means no error. */
#define CVM_ERROR_CODES(X)                                                       \
    X(NONE, "no error")                                                          \
    X(STACK_UNDERFLOW, "an instruction needs more values than the stack holds")  \
    X(STACK_OVERFLOW, "the stack would hold more than 1024 values")              \
    X(INTEGER_OVERFLOW, "an arithmetic result does not fit in 64 bits")          \
    X(DIVISION_BY_ZERO, "Div or Mod by zero")                                    \
    X(OUT_OF_GAS, "the gas left is below the next instruction's cost")           \
    X(CALL_DEPTH_EXCEEDED, "Call nested deeper than 64")                         \
    X(ABORTED, "the contract executed Abort")                                    \
    X(INSUFFICIENT_REPUTATION, "the signer's reputation is below the contract's requirement or the proposal threshold") \
    X(UNKNOWN_METHOD, "the module has no method of that name")                   \
    X(WRONG_ARGUMENTS, "the number or type of arguments does not match the method") \
    X(READ_ONLY_VIOLATION, "a state write in a read-only context")               \
    X(SERVICE_UNAVAILABLE, "the operation needs a service that is not available") \
    X(HOST_ERROR, "the host failed while serving the contract")                 \
    X(PERMISSION_DENIED, "a system-only method called by a non-system caller, or an account without the right (admin, creator)") \
    X(CONTRACT_NOT_DEPLOYED, "the service called is not deployed")               \
    X(DEPLOYMENT_FAILED, "_Deployments refused the deployment (name, code or duplicate)") \
    X(SERVICE_CALL_DEPTH, "service calls nested deeper than 16")                 \
    X(INVALID_TRANSACTION, "the transaction's protocol version, virtual chain or signer scheme is not the VM's") \
    X(COOPERATIVE_EXISTS, "a cooperative with that id already exists")          \
    X(COOPERATIVE_NOT_FOUND, "no cooperative has that id")                       \
    X(ALREADY_MEMBER, "the signer is already a member of the cooperative")       \
    X(NOT_A_MEMBER, "the signer is not a member of the cooperative")             \
    X(INVALID_AMOUNT, "an allocation's amount is not positive, or its total would overflow") \
    X(RESOURCE_IMPACT_TOO_HIGH, "the cooperative's cpu, memory or network impact is above 80") \
    X(ALREADY_VOTED, "the signer has already voted on the proposal")             \
    X(PROPOSAL_CLOSED, "the proposal has passed or been rejected, or its voting period has ended") \
    X(PROPOSAL_NOT_FOUND, "no proposal has that id")                             \
    X(INVALID_QUORUM, "a quorum is a percentage from 1 to 100")                  \
    X(COOPERATIVE_NOT_CONFIGURED, "a cooperative opcode in a module without .cooperative metadata") \
    X(INVALID_SIGNATURE, "a signed call's signature is missing or does not verify (Ed25519 over the transaction hash)") \
    X(NOT_APPROVED, "the pre-order contract _GlobalPreOrder refused the transaction (a subscription problem)") \
    X(BLOCK_GAS_LIMIT, "the block's gas limit was reached: the transaction did not fit, or came after one that did not") \
    X(BLOCK_TX_LIMIT, "the block's transaction limit was reached: the transaction was not run") \
    X(DUPLICATE_TRANSACTION, "a transaction with the same hash was already committed, or appears earlier in the set: not run again") \
    X(TYPE_MISMATCH, "a value is bytes where an integer is needed or the other way round, or a stored value is not the type read") \
    X(BYTES_TOO_LONG, "a bytes value would be longer than 65536 bytes") \
    X(MEMORY_LIMIT, "a method run would allocate more than 4 MiB of bytes values") \
    X(OUT_OF_RANGE, "Slice's start or length is outside the bytes") \
    X(KEY_TOO_LONG, "a state key is longer than its service's keys may be: 509 bytes minus the length of the service's name (508 for a one-letter name, 446 for a 63-byte one)")

typedef enum cvm_code {
#define CVM_X_ENUM(name, doc) CVM_CODE_##name,
    CVM_ERROR_CODES(CVM_X_ENUM)
#undef CVM_X_ENUM
    CVM_CODE_COUNT
} cvm_code;

/* "STACK_UNDERFLOW", ...; static storage. NULL for an out-of-range value. */
const char *cvm_code_name(cvm_code c);
/* One line describing the code; static storage. */
const char *cvm_code_doc(cvm_code c);

/* A contract error, with where it happened. pc is -1 and line 0 when unknown;
 * method is "" when the error is not inside a method. */
/* The longest reason kept (Abort or Assert with bytes): longer reasons are
 * cut to this many bytes. */
#define CVM_REASON_MAX 200

typedef struct cvm_error {
    cvm_code code;
    char message[240]; /* without the code and location, e.g. "Add needs 2 values, the stack holds 1" */
    char method[64];
    int64_t pc;
    int64_t line;
    /* The contract's own reason (Abort of bytes, Assert), kept intact through
     * nested service calls: reason_len bytes (not NUL-terminated, any bytes);
     * has_reason is 0 when the error has none. */
    uint8_t reason[CVM_REASON_MAX];
    uint16_t reason_len;
    uint8_t has_reason;
    /* An error that crossed nested service calls: message[0..path_len) is
     * the path of the calls it crossed ("A.m: B.m", "A.m: …: H.m" when
     * shortened), then ": " and the innermost message, intact; 0 when it
     * crossed none. Only for wrapping the next level: a receipt's encoding
     * does not carry it (the message does). */
    uint8_t path_len;
} cvm_error;

/* Writes "CODE: message (method m, pc 3, line 7)" into buf (always NUL
 * terminated when cap > 0); returns the length it needed, like snprintf. */
size_t cvm_error_format(const cvm_error *e, char *buf, size_t cap);

/* --------------------------------------------------------------- allocator */

/* The allocator hook, in the manner of lua_Alloc: with size 0 it frees ptr and
 * returns NULL; otherwise it behaves as realloc(ptr, size). A NULL allocator
 * pointer anywhere in this API means the C library's realloc/free. */
typedef struct cvm_allocator {
    void *(*realloc)(void *ud, void *ptr, size_t size);
    void *ud; /* borrowed; passed back to realloc */
} cvm_allocator;

/* ------------------------------------------------------------------ modules */

/* A verified module (the spec's Contract): methods, code, constants, required
 * reputation, cooperative metadata and initial state.
 * Threads: immutable once built, so shareable: any number of threads may
 * run, encode or inspect one module at once (cvm_exec included); free it
 * once, after the last of them. */
typedef struct cvm_module cvm_module;

/* Receives one assembler diagnostic. file and message are borrowed for the
 * call only; line and col are 1-based. */
typedef void (*cvm_diag_fn)(void *ud, const char *file, int line, int col, const char *message);

/* Assembles source text (src[0..len), borrowed) into a verified module.
 * Every error in the text is reported through diag (may be NULL); if there is
 * any, returns CVM_EINPUT, *out is NULL and err holds the first diagnostic
 * ("file:line:col: message", and how many more). filename (borrowed) names
 * the source in diagnostics and gives the default contract name (its stem).
 * On success the caller owns *out and frees it with cvm_module_free. */
cvm_status cvm_assemble(const cvm_allocator *al, const char *src, size_t len, const char *filename,
                        cvm_diag_fn diag, void *diag_ud, cvm_module **out, cvm_errmsg *err);

/* Decodes and verifies a binary module (bytes borrowed for the call). On
 * failure returns CVM_EINPUT (or CVM_ENOMEM), *out is NULL and err says what
 * is wrong and where. The caller owns *out. */
cvm_status cvm_module_load(const cvm_allocator *al, const uint8_t *bytes, size_t len, cvm_module **out,
                           cvm_errmsg *err);

/* Encodes m in the binary module format. On success *out is owned by the
 * caller (free it with cvm_free using the same allocator) and *len is its size. */
cvm_status cvm_module_encode(const cvm_module *m, uint8_t **out, size_t *len);

/* Disassembles m into assembly text that assembles back to the identical
 * bytes. *out is NUL-terminated and owned by the caller (cvm_free). */
cvm_status cvm_module_disasm(const cvm_module *m, char **out, size_t *len);

/* Frees m and everything it owns. NULL is allowed. */
void cvm_module_free(cvm_module *m);

/* Frees memory the library handed to the caller (encode, disasm). */
void cvm_free(const cvm_allocator *al, void *p);

/* The contract (service) name; borrowed from m. */
const char *cvm_module_name(const cvm_module *m);
/* The minimum signer reputation needed to run any method. */
int64_t cvm_module_required_reputation(const cvm_module *m);
/* Number of methods and the i-th method's name (borrowed), parameter count
 * and read-only flag. */
size_t cvm_module_method_count(const cvm_module *m);
const char *cvm_module_method_name(const cvm_module *m, size_t i);
int cvm_module_method_params(const cvm_module *m, size_t i);
int cvm_module_method_readonly(const cvm_module *m, size_t i);

/* ---------------------------------------------------------- typed values */

/* Typed arguments, outputs and event fields: of transactions and native
 * methods, and of bytecode values (an integer is CVM_ARG_INT64, bytes
 * CVM_ARG_BYTES, bytes declared string CVM_ARG_STRING). */

typedef enum cvm_arg_type {
    CVM_ARG_INT64 = 1,
    CVM_ARG_UINT64 = 2,
    CVM_ARG_STRING = 3, /* UTF-8 text, not NUL-terminated */
    CVM_ARG_BYTES = 4,
    CVM_ARG_BOOL = 5
} cvm_arg_type;

/* One typed argument or output. In inputs the bytes are borrowed from the
 * caller; in results they are owned by the result object. */
typedef struct cvm_arg {
    cvm_arg_type type;
    union {
        int64_t i64;
        uint64_t u64;
        int boolean; /* 0 or 1 */
        struct {
            const uint8_t *ptr; /* see above; may be NULL when len is 0 */
            size_t len;
        } bytes;     /* CVM_ARG_STRING and CVM_ARG_BYTES */
    } v;
} cvm_arg;

static inline cvm_arg cvm_arg_int64(int64_t v) { cvm_arg a; a.type = CVM_ARG_INT64; a.v.i64 = v; return a; }
static inline cvm_arg cvm_arg_uint64(uint64_t v) { cvm_arg a; a.type = CVM_ARG_UINT64; a.v.u64 = v; return a; }
static inline cvm_arg cvm_arg_bool(int v) { cvm_arg a; a.type = CVM_ARG_BOOL; a.v.boolean = v != 0; return a; }
static inline cvm_arg cvm_arg_bytes(const void *p, size_t n)
{
    cvm_arg a; a.type = CVM_ARG_BYTES; a.v.bytes.ptr = (const uint8_t *)p; a.v.bytes.len = n; return a;
}
static inline cvm_arg cvm_arg_stringn(const char *s, size_t n)
{
    cvm_arg a; a.type = CVM_ARG_STRING; a.v.bytes.ptr = (const uint8_t *)s; a.v.bytes.len = n; return a;
}

/* "int64", "uint64", "string", "bytes", "bool"; NULL for an unknown type. */
const char *cvm_arg_type_name(cvm_arg_type t);

/* A named field of an event. */
typedef struct cvm_event_field {
    const char *name; /* owned by the result */
    cvm_arg value;
} cvm_event_field;

/* ----------------------------------------------------------- the host side */

/* The operations a contract asks of the world beyond state, events and logs.
 * The cooperative and governance opcodes become calls into the native
 * services _Cooperatives and _Governance. */
typedef enum cvm_sdk_op {
    CVM_SDK_CREATE_COOPERATIVE,
    CVM_SDK_JOIN_COOPERATIVE,
    CVM_SDK_ALLOCATE_RESOURCE,
    CVM_SDK_CREATE_PROPOSAL,
    CVM_SDK_CAST_VOTE,
    CVM_SDK_UPDATE_QUORUM,
    CVM_SDK_OP_COUNT
} cvm_sdk_op;

/* One SDK request from a running method. All pointers are borrowed for the
 * duration of the callback. */
typedef struct cvm_sdk_request {
    cvm_sdk_op op;
    const cvm_module *module; /* the running module (its cooperative metadata) */
    const int64_t *args;      /* values popped, deepest first */
    size_t nargs;
    int64_t operand;          /* the instruction's operand, when it has one */
    int64_t gas_left;         /* the caller's gas left after the instruction's own cost */
    int64_t *gas_used;        /* the host writes here the gas the operation used (the service's
                               * own: CVM_GAS_NATIVE_CALL and the rest), charged to the caller,
                               * success or not; it starts at 0 */
} cvm_sdk_request;

/* A CallService or CallLibrary instruction: run "Svc.method" with the top
 * values of the caller's stack as arguments. Borrowed for the callback. */
typedef struct cvm_call_request {
    int library;              /* 0: CallService (the callee's namespace); 1: CallLibrary (the caller's) */
    const uint8_t *target;    /* "Svc.method", not NUL-terminated */
    size_t target_len;
    const int64_t *stack;     /* the caller's stack, bottom first */
    size_t depth;             /* values on it; the callee takes its parameters from the top */
    int64_t gas_left;         /* the caller's gas left after the instruction's own cost */
    /* An untyped call (no .import names the target) passes integers only:
     * is_bytes is NULL when every value on the stack is an integer, else
     * depth flags, non-zero where the value is bytes (the host refuses a
     * callee parameter that would take one: WRONG_ARGUMENTS). */
    const uint8_t *is_bytes;
    /* A typed call (an .import names the target): the arguments popped by
     * the import's parameter types (first deepest, CVM_ARG_INT64 or
     * CVM_ARG_BYTES, bytes borrowed for the callback), and the import's
     * declared parameter and result types (CVM_ARG_INT64, CVM_ARG_BYTES,
     * CVM_ARG_STRING), which the host checks against the callee's real
     * signature. args is NULL for an untyped call. */
    const cvm_arg *args;
    size_t nargs;
    const uint8_t *param_types;  /* nargs entries */
    const uint8_t *result_types;
    size_t nresults;
} cvm_call_request;

/* What a call callback reports back (also when it fails). */
typedef struct cvm_call_reply {
    size_t popped;            /* untyped: arguments taken from the stack (the callee's parameter count) */
    int64_t result;           /* untyped: pushed on success */
    int64_t gas_used;         /* charged to the caller, success or not */
    /* typed: the callee's results, as many as the import declares, each
     * CVM_ARG_INT64 or CVM_ARG_BYTES (the host maps uint64 and bool to
     * integers, string to bytes); bytes borrowed until the host's next
     * callback or the end of the run. */
    const cvm_arg *results;
    size_t nresults;
} cvm_call_reply;

/* One executed instruction, for tracing. Borrowed for the callback only. */
typedef struct cvm_trace_step {
    const char *method; /* the method being run */
    int64_t pc;         /* index of the instruction in the module's code */
    const char *op;     /* its mnemonic, as written: PushBytes is "Push" */
    int has_operand;
    int64_t operand;    /* as written: integer, constant index or label target */
    const char *operand_str; /* the string constant for string operands, else NULL */
    size_t operand_len;
    size_t depth;       /* stack depth before the instruction */
    int64_t top;        /* top of stack before it, 0 when empty or bytes */
    const uint8_t *top_bytes; /* the top when it is bytes (borrowed for the callback), else NULL */
    size_t top_len;
    int64_t gas_left;   /* before the instruction is charged */
    size_t call_depth;
    int64_t line;       /* source line, 0 when unknown */
    int dispatch;       /* the loop running it: CVM_DISPATCH_SWITCH or CVM_DISPATCH_GOTO */
} cvm_trace_step;

/* Everything the interpreter knows of the world. Callbacks return 0 on
 * success, or an error code and fill err->message (the interpreter adds the
 * method, pc and line). Any callback may be NULL: state then reads as empty
 * and refuses writes with SERVICE_UNAVAILABLE, events and logs are dropped,
 * and SDK calls fail with SERVICE_UNAVAILABLE naming the service they need. */
typedef struct cvm_host {
    void *ud; /* borrowed; passed to every callback */
    /* The running service's state: key bytes -> value. Absent reads as 0. */
    cvm_code (*load)(void *ud, const uint8_t *key, size_t keylen, int64_t *value, cvm_error *err);
    /* Storing 0 deletes the key. */
    cvm_code (*store)(void *ud, const uint8_t *key, size_t keylen, int64_t value, cvm_error *err);
    /* Emit "Name": one event with the field value. */
    cvm_code (*emit)(void *ud, const uint8_t *name, size_t namelen, int64_t value, cvm_error *err);
    /* Log: one entry of the execution log. */
    cvm_code (*log)(void *ud, int64_t value, cvm_error *err);
    /* Cooperative and governance operations; *result is pushed by the
     * opcodes that push one. */
    cvm_code (*sdk)(void *ud, const cvm_sdk_request *req, int64_t *result, cvm_error *err);
    /* CallService / CallLibrary: runs another service's method. NULL: those
     * opcodes trap SERVICE_UNAVAILABLE. */
    cvm_code (*call)(void *ud, const cvm_call_request *req, cvm_call_reply *reply, cvm_error *err);
    /* Called before each instruction when not NULL; NULL costs nothing. */
    void (*trace)(void *ud, const cvm_trace_step *step);
    int64_t reputation;   /* the signer's reputation */
    int64_t block_height;
    int64_t block_time;   /* nanoseconds since the Unix epoch */
    /* Optional, all three or none: constant keys resolved once per run.
     * When all three are set, a Load or Store whose key is its string
     * operand asks resolve once per run (one cvm_exec call) for that key
     * (its bytes borrowed for the call), keeps the handle for the rest of
     * the run, and then calls load_at / store_at with it instead of load /
     * store with the key; popped keys still go through load / store. A
     * handle is opaque and non-NULL, stands for that key in this run's
     * namespace, and must stay valid and coherent with load / store of the
     * same key until cvm_exec returns, whatever happens meanwhile (nested
     * calls, sdk operations, rollbacks of the host's checkpoints). resolve
     * may set *handle NULL to decline: that key then goes through load /
     * store for the rest of the run. A failing resolve traps like a failing
     * load or store, at the instruction that needed it. */
    cvm_code (*resolve)(void *ud, const uint8_t *key, size_t keylen, void **handle, cvm_error *err);
    cvm_code (*load_at)(void *ud, void *handle, int64_t *value, cvm_error *err);
    cvm_code (*store_at)(void *ud, void *handle, int64_t value, cvm_error *err);
    /* Bytes values in state (LoadBytes, and Store of a bytes value). handle
     * is NULL, or one that resolve gave for key (key is given either way).
     * load_bytes: *value borrowed until the host's next callback; absent
     * reads as len 0. store_bytes: len 0 deletes. An integer Load of a
     * value that is not 8 bytes is the load callback's TYPE_MISMATCH,
     * naming the key. NULL: LoadBytes reads empty bytes, a bytes Store
     * traps SERVICE_UNAVAILABLE. */
    cvm_code (*load_bytes)(void *ud, const uint8_t *key, size_t keylen, void *handle, const uint8_t **value,
                           size_t *len, cvm_error *err);
    cvm_code (*store_bytes)(void *ud, const uint8_t *key, size_t keylen, void *handle, const uint8_t *value,
                            size_t len, cvm_error *err);
    /* Emit of a declared event (.event): its fields, in declaration order,
     * names from the declaration, values CVM_ARG_INT64 or CVM_ARG_BYTES /
     * CVM_ARG_STRING as declared; everything borrowed for the call. NULL:
     * dropped. */
    cvm_code (*emit_fields)(void *ud, const uint8_t *name, size_t namelen, const cvm_event_field *fields,
                            size_t nfields, cvm_error *err);
    /* Identity (Signer, Caller, Self): CVM_ADDRESS_BYTES each, borrowed for
     * the run, or NULL for empty bytes (an unsigned local call's signer). */
    const uint8_t *signer;
    const uint8_t *caller;
    const uint8_t *self;
} cvm_host;

/* How to run. Zero-initialised options mean: default gas, best dispatch. */
typedef enum cvm_dispatch {
    CVM_DISPATCH_AUTO = 0, /* computed goto where the compiler has it */
    CVM_DISPATCH_SWITCH,   /* the portable switch loop */
    CVM_DISPATCH_GOTO      /* computed goto; falls back to switch if unavailable */
} cvm_dispatch;

#define CVM_DEFAULT_GAS_LIMIT 1000000

/* The gas schedule beyond the opcode table (docs/vm.md, "Gas"): what the
 * native methods make the chain do is paid from the same per-transaction
 * gas, so that state and the event history grow only by what gas paid for.
 * A native method call costs CVM_GAS_NATIVE_CALL; each state write of a
 * native method CVM_GAS_STATE_BYTE per byte of key and value; each event it
 * emits CVM_GAS_EVENT plus CVM_GAS_EVENT_BYTE per byte of its name, field
 * names and field values (8 for an integer, 1 for a bool); a deployment also
 * CVM_GAS_CODE_BYTE per byte of code it loads and verifies. A 64 KiB
 * deployment costs about 790,000 and fits the default limit. Bytecode Emit
 * costs its table gas (30) plus CVM_GAS_EVENT_BYTE per byte of its name
 * beyond CVM_GAS_EMIT_NAME_FREE, known when the module is prepared. */
#define CVM_GAS_NATIVE_CALL 100
#define CVM_GAS_STATE_BYTE 10
#define CVM_GAS_EVENT 30
#define CVM_GAS_EVENT_BYTE 10
#define CVM_GAS_CODE_BYTE 2
#define CVM_GAS_EMIT_NAME_FREE 32
#define CVM_STACK_LIMIT 1024
#define CVM_CALL_DEPTH_LIMIT 64
#define CVM_LOCALS 256

typedef struct cvm_exec_options {
    int64_t gas_limit;     /* 0 means CVM_DEFAULT_GAS_LIMIT */
    cvm_dispatch dispatch;
} cvm_exec_options;

/* Bytes values (docs/vm.md, "Values"): the longest one (one more byte traps
 * BYTES_TOO_LONG), and what the bytes values of one method run may take in
 * all (each value counts its copied bytes and 16 bytes more; past it traps
 * MEMORY_LIMIT). Nothing is freed before the run ends. */
#define CVM_BYTES_MAX 65536
#define CVM_RUN_MEMORY (4u << 20)

typedef struct cvm_exec_result {
    cvm_exec_status status;
    int64_t result;   /* the top of the stack at the end, 0 if empty (a typed method's:
                         its last result when that is an integer, else 0) */
    int64_t gas_used;
    cvm_error error;  /* code NONE on success */
    /* cvm_exec_args on success: the method's results, typed — an untyped
     * method's one integer (CVM_ARG_INT64), a typed one's declared results
     * in order (CVM_ARG_INT64, CVM_ARG_BYTES, or CVM_ARG_STRING for a
     * declared string). Owned by the result, bytes included: free them with
     * cvm_exec_result_clear. NULL and 0 after cvm_exec and on failure. */
    cvm_arg *results;
    size_t nresults;
} cvm_exec_result;

/* Runs method (NUL-terminated, borrowed) of m with args pushed in order
 * (first argument deepest). Checks the signer's reputation against the
 * module's requirement first. Returns CVM_OK whenever out holds an outcome,
 * including contract failures; a non-OK status means the library itself
 * failed (out-of-memory). opts and host may be NULL. Integer arguments only
 * (a bytes parameter is ERROR_INPUT, WRONG_ARGUMENTS); out->results stays
 * NULL, nothing to clear. */
cvm_status cvm_exec(const cvm_module *m, const char *method, const int64_t *args, size_t nargs,
                    const cvm_host *host, const cvm_exec_options *opts, cvm_exec_result *out);

/* Like cvm_exec, with typed arguments (borrowed for the call) mapped onto
 * the method's parameters: int64, uint64 up to INT64_MAX and bool (0 or 1)
 * to an integer; string and bytes (at most CVM_BYTES_MAX) to bytes; a
 * `string` parameter needs UTF-8. A mismatch is ERROR_INPUT,
 * WRONG_ARGUMENTS naming the position, the parameter's name, the type
 * expected and the one given. On success out->results holds the typed
 * results; call cvm_exec_result_clear on out when done (whatever the
 * outcome). */
cvm_status cvm_exec_args(const cvm_module *m, const char *method, const cvm_arg *args, size_t nargs,
                         const cvm_host *host, const cvm_exec_options *opts, cvm_exec_result *out);

/* Frees out->results and sets them to NULL, 0; safe to call twice. */
void cvm_exec_result_clear(cvm_exec_result *out);


/* ======================================================================
 * The execution layer: the Orbs-style VM (services run by processors)
 * ====================================================================== */

#define CVM_ADDRESS_BYTES 20   /* last 20 bytes of SHA-256(public key | service name) */
#define CVM_PUBKEY_BYTES 32
#define CVM_SIGNATURE_BYTES 64
#define CVM_HASH_BYTES 32
#define CVM_PROTOCOL_VERSION 1
#define CVM_SCHEME_NONE 0      /* an unsigned local call: the signer address is zero */
#define CVM_SCHEME_ED25519 1   /* Address Scheme 01 */

/* Processor types, as _Deployments.getInfo returns them. */
#define CVM_PROCESSOR_NATIVE 1
#define CVM_PROCESSOR_BYTECODE 2

/* ------------------------------------------------------- events, receipts */


/* An event, owned by the service on top of the service stack when it was
 * emitted. Everything is owned by the result that holds it. */
typedef struct cvm_event {
    const char *service;
    const char *name;
    const cvm_event_field *fields;
    size_t nfields;
} cvm_event;

/* The outcome of one transaction or local call. Owned by its result. */
typedef struct cvm_receipt {
    cvm_exec_status status;
    cvm_error error;              /* code NONE on success */
    const cvm_arg *outputs;       /* bytecode methods: one int64, the result */
    size_t noutputs;
    const cvm_event *events;      /* none when the call failed */
    size_t nevents;
    const int64_t *logs;          /* the execution log (Log), kept on failure too */
    size_t nlogs;
    int64_t gas_used;
} cvm_receipt;

/* ------------------------------------------------------------ transactions */

/* A transaction (or a local call). Every pointer is borrowed. The signature
 * covers SHA-256 of the canonical encoding of every field but itself. */
typedef struct cvm_transaction {
    uint32_t protocol_version;      /* CVM_PROTOCOL_VERSION */
    uint32_t virtual_chain_id;
    uint64_t timestamp;             /* ns since the Unix epoch */
    uint8_t signer_scheme;          /* CVM_SCHEME_* */
    uint8_t signer_key[CVM_PUBKEY_BYTES];
    const char *service;            /* NUL-terminated */
    const char *method;             /* NUL-terminated */
    const cvm_arg *args;
    size_t nargs;
    const uint8_t *signature;       /* CVM_SIGNATURE_BYTES, or NULL when unsigned */
} cvm_transaction;

/* The address of a public key: the last 20 bytes of its SHA-256. */
void cvm_address_of_key(const uint8_t key[CVM_PUBKEY_BYTES], uint8_t out[CVM_ADDRESS_BYTES]);
/* The address of a service: the last 20 bytes of SHA-256 of its name. */
void cvm_address_of_service(const char *name, uint8_t out[CVM_ADDRESS_BYTES]);

/* -------------------------------------------------------------------- keys */

/* Ed25519 key pairs (Address Scheme 01), as `coopvm keygen` makes them. A
 * secret key is libsodium's 64 bytes: the 32-byte seed (what key files
 * store), then the public key. */
#define CVM_SEED_BYTES 32
#define CVM_SECRETKEY_BYTES 64

/* Derives the key pair of a 32-byte seed (deterministic). */
void cvm_keypair_from_seed(const uint8_t seed[CVM_SEED_BYTES], uint8_t pk[CVM_PUBKEY_BYTES],
                           uint8_t sk[CVM_SECRETKEY_BYTES]);
/* A fresh random key pair (the operating system's randomness). CVM_EIO
 * only when libsodium cannot initialise (the system has no randomness to
 * give). */
cvm_status cvm_keypair_random(uint8_t pk[CVM_PUBKEY_BYTES], uint8_t sk[CVM_SECRETKEY_BYTES]);
/* The deterministic development key of an account name (NUL-terminated,
 * borrowed): seed = SHA-256("coopvm-dev-key:" + name), as `coopvm process`
 * and `coopvm keygen --name` use. For tests, examples and local chains only:
 * anyone can compute these secret keys. */
void cvm_dev_keypair(const char *name, uint8_t pk[CVM_PUBKEY_BYTES], uint8_t sk[CVM_SECRETKEY_BYTES]);
/* The seed inside a secret key (its first 32 bytes). */
void cvm_secretkey_seed(const uint8_t sk[CVM_SECRETKEY_BYTES], uint8_t seed[CVM_SEED_BYTES]);

/* ------------------------------------------- building and signing transactions */

/* A transaction has one canonical byte encoding (docs/transactions.md); its
 * hash is SHA-256 of the unsigned encoding, and its signature Ed25519 over
 * that hash. To make a transaction that passes pre-order: fill a
 * cvm_transaction with scheme CVM_SCHEME_ED25519 and the signer's public
 * key, sign it with cvm_tx_sign, and point its signature at the result.
 * These functions fail (CVM_EINPUT, with err saying why) only for a
 * transaction that has no canonical encoding: a NULL service or method, a
 * name that is not UTF-8 or longer than 1024 bytes, or arguments the codec
 * refuses; or with CVM_ENOMEM. */

/* What a signature check says of one transaction (the pre-order statuses of
 * the same names). */
typedef enum cvm_tx_verdict {
    CVM_TX_VALID = 0,
    CVM_TX_INVALID_SIGNATURE,      /* scheme 1, but no or a wrong signature */
    CVM_TX_INVALID_ADDRESS_SCHEME  /* not scheme 1 (0 = unsigned is not a signature scheme) */
} cvm_tx_verdict;

/* "VALID", "INVALID_SIGNATURE", "INVALID_ADDRESS_SCHEME"; static storage. */
const char *cvm_tx_verdict_name(cvm_tx_verdict v);

/* out = the transaction hash: SHA-256 of the unsigned encoding of tx. */
cvm_status cvm_tx_hash(const cvm_allocator *al, const cvm_transaction *tx, uint8_t out[CVM_HASH_BYTES],
                       cvm_errmsg *err);

/* sig = the Ed25519 signature of tx's hash under sk (CVM_SECRETKEY_BYTES).
 * tx->signature is ignored (the hash never covers it); point it at sig to
 * make the signed transaction. tx's scheme and key are not checked here. */
cvm_status cvm_tx_sign(const cvm_allocator *al, const cvm_transaction *tx, const uint8_t sk[64],
                       uint8_t sig[CVM_SIGNATURE_BYTES], cvm_errmsg *err);

/* Hashes tx and checks its signature: *out is VALID only for scheme 1 with a
 * signature that verifies under the signer key by pre-order's rule (strict
 * Ed25519: no malleable or small-order signatures). */
cvm_status cvm_tx_verify(const cvm_allocator *al, const cvm_transaction *tx, cvm_tx_verdict *out,
                         cvm_errmsg *err);

/* A transaction that owns its memory, as read from bytes or JSON. tx's
 * pointers point into internal. Owned by the caller; free it with
 * cvm_tx_owned_free. Threads: immutable, readable by any number at once. */
typedef struct cvm_tx_owned {
    cvm_transaction tx;
    void *internal; /* owned: the memory behind tx's pointers */
} cvm_tx_owned;

/* Frees t and everything it owns. NULL is allowed. */
void cvm_tx_owned_free(cvm_tx_owned *t);

/* The canonical encoding of tx: unsigned, or followed by its 64 signature
 * bytes when with_signature is nonzero (then tx->signature must be set).
 * *out (owned by the caller, free with cvm_free(al, ...)) holds *len bytes. */
cvm_status cvm_tx_to_bytes(const cvm_allocator *al, const cvm_transaction *tx, int with_signature, uint8_t **out,
                           size_t *len, cvm_errmsg *err);

/* Decodes p[0..n) (borrowed), the form cvm_tx_to_bytes writes with the same
 * with_signature. Strict: anything but the one canonical encoding is
 * CVM_EINPUT, with err naming the field and offset. The caller owns *out;
 * on failure it is NULL. */
cvm_status cvm_tx_from_bytes(const cvm_allocator *al, const uint8_t *p, size_t n, int with_signature,
                             cvm_tx_owned **out, cvm_errmsg *err);

/* The JSON view of tx that `coopvm tx` reads and writes (docs/transactions.md),
 * indented, NUL-terminated, without a final newline. *out is owned by the
 * caller (cvm_free(al, ...)). */
cvm_status cvm_tx_to_json_text(const cvm_allocator *al, const cvm_transaction *tx, char **out, cvm_errmsg *err);

/* Reads the JSON view text[0..len) (borrowed) as `coopvm tx` does: strict,
 * CVM_EINPUT with err naming the field (or line and column). The caller
 * owns *out; on failure it is NULL. */
cvm_status cvm_tx_from_json_text(const cvm_allocator *al, const char *text, size_t len, cvm_tx_owned **out,
                                 cvm_errmsg *err);

/* ------------------------------------------------------------- state store */

/* Committed state: the spec's StateStorage. Opaque; see the state layer.
 * Threads: one thread at a time (a VM over it counts as using it: while a
 * VM is in a call, no other thread touches its store); handles of
 * different directories are independent. */
typedef struct cvm_store cvm_store;

/* An empty in-memory store at height 0. The caller owns *out. */
cvm_status cvm_memstore_open(const cvm_allocator *al, cvm_store **out);
/* A durable LMDB store in dir (created when missing), at its last committed
 * height. The caller owns *out; on failure err says why: CVM_ESTATE for a
 * damaged data.mdb (empty, truncated, not LMDB's), never a new chain in
 * its place. */
cvm_status cvm_lmdbstore_open(const cvm_allocator *al, const char *dir, cvm_store **out, cvm_errmsg *err);
/* The LMDB store in dir for reading only: never creates the directory or
 * a store in it, never writes. CVM_EIO when dir is missing, is not a
 * directory or LMDB refuses it; CVM_ESTATE when it holds no coopvm store
 * (or another format) or a damaged one (a data.mdb that is empty,
 * truncated or not LMDB's: both opens check it before mapping it); err
 * names dir. A commit on the handle is refused
 * with CVM_ESTATE. The caller owns *out. */
cvm_status cvm_lmdbstore_open_readonly(const cvm_allocator *al, const char *dir, cvm_store **out, cvm_errmsg *err);
/* The latest committed height (0 for an empty store). */
uint64_t cvm_store_height(const cvm_store *s);
/* Why the last failed call on s failed ("" after a success), in the manner
 * of sqlite3_errmsg; borrowed from s until its next call. */
const char *cvm_store_errmsg(const cvm_store *s);
/* The state-diff hash committed with the latest height; borrowed. */
const uint8_t *cvm_store_last_hash(const cvm_store *s);
/* The state commitment of the latest height (CVM_HASH_BYTES, borrowed;
 * all zeros at height 0): a hash of the whole state after it, the
 * multiset hash over ristretto255 of every (service, key, value) entry
 * (docs/state.md). Equal stores have equal commitments whatever the order
 * their entries were written in. */
const uint8_t *cvm_store_last_commitment(const cvm_store *s);

/* Who a chain is: recorded by the store in the same atomic commit as
 * height 1 (the genesis block) and checked ever after. */
typedef struct cvm_chain_identity {
    uint32_t virtual_chain_id;   /* the VM's cvm_vm_options.virtual_chain_id at genesis */
    uint32_t protocol_version;   /* CVM_PROTOCOL_VERSION at genesis */
    uint64_t genesis_timestamp;  /* the genesis block's timestamp (ns) */
    uint8_t genesis_hash[CVM_HASH_BYTES]; /* cvm_genesis_hash of the above and the genesis state-diff hash */
} cvm_chain_identity;

/* The identity s recorded at genesis: 1 with *out filled, or 0 when it has
 * none (height 0, or a store whose height 1 was committed without one, as
 * a bare cvm_store commit does). */
int cvm_store_identity(const cvm_store *s, cvm_chain_identity *out);

/* The genesis hash: SHA-256 of "coopvm-genesis-1" ‖ virtual chain id (4
 * bytes big-endian) ‖ protocol version (4 BE) ‖ timestamp (8 BE) ‖ the
 * genesis block's state-diff hash. The diff hash alone covers the genesis
 * state (the accounts, their reputations and admin flags, the native
 * services) but not the chain: two chains begun with the same accounts on
 * two virtual chains, or at two times, would share it. */
void cvm_genesis_hash(uint32_t virtual_chain_id, uint32_t protocol_version, uint64_t timestamp,
                      const uint8_t diff_hash[CVM_HASH_BYTES], uint8_t out[CVM_HASH_BYTES]);
/* ------------------------------------------------------------------ blocks */

/* A block's header (docs/blocks.md). The block hash is SHA-256 of the
 * header's canonical encoding (every field but hash); the headers form a
 * chain through prev_hash (32 zero bytes at height 1). */
typedef struct cvm_block_header {
    uint64_t height;
    uint64_t timestamp;                       /* ns since the Unix epoch */
    uint8_t prev_hash[CVM_HASH_BYTES];        /* the block hash of height - 1; zeros at height 1 */
    uint8_t tx_root[CVM_HASH_BYTES];          /* SHA-256 of the transaction hashes of the set, concatenated in order */
    uint8_t receipts_root[CVM_HASH_BYTES];    /* SHA-256 of the canonical receipt encodings, concatenated in order */
    uint8_t state_diff_hash[CVM_HASH_BYTES];
    uint8_t state_commitment[CVM_HASH_BYTES];
    uint64_t ntxs;                            /* transactions in the set (and receipts) */
    uint8_t hash[CVM_HASH_BYTES];             /* the block hash */
} cvm_block_header;

/* The bytes of a header's canonical encoding (docs/blocks.md). */
#define CVM_BLOCK_HEADER_BYTES 188

/* out = the canonical encoding of h (every field but h->hash). */
void cvm_block_header_encode(const cvm_block_header *h, uint8_t out[CVM_BLOCK_HEADER_BYTES]);
/* out = the block hash of h: SHA-256 of its encoding (h->hash is not read). */
void cvm_block_hash(const cvm_block_header *h, uint8_t out[CVM_HASH_BYTES]);

/* The block hash of the latest height (CVM_HASH_BYTES, borrowed; zeros at
 * height 0, and for a height committed without a header). */
const uint8_t *cvm_store_last_block_hash(const cvm_store *s);

/* One transaction of a stored block: its hash, its canonical encoding as
 * committed (the signed form when it carried a signature, else the
 * unsigned one) and the transaction decoded from it. Owned by the block. */
typedef struct cvm_block_tx {
    uint8_t hash[CVM_HASH_BYTES];  /* cvm_tx_hash; zeros for one without a canonical encoding */
    const uint8_t *bytes;          /* the canonical encoding (cvm_tx_to_bytes); empty when it had none */
    size_t len;
    int is_signed;                 /* bytes are the signed form (the 64 signature bytes last) */
    cvm_transaction tx;            /* decoded from bytes (zeroed when len is 0) */
} cvm_block_tx;

/* A committed block read back from a store: the header, the transactions
 * of its set in order and a receipt for each (receipts[i] is txs[i]'s).
 * Owned by the caller; free with cvm_block_free. Immutable, independent
 * of the store (it may outlive it). */
typedef struct cvm_block {
    cvm_block_header header;
    const cvm_block_tx *txs;
    const cvm_receipt *receipts;
    size_t ntxs;
    void *internal; /* owned: the memory behind the pointers above */
} cvm_block;

/* Frees b and everything it owns. NULL is allowed. */
void cvm_block_free(cvm_block *b);

/* The header of the block at height: *found 1 with *out filled, or 0 when
 * the store has no such height (0, or above its latest). CVM_ESTATE when
 * the backend keeps no blocks (the in-memory store keeps only the last
 * block hash: memory stays flat however long the chain) or the record is
 * damaged; message in cvm_store_errmsg. */
cvm_status cvm_store_block_header(cvm_store *s, uint64_t height, cvm_block_header *out, int *found);

/* The block at height with its transactions and receipts, decoded: *out
 * owned by the caller, or NULL when the store has no such height. Errors
 * as cvm_store_block_header; a stored transaction or receipt that does not
 * decode is CVM_ESTATE naming the height and index. */
cvm_status cvm_store_block_get(cvm_store *s, uint64_t height, cvm_block **out);

/* Where a committed transaction is. */
typedef struct cvm_tx_location {
    uint64_t height;    /* the block it was committed in */
    uint64_t index;     /* its index in that block's set */
    uint64_t timestamp; /* the transaction's own timestamp (ns) */
} cvm_tx_location;

/* Looks a transaction hash up in the store's transaction index (every
 * transaction that ran, succeeded or failed, under its cvm_tx_hash):
 * *found 1 with *out filled, else 0. Errors: cvm_store_errmsg. */
cvm_status cvm_store_tx_lookup(cvm_store *s, const uint8_t hash[CVM_HASH_BYTES], cvm_tx_location *out, int *found);

/* One transaction of a block with its receipt, read back. Owned by the
 * caller; free with cvm_tx_receipt_free. */
typedef struct cvm_tx_receipt {
    uint64_t height;
    uint64_t index;
    cvm_block_tx tx;
    cvm_receipt receipt;
    void *internal; /* owned */
} cvm_tx_receipt;

void cvm_tx_receipt_free(cvm_tx_receipt *r);

/* The transaction at (height, index) and its receipt: *out NULL when the
 * store has no such height or the block no such index. Errors as
 * cvm_store_block_get. */
cvm_status cvm_store_receipt_get(cvm_store *s, uint64_t height, uint64_t index, cvm_tx_receipt **out);

/* Closes the store and frees the handle. NULL is allowed. */
void cvm_store_close(cvm_store *s);

/* ----------------------------------------------------------- event history */

/* Which events of the history to visit. Every pointer is borrowed for the
 * call. A zeroed query (or a NULL one) visits every event. A query with a
 * service or a name reads the history's index by service or by event name
 * (docs/events.md): its cost follows the events that match, not the
 * history. */
typedef struct cvm_event_query {
    const char *service; /* exact service name, or NULL for any */
    const char *name;    /* exact event name, or NULL for any */
    uint64_t from;       /* first height, inclusive (0 and 1 both mean from the start) */
    uint64_t to;         /* last height, inclusive; 0 = the latest committed height */
    size_t limit;        /* at most this many events; 0 = no limit */
    /* A cursor: when after_height is not 0, only the events after the one at
     * (after_height, after_tx, after_index) — a cvm_event_pos a page
     * delivered — are visited, so that a page resumes exactly after the
     * last event of the one before, without gaps or repeats. */
    uint64_t after_height;
    uint64_t after_tx;
    uint64_t after_index;
} cvm_event_query;

/* Where an event of the history is: its block, its transaction's index in
 * that block's set (0-based), its index among that transaction's events
 * (0-based, in emission order). Positions sort in commit order. */
typedef struct cvm_event_pos {
    uint64_t height;
    uint64_t tx_index;
    uint64_t index;
} cvm_event_pos;

/* Receives one event of the history: the height of its block, the index of
 * its transaction in that block's set (0-based) and the event, borrowed for
 * the call only (copy what you keep). Return 0 to go on, nonzero to stop. */
typedef int (*cvm_history_fn)(void *ud, uint64_t height, uint64_t tx_index, const cvm_event *ev);

/* Calls fn for every committed event matching q, in commit order (height,
 * then transaction, then emission), at most q->limit of them and after
 * q's cursor. Only successful transactions' events are in the history.
 * CVM_EINPUT when q->to is not 0 and q->from > q->to; CVM_ESTATE when a
 * stored record is damaged (the message names its height and index and
 * what is wrong; the events before it were delivered); CVM_EIO /
 * CVM_ENOMEM when the store or memory fails; the message in
 * cvm_store_errmsg(s). Stopping early is CVM_OK. ud is borrowed. */
cvm_status cvm_store_events_query(cvm_store *s, const cvm_event_query *q, cvm_history_fn fn, void *ud);

/* Receives one event with its position (borrowed for the call). */
typedef int (*cvm_event_fn)(void *ud, const cvm_event_pos *pos, const cvm_event *ev);

/* cvm_store_events_query with each event's position, for paging: deliver
 * q->limit events, then pass the last one's position back as the next
 * query's cursor (after_height, after_tx, after_index). *more (may be
 * NULL) is 1 when the limit stopped the page and another event matches
 * after it, else 0. Errors as cvm_store_events_query. */
cvm_status cvm_store_events_page(cvm_store *s, const cvm_event_query *q, cvm_event_fn fn, void *ud, int *more);

/* ---------------------------------------------------------------- the VM */

/* The VM of one chain. Threads: one thread at a time, and its store with
 * it. Its pre-order workers (cvm_vm_options.threads) are internal: started
 * by cvm_vm_new, used only inside cvm_vm_preorder, stopped by cvm_vm_free. */
typedef struct cvm_vm cvm_vm;

/* Receives one execution-trace step of a transaction in a set: its height
 * and index in the set, then the step. */
typedef void (*cvm_tx_trace_fn)(void *ud, uint64_t height, size_t tx_index, const cvm_trace_step *step);

typedef struct cvm_vm_options {
    const cvm_allocator *al;  /* NULL = libc */
    int64_t gas_limit;        /* per transaction, shared by nested calls; 0 = CVM_DEFAULT_GAS_LIMIT */
    uint32_t virtual_chain_id;
    cvm_tx_trace_fn trace;    /* NULL = no tracing, at no cost */
    void *trace_ud;           /* borrowed */
    cvm_dispatch dispatch;    /* the interpreter loop of bytecode methods; AUTO = the best */
    unsigned threads;         /* threads checking pre-order signatures, the caller's included:
                               * 0 = the machine's online cores, 1 = no thread is started */
    int64_t block_gas_limit;  /* gas of all the transactions of a set (ProcessTransactionSet);
                               * 0 = CVM_DEFAULT_BLOCK_GAS_LIMIT, or gas_limit when that is higher */
    size_t block_tx_limit;    /* transactions run in a set; 0 = CVM_DEFAULT_BLOCK_TX_LIMIT */
} cvm_vm_options;

/* The defaults of the block limits (docs/vm.md, "Block limits"). */
#define CVM_DEFAULT_BLOCK_GAS_LIMIT 50000000
#define CVM_DEFAULT_BLOCK_TX_LIMIT 10000

/* A VM over store (borrowed; must outlive the VM). opts may be NULL. The
 * caller owns *out. A store that recorded another virtual chain or
 * protocol version at genesis (cvm_store_identity) is refused with
 * CVM_ESTATE, *out NULL and the reason, naming both, in the store's
 * message (cvm_store_errmsg). One VM per chain; not thread-safe (its pre-order worker
 * threads, started here and stopped by cvm_vm_free, are its own business:
 * CVM_ENOMEM also when one cannot be started). */
cvm_status cvm_vm_new(const cvm_vm_options *opts, cvm_store *store, cvm_vm **out);
void cvm_vm_free(cvm_vm *vm);
/* The message of the last failed call on vm; borrowed. */
const char *cvm_vm_errmsg(const cvm_vm *vm);

/* A state change of a block: one (service, key) with its last value; an
 * empty value means deleted. Borrowed from the block result. */
typedef struct cvm_state_change {
    const uint8_t *service;
    size_t service_len;
    const uint8_t *key;
    size_t key_len;
    const uint8_t *value;
    size_t value_len;
} cvm_state_change;

/* What ProcessTransactionSet returns: a receipt per transaction and the
 * combined state diff, sorted by service then key bytes, with its SHA-256.
 * Owned by the caller; free with cvm_block_result_free. Threads: immutable,
 * independent of the VM that made it (it may outlive it), readable by any
 * number of threads at once. The same holds for cvm_local_result and
 * cvm_preorder_result. */
typedef struct cvm_block_result {
    uint64_t height;
    uint64_t timestamp;
    const cvm_receipt *receipts;
    size_t nreceipts;
    const cvm_state_change *diff;
    size_t ndiff;
    uint8_t diff_hash[CVM_HASH_BYTES];
    /* The state commitment after this block (cvm_store_last_commitment
     * once it is committed): the store's commitment at height - 1 with
     * each changed key's old entry removed and its new one added — work
     * proportional to the diff, not the state. */
    uint8_t state_commitment[CVM_HASH_BYTES];
    size_t nrun;      /* receipts of transactions that ran: all but the NOT_EXECUTED ones */
    int64_t gas_used; /* the receipts' gas, summed: what counts against the block's gas limit */
    /* The block's header (docs/blocks.md): its height, timestamp, diff
     * hash and commitment are the fields above; prev_hash is the store's
     * last block hash (cvm_store_last_block_hash) when it was processed. */
    cvm_block_header header;
    void *internal; /* owned: the memory behind the pointers above */
} cvm_block_result;

void cvm_block_result_free(cvm_block_result *b);

/* One account written at genesis. */
typedef struct cvm_genesis_account {
    uint8_t address[CVM_ADDRESS_BYTES];
    int64_t reputation;   /* stored in _Reputation */
    int admin;            /* may call _Reputation.set */
} cvm_genesis_account;

/* The genesis block (height 1, store at 0): writes the accounts into the
 * system services. Commit the result with cvm_vm_commit, which records the
 * chain's identity (cvm_chain_identity) with it. */
cvm_status cvm_vm_genesis(cvm_vm *vm, uint64_t timestamp, const cvm_genesis_account *accounts, size_t n,
                          cvm_block_result **out);

/* Whether vm's store began with this genesis: the genesis block of
 * accounts[0..n) (borrowed) at timestamp is built over an empty in-memory
 * state (nothing is written to the store) and its genesis hash compared
 * with the one the store recorded. CVM_OK when they are equal, or when the
 * store has no genesis yet (then cvm_vm_genesis is next); CVM_ESTATE when
 * they differ — other accounts, reputations, admin flags or time — with a
 * message naming the store and both hashes in cvm_vm_errmsg; also
 * CVM_ESTATE for a store past height 0 that recorded no identity. What a
 * host continuing a chain calls instead of cvm_vm_genesis. */
cvm_status cvm_vm_check_genesis(cvm_vm *vm, uint64_t timestamp, const cvm_genesis_account *accounts, size_t n);

/* ProcessTransactionSet: runs txs in order in one read-write context at
 * `height` (the store must be at height - 1), each under a checkpoint: a
 * failed transaction's writes and events are discarded and its receipt says
 * why. Returns CVM_OK whenever *out holds receipts; a non-OK status is a
 * failure of the VM or the store (message in cvm_vm_errmsg). Nothing is
 * committed: see cvm_vm_commit.
 *
 * It checks no signature, timestamp or pre-order contract: it runs what it
 * is given. A transaction naming an Ed25519 signer runs as that signer
 * whether or not its signature verifies, and an unsigned one (scheme 0)
 * runs with the zero address as its signer. Admission is the host's job:
 * run cvm_vm_preorder on the candidates first and pass here only those
 * whose status is CVM_PREORDER_VALID.
 *
 * The block limits (cvm_vm_options.block_gas_limit, .block_tx_limit) stop
 * the filling: each transaction runs with the smaller of its gas limit and
 * the gas the block has left; one that runs out of the block's gas did not
 * fit and is undone. From the first transaction that did not fit, or the
 * first beyond the transaction limit, every receipt is NOT_EXECUTED with
 * code BLOCK_GAS_LIMIT or BLOCK_TX_LIMIT (gas 0, nothing written) and a
 * message naming the limit and what the block used; the transactions
 * before it ran as usual. b->nrun says how many ran.
 *
 * Replays never run, pre-ordered or not: a signed transaction whose hash
 * (cvm_tx_hash) the store's transaction index already holds, or that
 * repeats an earlier transaction of the same set, gets a NOT_EXECUTED
 * receipt with code DUPLICATE_TRANSACTION (gas 0, no writes, no events)
 * naming where the first was committed or its index in the set; it does
 * not count against the block limits (checked first: once the block is
 * full, every later receipt says so). Every other signed transaction that
 * runs — succeeded or failed — is entered in the transaction index when
 * the block is committed; one not run for the limits is not, and may come
 * again. Unsigned ones are neither checked nor indexed (docs/preorder.md,
 * "Replay protection"). */
cvm_status cvm_vm_process_transaction_set(cvm_vm *vm, uint64_t height, uint64_t timestamp,
                                          const cvm_transaction *txs, size_t n, cvm_block_result **out);

/* Commits a block result as its height: the state diff, its hash, the
 * events of its successful transactions (the event history) and the hashes
 * of the transactions it ran (the transaction index: every one but those
 * refused as DUPLICATE_TRANSACTION), atomically. */
cvm_status cvm_vm_commit(cvm_vm *vm, const cvm_block_result *b);

/* What RunLocalMethod returns. Owned by the caller. */
typedef struct cvm_local_result {
    cvm_receipt receipt;
    uint64_t reference_height; /* the committed height it read */
    void *internal;            /* owned */
} cvm_local_result;

void cvm_local_result_free(cvm_local_result *r);

/* RunLocalMethod: runs a read-only call against the latest committed state
 * in a read-only context, never deploying anything. call is borrowed. An
 * unsigned call (CVM_SCHEME_NONE) runs with a zero signer address; a signed
 * one (CVM_SCHEME_ED25519) must carry a signature that verifies by the rule
 * of pre-order, else its receipt is ERROR_INPUT / INVALID_SIGNATURE and
 * nothing runs. */
cvm_status cvm_vm_run_local_method(cvm_vm *vm, const cvm_transaction *call, cvm_local_result **out);

/* Runs calls[0..n) (borrowed) as a block of system transactions at
 * `height`: exactly as cvm_vm_process_transaction_set (receipts, state
 * diff, commit with cvm_vm_commit), except that each call's caller is the
 * VM itself, a system caller as at genesis, so it may call system-only
 * methods (e.g. _GlobalPreOrder.setSubscriptionProblem). This is the only
 * way to do so from the host: no signer is a system caller. The calls are
 * unsigned (CVM_SCHEME_NONE; a signer is refused with INVALID_TRANSACTION)
 * and their signer address is zero; they go through no pre-order. Nor
 * through replay protection: system calls are not checked against or
 * entered in the transaction index (a host may repeat one, e.g. clear a
 * subscription problem twice). */
cvm_status cvm_vm_process_system_set(cvm_vm *vm, uint64_t height, uint64_t timestamp, const cvm_transaction *calls,
                                     size_t n, cvm_block_result **out);

/* --------------------------------------------------------------- pre-order */

/* A transaction's pre-order status (TransactionSetPreOrder, docs/preorder.md).
 * The checks run in this order and the first that fails gives the status:
 * protocol version, virtual chain, timestamp window, address scheme, a
 * signature present, already committed (DUPLICATE: the store's transaction
 * index holds its hash), the signature verifies, repeated earlier in the
 * set (DUPLICATE: an earlier transaction of the set with the same hash
 * and a signature that verifies), then the pre-order contract
 * (_GlobalPreOrder.approve). */
typedef enum cvm_preorder_status {
    CVM_PREORDER_VALID = 0,
    CVM_PREORDER_INVALID_SIGNATURE,        /* scheme 1, and no signature, one that does not verify, or
                                            * a transaction that has no canonical encoding to sign */
    CVM_PREORDER_INVALID_ADDRESS_SCHEME,   /* any scheme but CVM_SCHEME_ED25519 (unsigned included) */
    CVM_PREORDER_NOT_APPROVED,             /* _GlobalPreOrder.approve refused; reason = its message */
    CVM_PREORDER_WRONG_VIRTUAL_CHAIN,      /* not the VM's cvm_vm_options.virtual_chain_id */
    CVM_PREORDER_WRONG_PROTOCOL_VERSION,   /* not CVM_PROTOCOL_VERSION */
    CVM_PREORDER_TIMESTAMP_OUT_OF_WINDOW,  /* more than CVM_PREORDER_WINDOW_NS from the block's */
    CVM_PREORDER_DUPLICATE                 /* a replay: already committed (reason: at which height and
                                            * index) or earlier in this set (reason: its index) */
} cvm_preorder_status;

/* "VALID", "INVALID_SIGNATURE", ...; static storage; NULL when out of range. */
const char *cvm_preorder_status_name(cvm_preorder_status s);

/* How far a transaction's timestamp may be from the block's, either way:
 * 30 minutes in ns. Exactly the window away is inside it. */
#define CVM_PREORDER_WINDOW_NS 1800000000000ull

/* What pre-order returns: one status per transaction, in order. Owned by
 * the caller; free with cvm_preorder_result_free. */
typedef struct cvm_preorder_result {
    const cvm_preorder_status *statuses; /* n of them; owned by the result */
    const char *const *reasons;          /* n of them, owned by the result: for NOT_APPROVED the
                                          * pre-order contract's message; for the other refusals a
                                          * short explanation; NULL for VALID */
    size_t n;
    void *internal;                      /* owned: the memory behind the pointers above */
} cvm_preorder_result;

/* Frees r and everything it owns. NULL is allowed. */
void cvm_preorder_result_free(cvm_preorder_result *r);

/* TransactionSetPreOrder: the status of each of txs[0..n) (borrowed) for a
 * block at `height` and `timestamp` (ns), against the latest committed
 * state. Never fails as a whole for a bad transaction: each gets its
 * status. Signatures are checked in parallel on the VM's threads
 * (cvm_vm_options.threads); the statuses do not depend on their number.
 * Each transaction that passes the other checks is then approved by a
 * read-only call of _GlobalPreOrder.approve(service, method) as its signer
 * (a chain whose _Deployments does not record _GlobalPreOrder, having had
 * no genesis, has no pre-order contract: approved). Nothing is written.
 * A non-OK status is a failure of the library (out of memory, the store;
 * message in cvm_vm_errmsg) and *out is NULL. */
cvm_status cvm_vm_preorder(cvm_vm *vm, const cvm_transaction *txs, size_t n, uint64_t height, uint64_t timestamp,
                           cvm_preorder_result **out);

/* What a host may tell pre-order beyond the transactions. A zeroed struct
 * (or NULL) is cvm_vm_preorder. */
typedef struct cvm_preorder_options {
    /* n flags, or NULL for none. A nonzero verified[i] says the host has
     * already checked transaction i's signature (cvm_tx_verify gave
     * CVM_TX_VALID for exactly these fields, e.g. when it admitted it into
     * a mempool), so pre-order skips its Ed25519 check — the costly part,
     * about 50 µs — and keeps every other check in its order (a signature
     * must still be present; the signer's address is still derived). A
     * host that sets a flag for a signature it did not verify lets a forged
     * transaction run: set it only for what you verified. Borrowed. */
    const uint8_t *verified;
} cvm_preorder_options;

/* cvm_vm_preorder with options (opts borrowed, may be NULL): the same
 * statuses and reasons as cvm_vm_preorder for transactions whose verified
 * flags are true. */
cvm_status cvm_vm_preorder_ex(cvm_vm *vm, const cvm_transaction *txs, size_t n, uint64_t height, uint64_t timestamp,
                              const cvm_preorder_options *opts, cvm_preorder_result **out);

#ifdef __cplusplus
}
#endif

#if defined(__GNUC__) && !defined(_WIN32)
#pragma GCC visibility pop
#endif
#endif /* COOPVM_H */
