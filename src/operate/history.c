/* Run records (measurement and estimate JSON) and their SQLite history; see docs/history.md. */
#include "llmwatt/history.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

/* ---------- time ---------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static long long days_from_civil(long long y, long long m, long long d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool digits(const char **p, int n, long long *out)
{
    long long v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

long long lw_time_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

lw_status lw_time_parse(const char *s, long long now_ns, bool end_of_day, long long *out_ns, lw_err *err)
{
    static const char *hint = "use YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, now, or -7d/-12h/-30m/-90s";
    if (!s || !*s)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "empty time (%s)", hint);
    if (strcmp(s, "now") == 0) {
        *out_ns = now_ns;
        return LW_OK;
    }
    if (s[0] == '-') {
        char *end;
        double v = strtod(s + 1, &end);
        double unit = *end == 'd' ? 86400.0 : *end == 'h' ? 3600.0 : *end == 'm' ? 60.0 : *end == 's' ? 1.0 : 0.0;
        if (end == s + 1 || unit == 0 || end[1] != '\0' || !isfinite(v) || v < 0 || v > 1e6)
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "bad relative time '%s' (%s)", s, hint);
        if (v * unit > (double)now_ns / 1e9)
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "relative time '%s' is before 1970 (times run from 1970 to 2200)", s);
        *out_ns = now_ns - (long long)(v * unit * 1e9);
        return LW_OK;
    }
    const char *p = s;
    long long y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, frac_ns = 0, off_s = 0;
    bool ok = digits(&p, 4, &y) && *p++ == '-' && digits(&p, 2, &mo) && *p++ == '-' && digits(&p, 2, &d);
    bool date_only = ok && *p == '\0';
    if (ok && !date_only) {
        ok = (*p == 'T' || *p == ' ') && (p++, digits(&p, 2, &h)) && *p++ == ':' && digits(&p, 2, &mi) && *p++ == ':' &&
             digits(&p, 2, &sec);
        if (ok && *p == '.') {
            p++;
            long long scale = 100000000;
            while (isdigit((unsigned char)*p)) {
                frac_ns += (*p++ - '0') * scale;
                scale /= 10;
            }
        }
        if (ok && (*p == 'Z' || *p == 'z'))
            p++;
        else if (ok && (*p == '+' || *p == '-')) {
            int sign = *p++ == '-' ? -1 : 1;
            long long oh = 0, om = 0;
            ok = digits(&p, 2, &oh) && (*p != ':' || p++) && digits(&p, 2, &om);
            off_s = sign * (oh * 3600 + om * 60);
        }
        ok = ok && *p == '\0';
    }
    if (!ok || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "bad time '%s' (%s)", s, hint);
    /* the year bound keeps the arithmetic in range; a UTC offset may still cross an end of the window */
    long long t = -1;
    if (y >= LW_TIME_MIN_YEAR && y <= LW_TIME_MAX_YEAR) {
        t = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off_s) * 1000000000LL + frac_ns;
        if (date_only && end_of_day)
            t += 86400LL * 1000000000LL - 1;
    }
    if (t < 0 || t > LW_TIME_MAX_NS)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "time '%s' is outside the years 1970-2200", s);
    *out_ns = t;
    return LW_OK;
}

