/*
 * fuzz_asm.c — fuzzes the assembler with arbitrary source text.
 *
 * Beyond not crashing: a refused source reported at least one diagnostic,
 * and an accepted one is a verified module whose encoding round-trips
 * through the decoder and the disassembler (props.h).
 */
#include <stdint.h>
#include <stdlib.h>

#include "props.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int ndiag = 0;
    cvm_module *m = NULL;
    cvm_status st = cvm_assemble(NULL, (const char *)data, size, "fuzz.asm", prop_no_diag, &ndiag, &m, NULL);
    if (st == CVM_EINPUT && ndiag == 0)
        prop_fail("a refused source gets a diagnostic", NULL);
    if (st != CVM_OK)
        return 0;
    if (ndiag != 0)
        prop_fail("an accepted source has no diagnostics", NULL);
    char err[256];
    if (cvm_verify(m, err, sizeof err) != CVM_OK)
        prop_fail("the assembler's output verifies", err);
    size_t len;
    uint8_t *bytes = prop_encode(m, &len);
    if (bytes)
        prop_round_trips(m, bytes, len);
    cvm_free(NULL, bytes);
    cvm_module_free(m);
    return 0;
}
