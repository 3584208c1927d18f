/* Loopback load on `llmwatt ui` (target >= 1000 estimate requests/s with the server on one core):
 * starts BUILD/llmwatt ui on a free port pinned to CPU 0 (the load generator takes another CPU
 * when there is one), keeps CONNS keep-alive connections busy with GET /api/estimate for 3 s and
 * checks every answer is HTTP 200 with the same body; then sends malformed, oversized, body-
 * carrying and half-finished requests and measures the rate again. Every wait is bounded. */
#include <errno.h>
#include <libgen.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CONNS 4
#define RUN_S 3.0

static const char *request = "GET /api/estimate?model=llama-3.1-70b&gpu=h100&gpus=4&input=2000&output=300&batch=32 HTTP/1.1\r\n"
                             "Host: bench\r\n\r\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    struct timeval tv = {5, 0}; /* no read or write waits longer */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

static bool send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Reads one response; returns its status (0 on error) and the body length in *body_len. */
static int read_response(int fd, char *buf, size_t cap, size_t *body_len)
{
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        if (have == cap - 1)
            return 0;
        ssize_t r = recv(fd, buf + have, cap - 1 - have, 0);
        if (r <= 0)
            return 0;
        have += (size_t)r;
        buf[have] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    int status = 0;
    sscanf(buf, "HTTP/1.%*d %d", &status);
    const char *cl = strcasestr(buf, "\r\nContent-Length:");
    size_t len = cl ? strtoul(cl + 17, NULL, 10) : 0, head = (size_t)(end + 4 - buf);
    if (head + len > cap - 1)
        return 0;
    while (have < head + len) {
        ssize_t r = recv(fd, buf + have, head + len - have, 0);
        if (r <= 0)
            return 0;
        have += (size_t)r;
    }
    *body_len = len;
    return status;
}

/* CPU seconds (user + system) the process pid has used so far; -1 when unreadable. */
static double cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* fields after the command name: state is field 3 */
    unsigned long ut, st;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Keeps CONNS connections busy for RUN_S seconds; returns answers per second of wall time (-1
 * on a failure) and, in *done_out, how many answers came. */
static double load(int port, size_t *expect_len, long *done_out)
{
    int fds[CONNS];
    static char buf[1 << 16];
    for (int i = 0; i < CONNS; i++)
        if ((fds[i] = connect_to(port)) < 0)
            return -1;
    long done = 0;
    bool ok = true;
    double t0 = now_s();
    for (int i = 0; i < CONNS && ok; i++)
        ok = send_all(fds[i], request, strlen(request));
    while (ok && now_s() - t0 < RUN_S) {
        struct pollfd p[CONNS];
        for (int i = 0; i < CONNS; i++)
            p[i] = (struct pollfd){fds[i], POLLIN, 0};
        if (poll(p, CONNS, 5000) <= 0)
            ok = false;
        for (int i = 0; i < CONNS && ok; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            size_t len = 0;
            int st = read_response(fds[i], buf, sizeof buf, &len);
            if (st != 200 || (*expect_len && len != *expect_len)) {
                fprintf(stderr, "bench_ui: answer %ld: HTTP %d, %zu bytes\n", done, st, len);
                ok = false;
                break;
            }
            *expect_len = len;
            done++;
            ok = send_all(fds[i], request, strlen(request));
        }
    }
    double dt = now_s() - t0;
    for (int i = 0; i < CONNS; i++)
        close(fds[i]);
    *done_out = done;
    return ok ? (double)done / dt : -1;
}

/* Sends raw bytes on a fresh connection and reads whatever comes back (bounded). */
static void abuse(int port, const char *data, size_t n, bool finish)
{
    int fd = connect_to(port);
    if (fd < 0)
        return;
    send_all(fd, data, n);
    if (finish) {
        char buf[4096];
        struct timeval tv = {1, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        while (recv(fd, buf, sizeof buf, 0) > 0) {
        }
    }
    close(fd);
}

int main(int argc, char **argv)
{
    (void)argc;
    char bin[4096];
    snprintf(bin, sizeof bin, "%s/../llmwatt", dirname(strdup(argv[0])));
    int out[2];
    if (pipe(out) != 0)
        return 1;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    pid_t pid = fork();
    if (pid == 0) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(0, &one);
        sched_setaffinity(0, sizeof one, &one);
        dup2(out[1], 1);
        close(out[0]);
        execl(bin, bin, "ui", "--listen", "127.0.0.1:0", "--rate", "0", "--max-connections", "256", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    if (ncpu > 1) {
        cpu_set_t other;
        CPU_ZERO(&other);
        CPU_SET(1, &other);
        sched_setaffinity(0, sizeof other, &other);
    }
    char line[512] = "";
    struct pollfd p = {out[0], POLLIN, 0};
    ssize_t r = poll(&p, 1, 10000) == 1 ? read(out[0], line, sizeof line - 1) : -1;
    int port = 0;
    const char *colon = r > 0 ? strstr(line, "127.0.0.1:") : NULL;
    if (colon)
        port = atoi(colon + 10);
    if (!port) {
        fprintf(stderr, "bench_ui: %s ui did not start\n", bin);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return 1;
    }
    size_t len = 0;
    long done = 0;
    double c0 = cpu_s(pid), before = load(port, &len, &done), c1 = cpu_s(pid);
    printf("llmwatt ui, server pinned to CPU 0, %d keep-alive connections, %.0f s: %.0f estimate requests/s of wall time, "
           "%.0f per CPU second of the server (%ld answers of %zu bytes; target >= 1000)\n",
           CONNS, RUN_S, before, c1 > c0 ? (double)done / (c1 - c0) : 0.0, done, len);
    /* Malformed and oversized requests, bodies, and connections left half-way. */
    static char big[200000];
    memset(big, 'a', sizeof big);
    memcpy(big, "GET /api/estimate?model=", 24);
    abuse(port, big, sizeof big, true);                                           /* 200 kB URL */
    abuse(port, "BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", 31, true);                /* unknown method */
    abuse(port, "\x16\x03\x01\x02\x00garbage\r\n\r\n", 16, true);                 /* TLS hello bytes */
    abuse(port, "POST /api/estimate HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\nxx", 72, true);
    abuse(port, "GET /api/estimate?model=%ff%fe%00&gpu=%00 HTTP/1.1\r\nHost: x\r\n\r\n", 64, true);
    for (int i = 0; i < 64; i++)
        abuse(port, "GET /api/estimate?model=llama", 29, false); /* never finished */
    char hdr[40000];
    int hn = snprintf(hdr, sizeof hdr, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(hdr + hn, 'b', sizeof hdr - (size_t)hn - 5);
    memcpy(hdr + sizeof hdr - 5, "\r\n\r\n", 4);
    abuse(port, hdr, sizeof hdr - 1, true); /* 40 kB header */
    double after = load(port, &len, &done);
    printf("after malformed, oversized and half-finished requests: %.0f estimate requests/s, server %s\n", after,
           after > 0 ? "up" : "DOWN");
    kill(pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; i++)
        usleep(50000);
    if (waitpid(pid, &status, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    return before > 0 && after > 0 ? 0 : 1;
}
