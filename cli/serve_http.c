/* HTTP layer of `llmwatt serve` on libmicrohttpd: GET /metrics, POST /tokens, GET /healthz.
 * One internal polling thread serves every connection, so a slow client never blocks others;
 * idle connections are closed after the client timeout and bodies are capped.
 *
 * Against clients that trickle a request to hold connections (docs/limits.md): every connection
 * is tracked from accept; a request (headers and body) must be complete within the client
 * timeout however steadily its bytes arrive (a watchdog thread shuts the socket down); one
 * address holds at most a quarter of the connections; and a new connection that finds the
 * server (or its address) full takes the place of the oldest half-sent request, so a fresh
 * scrape of /metrics is always let in. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <stdarg.h>
#include <stdint.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "serve.h"

/* One accepted connection. `done` while a complete request is being answered (or its response
 * sent); otherwise the connection is waiting for a request to finish arriving, since `since_ns`. */
typedef struct tracked {
    bool used, done, evicted;
    int fd;
    unsigned char addr[16]; /* IPv4 (mapped) or IPv6 address of the client */
    long long since_ns;
} tracked;

/* Connections beyond --max-connections that libmicrohttpd may hold while evicted ones close. */
#define EVICT_HEADROOM 16

struct serve_http {
    struct MHD_Daemon *daemon;
    lw_exporter *exp;
    const char *bearer;
    unsigned client_timeout_s, max_connections, per_address;
    int fd;
    pthread_mutex_t lock; /* guards conns and stop: the libmicrohttpd thread and the watchdog */
    pthread_cond_t wake;
    pthread_t watchdog;
    bool watchdog_started, stop;
    tracked *conns;
    size_t nconns;
};

enum route { R_NONE, R_INDEX, R_METRICS, R_TOKENS, R_HEALTH };

typedef struct request {
    enum route route;
    size_t len;
    bool too_big;
    char body[SERVE_BODY_MAX + 1];
} request;

static const char *index_text =
    "llmwatt serve: Prometheus exporter of GPU energy and tokens per joule\n"
    "GET  /metrics   Prometheus text exposition\n"
    "POST /tokens    workload=NAME&tokens=N (or {\"workload\": NAME, \"tokens\": N})\n"
    "GET  /healthz   liveness\n"
    "See docs/serve.md.\n";

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD, POST");
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"llmwatt\"");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

size_t serve_format_line(char *buf, size_t n, const char *fmt, va_list ap)
{
    int k = vsnprintf(buf, n - 1, fmt, ap);
    size_t len = k < 0 ? 0 : (size_t)k < n - 1 ? (size_t)k : n - 2;
    buf[len] = '\n';
    buf[len + 1] = '\0';
    return len + 1;
}

static enum MHD_Result error_reply(struct MHD_Connection *c, unsigned status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static enum MHD_Result error_reply(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    serve_format_line(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return reply(c, status, "text/plain; charset=utf-8", msg);
}

static bool is_loopback(const struct sockaddr *sa)
{
    if (!sa)
        return false;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        const unsigned char *b = in6->sin6_addr.s6_addr;
        if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
            return true;
        return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && b[12] == 127;
    }
    return false;
}

/* Constant-time comparison of the Authorization header with "Bearer SECRET". */
static bool bearer_ok(const char *header, const char *secret)
{
    if (!header || strncmp(header, "Bearer ", 7) != 0)
        return false;
    const char *got = header + 7;
    size_t n = strlen(secret), m = strlen(got);
    unsigned diff = (unsigned)(n ^ m);
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)secret[i] ^ (unsigned char)(i < m ? got[i] : 0);
    return diff == 0;
}

static enum MHD_Result serve_metrics(serve_http *h, struct MHD_Connection *c)
{
    char *text;
    size_t len;
    lw_err err;
    if (lw_exporter_render(h->exp, &text, &len, &err) != LW_OK)
        return error_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "error: %s", lw_err_message(&err));
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* Checks the caller of POST /tokens; queues the refusal and returns false when not allowed. */
static bool authorized(serve_http *h, struct MHD_Connection *c, enum MHD_Result *ret)
{
    if (h->bearer) {
        if (bearer_ok(MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION), h->bearer))
            return true;
        lw_exporter_count_rejected(h->exp, LW_REJECT_UNAUTHORIZED);
        *ret = error_reply(c, MHD_HTTP_UNAUTHORIZED, "error: POST /tokens needs the header 'Authorization: Bearer SECRET' (SECRET from --token-file)");
        return false;
    }
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && is_loopback(ci->client_addr))
        return true;
    lw_exporter_count_rejected(h->exp, LW_REJECT_UNAUTHORIZED);
    *ret = error_reply(c, MHD_HTTP_FORBIDDEN, "error: POST /tokens is accepted only from loopback unless the exporter runs with --token-file");
    return false;
}

