/* node_proc.c — `coopvm node` as a child process of a test (node_proc.h). */
#include "node_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

static void nap_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

char *node_log(const node_proc *n)
{
    FILE *f = fopen(n->log, "rb");
    size_t cap = 1 << 16, len = 0;
    char *buf = calloc(1, cap);
    if (!buf) {
        if (f)
            fclose(f);
        return NULL;
    }
    while (f) {
        if (len + 4096 + 1 > cap) {
            char *b = realloc(buf, cap * 2);
            if (!b)
                break;
            buf = b;
            cap *= 2;
        }
        size_t k = fread(buf + len, 1, 4096, f);
        len += k;
        if (k == 0)
            break;
    }
    buf[len] = '\0';
    if (f)
        fclose(f);
    return buf;
}

/* The first "http://HOST:PORT" of the log into n->url. */
static int find_url(node_proc *n)
{
    char *log = node_log(n);
    const char *p = log ? strstr(log, "http://") : NULL;
    int found = -1;
    if (p) {
        size_t k = strlen("http://");
        while (p[k] && (p[k] == '.' || p[k] == ':' || (p[k] >= '0' && p[k] <= '9')))
            k++;
        if (k > strlen("http://") && p[k - 1] != ':' && k < sizeof n->url) {
            memcpy(n->url, p, k);
            n->url[k] = '\0';
            found = 0;
        }
    }
    free(log);
    return found;
}

int node_start(node_proc *n, const char *data, const char *const *extra)
{
    memset(n, 0, sizeof *n);
    snprintf(n->log, sizeof n->log, "%s.log", data);
    char *argv[64];
    int k = 0;
    argv[k++] = (char *)proc_coopvm();
    argv[k++] = "node";
    argv[k++] = "--data";
    argv[k++] = (char *)data;
    argv[k++] = "--listen";
    argv[k++] = "127.0.0.1:0";
    for (size_t i = 0; extra && extra[i] && k < 63; i++)
        argv[k++] = (char *)extra[i];
    argv[k] = NULL;
    int fd = open(n->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fd);
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fd);
    n->pid = pid;
    for (int tries = 0; tries < 600; tries++) {
        if (find_url(n) == 0)
            return 0;
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) { /* it exited */
            n->pid = 0;
            break;
        }
        nap_ms(50);
    }
    char *log = node_log(n);
    fprintf(stderr, "node_start: no URL from the node; its log (%s):\n%s\n", n->log, log ? log : "");
    free(log);
    if (n->pid)
        node_stop(n);
    return -1;
}

int node_stop(node_proc *n)
{
    if (!n->pid)
        return -1;
    kill(n->pid, SIGTERM);
    int st = 0;
    for (int tries = 0;; tries++) {
        pid_t w = waitpid(n->pid, &st, WNOHANG);
        if (w == n->pid)
            break;
        if (w < 0 && errno != EINTR) {
            n->pid = 0;
            return -1;
        }
        if (tries == 600) /* 30 s */
            kill(n->pid, SIGKILL);
        nap_ms(50);
    }
    n->pid = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