const char *lw_time_format(long long ns, char *buf, size_t n)
{
    if (ns == 0) {
        snprintf(buf, n, "-");
        return buf;
    }
    time_t secs = (time_t)(ns / 1000000000LL);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/* ---------- run records ---------- */

static double num_or_nan(json_t *v)
{
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static void copy_str(json_t *v, char *dst, size_t n)
{
    if (json_is_string(v))
        lw_strlcpy(dst, json_string_value(v), n);
    else if (json_is_integer(v))
        snprintf(dst, n, "%lld", (long long)json_integer_value(v));
}

/* A count label (batch, gpus, seq_len) from 0 to 1e9 as a JSON integer or a numeric string; 0 (not
 * recorded) for anything else, never a wrapped value. */
static int int_label(json_t *v)
{
    if (json_is_integer(v))
        return json_integer_value(v) >= 0 && json_integer_value(v) < 1000000000 ? (int)json_integer_value(v) : 0;
    double d;
    if (json_is_string(v) && lw_parse_number(json_string_value(v), &d) && d >= 0 && d < 1e9)
        return (int)d;
    return 0;
}

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static lw_status parse_measurement(json_t *root, lw_run *r, lw_err *err)
{
    json_t *labels = json_object_get(root, "labels"), *agg = json_object_get(root, "aggregate");
    json_t *gpus = json_object_get(root, "gpus"), *st = json_object_get(root, "start_time");
    if (!json_is_object(agg) || !json_is_number(json_object_get(agg, "avg_power_w")))
        return lw_fail(err, LW_ERR_PARSE, "measurement lacks aggregate.avg_power_w");
    if (!json_is_string(st))
        return lw_fail(err, LW_ERR_PARSE, "measurement lacks start_time");
    lw_err terr;
    if (lw_time_parse(json_string_value(st), 0, false, &r->time_ns, &terr) != LW_OK)
        return lw_fail(err, LW_ERR_PARSE, "measurement start_time: %s", lw_err_message(&terr));
    if (json_is_object(labels)) {
        copy_str(json_object_get(labels, "workload"), r->workload, sizeof r->workload);
        copy_str(json_object_get(labels, "model"), r->model, sizeof r->model);
        copy_str(json_object_get(labels, "precision"), r->precision, sizeof r->precision);
        r->batch = int_label(json_object_get(labels, "batch"));
        r->seq_len = int_label(json_object_get(labels, "seq_len"));
        r->gpus = int_label(json_object_get(labels, "gpus"));
    }
    if (json_is_array(gpus) && json_array_size(gpus) > 0) {
        copy_str(json_object_get(json_array_get(gpus, 0), "name"), r->gpu, sizeof r->gpu);
        if (r->gpus == 0)
            r->gpus = (int)json_array_size(gpus);
    }
    /* a "gpu" label names the hardware where the source could not (an nvidia-smi log has no name) */
    if (json_is_object(labels) && json_is_string(json_object_get(labels, "gpu")))
        copy_str(json_object_get(labels, "gpu"), r->gpu, sizeof r->gpu);
    if (r->gpus == 0)
        r->gpus = 1;
    r->avg_power_w = num_or_nan(json_object_get(agg, "avg_power_w"));
    r->energy_j = num_or_nan(json_object_get(agg, "energy_j"));
    r->duration_s = num_or_nan(json_object_get(root, "duration_s"));
    r->tokens = num_or_nan(json_object_get(root, "tokens"));
    r->tokens_per_s = num_or_nan(json_object_get(root, "tokens_per_s"));
    r->tokens_per_j = num_or_nan(json_object_get(root, "tokens_per_j"));
    r->j_per_token = num_or_nan(json_object_get(root, "j_per_token"));
    json_t *idle = json_object_get(root, "idle_baseline");
    if (json_is_object(idle))
        r->idle_power_w = num_or_nan(json_object_get(idle, "power_w"));
    json_t *verdict = json_object_get(root, "verdict");
    json_t *valid = json_is_object(verdict) ? json_object_get(verdict, "valid") : NULL;
    if (!json_is_boolean(valid))
        return lw_fail(err, LW_ERR_PARSE, "measurement lacks verdict.valid");
    r->valid = json_is_true(valid) ? 1 : 0;
    if (r->avg_power_w < 0 || (isfinite(r->tokens_per_j) && r->tokens_per_j < 0) ||
        (isfinite(r->tokens_per_s) && r->tokens_per_s < 0))
        return lw_fail(err, LW_ERR_PARSE, "measurement has a negative power, throughput or tokens_per_j");
    return LW_OK;
}

static lw_status parse_estimate(json_t *root, lw_run *r, lw_err *err)
{
    json_t *band = json_object_get(root, "energy_per_output_token_j");
    json_t *ex = json_is_object(band) ? json_object_get(band, "expected") : NULL;
    if (!json_is_number(ex) || json_number_value(ex) <= 0)
        return lw_fail(err, LW_ERR_PARSE, "estimate lacks a positive energy_per_output_token_j.expected");
    r->valid = -1;
    r->j_per_token = json_number_value(ex);
    r->j_per_token_low = num_or_nan(json_object_get(band, "low"));
    r->j_per_token_high = num_or_nan(json_object_get(band, "high"));
    r->tokens_per_j = 1.0 / r->j_per_token;
    copy_str(json_object_get(root, "model"), r->model, sizeof r->model);
    copy_str(json_object_get(root, "gpu"), r->gpu, sizeof r->gpu);
    copy_str(json_object_get(root, "precision"), r->precision, sizeof r->precision);
    if (!r->precision[0])
        copy_str(json_object_get(root, "weight_precision"), r->precision, sizeof r->precision);
    r->batch = int_label(json_object_get(root, "batch"));
    r->gpus = int_label(json_object_get(root, "gpus"));
    if (r->gpus == 0)
        r->gpus = 1;
    r->seq_len = int_label(json_object_get(root, "seq_len"));
    copy_str(json_object_get(root, "workload"), r->workload, sizeof r->workload);
    json_t *labels = json_object_get(root, "labels");
    if (json_is_object(labels) && !r->workload[0])
        copy_str(json_object_get(labels, "workload"), r->workload, sizeof r->workload);
    /* throughput: tokens_per_s when the file has one, else what `llmwatt estimate --json` gives:
     * batch requests of output_tokens each in time_s */
    r->tokens_per_s = num_or_nan(json_object_get(root, "tokens_per_s"));
    if (!(r->tokens_per_s > 0)) {
        double b = num_or_nan(json_object_get(root, "batch")), out = num_or_nan(json_object_get(root, "output_tokens")),
               t = num_or_nan(json_object_get(root, "time_s"));
        r->tokens_per_s = b > 0 && out > 0 && t > 0 && isfinite(b * out / t) ? b * out / t : NAN;
    }
    /* power: the estimate's own avg_power_w, else J per token x throughput */
    double p = num_or_nan(json_object_get(root, "avg_power_w"));
    if (p > 0)
        r->avg_power_w = p;
    else if (r->tokens_per_s > 0)
        r->avg_power_w = r->j_per_token * r->tokens_per_s;
    json_t *t = json_object_get(root, "time");
    if (json_is_string(t)) {
        lw_err terr;
        if (lw_time_parse(json_string_value(t), 0, false, &r->time_ns, &terr) != LW_OK)
            return lw_fail(err, LW_ERR_PARSE, "estimate time: %s", lw_err_message(&terr));
    }
    return LW_OK;
}

const lw_run *lw_run_at(const lw_run *runs, size_t i)
{
    if (!runs || runs->version == 0 || runs->version > LW_RUN_VERSION)
        return NULL;
    return runs + i; /* version 1 is the whole record: the stride is sizeof(lw_run) */
}

lw_status lw_run_parse(const char *text, lw_run *r, lw_err *err)
{
    lw_status vst = lw_check_version("lw_run", "LW_RUN_INIT", r->version, LW_RUN_VERSION, err);
    if (vst != LW_OK)
        return vst;
    unsigned int version = r->version; /* version 1 is the whole record */
    memset(r, 0, sizeof *r);
    r->version = version;
    r->tokens = r->tokens_per_s = r->tokens_per_j = r->j_per_token = NAN;
    r->j_per_token_low = r->j_per_token_high = r->avg_power_w = r->energy_j = r->duration_s = r->idle_power_w = NAN;
    json_error_t je;
    json_t *root = json_loads(text, 0, &je);
    if (!root)
        return lw_fail(err, LW_ERR_PARSE, "not valid JSON (line %d: %s)", je.line, je.text);
    lw_status st;
    json_t *schema = json_object_get(root, "schema");
    if (!json_is_object(root))
        st = lw_fail(err, LW_ERR_PARSE, "top level must be a JSON object");
    else if (json_is_string(schema) && strncmp(json_string_value(schema), "llmwatt.measurement/", 20) == 0) {
        r->kind = LW_RUN_MEASUREMENT;
        if (strcmp(json_string_value(schema), "llmwatt.measurement/1") != 0)
            st = lw_fail(err, LW_ERR_VERSION, "measurement schema '%s' is newer than this llmwatt reads (llmwatt.measurement/1)",
                         json_string_value(schema));
        else
            st = parse_measurement(root, r, err);
    } else if (json_object_get(root, "method") && json_object_get(root, "energy_per_output_token_j")) {
        r->kind = LW_RUN_ESTIMATE;
        st = parse_estimate(root, r, err);
    } else
        st = lw_fail(err, LW_ERR_PARSE,
                     "neither a measurement (\"schema\": \"llmwatt.measurement/1\") nor an estimate (\"method\" and "
                     "\"energy_per_output_token_j\")");
    json_decref(root);
    lower(r->precision);
    return st;
}

lw_status lw_run_load(const char *path, lw_run *out, char **json_text, lw_err *err)
{
    lw_status vst = lw_check_version("lw_run", "LW_RUN_INIT", out->version, LW_RUN_VERSION, err);
    if (vst != LW_OK)
        return vst;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return lw_fail(err, LW_ERR_NOT_FOUND, "'%s' does not exist", path);
    char *text;
    lw_status st = lw_file_read_capped(path, LW_CAP_SMALL_BYTES, "a measurement JSON file", &text, NULL, err);
    if (st != LW_OK)
        return st;
    lw_err e;
    st = lw_run_parse(text, out, &e);
    if (st != LW_OK) {
        free(text);
        return lw_fail(err, st, "'%s': %s", path, lw_err_message(&e));
    }
    if (json_text)
        *json_text = text;
    else
        free(text);
    return LW_OK;
}

/* ---------- database ---------- */

struct lw_history {
    sqlite3 *db;
    int version;
    bool created;  /* this open created the file: removed on close if nothing was recorded */
    bool recorded; /* a transaction of runs was committed */
    char path[512];
};

/* Removes a database file this process created, with SQLite's journal beside it. */
static void remove_created(const char *path)
{
    char journal[600];
    snprintf(journal, sizeof journal, "%s-journal", path);
    unlink(journal);
    unlink(path);
}


/* Migration i brings schema version i to i + 1 (index 0 creates version 1 from nothing). */
static const char *const migrations[LW_HISTORY_SCHEMA_VERSION] = {
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE runs("
    " id INTEGER PRIMARY KEY,"
    " time_ns INTEGER NOT NULL,"
    " recorded_ns INTEGER NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('measurement','estimate')),"
    " workload TEXT NOT NULL DEFAULT '', model TEXT NOT NULL DEFAULT '', gpu TEXT NOT NULL DEFAULT '',"
    " precision TEXT NOT NULL DEFAULT '', batch INTEGER NOT NULL DEFAULT 0, seq_len INTEGER NOT NULL DEFAULT 0,"
    " gpus INTEGER NOT NULL DEFAULT 1,"
    " tokens REAL, tokens_per_s REAL, tokens_per_j REAL, j_per_token REAL, j_per_token_low REAL,"
    " j_per_token_high REAL, avg_power_w REAL, energy_j REAL, duration_s REAL, idle_power_w REAL,"
    " valid INTEGER NOT NULL,"
    " json TEXT NOT NULL);"
    "CREATE INDEX runs_workload_time ON runs(workload, time_ns);"
    "CREATE INDEX runs_time ON runs(time_ns);"
    "INSERT INTO meta(key, value) VALUES ('application', 'llmwatt history');",
};

static lw_status db_fail(lw_history *h, lw_err *err, const char *what)
{
    int code = sqlite3_errcode(h->db);
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
        return lw_fail(err, LW_ERR_DATABASE, "'%s' is not a readable SQLite database (%s); it was left untouched",
                       h->path, sqlite3_errmsg(h->db));
    if (code == SQLITE_READONLY || code == SQLITE_CANTOPEN || code == SQLITE_PERM)
        return lw_fail(err, LW_ERR_IO, "cannot write '%s': %s", h->path, sqlite3_errmsg(h->db));
    return lw_fail(err, LW_ERR_DATABASE, "'%s': %s: %s", h->path, what, sqlite3_errmsg(h->db));
}

static int table_count(lw_history *h, const char *name)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h->db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND (?1 IS NULL OR name=?1)", -1, &s,
                           NULL) != SQLITE_OK)
        return -1;
    if (name)
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
    sqlite3_finalize(s);
    return n;
}

