/*
 * errmsg.h — filling the caller's cvm_errmsg, the message object of the
 * public calls that have no handle to hold their message (coopvm.h,
 * "Errors"). Every such call goes through these, so a NULL cvm_errmsg is
 * handled in one place.
 */
#ifndef CVM_BASE_ERRMSG_H
#define CVM_BASE_ERRMSG_H

#include "coopvm.h"

/* Writes the message into e (NULL allowed), truncated to fit. */
void cvm_errmsg_set(cvm_errmsg *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* e->text as the (buffer, capacity) pair of the internal functions that
 * write a message into a caller's buffer; (NULL, 0) when e is NULL. */
#define CVM_ERRMSG_BUF(e) ((e) ? (e)->text : (char *)0), ((e) ? sizeof (e)->text : (size_t)0)

#endif
