/* opcodes.c — the opcode table expanded into data, and mnemonic lookup. */
#include "opcodes.h"

#include <strings.h>

const cvm_opinfo cvm_opinfo_table[CVM_OP_COUNT] = {
#define CVM_X_ROW(e, m, k, po, pu, g, f, s) \
    [CVM_OP_##e] = {m, CVM_OPK_##k, po, pu, g, CVM_OPF_##f, s},
    CVM_OPCODES(CVM_X_ROW)
#undef CVM_X_ROW
};

int cvm_op_lookup(const char *name, size_t len)
{
    for (unsigned i = 0; i < CVM_OP_COUNT; i++) {
        const char *m = cvm_opinfo_table[i].mnemonic;
        if (strncasecmp(m, name, len) == 0 && m[len] == '\0')
            return (int)i;
    }
    return -1;
}

const char *cvm_operand_kind_name(cvm_operand_kind k)
{
    switch (k) {
    case CVM_OPK_NONE: return "none";
    case CVM_OPK_INT: return "integer";
    case CVM_OPK_LOCAL: return "local";
    case CVM_OPK_STR: return "string";
    case CVM_OPK_OPT_STR: return "optional string";
    case CVM_OPK_LABEL: return "label";
    }
    return "?";
}