static int read_version(lw_history *h)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h->db, "SELECT value FROM meta WHERE key='schema_version'", -1, &s, NULL) != SQLITE_OK)
        return -1;
    int v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
    sqlite3_finalize(s);
    return v;
}

static lw_status migrate(lw_history *h, int from, lw_err *err)
{
    if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(h, err, "cannot start the migration");
    for (int v = from; v < LW_HISTORY_SCHEMA_VERSION; v++)
        if (sqlite3_exec(h->db, migrations[v], NULL, NULL, NULL) != SQLITE_OK) {
            lw_status st = db_fail(h, err, "migration failed");
            sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
            return st;
        }
    char sql[128];
    snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', '%d')", LW_HISTORY_SCHEMA_VERSION);
    if (sqlite3_exec(h->db, sql, NULL, NULL, NULL) != SQLITE_OK || sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        lw_status st = db_fail(h, err, "migration failed");
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
        return st;
    }
    h->version = LW_HISTORY_SCHEMA_VERSION;
    return LW_OK;
}

/* Integrity before writing: SQLite's quick check (structure of every page, not the indexes'
 * contents) must pass, or a record would be written into a database that reads as malformed. */
static lw_status quick_check(lw_history *h, lw_err *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h->db, "PRAGMA quick_check(1)", -1, &s, NULL) != SQLITE_OK)
        return db_fail(h, err, "cannot check the database");
    int rc = sqlite3_step(s);
    const unsigned char *res = rc == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
    lw_status st = LW_OK;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = db_fail(h, err, "cannot check the database");
    else if (!res || strcmp((const char *)res, "ok") != 0) {
        char first[128];
        lw_strlcpy(first, res ? (const char *)res : "no result", sizeof first);
        for (char *p = first; *p; p++)
            if (*p == '\n')
                *p = ' '; /* one line */
        st = lw_fail(err, LW_ERR_DATABASE,
                     "'%s' fails SQLite's quick check (%s); nothing was recorded and the file was left untouched "
                     "(recover it with sqlite3 '.recover' or record into a new file)",
                     h->path, first);
    }
    sqlite3_finalize(s);
    return st;
}

