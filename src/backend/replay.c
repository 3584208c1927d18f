/* Replay backend: an nvidia-smi --query-gpu log, e.g.
 *   nvidia-smi --query-gpu=timestamp,index,power.draw,utilization.gpu,temperature.gpu,clocks.sm
 *              --format=csv[,noheader][,nounits] -lms 100
 * With a header the columns are found by name (units in brackets ignored), so any order and
 * extra columns work; without one they are taken in the order above. A header may also name
 * `name` (the GPU model), `uuid` (for --devices GPU-...), `clocks_throttle_reasons.active` / `clocks_event_reasons.active` (a hex
 * mask of NVML clock-event bits, "0x0000000000000040") and the individual reason columns
 * (`clocks_throttle_reasons.hw_thermal_slowdown`, `clocks_event_reasons.sw_power_cap`, ...:
 * "Active" / "Not Active"), so throttling is checked as in a live run. Values may carry units
 * ("312.45 W", "98 %", "1980 MHz") and "[N/A]"/"[Not Supported]" read as unknown. Several GPUs
 * may be interleaved; time must not go backwards for any one GPU. Timestamps
 * ("2025/10/28 14:03:07.123") are taken as UTC since nvidia-smi does not print the zone. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "backend/source.h"
#include "core/csv.h"
#include "core/util.h"

#define REPLAY_MAX_GPUS 64

enum { COL_TIME, COL_INDEX, COL_POWER, COL_UTIL, COL_TEMP, COL_CLOCK, NCOL };
static const char *const col_names[NCOL] = {"timestamp", "index", "power.draw", "utilization.gpu", "temperature.gpu", "clocks.sm"};

/* Clock-event reason columns: the mask, then one column per bit. nvidia-smi writes them under
 * "clocks_throttle_reasons." and, since driver 535, under "clocks_event_reasons." too. */
static const struct {
    const char *suffix;
    uint64_t bit; /* 0: the whole mask ("active") */
} reason_cols[] = {
    {"active", 0},
    {"gpu_idle", LW_THROTTLE_GPU_IDLE},
    {"applications_clocks_setting", LW_THROTTLE_APP_CLOCKS},
    {"sw_power_cap", LW_THROTTLE_SW_POWER_CAP},
    {"hw_slowdown", LW_THROTTLE_HW_SLOWDOWN},
    {"sync_boost", LW_THROTTLE_SYNC_BOOST},
    {"sw_thermal_slowdown", LW_THROTTLE_SW_THERMAL},
    {"hw_thermal_slowdown", LW_THROTTLE_HW_THERMAL},
    {"hw_power_brake_slowdown", LW_THROTTLE_HW_POWER_BRAKE},
    {"display_clock_setting", LW_THROTTLE_DISPLAY_CLOCK},
};
#define NREASON (sizeof reason_cols / sizeof reason_cols[0])

typedef struct replay_series {
    lw_power_sample *s;
    size_t n, cap;
    size_t last_line;
    char name[96]; /* the `name` column of the GPU's first row, "" without one */
    char uuid[96]; /* the `uuid` column, likewise */
} replay_series;

typedef struct replay_state {
    replay_series series[REPLAY_MAX_GPUS];
    double start_unix;
} replay_state;

static void replay_close(lw_power_source *src)
{
    replay_state *st = src->impl;
    if (!st)
        return;
    for (size_t i = 0; i < REPLAY_MAX_GPUS; i++)
        free(st->series[i].s);
    free(st);
}

static const lw_power_ops replay_ops = {NULL, replay_close};

lw_status lw_replay_series(const lw_power_source *src, size_t i, const lw_power_sample **s, size_t *n)
{
    const replay_state *st = src->impl;
    *s = st->series[src->info[i].index].s;
    *n = st->series[src->info[i].index].n;
    return LW_OK;
}

double lw_replay_start_unix(const lw_power_source *src)
{
    return ((const replay_state *)src->impl)->start_unix;
}

/* Header name without its " [unit]" suffix, trimmed, compared case-insensitively. */
static int header_column(const char *field)
{
    while (isspace((unsigned char)*field))
        field++;
    size_t n = strcspn(field, "[");
    while (n && isspace((unsigned char)field[n - 1]))
        n--;
    for (int c = 0; c < NCOL; c++)
        if (strlen(col_names[c]) == n && strncasecmp(field, col_names[c], n) == 0)
            return c;
    if (n == 17 && strncasecmp(field, "clocks.current.sm", n) == 0)
        return COL_CLOCK;
    return -1;
}

