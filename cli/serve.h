/* `llmwatt serve`: the HTTP layer (serve_http.c) used by the subcommand (cmd_serve.c). */
#ifndef LW_CLI_SERVE_H
#define LW_CLI_SERVE_H

#include <stdarg.h>
#include <stddef.h>
#include "llmwatt/exporter.h"

/* Largest POST /tokens body read; longer bodies get 413. */
#define SERVE_BODY_MAX 4096

typedef struct serve_http_config {
    const char *listen;        /* "HOST:PORT", "[V6]:PORT" or ":PORT" (all interfaces); port 0 picks one */
    const char *bearer;        /* secret of --token-file, or NULL: POST /tokens only from loopback */
    unsigned client_timeout_s; /* idle connections are closed after this long */
    unsigned max_connections;
} serve_http_config;

typedef struct serve_http serve_http;

/* Binds and listens on listen_addr ("HOST:PORT", "[V6]:PORT" or ":PORT"; port 0 picks one) and
 * writes "http://HOST:PORT" into url. Returns the socket, or -1 after printing why as a usage
 * error of cmd (also used by `llmwatt ui`). */
int serve_listen_socket(const char *cmd, const char *listen_addr, char *url, size_t url_len);

/* Formats one error line for an HTTP body into buf (n >= 2): the message, cut to fit, then "\n"
 * and a NUL. Returns the length including the newline (not the NUL). Shared by serve and ui. */
size_t serve_format_line(char *buf, size_t n, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/* Binds and listens on cfg->listen (before the power sources are opened, so that a bad or
 * busy address is reported first). Writes "http://HOST:PORT" into url. On failure prints one
 * error line and returns its exit code (EXIT_USAGE for a bad or busy address). */
int serve_http_bind(const serve_http_config *cfg, serve_http **out, char *url, size_t url_len);

/* Starts serving e on the bound socket in libmicrohttpd's own thread. On failure prints one
 * error line, frees h and returns its exit code. */
int serve_http_start(serve_http *h, lw_exporter *e);

/* Stops accepting, closes every connection and the socket, and frees h (bound or started). */
void serve_http_stop(serve_http *h);

#endif
