/*
 * fuzz_load.c — fuzzes the public load path (decode, verify, prepare) with
 * arbitrary bytes, then runs what loads.
 *
 * Beyond not crashing: a refused input has a message; an accepted one is the
 * canonical encoding of its module (encoding it gives the input back) and
 * round-trips through the disassembler (props.h); every method then runs with
 * no arguments and with its parameter count of small ones, under a gas
 * limit of 10000 and a NULL host, and must end in a well-formed outcome.
 */
#include <stdint.h>
#include <stdlib.h>

#include "props.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const cvm_module *m, const char *method, const int64_t *args, size_t nargs)
{
    cvm_exec_options opts = {.gas_limit = 10000, .dispatch = CVM_DISPATCH_AUTO};
    for (int d = 0; d < 2; d++) {
        opts.dispatch = d ? CVM_DISPATCH_SWITCH : CVM_DISPATCH_AUTO;
        cvm_exec_result r;
        if (cvm_exec(m, method, args, nargs, NULL, &opts, &r) != CVM_OK)
            continue; /* out of memory */
        if ((unsigned)r.status >= CVM_EXEC_STATUS_COUNT || (unsigned)r.error.code >= CVM_CODE_COUNT)
            prop_fail("the outcome is well-formed", method);
        if (r.gas_used < 0 || r.gas_used > opts.gas_limit)
            prop_fail("gas used stays within the limit", method);
        if ((r.status == CVM_SUCCESS) != (r.error.code == CVM_CODE_NONE))
            prop_fail("success exactly when there is no error code", method);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cvm_errmsg err;
    cvm_module *m = NULL;
    cvm_status st = cvm_module_load(NULL, data, size, &m, &err);
    if (st == CVM_EINPUT && err.text[0] == '\0')
        prop_fail("a refused module gets a message", NULL);
    if (st != CVM_OK)
        return 0;
    size_t len;
    uint8_t *bytes = prop_encode(m, &len);
    if (bytes && (len != size || memcmp(bytes, data, size) != 0))
        prop_fail("a loaded module encodes to the bytes it was loaded from", NULL);
    if (bytes)
        prop_round_trips(m, bytes, len);
    cvm_free(NULL, bytes);

    static const int64_t small[CVM_MAX_PARAMS] = {1, 2, 0, -1, 3, 7, 100, -5};
    for (size_t i = 0; i < cvm_module_method_count(m); i++) {
        const char *name = cvm_module_method_name(m, i);
        run(m, name, NULL, 0);
        int params = cvm_module_method_params(m, i);
        if (params > 0)
            run(m, name, small, (size_t)params);
    }
    cvm_module_free(m);
    return 0;
}
