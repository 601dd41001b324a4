/*
 * proc.h — runs a program and captures what it prints, for the tests that
 * drive build/coopvm as a user would.
 */
#ifndef CVM_TESTS_PROC_H
#define CVM_TESTS_PROC_H

#include <stdarg.h>
#include <stddef.h>

typedef struct proc_result {
    char *out;      /* owned: standard output, NUL-terminated */
    size_t out_len;
    char *err;      /* owned: standard error, NUL-terminated */
    size_t err_len;
    int status;     /* exit status, or 128 + signal number when killed */
} proc_result;

/* Runs argv[0] (a path) with argv (NULL-terminated) and stdin from /dev/null.
 * Returns 0 when it ran (whatever its exit status), -1 if it could not. */
int proc_run(char *const argv[], proc_result *r);
void proc_result_free(proc_result *r);

/* The coopvm binary under test: $COOPVM, else build/coopvm. */
const char *proc_coopvm(void);

/* The most arguments proc_coopvm_run takes (the program's path not counted). */
#define PROC_MAX_ARGS 30

/* Runs proc_coopvm() with the arguments first, ... up to a NULL (first may
 * be NULL: no arguments); borrowed for the call. Returns as proc_run, and -1
 * (with *r empty) when there are more than PROC_MAX_ARGS arguments. */
int proc_coopvm_run(proc_result *r, const char *first, ...);
int proc_coopvm_vrun(proc_result *r, const char *first, va_list ap);

#endif