static lw_status open_checked(lw_history *h, lw_history_mode mode, lw_err *err)
{
    int tables = table_count(h, NULL);
    if (tables < 0)
        return db_fail(h, err, "cannot read the schema");
    if (tables == 0) {
        if (mode == LW_HISTORY_READ)
            return lw_fail(err, LW_ERR_NOT_FOUND, "'%s' holds no history yet (record runs with 'llmwatt history record %s FILE.json')",
                           h->path, h->path);
        return migrate(h, 0, err);
    }
    if (table_count(h, "meta") != 1 || (h->version = read_version(h)) < 1)
        return lw_fail(err, LW_ERR_DATABASE, "'%s' is a SQLite database but not an llmwatt history (no meta.schema_version); it was left untouched",
                       h->path);
    if (h->version > LW_HISTORY_SCHEMA_VERSION)
        return lw_fail(err, LW_ERR_VERSION,
                       "'%s' has history schema %d, newer than this llmwatt reads (%d): upgrade llmwatt; the file was not modified",
                       h->path, h->version, LW_HISTORY_SCHEMA_VERSION);
    if (h->version < LW_HISTORY_SCHEMA_VERSION) {
        if (mode == LW_HISTORY_READ)
            return lw_fail(err, LW_ERR_VERSION, "'%s' has history schema %d; record a run into it to migrate it to %d", h->path,
                           h->version, LW_HISTORY_SCHEMA_VERSION);
        return migrate(h, h->version, err);
    }
    return LW_OK;
}

