/*
 * node_proc.h — a real `coopvm node` as a child process, for the tests that
 * drive the client commands against it: started on 127.0.0.1 with an
 * ephemeral port (--listen 127.0.0.1:0) and its URL read back from its
 * log, stopped with SIGTERM (and SIGKILL if it does not stop in time) by
 * the test that started it.
 */
#ifndef CVM_TESTS_NODE_PROC_H
#define CVM_TESTS_NODE_PROC_H

#include <stddef.h>
#include <sys/types.h>

typedef struct node_proc {
    pid_t pid;       /* 0 when not running */
    char url[64];    /* http://127.0.0.1:PORT */
    char log[512];   /* DATA.log: what the node printed (stdout and stderr) */
} node_proc;

/* Starts proc_coopvm() node --data data --listen 127.0.0.1:0 followed by
 * extra (NULL-terminated, may be NULL; borrowed) and waits up to 30 s for
 * the URL it prints. 0 on success; -1 when it did not start (its log is
 * printed to stderr, nothing is left running). */
int node_start(node_proc *n, const char *data, const char *const *extra);

/* SIGTERM, then waits up to 30 s (SIGKILL after that). Returns the exit
 * status (128 + signal when killed), or -1 when it was not running. */
int node_stop(node_proc *n);

/* The node's log so far (malloc'd, NUL-terminated; the caller frees). */
char *node_log(const node_proc *n);

#endif