static enum MHD_Result post_tokens(serve_http *h, struct MHD_Connection *c, const request *rq)
{
    char wl[LW_WORKLOAD_NAME_MAX + 1];
    double tokens;
    lw_err err;
    if (rq->too_big) {
        lw_exporter_count_rejected(h->exp, LW_REJECT_BAD_REQUEST);
        return error_reply(c, MHD_HTTP_CONTENT_TOO_LARGE, "error: body longer than %d bytes", SERVE_BODY_MAX);
    }
    if (lw_exporter_parse_report(rq->body, rq->len, wl, &tokens, &err) != LW_OK) {
        lw_exporter_count_rejected(h->exp, LW_REJECT_BAD_REQUEST);
        return error_reply(c, MHD_HTTP_BAD_REQUEST, "error: %s", lw_err_message(&err));
    }
    lw_status st = lw_exporter_report_tokens(h->exp, wl, tokens, &err);
    if (st == LW_ERR_INFEASIBLE)
        return error_reply(c, MHD_HTTP_TOO_MANY_REQUESTS, "error: %s", lw_err_message(&err));
    if (st != LW_OK)
        return error_reply(c, MHD_HTTP_BAD_REQUEST, "error: %s", lw_err_message(&err));
    char body[200];
    snprintf(body, sizeof body, "{\"workload\": \"%s\", \"tokens\": %.0f, \"tokens_total\": %.0f}\n", wl, tokens,
             lw_exporter_workload_tokens(h->exp, wl));
    return reply(c, MHD_HTTP_OK, "application/json", body);
}

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The connection's tracking slot (set when it was accepted), or NULL. */
static tracked *slot_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* Marks the connection's request complete (answering) or, with done false, a new request
 * starting to arrive now. */
static void mark(serve_http *h, struct MHD_Connection *c, bool done)
{
    tracked *t = slot_of(c);
    if (!t)
        return;
    pthread_mutex_lock(&h->lock);
    t->done = done;
    t->since_ns = mono_ns();
    pthread_mutex_unlock(&h->lock);
}

/* Closes a tracked connection's socket for reading and writing; libmicrohttpd then sees the end
 * of the stream and releases the connection (its CLOSED notification clears the slot before the
 * descriptor is closed, so under the lock t->fd is still this connection's). */
static void evict(tracked *t)
{
    if (!t->evicted)
        shutdown(t->fd, SHUT_RDWR);
    t->evicted = true;
}

static void address_of(struct MHD_Connection *c, unsigned char out[16])
{
    memset(out, 0, 16);
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET6) {
        memcpy(out, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
    } else if (sa && sa->sa_family == AF_INET) {
        out[10] = out[11] = 0xff; /* as an IPv4-mapped IPv6 address */
        memcpy(out + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    }
}

/* The oldest connection still waiting for its request (of one address, or any with addr NULL). */
static tracked *oldest_waiting(serve_http *h, const unsigned char *addr)
{
    tracked *best = NULL;
    for (size_t i = 0; i < h->nconns; i++) {
        tracked *t = &h->conns[i];
        if (t->used && !t->evicted && !t->done && (!addr || memcmp(t->addr, addr, 16) == 0) &&
            (!best || t->since_ns < best->since_ns))
            best = t;
    }
    return best;
}

/* Accept: the new connection takes a slot. When its address already holds per_address live
 * connections, the oldest half-sent request of that address gives way; when the server holds
 * max_connections, the oldest half-sent request of any address does. With none to give way,
 * the new connection is the one refused. */
static void connection_started(serve_http *h, struct MHD_Connection *c, void **socket_context)
{
    const union MHD_ConnectionInfo *fi = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    unsigned char addr[16];
    address_of(c, addr);
    pthread_mutex_lock(&h->lock);
    size_t live = 0, same = 0;
    tracked *free_slot = NULL;
    for (size_t i = 0; i < h->nconns; i++) {
        tracked *t = &h->conns[i];
        if (!t->used) {
            if (!free_slot)
                free_slot = t;
            continue;
        }
        if (t->evicted)
            continue;
        live++;
        same += memcmp(t->addr, addr, 16) == 0;
    }
    tracked *victim = NULL;
    bool refuse = !free_slot || !fi;
    if (!refuse && same >= h->per_address)
        refuse = !(victim = oldest_waiting(h, addr));
    else if (!refuse && live >= h->max_connections)
        refuse = !(victim = oldest_waiting(h, NULL));
    if (victim)
        evict(victim);
    if (refuse) {
        if (fi)
            shutdown(fi->connect_fd, SHUT_RDWR);
    } else {
        memset(free_slot, 0, sizeof *free_slot);
        free_slot->used = true;
        free_slot->fd = fi->connect_fd;
        memcpy(free_slot->addr, addr, 16);
        free_slot->since_ns = mono_ns();
        *socket_context = free_slot;
    }
    pthread_mutex_unlock(&h->lock);
}

static void notify_connection(void *cls, struct MHD_Connection *c, void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
    serve_http *h = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = NULL;
        connection_started(h, c, socket_context);
        return;
    }
    tracked *t = *socket_context;
    if (t) {
        pthread_mutex_lock(&h->lock);
        t->used = false;
        pthread_mutex_unlock(&h->lock);
        *socket_context = NULL;
    }
}

