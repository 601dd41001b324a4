/* errmsg.c — filling the caller's cvm_errmsg (errmsg.h). */
#include "base/errmsg.h"

#include <stdarg.h>
#include <stdio.h>

void cvm_errmsg_set(cvm_errmsg *e, const char *fmt, ...)
{
    if (!e)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    va_end(ap);
}
