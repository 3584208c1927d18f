/* A plain-HTTP GET for scraping metrics endpoints (operate/scrape.h): HTTP/1.0 with
 * "Connection: close", one total deadline (poll), a body size cap, http:// only. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "operate/scrape.h"
#include "core/util.h"

/* Response headers larger than this are refused. */
#define HEAD_MAX 16384

static void base64(const char *in, size_t n, char *out, size_t cap)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < cap; i += 3) {
        uint32_t v = (uint32_t)(unsigned char)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)(unsigned char)in[i + 1] << 8;
        if (i + 2 < n)
            v |= (uint32_t)(unsigned char)in[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[o] = '\0';
}

lw_status lw_url_parse(const char *url, lw_url *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    if (strncmp(url, "http://", 7) != 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "URL must start with http:// (https is not supported: scrape over a local or trusted network)");
    const char *p = url + 7;
    size_t auth_len = strcspn(p, "/");
    const char *at = NULL; /* the last '@' of the authority ends the credentials */
    for (size_t i = 0; i < auth_len; i++)
        if (p[i] == '@')
            at = p + i;
    if (at) {
        size_t cred = (size_t)(at - p);
        if (cred * 4 / 3 + 8 > sizeof out->auth)
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "URL credentials are longer than %zu bytes", sizeof out->auth * 3 / 4 - 8);
        base64(p, cred, out->auth, sizeof out->auth);
        p = at + 1;
    }
    size_t hostport = strcspn(p, "/");
    const char *path = p + hostport;
    const char *host = p, *colon = NULL;
    size_t hlen = hostport;
    if (hostport > 0 && p[0] == '[') { /* [v6]:port */
        const char *rb = memchr(p, ']', hostport);
        if (!rb)
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "URL host '[...' lacks its ']'");
        host = p + 1;
        hlen = (size_t)(rb - p - 1);
        colon = rb + 1 < p + hostport && rb[1] == ':' ? rb + 1 : NULL;
    } else {
        colon = memchr(p, ':', hostport);
        if (colon)
            hlen = (size_t)(colon - p);
    }
    if (hlen == 0 || hlen >= sizeof out->host)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "URL has no host (expected http://HOST[:PORT][/PATH])");
    memcpy(out->host, host, hlen);
    out->host[hlen] = '\0';
    if (colon) {
        size_t plen = (size_t)(p + hostport - colon - 1);
        char port[8] = "";
        if (plen == 0 || plen > 5 || strspn(colon + 1, "0123456789") < plen)
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "URL port must be a number from 1 to 65535");
        memcpy(port, colon + 1, plen);
        long v = strtol(port, NULL, 10);
        if (v < 1 || v > 65535)
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "URL port must be a number from 1 to 65535");
        lw_strlcpy(out->port, port, sizeof out->port);
    } else {
        lw_strlcpy(out->port, "80", sizeof out->port);
    }
    if (*path == '\0')
        path = "/metrics";
    if (strlen(path) >= sizeof out->path)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "URL path is longer than %zu bytes", sizeof out->path - 1);
    for (const char *c = path; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f)
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "URL path has a blank or control character (percent-encode it)");
    lw_strlcpy(out->path, path, sizeof out->path);
    bool v6 = strchr(out->host, ':') != NULL;
    snprintf(out->redacted, sizeof out->redacted, "http://%s%s%s:%s%s", v6 ? "[" : "", out->host, v6 ? "]" : "", out->port, out->path);
    return LW_OK;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes; false on timeout or error. */
static bool wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - mono_ms();
        if (left <= 0)
            return false;
        struct pollfd pfd = {fd, events, 0};
        int r = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
        if (r > 0)
            return true;
        if (r < 0 && errno != EINTR)
            return false;
    }
}

static int connect_to(const lw_url *u, int64_t deadline, lw_err *err)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(u->host, u->port, &hints, &res);
    if (gai != 0) {
        lw_fail(err, LW_ERR_IO, "%s: cannot resolve host: %s", u->redacted, gai_strerror(gai));
        return -1;
    }
    int fd = -1, why = 0;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            why = errno;
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline)) {
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
                break;
            why = soerr ? soerr : ETIMEDOUT;
        } else {
            why = errno == EINPROGRESS ? ETIMEDOUT : errno;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        lw_fail(err, LW_ERR_IO, "%s: cannot connect: %s", u->redacted, strerror(why ? why : ECONNREFUSED));
    return fd;
}

static bool send_all(int fd, const char *p, size_t n, int64_t deadline)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
            return false;
        } else if (!wait_fd(fd, POLLOUT, deadline)) {
            return false;
        }
    }
    return true;
}

/* Finds the end of the header block ("\r\n\r\n" or "\n\n"); returns the body offset or 0. */
static size_t header_end(const char *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] == '\n' && p[i + 1] == '\n')
            return i + 2;
        if (i + 3 < n && p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')
            return i + 4;
    }
    return 0;
}