/* Extra header columns: -1 none, -2 the `name` column, -3 `uuid`, else the reason_cols entry. */
static int extra_column(const char *field)
{
    while (isspace((unsigned char)*field))
        field++;
    size_t n = strcspn(field, "[");
    while (n && isspace((unsigned char)field[n - 1]))
        n--;
    if (n == 4 && strncasecmp(field, "name", 4) == 0)
        return -2;
    if (n == 4 && strncasecmp(field, "uuid", 4) == 0)
        return -3;
    static const char *const prefixes[] = {"clocks_throttle_reasons.", "clocks_event_reasons."};
    for (size_t p = 0; p < 2; p++) {
        size_t pl = strlen(prefixes[p]);
        if (n <= pl || strncasecmp(field, prefixes[p], pl) != 0)
            continue;
        for (size_t r = 0; r < NREASON; r++)
            if (strlen(reason_cols[r].suffix) == n - pl && strncasecmp(field + pl, reason_cols[r].suffix, n - pl) == 0)
                return (int)r;
    }
    return -1;
}

/* A reason column's value: the mask "0x...40" (bit 0) or "Active"/"Not Active" (one bit).
 * *known false for "[N/A]"/"[Not Supported]"; false for anything else. */
static bool parse_reason(const char *s, uint64_t bit, uint64_t *mask, bool *known)
{
    char buf[64];
    while (isspace((unsigned char)*s))
        s++;
    lw_strlcpy(buf, s, sizeof buf);
    size_t n = strlen(buf);
    while (n && isspace((unsigned char)buf[n - 1]))
        buf[--n] = '\0';
    *known = false;
    if (n == 0 || buf[0] == '[' || strcasecmp(buf, "N/A") == 0)
        return true;
    *known = true;
    if (bit) {
        if (strcasecmp(buf, "Active") == 0)
            *mask |= bit;
        else if (strcasecmp(buf, "Not Active") != 0)
            return false;
        return true;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 16);
    if (end == buf || *end || errno || buf[0] == '-')
        return false;
    *mask |= (uint64_t)v;
    return true;
}

/* "2025/10/28 14:03:07.123" (or with '-' between the date parts) -> Unix ns. A well-formed time
 * outside the window of years 1970-2200 sets *outside. */
static bool parse_time(const char *s, int64_t *ns, bool *outside)
{
    int y, mo, d, h, mi, used = 0;
    double sec;
    while (isspace((unsigned char)*s))
        s++;
    if (sscanf(s, "%4d/%2d/%2d %2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6 &&
        sscanf(s, "%4d-%2d-%2d %2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6)
        return false;
    for (const char *p = s + used; *p; p++)
        if (!isspace((unsigned char)*p))
            return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || !(sec >= 0 && sec < 61))
        return false;
    *outside = y < LW_TIME_MIN_YEAR || y > LW_TIME_MAX_YEAR;
    if (*outside)
        return false;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    time_t whole = timegm(&tm);
    *ns = (int64_t)whole * 1000000000LL + (int64_t)llround(sec * 1e9);
    return true;
}

/* "312.45 W", "98 %", "1980 MHz", "65" -> number; "[N/A]" / "[Not Supported]" / "" -> NAN.
 * Returns false for anything else. */
static bool parse_value(const char *s, const char *unit, double *out)
{
    char buf[64];
    while (isspace((unsigned char)*s))
        s++;
    lw_strlcpy(buf, s, sizeof buf);
    size_t n = strlen(buf);
    while (n && isspace((unsigned char)buf[n - 1]))
        buf[--n] = '\0';
    if (n == 0 || buf[0] == '[' || strcasecmp(buf, "N/A") == 0) {
        *out = NAN;
        return true;
    }
    size_t ul = strlen(unit);
    if (n > ul && strcasecmp(buf + n - ul, unit) == 0)
        buf[n - ul] = '\0';
    return lw_parse_number(buf, out);
}

static lw_status push(replay_series *r, const lw_power_sample *s)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        lw_power_sample *ns = realloc(r->s, cap * sizeof *ns);
        if (!ns)
            return LW_ERR_NO_MEMORY;
        r->s = ns;
        r->cap = cap;
    }
    r->s[r->n++] = *s;
    return LW_OK;
}