lw_status lw_history_open(const char *path, lw_history_mode mode, lw_history **out, lw_err *err)
{
    struct stat sb;
    bool exists = stat(path, &sb) == 0;
    if (!exists && mode == LW_HISTORY_READ)
        return lw_fail(err, LW_ERR_NOT_FOUND, "history database '%s' does not exist", path);
    if (exists && !S_ISREG(sb.st_mode))
        return lw_fail(err, LW_ERR_IO, "'%s' is not a regular file", path);
    lw_history *h = calloc(1, sizeof *h);
    if (!h)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    lw_strlcpy(h->path, path, sizeof h->path);
    int flags = mode == LW_HISTORY_READ ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &h->db, flags, NULL) != SQLITE_OK) {
        lw_status st = lw_fail(err, LW_ERR_IO, "cannot open '%s': %s", path, h->db ? sqlite3_errmsg(h->db) : "out of memory");
        lw_history_close(h);
        return st;
    }
    sqlite3_busy_timeout(h->db, 5000);
    h->created = !exists;
    lw_status st = exists && mode == LW_HISTORY_WRITE ? quick_check(h, err) : LW_OK;
    if (st == LW_OK)
        st = open_checked(h, mode, err);
    if (st != LW_OK) {
        lw_history_close(h);
        return st;
    }
    *out = h;
    return LW_OK;
}

