/* Internal: reading other programs' Prometheus endpoints (dcgm-exporter, vLLM, SGLang, TGI).
 *
 * - lw_prom_parse(): a bounded parser of the Prometheus text exposition format (0.0.4). It
 *   never reads past len, needs no NUL terminator, allocates one array of samples (pointers into
 *   the text) and refuses the whole page on the first malformed line, like Prometheus does.
 *   It is the function the fuzzers reach (tests/fuzz).
 * - lw_url_parse() / lw_http_get(): a plain-HTTP (http:// only) GET over a socket with a total
 *   deadline and a size cap. Credentials in the URL (http://user:pass@host/) are sent as HTTP
 *   Basic authentication and never appear in an error message: messages use lw_url.redacted. */
#ifndef LW_OPERATE_SCRAPE_H
#define LW_OPERATE_SCRAPE_H

#include <stdbool.h>
#include <stddef.h>
#include "llmwatt/status.h"

/* Bounds: the largest page, the most samples, the longest line accepted. */
#define LW_PROM_MAX_BYTES (16u * 1024u * 1024u)
#define LW_PROM_MAX_SAMPLES 500000u
#define LW_PROM_MAX_LINE 65536u

typedef struct lw_prom_sample {
    const char *name;   /* metric name (not NUL-terminated) */
    size_t name_len;
    const char *labels; /* text between the braces, escapes kept ("" when none) */
    size_t labels_len;
    double value;       /* NaN and +-Inf allowed; a timestamp after it is ignored */
} lw_prom_sample;

typedef struct lw_prom_page {
    lw_prom_sample *s;
    size_t n, cap;
} lw_prom_page;

/* Parses text[0..len). On success *out holds every sample line in order (free with
 * lw_prom_page_free). LW_ERR_PARSE with "line N: what" on the first malformed line (nothing is
 * kept), LW_ERR_INVALID_ARGUMENT when a bound is exceeded, LW_ERR_NO_MEMORY. */
lw_status lw_prom_parse(const char *text, size_t len, lw_prom_page *out, lw_err *err);
void lw_prom_page_free(lw_prom_page *p);

/* True when the sample's metric name is exactly name. */
bool lw_prom_name_is(const lw_prom_sample *s, const char *name);

/* Writes the unescaped value of label key into out (cut to n - 1 bytes). False when the sample
 * has no such label. */
bool lw_prom_label(const lw_prom_sample *s, const char *key, char *out, size_t n);

typedef struct lw_url {
    char host[256];
    char port[8];
    char path[1024];     /* "/metrics" when the URL has none */
    char auth[400];      /* base64 of "user:pass", or "" */
    char redacted[1400]; /* http://HOST:PORT/PATH, never the credentials */
} lw_url;

/* Parses http://[USER:PASS@]HOST[:PORT][/PATH]; LW_ERR_INVALID_ARGUMENT with a message that
 * names the fault (and never repeats the credentials). */
lw_status lw_url_parse(const char *url, lw_url *out, lw_err *err);

/* GETs u within timeout_s seconds in total, reading at most max_bytes of body. On success
 * *body is a NUL-terminated heap copy of the body (free()) of *len bytes. LW_ERR_IO for a
 * connection failure, a timeout or a status other than 200; LW_ERR_PARSE for a malformed
 * response; LW_ERR_INVALID_ARGUMENT for a body over max_bytes. */
lw_status lw_http_get(const lw_url *u, double timeout_s, size_t max_bytes, char **body, size_t *len, lw_err *err);

#endif