static lw_status parse_log(const char *path, const char *data, size_t len, replay_state *st, lw_err *err)
{
    lw_csv *c = lw_csv_new(data, len);
    if (!c)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory reading '%s'", path);
    int col[NCOL];
    for (int k = 0; k < NCOL; k++)
        col[k] = k;
    int name_col = -1, uuid_col = -1, reason_col[NREASON];
    for (size_t k = 0; k < NREASON; k++)
        reason_col[k] = -1;
    size_t width = 0;
    bool first = true, any = false;
    lw_status ret = LW_OK;
    int r;
    lw_err cerr;
    int64_t t_first = 0;
    while ((r = lw_csv_next(c, &cerr)) == 1) {
        size_t line = lw_csv_line(c);
        if (first) {
            first = false;
            if (header_column(lw_csv_field(c, 0)) == COL_TIME) {
                for (int k = 0; k < NCOL; k++)
                    col[k] = -1;
                for (size_t f = 0; f < lw_csv_count(c); f++) {
                    int h = header_column(lw_csv_field(c, f)), x = extra_column(lw_csv_field(c, f));
                    if (h >= 0 && col[h] < 0)
                        col[h] = (int)f;
                    else if (x == -2 && name_col < 0)
                        name_col = (int)f;
                    else if (x == -3 && uuid_col < 0)
                        uuid_col = (int)f;
                    else if (x >= 0 && reason_col[x] < 0)
                        reason_col[x] = (int)f;
                }
                for (int k = COL_TIME; k <= COL_POWER; k++)
                    if (col[k] < 0) {
                        ret = lw_fail(err, LW_ERR_PARSE, "%s: line %zu: header lacks the '%s' column (query timestamp,index,power.draw)",
                                      path, line, col_names[k]);
                        goto done;
                    }
                width = lw_csv_count(c);
                continue;
            }
            width = lw_csv_count(c);
            if (width < 3) {
                ret = lw_fail(err, LW_ERR_PARSE, "%s: line %zu: %zu column(s); expected timestamp,index,power.draw[,utilization.gpu,temperature.gpu,clocks.sm]",
                              path, line, width);
                goto done;
            }
            for (int k = (int)width; k < NCOL; k++)
                col[k] = -1;
        }
        if (lw_csv_count(c) != width) {
            ret = lw_fail(err, LW_ERR_PARSE, "%s: line %zu: %zu column(s), expected %zu like the first line (missing column?)", path,
                          line, lw_csv_count(c), width);
            goto done;
        }
        int64_t t;
        bool outside = false;
        if (!parse_time(lw_csv_field(c, (size_t)col[COL_TIME]), &t, &outside)) {
            ret = lw_fail(err, LW_ERR_PARSE, "%s: line %zu: %s timestamp '%s' (expected YYYY/MM/DD HH:MM:SS.mmm%s)", path, line,
                          outside ? "out-of-window" : "bad", lw_csv_field(c, (size_t)col[COL_TIME]),
                          outside ? " in the years 1970-2200" : "");
            goto done;
        }
        double idx, v[NCOL];
        const char *units[NCOL] = {"", "", "W", "%", "C", "MHz"};
        /* power and clocks cannot be negative, utilisation is a percentage; temperatures only
         * need to be finite (lw_parse_number already refuses inf and nan) */
        static const double range_lo[NCOL] = {0, 0, 0, 0, -HUGE_VAL, 0};
        static const double range_hi[NCOL] = {0, 0, HUGE_VAL, 100, HUGE_VAL, HUGE_VAL};
        static const char *const range_text[NCOL] = {"", "", "a power >= 0 W", "0..100 %", "a finite temperature", "a clock >= 0 MHz"};
        if (!lw_parse_number(lw_csv_field(c, (size_t)col[COL_INDEX]), &idx) || idx < 0 || idx >= REPLAY_MAX_GPUS || idx != floor(idx)) {
            ret = lw_fail(err, LW_ERR_PARSE, "%s: line %zu: bad GPU index '%s' (expected 0..%d)", path, line,
                          lw_csv_field(c, (size_t)col[COL_INDEX]), REPLAY_MAX_GPUS - 1);
            goto done;
        }
        for (int k = COL_POWER; k < NCOL; k++) {
            v[k] = NAN;
            if (col[k] < 0)
                continue;
            const char *field = lw_csv_field(c, (size_t)col[k]);
            const char *shown = field + strspn(field, " \t"); /* messages quote the value, not the padding */
            if (!parse_value(field, units[k], &v[k])) {
                ret = lw_fail(err, LW_ERR_PARSE, "%s: line %zu: %s '%s' is not a number", path, line, col_names[k], shown);
                goto done;
            }
            /* NAN here is "[N/A]" (unknown); a number must be physically possible */
            if (!isnan(v[k]) && !(v[k] >= range_lo[k] && v[k] <= range_hi[k])) {
                ret = lw_fail(err, LW_ERR_PARSE, "%s: line %zu: %s '%s' is out of range (expected %s)", path, line, col_names[k],
                              shown, range_text[k]);
                goto done;
            }
        }
        uint64_t reasons = 0;
        bool reasons_known = false;
        for (size_t k = 0; k < NREASON; k++) {
            bool known;
            if (reason_col[k] < 0)
                continue;
            const char *field = lw_csv_field(c, (size_t)reason_col[k]);
            if (!parse_reason(field, reason_cols[k].bit, &reasons, &known)) {
                ret = lw_fail(err, LW_ERR_PARSE, "%s: line %zu: clock-event reason %s '%s' is not %s", path, line, reason_cols[k].suffix,
                              field + strspn(field, " \t"), reason_cols[k].bit ? "Active or Not Active" : "a hex mask such as 0x40");
                goto done;
            }
            reasons_known |= known;
        }
        replay_series *rs = &st->series[(int)idx];
        if (rs->n && t < rs->s[rs->n - 1].t_ns) {
            ret = lw_fail(err, LW_ERR_PARSE, "%s: line %zu: time goes backwards for GPU %d ('%s' is before line %zu)", path, line,
                          (int)idx, lw_csv_field(c, (size_t)col[COL_TIME]), rs->last_line);
            goto done;
        }
        if (!any || t < t_first)
            t_first = t;
        any = true;
        lw_power_sample s = lw_power_sample_empty(t);
        s.power_w = v[COL_POWER];
        s.utilization = v[COL_UTIL] / 100.0; /* percent -> fraction */
        s.temperature_c = v[COL_TEMP];
        s.sm_clock_mhz = v[COL_CLOCK];
        s.throttle_reasons = reasons;
        s.throttle_known = reasons_known;
        s.ok = isfinite(s.power_w);
        if (name_col >= 0 && !rs->name[0]) {
            const char *nm = lw_csv_field(c, (size_t)name_col);
            lw_strlcpy(rs->name, nm + strspn(nm, " \t"), sizeof rs->name);
        }
        if (uuid_col >= 0 && !rs->uuid[0]) {
            const char *u = lw_csv_field(c, (size_t)uuid_col);
            lw_strlcpy(rs->uuid, u + strspn(u, " \t"), sizeof rs->uuid);
        }
        if (push(rs, &s) != LW_OK) {
            ret = lw_fail(err, LW_ERR_NO_MEMORY, "out of memory reading '%s'", path);
            goto done;
        }
        rs->last_line = line;
    }
    if (r < 0) {
        ret = lw_fail(err, LW_ERR_PARSE, "%s: %s", path, lw_err_message(&cerr));
        goto done;
    }
    if (!any)
        ret = lw_fail(err, LW_ERR_PARSE, "%s: no samples (expected nvidia-smi --query-gpu=timestamp,index,power.draw,... --format=csv output)", path);
    st->start_unix = (double)t_first / 1e9;
done:
    lw_csv_free(c);
    return ret;
}