void lw_history_close(lw_history *h)
{
    if (!h)
        return;
    sqlite3_close(h->db);
    if (h->created && !h->recorded)
        remove_created(h->path); /* a first record that failed (a full disk) leaves no empty file */
    free(h);
}

int lw_history_version(const lw_history *h)
{
    return h->version;
}

static void bind_real(sqlite3_stmt *s, int i, double v)
{
    if (isfinite(v))
        sqlite3_bind_double(s, i, v);
    else
        sqlite3_bind_null(s, i);
}

static const char *kind_name(lw_run_kind k)
{
    return k == LW_RUN_ESTIMATE ? "estimate" : "measurement";
}

static lw_status insert_run(lw_history *h, sqlite3_stmt *s, const lw_run *r, const char *text, long long now_ns, long long *id,
                            lw_err *err)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    sqlite3_bind_int64(s, 1, r->time_ns ? r->time_ns : now_ns);
    sqlite3_bind_int64(s, 2, now_ns);
    sqlite3_bind_text(s, 3, kind_name(r->kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, r->workload, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, r->model, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, r->gpu, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, r->precision, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 8, r->batch);
    sqlite3_bind_int(s, 9, r->seq_len);
    sqlite3_bind_int(s, 10, r->gpus);
    const double nums[] = {r->tokens, r->tokens_per_s, r->tokens_per_j, r->j_per_token, r->j_per_token_low, r->j_per_token_high,
                           r->avg_power_w, r->energy_j, r->duration_s, r->idle_power_w};
    for (int i = 0; i < 10; i++)
        bind_real(s, 11 + i, nums[i]);
    sqlite3_bind_int(s, 21, r->valid);
    sqlite3_bind_text(s, 22, text, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        return db_fail(h, err, "cannot record the run");
    if (id)
        *id = sqlite3_last_insert_rowid(h->db);
    return LW_OK;
}

lw_status lw_history_add_many(lw_history *h, const char *const *texts, size_t n, long long now_ns, long long *ids, lw_err *err)
{
    lw_run *runs = calloc(n ? n : 1, sizeof *runs);
    if (!runs)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < n; i++) {
        lw_err e;
        runs[i].version = LW_RUN_VERSION;
        if (lw_run_parse(texts[i], &runs[i], &e) != LW_OK) {
            free(runs);
            return lw_fail(err, e.status, "run %zu of %zu: %s; nothing was recorded", i + 1, n, lw_err_message(&e));
        }
    }
    sqlite3_stmt *s = NULL;
    lw_status st = LW_OK;
    if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        st = db_fail(h, err, "cannot start a transaction");
    else if (sqlite3_prepare_v2(h->db,
                                "INSERT INTO runs(time_ns, recorded_ns, kind, workload, model, gpu, precision, batch, seq_len, gpus,"
                                " tokens, tokens_per_s, tokens_per_j, j_per_token, j_per_token_low, j_per_token_high, avg_power_w,"
                                " energy_j, duration_s, idle_power_w, valid, json)"
                                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                -1, &s, NULL) != SQLITE_OK)
        st = db_fail(h, err, "cannot prepare the insert");
    for (size_t i = 0; i < n && st == LW_OK; i++)
        st = insert_run(h, s, &runs[i], texts[i], now_ns, ids ? &ids[i] : NULL, err);
    sqlite3_finalize(s);
    if (st == LW_OK && sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        st = db_fail(h, err, "cannot commit");
    if (st != LW_OK)
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    else
        h->recorded = true;
    free(runs);
    return st;
}

static lw_status add_kind(lw_history *h, const char *text, lw_run_kind want, long long *id, lw_err *err)
{
    lw_run r = LW_RUN_INIT;
    lw_status st = lw_run_parse(text, &r, err);
    if (st != LW_OK)
        return st;
    if (r.kind != want)
        return lw_fail(err, LW_ERR_PARSE, "expected %s JSON, got %s JSON", kind_name(want), kind_name(r.kind));
    return lw_history_add_many(h, &text, 1, lw_time_now_ns(), id, err);
}

lw_status lw_history_add_measurement(lw_history *h, const char *text, long long *id, lw_err *err)
{
    return add_kind(h, text, LW_RUN_MEASUREMENT, id, err);
}

lw_status lw_history_add_estimate(lw_history *h, const char *text, long long *id, lw_err *err)
{
    return add_kind(h, text, LW_RUN_ESTIMATE, id, err);
}

lw_status lw_history_filter_init(lw_history_filter *f, unsigned int version, lw_err *err)
{
    lw_status st = lw_check_version("lw_history_filter", "LW_HISTORY_FILTER_INIT", version, LW_HISTORY_FILTER_VERSION, err);
    if (st == LW_OK)
        *f = lw_history_filter_all(); /* version 1 is the whole struct */
    return st;
}

static double col_real(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL ? NAN : sqlite3_column_double(s, i);
}

static void col_text(sqlite3_stmt *s, int i, char *dst, size_t n)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    lw_strlcpy(dst, t ? (const char *)t : "", n);
}

