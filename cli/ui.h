/* `llmwatt ui`: the JSON API (ui_api.c), the HTTP layer (ui_http.c) and the subcommand (cmd_ui.c). */
#ifndef LW_CLI_UI_H
#define LW_CLI_UI_H

#include <stdbool.h>
#include <stddef.h>
#include "llmwatt/llmwatt.h"

/* Bounds on one API request: parameters, bytes per value, values in one sweep. */
#define UI_MAX_PARAMS 32
#define UI_MAX_VALUE 256
#define UI_MAX_SWEEP 64

typedef struct ui_param {
    const char *key, *value;
} ui_param;

/* An answer: HTTP status, content type, and a heap body (the caller frees it). exit_code is
 * the CLI's exit code for an answer that comes from a subcommand (0 for others). */
typedef struct ui_answer {
    unsigned status;
    const char *type;
    char *body;
    size_t len;
    int exit_code;
} ui_answer;

/* Answers GET path?params (path starts with "/api/"), running the subcommands in-process
 * against cat (opened once; never modified). Returns false only when out of memory. */
bool ui_api(const lw_catalogue *cat, const char *path, const ui_param *params, size_t nparams, ui_answer *a);

/* One embedded page asset (web/ at build time), or NULL. */
typedef struct ui_asset {
    const char *path;
    const unsigned char *data;
    size_t len;
} ui_asset;
const ui_asset *ui_asset_find(const char *path);

typedef struct ui_http_config {
    const char *listen;        /* "HOST:PORT", "[V6]:PORT" or ":PORT"; port 0 picks one */
    double rate_per_s;         /* requests per second per client address (burst 2 s worth); 0: no limit */
    unsigned client_timeout_s; /* idle connections are closed after this long */
    unsigned max_connections;
} ui_http_config;

typedef struct ui_http ui_http;

/* Binds cfg->listen and starts serving in libmicrohttpd's thread. Writes "http://HOST:PORT"
 * into url and whether the address is loopback-only into *loopback. On failure prints one
 * error line and returns its exit code (EXIT_USAGE for a bad or busy address). */
int ui_http_start(const ui_http_config *cfg, const lw_catalogue *cat, ui_http **out, char *url, size_t url_len,
                  bool *loopback);
void ui_http_stop(ui_http *h);

#endif
