/* HTTP layer of `llmwatt ui` on libmicrohttpd: the page (GET /, /app.css, /app.js, embedded
 * from web/ at build time), the JSON API under /api/ (ui_api.c) and GET /healthz.
 * Read-only: GET and HEAD only, a request that carries a body is refused before it is read,
 * headers and URL are capped by the connection's memory, idle connections time out, and each
 * client address has a token bucket of requests per second. One internal polling thread answers
 * every request (an estimate takes tens of microseconds), so the rate table needs no lock. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "serve.h"
#include "ui.h"

#define RATE_SLOTS 256
#define RATE_PROBE 8

typedef struct rate_slot {
    unsigned char addr[16];
    bool used;
    double tokens;
    int64_t last_ns;
} rate_slot;

struct ui_http {
    struct MHD_Daemon *daemon;
    const lw_catalogue *cat;
    double rate, burst;
    int fd;
    rate_slot slots[RATE_SLOTS];
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The 16-byte form of a client address (IPv4 as v4-mapped IPv6); false for other families. */
static bool addr_key(const struct sockaddr *sa, unsigned char key[16])
{
    memset(key, 0, 16);
    if (sa && sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        key[10] = key[11] = 0xff;
        memcpy(key + 12, &in->sin_addr, 4);
        return true;
    }
    if (sa && sa->sa_family == AF_INET6) {
        memcpy(key, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
        return true;
    }
    return false;
}

/* Takes one token from the client's bucket; false when it is empty. A full table forgets the
 * least recently seen of the probed slots. */
static bool rate_ok(ui_http *h, struct MHD_Connection *c)
{
    if (h->rate <= 0)
        return true;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    unsigned char key[16];
    if (!ci || !addr_key(ci->client_addr, key))
        return true;
    uint32_t hash = 2166136261u;
    for (int i = 0; i < 16; i++)
        hash = (hash ^ key[i]) * 16777619u;
    int64_t now = now_ns();
    rate_slot *s = NULL, *oldest = NULL;
    for (unsigned p = 0; p < RATE_PROBE && !s; p++) {
        rate_slot *t = &h->slots[(hash + p) % RATE_SLOTS];
        if (t->used && memcmp(t->addr, key, 16) == 0)
            s = t;
        else if (!oldest || !t->used || (oldest->used && t->last_ns < oldest->last_ns))
            oldest = t;
    }
    if (!s) {
        s = oldest;
        memcpy(s->addr, key, 16);
        s->used = true;
        s->tokens = h->burst;
        s->last_ns = now;
    }
    s->tokens += (double)(now - s->last_ns) * 1e-9 * h->rate;
    if (s->tokens > h->burst)
        s->tokens = h->burst;
    s->last_ns = now;
    if (s->tokens < 1)
        return false;
    s->tokens -= 1;
    return true;
}

static void add_common_headers(struct MHD_Response *r, const char *type)
{
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' "
                            "data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
}

static enum MHD_Result queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r)
{
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    size_t len = serve_format_line(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, msg, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    add_common_headers(r, "text/plain; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    if (status == MHD_HTTP_TOO_MANY_REQUESTS)
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    return queue(c, status, r);
}

static enum MHD_Result serve_asset(struct MHD_Connection *c, const ui_asset *a)
{
    const char *dot = strrchr(a->path, '.');
    const char *type = !dot                      ? "application/octet-stream"
                       : strcmp(dot, ".html") == 0 ? "text/html; charset=utf-8"
                       : strcmp(dot, ".css") == 0  ? "text/css; charset=utf-8"
                       : strcmp(dot, ".js") == 0   ? "text/javascript; charset=utf-8"
                       : strcmp(dot, ".svg") == 0  ? "image/svg+xml"
                                                   : "application/octet-stream";
    struct MHD_Response *r = MHD_create_response_from_buffer(a->len, (void *)(uintptr_t)a->data, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    add_common_headers(r, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    return queue(c, MHD_HTTP_OK, r);
}

typedef struct collected {
    ui_param p[UI_MAX_PARAMS + 1];
    size_t n;
} collected;

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    collected *q = cls;
    if (q->n > UI_MAX_PARAMS) /* one past the limit is kept so that the API can say so */
        return MHD_NO;
    q->p[q->n].key = key;
    q->p[q->n].value = value ? value : "";
    q->n++;
    return MHD_YES;
}

static enum MHD_Result serve_api(ui_http *h, struct MHD_Connection *c, const char *url)
{
    collected q;
    q.n = 0;
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect, &q);
    ui_answer a;
    if (!ui_api(h->cat, url, q.p, q.n, &a))
        return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "llmwatt ui: out of memory");
    struct MHD_Response *r = MHD_create_response_from_buffer(a.len, a.body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(a.body);
        return MHD_NO;
    }
    add_common_headers(r, a.type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (a.exit_code) {
        char code[16];
        snprintf(code, sizeof code, "%d", a.exit_code);
        MHD_add_response_header(r, "X-Llmwatt-Exit", code);
    }
    return queue(c, a.status, r);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method, const char *version,
                              const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void)version;
    (void)upload_data;
    ui_http *h = cls;
    /* No request body is ever read: one that announces a body is refused on the first call
     * (libmicrohttpd then closes the connection); a plain GET is answered on the second call,
     * which keeps the connection alive. */
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    bool body = (cl && strcmp(cl, "0") != 0) || te;
    if (!*con_cls && !body) {
        *con_cls = h;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (!rate_ok(h, c))
        return reply_text(c, MHD_HTTP_TOO_MANY_REQUESTS, "llmwatt ui: more than %g requests per second from this address "
                                                         "(see 'llmwatt ui --rate')", h->rate);
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "llmwatt ui: read-only: %.16s is not allowed (GET and HEAD only)",
                          method);
    if (body)
        return reply_text(c, MHD_HTTP_CONTENT_TOO_LARGE, "llmwatt ui: a GET request takes no body");
    if (strncmp(url, "/api/", 5) == 0)
        return serve_api(h, c, url);
    if (strcmp(url, "/healthz") == 0)
        return reply_text(c, MHD_HTTP_OK, "ok");
    const ui_asset *a = ui_asset_find(strcmp(url, "/") == 0 ? "index.html" : url + 1);
    if (a)
        return serve_asset(c, a);
    return reply_text(c, MHD_HTTP_NOT_FOUND, "llmwatt ui: no page '%.200s' (the calculator is at /, the API under /api/)",
                      url);
}

static bool socket_is_loopback(int fd)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
        return false;
    if (ss.ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
    return ss.ss_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)&ss)->sin6_addr);
}