/* Watchdog: every 100 ms, shuts down connections whose request has been arriving for longer
 * than the client timeout, however steadily its bytes come. */
static void *watchdog_main(void *arg)
{
    serve_http *h = arg;
    long long deadline_ns = (long long)h->client_timeout_s * 1000000000LL;
    pthread_mutex_lock(&h->lock);
    while (!h->stop) {
        long long now = mono_ns();
        for (size_t i = 0; i < h->nconns; i++) {
            tracked *t = &h->conns[i];
            if (t->used && !t->done && now - t->since_ns > deadline_ns)
                evict(t);
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&h->wake, &h->lock, &until);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method, const char *version,
                              const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void)version;
    serve_http *h = cls;
    request *rq = *con_cls;
    bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        *con_cls = rq;
        rq->route = strcmp(url, "/metrics") == 0 ? R_METRICS
                    : strcmp(url, "/tokens") == 0 ? R_TOKENS
                    : strcmp(url, "/healthz") == 0 ? R_HEALTH
                    : strcmp(url, "/") == 0 ? R_INDEX
                                              : R_NONE;
        /* Refuse what the headers already settle, before reading any body. */
        enum MHD_Result ret = MHD_YES;
        if (rq->route == R_TOKENS && post) {
            if (!authorized(h, c, &ret)) {
                mark(h, c, true);
                return ret;
            }
            const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
            if (cl && strtoull(cl, NULL, 10) > SERVE_BODY_MAX) {
                lw_exporter_count_rejected(h->exp, LW_REJECT_BAD_REQUEST);
                mark(h, c, true);
                return error_reply(c, MHD_HTTP_CONTENT_TOO_LARGE, "error: body longer than %d bytes", SERVE_BODY_MAX);
            }
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* Bodies of other requests are discarded; a token report past the cap is dropped. */
        size_t n = *upload_data_size;
        if (rq->route == R_TOKENS && post && !rq->too_big) {
            if (rq->len + n > SERVE_BODY_MAX) {
                rq->too_big = true;
            } else {
                memcpy(rq->body + rq->len, upload_data, n);
                rq->len += n;
                rq->body[rq->len] = '\0';
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    mark(h, c, true); /* the whole request is in: answering it is not subject to the deadline */
    switch (rq->route) {
    case R_NONE: return error_reply(c, MHD_HTTP_NOT_FOUND, "error: no such path (try /metrics, /tokens, /healthz)");
    case R_TOKENS:
        if (!post)
            return error_reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "error: /tokens takes POST workload=NAME&tokens=N");
        return post_tokens(h, c, rq);
    default: break;
    }
    if (!get)
        return error_reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "error: %s takes GET", url);
    if (rq->route == R_METRICS)
        return serve_metrics(h, c);
    if (rq->route == R_HEALTH)
        return reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", "ok\n");
    return reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", index_text);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
    mark(cls, c, false); /* a kept-alive connection waits for its next request from now */
}

/* Splits "HOST:PORT", "[V6]:PORT" or ":PORT" into host (NULL: any) and port. */
static bool split_listen(const char *s, char *host, size_t hn, char *port, size_t pn)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon[1] == '\0' || strlen(colon + 1) >= pn || strspn(colon + 1, "0123456789") != strlen(colon + 1))
        return false;
    const char *h = s;
    size_t len = (size_t)(colon - s);
    if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
        h = s + 1;
        len -= 2;
    }
    if (len >= hn)
        return false;
    memcpy(host, h, len);
    host[len] = '\0';
    strcpy(port, colon + 1);
    return true;
}

