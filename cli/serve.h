/* `llmwatt serve`: the HTTP layer (serve_http.c) used by the subcommand (cmd_serve.c). */
#ifndef LW_CLI_SERVE_H
#define LW_CLI_SERVE_H

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

/* Binds the address and starts serving e in libmicrohttpd's own thread. On success writes the
 * bound address as "http://HOST:PORT" into url. On failure prints one error line and returns
 * its exit code (EXIT_USAGE for a bad or busy address). */
int serve_http_start(const serve_http_config *cfg, lw_exporter *e, serve_http **out, char *url, size_t url_len);

/* Stops accepting, closes every connection and frees the server. */
void serve_http_stop(serve_http *h);

#endif