lw_status lw_power_open_replay(const char *path, lw_power_source **out, lw_err *err)
{
    *out = NULL;
    char *data;
    size_t len;
    lw_status ret = lw_file_read_capped(path, LW_CAP_TABLE_BYTES, "a replay log", &data, &len, err);
    if (ret != LW_OK)
        return ret;
    replay_state *st = calloc(1, sizeof *st);
    if (!st) {
        free(data);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory reading '%s'", path);
    }
    ret = parse_log(path, data, len, st, err);
    free(data);
    size_t n = 0;
    for (size_t i = 0; i < REPLAY_MAX_GPUS; i++)
        n += st->series[i].n > 0;
    lw_power_source *src = ret == LW_OK ? lw_power_source_new(LW_SOURCE_REPLAY, &replay_ops, n) : NULL;
    if (!src) {
        for (size_t i = 0; i < REPLAY_MAX_GPUS; i++)
            free(st->series[i].s);
        free(st);
        return ret != LW_OK ? ret : lw_fail(err, LW_ERR_NO_MEMORY, "out of memory reading '%s'", path);
    }
    src->impl = st;
    size_t k = 0;
    for (size_t i = 0; i < REPLAY_MAX_GPUS; i++) {
        if (!st->series[i].n)
            continue;
        lw_device_info *inf = &src->info[k++];
        inf->index = (int)i;
        inf->kind = LW_DEVICE_GPU;
        snprintf(inf->name, sizeof inf->name, "%s", st->series[i].name[0] ? st->series[i].name : "(nvidia-smi log)");
        lw_strlcpy(inf->uuid, st->series[i].uuid, sizeof inf->uuid);
        inf->has_power = true;
    }
    *out = src;
    return LW_OK;
}