/* Checks the status line and that the body is not chunked; the message names the URL. */
static lw_status check_head(const lw_url *u, const char *head, size_t n, lw_err *err)
{
    char line[128];
    size_t l = strcspn(head, "\r\n");
    if (l >= sizeof line)
        l = sizeof line - 1;
    memcpy(line, head, l);
    line[l] = '\0';
    int code = 0;
    if (strncmp(line, "HTTP/1.", 7) != 0 || sscanf(line + 8, " %3d", &code) != 1)
        return lw_fail(err, LW_ERR_PARSE, "%s: not an HTTP response", u->redacted);
    if (code != 200)
        return lw_fail(err, LW_ERR_IO, "%s: HTTP %d (expected 200)", u->redacted, code);
    for (size_t i = 0; i + 26 <= n; i++)
        if ((i == 0 || head[i - 1] == '\n') && strncasecmp(head + i, "transfer-encoding:", 18) == 0) {
            const char *v = head + i + 18;
            size_t vl = strcspn(v, "\r\n");
            for (size_t k = 0; k + 7 <= vl; k++)
                if (strncasecmp(v + k, "chunked", 7) == 0)
                    return lw_fail(err, LW_ERR_PARSE, "%s: chunked reply to an HTTP/1.0 request", u->redacted);
        }
    return LW_OK;
}

lw_status lw_http_get(const lw_url *u, double timeout_s, size_t max_bytes, char **body, size_t *len, lw_err *err)
{
    *body = NULL;
    *len = 0;
    int64_t deadline = mono_ms() + (int64_t)(timeout_s * 1000.0);
    int fd = connect_to(u, deadline, err);
    if (fd < 0)
        return LW_ERR_IO;
    char req[2048];
    int rn = snprintf(req, sizeof req,
                      "GET %s HTTP/1.0\r\nHost: %s:%s\r\nUser-Agent: llmwatt/%s\r\nAccept: text/plain\r\n%s%s%sConnection: close\r\n\r\n",
                      u->path, u->host, u->port, lw_version(), u->auth[0] ? "Authorization: Basic " : "", u->auth,
                      u->auth[0] ? "\r\n" : "");
    if (rn < 0 || (size_t)rn >= sizeof req || !send_all(fd, req, (size_t)rn, deadline)) {
        close(fd);
        return lw_fail(err, LW_ERR_IO, "%s: cannot send the request", u->redacted);
    }
    size_t cap = 65536, n = 0, body_at = 0, limit = max_bytes + HEAD_MAX;
    char *buf = malloc(cap + 1);
    if (!buf) {
        close(fd);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory reading %s", u->redacted);
    }
    lw_status st = LW_OK;
    for (;;) {
        if (n == cap) {
            if (cap >= limit) {
                st = lw_fail(err, LW_ERR_INVALID_ARGUMENT, "%s: reply is larger than %zu bytes", u->redacted, max_bytes);
                break;
            }
            size_t nc = cap * 2 > limit ? limit : cap * 2;
            char *nb = realloc(buf, nc + 1);
            if (!nb) {
                st = lw_fail(err, LW_ERR_NO_MEMORY, "out of memory reading %s", u->redacted);
                break;
            }
            buf = nb;
            cap = nc;
        }
        ssize_t r = recv(fd, buf + n, cap - n, 0);
        if (r > 0) {
            n += (size_t)r;
            if (!body_at && n > HEAD_MAX && !header_end(buf, n)) {
                st = lw_fail(err, LW_ERR_PARSE, "%s: response headers are longer than %d bytes", u->redacted, HEAD_MAX);
                break;
            }
            continue;
        }
        if (r == 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN || !wait_fd(fd, POLLIN, deadline)) {
            if (errno == EAGAIN)
                st = lw_fail(err, LW_ERR_IO, "%s: no complete reply within %.3g s", u->redacted, timeout_s);
            else
                st = lw_fail(err, LW_ERR_IO, "%s: %s", u->redacted, strerror(errno));
            break;
        }
    }
    close(fd);
    if (st == LW_OK) {
        buf[n] = '\0';
        body_at = header_end(buf, n);
        if (!body_at)
            st = lw_fail(err, LW_ERR_PARSE, "%s: reply ended inside its headers", u->redacted);
        else
            st = check_head(u, buf, body_at, err);
        if (st == LW_OK && n - body_at > max_bytes)
            st = lw_fail(err, LW_ERR_INVALID_ARGUMENT, "%s: reply is larger than %zu bytes", u->redacted, max_bytes);
    }
    if (st != LW_OK) {
        free(buf);
        return st;
    }
    memmove(buf, buf + body_at, n - body_at + 1);
    *body = buf;
    *len = n - body_at;
    return LW_OK;
}