lw_status lw_history_query(lw_history *h, const lw_history_filter *f, lw_run **out, size_t *n, lw_err *err)
{
    lw_status vst = lw_check_version("lw_history_filter", "lw_history_filter_all() or LW_HISTORY_FILTER_INIT", f->version,
                                     LW_HISTORY_FILTER_VERSION, err);
    if (vst != LW_OK)
        return vst;
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT id, kind, time_ns, workload, model, gpu, precision, batch, seq_len, gpus, tokens, tokens_per_s,"
             " tokens_per_j, j_per_token, j_per_token_low, j_per_token_high, avg_power_w, energy_j, duration_s, idle_power_w, valid"
             " FROM runs WHERE (?1 IS NULL OR workload = ?1) AND (?2 IS NULL OR model = ?2) AND (?3 IS NULL OR gpu = ?3)"
             " AND (?4 IS NULL OR precision = ?4) AND (?5 = 0 OR batch = ?5) AND (?6 = 0 OR id = ?6)"
             " AND (?7 = 0 OR time_ns >= ?7) AND (?8 = 0 OR time_ns <= ?8) AND (?9 < 0 OR kind = ?10)"
             " AND (?11 = 0 OR valid != 0) ORDER BY time_ns %s, id %s LIMIT ?12",
             f->newest_first ? "DESC" : "ASC", f->newest_first ? "DESC" : "ASC");
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h->db, sql, -1, &s, NULL) != SQLITE_OK)
        return db_fail(h, err, "cannot query");
    const char *texts[] = {f->workload, f->model, f->gpu, f->precision};
    for (int i = 0; i < 4; i++)
        if (texts[i])
            sqlite3_bind_text(s, i + 1, texts[i], -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 5, f->batch);
    sqlite3_bind_int64(s, 6, f->id);
    sqlite3_bind_int64(s, 7, f->since_ns);
    sqlite3_bind_int64(s, 8, f->until_ns);
    sqlite3_bind_int(s, 9, f->kind);
    sqlite3_bind_text(s, 10, kind_name(f->kind == LW_RUN_ESTIMATE ? LW_RUN_ESTIMATE : LW_RUN_MEASUREMENT), -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 11, f->valid_only ? 1 : 0);
    sqlite3_bind_int64(s, 12, f->limit ? (sqlite3_int64)f->limit : -1);
    lw_run *arr = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    lw_status st = LW_OK;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 32;
            lw_run *na = realloc(arr, nc * sizeof *na);
            if (!na) {
                st = lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
                break;
            }
            arr = na;
            cap = nc;
        }
        lw_run *r = &arr[cnt++];
        memset(r, 0, sizeof *r);
        r->version = LW_RUN_VERSION;
        r->id = sqlite3_column_int64(s, 0);
        r->kind = strcmp((const char *)sqlite3_column_text(s, 1), "estimate") == 0 ? LW_RUN_ESTIMATE : LW_RUN_MEASUREMENT;
        r->time_ns = sqlite3_column_int64(s, 2);
        col_text(s, 3, r->workload, sizeof r->workload);
        col_text(s, 4, r->model, sizeof r->model);
        col_text(s, 5, r->gpu, sizeof r->gpu);
        col_text(s, 6, r->precision, sizeof r->precision);
        r->batch = sqlite3_column_int(s, 7);
        r->seq_len = sqlite3_column_int(s, 8);
        r->gpus = sqlite3_column_int(s, 9);
        double *nums[] = {&r->tokens, &r->tokens_per_s, &r->tokens_per_j, &r->j_per_token, &r->j_per_token_low,
                          &r->j_per_token_high, &r->avg_power_w, &r->energy_j, &r->duration_s, &r->idle_power_w};
        for (int i = 0; i < 10; i++)
            *nums[i] = col_real(s, 10 + i);
        r->valid = sqlite3_column_int(s, 20);
    }
    if (st == LW_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        st = db_fail(h, err, "cannot read runs");
    sqlite3_finalize(s);
    if (st != LW_OK) {
        free(arr);
        return st;
    }
    *out = arr;
    *n = cnt;
    return LW_OK;
}

lw_status lw_history_run_json(lw_history *h, long long id, char **json_text, lw_err *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h->db, "SELECT json FROM runs WHERE id = ?", -1, &s, NULL) != SQLITE_OK)
        return db_fail(h, err, "cannot query");
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    lw_status st = LW_OK;
    if (rc == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(s, 0);
        *json_text = strdup(t ? t : "");
        if (!*json_text)
            st = lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    } else if (rc == SQLITE_DONE)
        st = lw_fail(err, LW_ERR_NOT_FOUND, "'%s' has no run #%lld", h->path, id);
    else
        st = db_fail(h, err, "cannot read the run");
    sqlite3_finalize(s);
    return st;
}
