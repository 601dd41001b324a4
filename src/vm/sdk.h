/*
 * sdk.h — the SDK calls (the spec's SdkCall), the one way a running service
 * (native or bytecode) reaches the world: state in the top frame's
 * namespace, calls of other services and libraries, events and logs, and
 * the addresses, height and time of the context.
 *
 * Each returns CVM_CODE_NONE or the code of the failure, with err filled.
 */
#ifndef CVM_VM_SDK_H
#define CVM_VM_SDK_H
#include "vm/context.h"

typedef enum cvm_call_kind {
    CVM_CALL_TX,      /* a transaction's (or local call's) own call: the signer calls */
    CVM_CALL_SERVICE, /* CallServiceMethod: the callee runs in its own namespace */
    CVM_CALL_LIBRARY  /* CallLibraryMethod: the callee's code runs in the caller's namespace */
} cvm_call_kind;

/* A resolved callee: its processor and method. */
typedef struct cvm_target {
    const cvm_processor *proc; /* borrowed; static */
    cvm_method_info mi;
    char service[CVM_SERVICE_NAME_MAX + 1];
    uint8_t address[CVM_ADDRESS_BYTES]; /* the service's address */
} cvm_target;

/* Finds service.method: deployed (a transaction in a read-write context
 * asks the native processor to deploy a native service that is not yet),
 * and a method of it. False with out filled (ERROR_CONTRACT_NOT_DEPLOYED,
 * ERROR_INPUT UNKNOWN_METHOD, ...) when not. */
bool cvm_call_resolve(cvm_context *ctx, cvm_call_kind kind, const char *service, size_t service_len,
                      const char *method, size_t method_len, cvm_target *t, cvm_call_out *out);
/* Checks the permissions and arguments of t, pushes its frame, runs it and
 * pops the frame. */
void cvm_call_invoke(cvm_context *ctx, cvm_call_kind kind, const cvm_target *t, const cvm_arg *args, size_t nargs,
                     cvm_call_out *out);
/* Makes err, the error of a call of service.method that failed, the
 * caller's: "service.method" joins the front of its path of calls
 * (cvm_error.path_len). The innermost message, the code and the reason
 * stay intact whatever the depth: when path and message do not fit the
 * message field, the middle of the path gives way ("A.m: …: H.m: why"),
 * then its front ("…: H.m: why"), then all of it. */
void cvm_error_wrap(cvm_error *err, const char *service, const char *method);
/* Both. */
void cvm_call(cvm_context *ctx, cvm_call_kind kind, const char *service, const char *method, const cvm_arg *args,
              size_t nargs, cvm_call_out *out);

/* StateReadKeys: *value (borrowed until the next write) and *len, 0 when
 * absent. */
cvm_code cvm_sdk_state_read(cvm_context *ctx, const uint8_t *key, size_t keylen, const uint8_t **value, size_t *len,
                            cvm_error *err);
/* StateWriteKeys (len 0 deletes); READ_ONLY_VIOLATION in a read-only frame. */
cvm_code cvm_sdk_state_write(cvm_context *ctx, const uint8_t *key, size_t keylen, const uint8_t *value, size_t len,
                             cvm_error *err);
/* Reads the bytecode convention (state/value.h): an i64, 0 when absent;
 * HOST_ERROR when the stored value is not 8 bytes. */
cvm_code cvm_sdk_state_read_i64(cvm_context *ctx, const uint8_t *key, size_t keylen, int64_t *v, cvm_error *err);
/* Writes v in that convention (0 deletes the key). */
cvm_code cvm_sdk_state_write_i64(cvm_context *ctx, const uint8_t *key, size_t keylen, int64_t v, cvm_error *err);
/* Emits an event owned by the top frame's owner; everything is copied.
 * Charges no gas: its callers pay — bytecode by Emit's instruction gas,
 * native methods through cvm_native_emit (native.h) — so that nothing
 * reaches the event history unpaid. The same holds for the state writes. */
cvm_code cvm_sdk_emit(cvm_context *ctx, const char *name, size_t namelen, const cvm_event_field *fields,
                      size_t nfields, cvm_error *err);
/* Appends v to the transaction's log. */
cvm_code cvm_sdk_log(cvm_context *ctx, int64_t v, cvm_error *err);
/* The cooperative and governance operations of bytecode (host->sdk): each
 * a call of _Cooperatives or _Governance on the cooperative of the running
 * module's .cooperative metadata (COOPERATIVE_NOT_CONFIGURED without one),
 * through the call path of CallService; a failure is the callee's error
 * wrapped by cvm_error_wrap. *result: CreateProposal's id. */
cvm_code cvm_sdk_coop(cvm_context *ctx, const cvm_sdk_request *req, int64_t *result, cvm_error *err);

/* The signer's address (zeros for an unsigned call); borrowed from ctx. */
const uint8_t *cvm_sdk_signer(const cvm_context *ctx);
/* The caller's address: the signer at depth 1, else the calling frame's
 * owner's address. */
const uint8_t *cvm_sdk_caller(const cvm_context *ctx);
/* The running frame's own address. */
const uint8_t *cvm_sdk_own_address(const cvm_context *ctx);
/* The block height (a local call: the reference height). */
uint64_t cvm_sdk_height(const cvm_context *ctx);
/* The block timestamp, ns since the Unix epoch (a local call: the call's). */
uint64_t cvm_sdk_timestamp(const cvm_context *ctx);

/* Output helpers for processors: append one output (bytes copied into the
 * context's arena). False when out is full or memory ran out. */
bool cvm_out_put(cvm_context *ctx, cvm_call_out *out, cvm_arg a);

#endif
