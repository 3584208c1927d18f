/* Per-request output records (CSV or JSON Lines) and the log-bucketed energy histogram. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace_internal.h"

void lw_tbuf_reserve(lw_tbuf *b, size_t extra)
{
    if (b->oom || b->cap - b->len >= extra)
        return;
    size_t cap = b->cap ? b->cap : 65536;
    while (cap - b->len < extra)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return;
    }
    b->p = p;
    b->cap = cap;
}

void lw_tbuf_free(lw_tbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static char *put_u64(char *o, uint64_t v)
{
    char t[24];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *o++ = t[--n];
    return o;
}

static char *put_str(char *o, const char *s)
{
    size_t n = strlen(s);
    memcpy(o, s, n);
    return o + n;
}

static char *put_tokens(char *o, double v)
{
    if (v >= 0 && v < 1e15 && v == floor(v))
        return put_u64(o, (uint64_t)v);
    return o + snprintf(o, 32, "%.9g", v);
}

/* Seconds with up to nine decimals, trailing zeros dropped. */
static char *put_time(char *o, int64_t ns)
{
    if (ns < 0) {
        *o++ = '-';
        ns = -ns;
    }
    o = put_u64(o, (uint64_t)(ns / 1000000000));
    int64_t frac = ns % 1000000000;
    if (frac) {
        char d[9];
        for (int i = 8; i >= 0; i--) {
            d[i] = (char)('0' + frac % 10);
            frac /= 10;
        }
        int n = 9;
        while (d[n - 1] == '0')
            n--;
        *o++ = '.';
        memcpy(o, d, (size_t)n);
        o += n;
    }
    return o;
}

static char *put_csv_text(char *o, const char *s, size_t n)
{
    bool quote = false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            quote = true;
    if (!quote) {
        memcpy(o, s, n);
        return o + n;
    }
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            *o++ = '"';
        *o++ = s[i];
    }
    *o++ = '"';
    return o;
}

static char *put_json_text(char *o, const char *s, size_t n)
{
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c < 0x20) {
            o += snprintf(o, 7, "\\u%04x", c);
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    return o;
}

void lw_trace_out_header(lw_tbuf *b, lw_trace_output fmt)
{
    if (fmt != LW_TRACE_OUT_CSV)
        return;
    static const char h[] = "line,timestamp_s,model,input_tokens,output_tokens,reasoning_tokens,batch,energy_j,"
                            "j_per_output_token\n";
    lw_tbuf_reserve(b, sizeof h);
    if (b->oom)
        return;
    memcpy(b->p + b->len, h, sizeof h - 1);
    b->len += sizeof h - 1;
}

void lw_trace_out_numbers(double energy_j, double output_tokens, char energy[24], char jpt[24])
{
    snprintf(energy, 24, "%.9g", energy_j);
    if (output_tokens > 0)
        snprintf(jpt, 24, "%.9g", energy_j / output_tokens);
    else
        jpt[0] = '\0';
}

void lw_trace_out_row(lw_tbuf *b, lw_trace_output fmt, uint64_t line, const lw_trace_rec *r, const char *model,
                      size_t model_len, int batch, const char *energy, const char *jpt)
{
    /* numbers: at most ~32 chars each; text: at most 6x for JSON \u escapes */
    lw_tbuf_reserve(b, 400 + 6 * model_len);
    if (b->oom)
        return;
    char *o = b->p + b->len;
    if (fmt == LW_TRACE_OUT_CSV) {
        o = put_u64(o, line);
        *o++ = ',';
        if (r->has_time)
            o = put_time(o, r->time_ns);
        *o++ = ',';
        o = put_csv_text(o, model, model_len);
        for (int i = 0; i < 3; i++) {
            *o++ = ',';
            o = put_tokens(o, r->tok[i]);
        }
        *o++ = ',';
        o = put_u64(o, (uint64_t)batch);
        *o++ = ',';
        o = put_str(o, energy);
        *o++ = ',';
        o = put_str(o, jpt);
    } else {
        o = put_str(o, "{\"line\":");
        o = put_u64(o, line);
        o = put_str(o, ",\"timestamp_s\":");
        o = r->has_time ? put_time(o, r->time_ns) : put_str(o, "null");
        o = put_str(o, ",\"model\":");
        o = put_json_text(o, model, model_len);
        static const char *const keys[3] = {",\"input_tokens\":", ",\"output_tokens\":", ",\"reasoning_tokens\":"};
        for (int i = 0; i < 3; i++) {
            o = put_str(o, keys[i]);
            o = put_tokens(o, r->tok[i]);
        }
        o = put_str(o, ",\"batch\":");
        o = put_u64(o, (uint64_t)batch);
        o = put_str(o, ",\"energy_j\":");
        o = put_str(o, energy);
        o = put_str(o, ",\"j_per_output_token\":");
        o = put_str(o, jpt[0] ? jpt : "null");
        *o++ = '}';
    }
    *o++ = '\n';
    b->len = (size_t)(o - b->p);
}

/* ---------- histogram ----------
 * Bucket = (binary exponent, top LW_HIST_SUB_BITS bits of the mantissa): 128 buckets per
 * octave, each spanning a relative width of at most 1/128, so its midpoint is within 1/256
 * (0.39%) of any value in it. Bucket 0 holds values below 2^EXP_MIN (and zero), the last
 * one values at or above 2^EXP_MAX. */
size_t lw_hist_bucket(double v)
{
    if (!(v > 0))
        return 0;
    int e;
    double m = frexp(v, &e); /* v = m * 2^e, m in [0.5, 1) */
    e -= 1;                  /* v = (2m) * 2^e, 2m in [1, 2) */
    if (e < LW_HIST_EXP_MIN)
        return 0;
    if (e >= LW_HIST_EXP_MAX)
        return LW_HIST_BUCKETS - 1;
    size_t sub = (size_t)((2.0 * m - 1.0) * (1 << LW_HIST_SUB_BITS));
    if (sub >= (1u << LW_HIST_SUB_BITS))
        sub = (1u << LW_HIST_SUB_BITS) - 1;
    return 1 + ((size_t)(e - LW_HIST_EXP_MIN) << LW_HIST_SUB_BITS) + sub;
}

double lw_hist_value(size_t bucket)
{
    if (bucket == 0)
        return 0;
    if (bucket >= LW_HIST_BUCKETS - 1)
        return ldexp(1.0, LW_HIST_EXP_MAX);
    size_t k = bucket - 1;
    int e = (int)(k >> LW_HIST_SUB_BITS) + LW_HIST_EXP_MIN;
    double sub = (double)(k & ((1u << LW_HIST_SUB_BITS) - 1));
    double lo = ldexp(1.0 + sub / (1 << LW_HIST_SUB_BITS), e);
    double hi = ldexp(1.0 + (sub + 1) / (1 << LW_HIST_SUB_BITS), e);
    return 0.5 * (lo + hi);
}

double lw_hist_percentile(const uint64_t *h, uint64_t n, double p, double min, double max)
{
    if (n == 0)
        return 0;
    uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)n);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    double v = lw_hist_value(LW_HIST_BUCKETS - 1);
    for (size_t b = 0; b < LW_HIST_BUCKETS; b++) {
        seen += h[b];
        if (seen >= rank) {
            v = lw_hist_value(b);
            break;
        }
    }
    return v < min ? min : v > max ? max : v;
}
