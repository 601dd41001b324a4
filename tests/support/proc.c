/* proc.c — fork/exec with both output streams captured through pipes. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int append(char **buf, size_t *len, size_t *cap, int fd)
{
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n <= 0)
        return (int)n;
    if (*len + (size_t)n + 1 > *cap) {
        size_t c = *cap ? *cap : 4096;
        while (c < *len + (size_t)n + 1)
            c *= 2;
        char *b = realloc(*buf, c);
        if (!b)
            return -1;
        *buf = b;
        *cap = c;
    }
    memcpy(*buf + *len, tmp, (size_t)n);
    *len += (size_t)n;
    (*buf)[*len] = 0;
    return (int)n;
}

int proc_run(char *const argv[], proc_result *r)
{
    memset(r, 0, sizeof *r);
    int po[2], pe[2];
    if (pipe(po) != 0)
        return -1;
    if (pipe(pe) != 0) {
        close(po[0]);
        close(po[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    size_t ocap = 0, ecap = 0;
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int n = i == 0 ? append(&r->out, &r->out_len, &ocap, fds[i].fd)
                           : append(&r->err, &r->err_len, &ecap, fds[i].fd);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (!r->out)
        r->out = calloc(1, 1);
    if (!r->err)
        r->err = calloc(1, 1);
    return 0;
}

void proc_result_free(proc_result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

const char *proc_coopvm(void)
{
    const char *p = getenv("COOPVM");
    return p && *p ? p : "build/coopvm";
}

int proc_coopvm_vrun(proc_result *r, const char *first, va_list ap)
{
    char *argv[PROC_MAX_ARGS + 2];
    int n = 0;
    argv[n++] = (char *)proc_coopvm();
    for (const char *a = first; a; a = va_arg(ap, const char *)) {
        if (n > PROC_MAX_ARGS) {
            memset(r, 0, sizeof *r);
            return -1;
        }
        argv[n++] = (char *)a;
    }
    argv[n] = NULL;
    return proc_run(argv, r);
}

int proc_coopvm_run(proc_result *r, const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    int ran = proc_coopvm_vrun(r, first, ap);
    va_end(ap);
    return ran;
}