int serve_listen_socket(const char *cmd, const char *listen_addr, char *url, size_t url_len)
{
    char host[256], port[16];
    if (!split_listen(listen_addr, host, sizeof host, port, sizeof port) || atoi(port) > 65535) {
        cli_usage(cmd, "--listen expects HOST:PORT, [IPV6]:PORT or :PORT, got '%s'", listen_addr);
        return -1;
    }
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
    if (gai != 0) {
        cli_usage(cmd, "cannot resolve --listen '%s': %s", listen_addr, gai_strerror(gai));
        return -1;
    }
    int fd = -1, saved = 0;
    for (struct addrinfo *p = ai; p && fd < 0; p = p->ai_next) {
        fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, p->ai_addr, p->ai_addrlen) != 0 || listen(fd, 64) != 0) {
            saved = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        cli_usage(cmd, "cannot listen on '%s': %s (choose another --listen)", listen_addr, strerror(saved));
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char addr[INET6_ADDRSTRLEN] = "?";
    unsigned bound_port = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET6) {
            const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof addr);
            bound_port = ntohs(a->sin6_port);
            snprintf(url, url_len, "http://[%s]:%u", addr, bound_port);
            return fd;
        }
        const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &a->sin_addr, addr, sizeof addr);
        bound_port = ntohs(a->sin_port);
    }
    snprintf(url, url_len, "http://%s:%u", addr, bound_port);
    return fd;
}

int serve_http_bind(const serve_http_config *cfg, serve_http **out, char *url, size_t url_len)
{
    *out = NULL;
    serve_http *h = calloc(1, sizeof *h);
    if (!h) {
        cli_error("serve", "out of memory");
        return EXIT_INTERNAL;
    }
    h->bearer = cfg->bearer;
    h->client_timeout_s = cfg->client_timeout_s;
    h->max_connections = cfg->max_connections;
    h->fd = serve_listen_socket("serve", cfg->listen, url, url_len);
    if (h->fd < 0) {
        free(h);
        return EXIT_USAGE;
    }
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->wake, NULL);
    *out = h;
    return EXIT_OK;
}

int serve_http_start(serve_http *h, lw_exporter *e)
{
    h->exp = e;
    h->per_address = h->max_connections >= 4 ? h->max_connections / 4 : 1;
    h->nconns = (size_t)h->max_connections + EVICT_HEADROOM;
    h->conns = calloc(h->nconns, sizeof *h->conns);
    if (!h->conns) {
        cli_error("serve", "out of memory");
        return EXIT_INTERNAL;
    }
    if (pthread_create(&h->watchdog, NULL, watchdog_main, h) != 0) {
        cli_error("serve", "cannot start the connection watchdog");
        return EXIT_INTERNAL;
    }
    h->watchdog_started = true;
    h->daemon = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, handle, h, MHD_OPTION_LISTEN_SOCKET, h->fd,
                                 MHD_OPTION_CONNECTION_TIMEOUT, h->client_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
                                 (unsigned)h->nconns, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                                 MHD_OPTION_NOTIFY_COMPLETED, completed, h, MHD_OPTION_NOTIFY_CONNECTION,
                                 notify_connection, h, MHD_OPTION_END);
    if (!h->daemon) {
        cli_error("serve", "cannot start the HTTP server");
        return EXIT_INTERNAL;
    }
    return EXIT_OK;
}

void serve_http_stop(serve_http *h)
{
    if (!h)
        return;
    if (h->daemon)
        MHD_stop_daemon(h->daemon); /* also closes the listening socket */
    else
        close(h->fd);
    if (h->watchdog_started) {
        pthread_mutex_lock(&h->lock);
        h->stop = true;
        pthread_cond_signal(&h->wake);
        pthread_mutex_unlock(&h->lock);
        pthread_join(h->watchdog, NULL);
    }
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->wake);
    free(h->conns);
    free(h);
}