int ui_http_start(const ui_http_config *cfg, const lw_catalogue *cat, ui_http **out, char *url, size_t url_len,
                  bool *loopback)
{
    *out = NULL;
    ui_http *h = calloc(1, sizeof *h);
    if (!h) {
        cli_error("ui", "out of memory");
        return EXIT_INTERNAL;
    }
    h->cat = cat;
    h->rate = cfg->rate_per_s;
    h->burst = 2 * cfg->rate_per_s > 1 ? 2 * cfg->rate_per_s : 1;
    h->fd = serve_listen_socket("ui", cfg->listen, url, url_len);
    if (h->fd < 0) {
        free(h);
        return EXIT_USAGE;
    }
    *loopback = socket_is_loopback(h->fd);
    h->daemon = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, handle, h, MHD_OPTION_LISTEN_SOCKET, h->fd,
                                 MHD_OPTION_CONNECTION_TIMEOUT, cfg->client_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
                                 cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                 cfg->max_connections / 2 > 0 ? cfg->max_connections / 2 : 1,
                                 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024), MHD_OPTION_END);
    if (!h->daemon) {
        close(h->fd);
        free(h);
        cli_error("ui", "cannot start the HTTP server");
        return EXIT_INTERNAL;
    }
    *out = h;
    return EXIT_OK;
}

void ui_http_stop(ui_http *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->daemon); /* also closes the listening socket */
    free(h);
}
