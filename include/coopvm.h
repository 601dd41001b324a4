/*
 * coopvm.h — the public embedding API of coopvm, a virtual machine for
 * cooperative contracts.
 *
 * One header, one prefix (cvm_). Handles are opaque; every constructor has a
 * matching _free; every pointer parameter says who owns it. The library never
 * prints and keeps no globals: failures come back as status values with a
 * message, and the host supplies callbacks for everything the contract sees.
 */
#ifndef COOPVM_H
#define COOPVM_H

#include <stddef.h>
#include <stdint.h>

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

/* Execution statuses of a call or transaction (the spec's receipt statuses). */
#define CVM_EXEC_STATUSES(X) \
    X(SUCCESS)                 \
    X(ERROR_SMART_CONTRACT)    \
    X(ERROR_INPUT)             \
    X(ERROR_CONTRACT_NOT_DEPLOYED) \
    X(ERROR_UNEXPECTED)

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
    X(INSUFFICIENT_REPUTATION, "the signer's reputation is below the contract's requirement") \
    X(UNKNOWN_METHOD, "the module has no method of that name")                   \
    X(WRONG_ARGUMENTS, "the number or type of arguments does not match the method") \
    X(READ_ONLY_VIOLATION, "a state write in a read-only context")               \
    X(SERVICE_UNAVAILABLE, "the operation needs a service that is not available") \
    X(HOST_ERROR, "the host failed while serving the contract")

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
typedef struct cvm_error {
    cvm_code code;
    char message[240]; /* without the code and location, e.g. "Add needs 2 values, the stack holds 1" */
    char method[64];
    int64_t pc;
    int64_t line;
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
 * reputation, cooperative metadata and initial state. Immutable once built;
 * may be shared by any number of concurrent executions. */
typedef struct cvm_module cvm_module;

/* Receives one assembler diagnostic. file and message are borrowed for the
 * call only; line and col are 1-based. */
typedef void (*cvm_diag_fn)(void *ud, const char *file, int line, int col, const char *message);

/* Assembles source text (src[0..len), borrowed) into a verified module.
 * Every error in the text is reported through diag (may be NULL); if there is
 * any, returns CVM_EINPUT and *out is NULL. filename (borrowed) names the
 * source in diagnostics and gives the default contract name (its stem). On
 * success the caller owns *out and frees it with cvm_module_free. */
cvm_status cvm_assemble(const cvm_allocator *al, const char *src, size_t len, const char *filename,
                        cvm_diag_fn diag, void *diag_ud, cvm_module **out);

/* Decodes and verifies a binary module (bytes borrowed for the call). On
 * failure returns CVM_EINPUT (or CVM_ENOMEM), *out is NULL and err (cap bytes,
 * may be NULL) says what is wrong and where. The caller owns *out. */
cvm_status cvm_module_load(const cvm_allocator *al, const uint8_t *bytes, size_t len, cvm_module **out,
                           char *err, size_t errcap);

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
} cvm_sdk_request;

/* One executed instruction, for tracing. Borrowed for the callback only. */
typedef struct cvm_trace_step {
    const char *method; /* the method being run */
    int64_t pc;         /* index of the instruction in the module's code */
    const char *op;     /* its mnemonic */
    int has_operand;
    int64_t operand;    /* as written: integer, constant index or label target */
    const char *operand_str; /* the string constant for string operands, else NULL */
    size_t operand_len;
    size_t depth;       /* stack depth before the instruction */
    int64_t top;        /* top of stack before it, 0 when empty */
    int64_t gas_left;   /* before the instruction is charged */
    size_t call_depth;
    int64_t line;       /* source line, 0 when unknown */
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
    /* Called before each instruction when not NULL; NULL costs nothing. */
    void (*trace)(void *ud, const cvm_trace_step *step);
    int64_t reputation;   /* the signer's reputation */
    int64_t block_height;
    int64_t block_time;   /* nanoseconds since the Unix epoch */
} cvm_host;

/* How to run. Zero-initialised options mean: default gas, best dispatch. */
typedef enum cvm_dispatch {
    CVM_DISPATCH_AUTO = 0, /* computed goto where the compiler has it */
    CVM_DISPATCH_SWITCH,   /* the portable switch loop */
    CVM_DISPATCH_GOTO      /* computed goto; falls back to switch if unavailable */
} cvm_dispatch;

#define CVM_DEFAULT_GAS_LIMIT 1000000
#define CVM_STACK_LIMIT 1024
#define CVM_CALL_DEPTH_LIMIT 64
#define CVM_LOCALS 256

typedef struct cvm_exec_options {
    int64_t gas_limit;     /* 0 means CVM_DEFAULT_GAS_LIMIT */
    cvm_dispatch dispatch;
} cvm_exec_options;

typedef struct cvm_exec_result {
    cvm_exec_status status;
    int64_t result;   /* the top of the stack at the end, 0 if empty */
    int64_t gas_used;
    cvm_error error;  /* code NONE on success */
} cvm_exec_result;

/* Runs method (NUL-terminated, borrowed) of m with args pushed in order
 * (first argument deepest). Checks the signer's reputation against the
 * module's requirement first. Returns CVM_OK whenever out holds an outcome,
 * including contract failures; a non-OK status means the library itself
 * failed (out-of-memory). opts and host may be NULL. */
cvm_status cvm_exec(const cvm_module *m, const char *method, const int64_t *args, size_t nargs,
                    const cvm_host *host, const cvm_exec_options *opts, cvm_exec_result *out);

#ifdef __cplusplus
}
#endif
#endif /* COOPVM_H */
