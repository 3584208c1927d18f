/* Scraping other exporters: the Prometheus text parser, URLs and the HTTP GET (against an
 * in-process loopback server), --engine specs, the engine extraction (vLLM V0/V1, SGLang, TGI,
 * a named counter) and the exporter's per-GPU attribution, resets, dead engines, cost and
 * carbon. Expected values are hand-worked in the comments. */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "llmwatt/exporter.h"
#include "operate/scrape.h"
#include "testutil.h"

/* ---- the parser ---- */

static void test_parse_page(void **state)
{
    (void)state;
    /* comments, blank lines, CRLF, escapes, a trailing comma, NaN/+Inf, a timestamp, no labels */
    const char *text = "# HELP a_total Something.\n# TYPE a_total counter\n\n"
                       "a_total{x=\"1\",y=\"q\\\"uo\\\\te\\n\",} 12.5\r\n"
                       "b NaN\n"
                       "  c{le=\"+Inf\"} +Inf 1700000000000\n"
                       "vllm:generation_tokens_total{model_name=\"m/1\"} 1e3\n";
    lw_prom_page p;
    lw_err err;
    assert_int_equal(lw_prom_parse(text, strlen(text), &p, &err), LW_OK);
    assert_int_equal(p.n, 4);
    assert_true(lw_prom_name_is(&p.s[0], "a_total"));
    assert_false(lw_prom_name_is(&p.s[0], "a_tota"));
    assert_rel(p.s[0].value, 12.5, 0);
    char v[32];
    assert_true(lw_prom_label(&p.s[0], "y", v, sizeof v));
    assert_string_equal(v, "q\"uo\\te\n");
    assert_true(lw_prom_label(&p.s[0], "x", v, sizeof v));
    assert_string_equal(v, "1");
    assert_false(lw_prom_label(&p.s[0], "z", v, sizeof v));
    assert_true(isnan(p.s[1].value));
    assert_true(isinf(p.s[2].value) && p.s[2].value > 0);
    assert_true(lw_prom_name_is(&p.s[3], "vllm:generation_tokens_total"));
    assert_rel(p.s[3].value, 1000, 0);
    /* a value cut to the buffer */
    assert_true(lw_prom_label(&p.s[3], "model_name", v, 3));
    assert_string_equal(v, "m/");
    lw_prom_page_free(&p);
    /* no terminator needed: the length bounds the parse */
    char exact[] = {'z', ' ', '7'};
    assert_int_equal(lw_prom_parse(exact, sizeof exact, &p, NULL), LW_OK);
    assert_int_equal(p.n, 1);
    assert_rel(p.s[0].value, 7, 0);
    lw_prom_page_free(&p);
    /* ... nor after a timestamp ending the buffer (found by fuzz_promtext) */
    char stamped[] = {'z', ' ', '7', ' ', '1', '7'};
    assert_int_equal(lw_prom_parse(stamped, sizeof stamped, &p, NULL), LW_OK);
    assert_int_equal(p.n, 1);
    lw_prom_page_free(&p);
}

static void expect_bad(const char *text, const char *msg)
{
    lw_prom_page p;
    lw_err err;
    assert_int_equal(lw_prom_parse(text, strlen(text), &p, &err), LW_ERR_PARSE);
    if (!strstr(lw_err_message(&err), msg)) {
        print_error("'%s' -> '%s', expected '%s'\n", text, lw_err_message(&err), msg);
        fail();
    }
    assert_null(p.s);
    assert_int_equal(p.n, 0);
}

static void test_parse_malformed(void **state)
{
    (void)state;
    expect_bad("ok 1\nbad\n", "line 2: expected a blank and a value");
    expect_bad("a{x=\"1} 2\n", "line 1: unterminated");
    expect_bad("a{x=1} 2\n", "quoted");
    expect_bad("a{9x=\"1\"} 2\n", "label name");
    expect_bad("a{x=\"1\" y=\"2\"} 2\n", "expected ','");
    expect_bad("a 12abc\n", "not a number");
    expect_bad("a 1 2 3\n", "unexpected text");
    expect_bad("a 1 1.5\n", "timestamp");
    expect_bad("9a 1\n", "metric name");
    expect_bad("a nan\n", "not a number");
    lw_prom_page p;
    lw_err err;
    const char nul[] = "a 1\n\0b 2\n";
    assert_int_equal(lw_prom_parse(nul, sizeof nul - 1, &p, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "NUL"));
    assert_int_equal(lw_prom_parse("x", (size_t)LW_PROM_MAX_BYTES + 1, &p, &err), LW_ERR_INVALID_ARGUMENT);
}

/* ---- URLs ---- */

static void test_url(void **state)
{
    (void)state;
    lw_url u;
    lw_err err;
    assert_int_equal(lw_url_parse("http://user:pass@10.0.0.5:9400", &u, &err), LW_OK);
    assert_string_equal(u.host, "10.0.0.5");
    assert_string_equal(u.port, "9400");
    assert_string_equal(u.path, "/metrics");
    assert_string_equal(u.auth, "dXNlcjpwYXNz"); /* base64("user:pass"), RFC 4648 */
    assert_string_equal(u.redacted, "http://10.0.0.5:9400/metrics");
    assert_int_equal(lw_url_parse("http://h/x/metrics?y=1", &u, &err), LW_OK);
    assert_string_equal(u.port, "80");
    assert_string_equal(u.path, "/x/metrics?y=1");
    assert_string_equal(u.auth, "");
    assert_int_equal(lw_url_parse("http://[::1]:8000/m", &u, &err), LW_OK);
    assert_string_equal(u.host, "::1");
    assert_string_equal(u.redacted, "http://[::1]:8000/m");
    assert_int_equal(lw_url_parse("https://h/", &u, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "http://"));
    assert_int_equal(lw_url_parse("http://a:b@h:99999/", &u, &err), LW_ERR_INVALID_ARGUMENT);
    assert_null(strstr(lw_err_message(&err), "a:b"));
    assert_int_equal(lw_url_parse("http://:80/", &u, &err), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(lw_url_parse("http://h/a b", &u, &err), LW_ERR_INVALID_ARGUMENT);
}

/* ---- a loopback HTTP server answering each connection with one canned reply ---- */

typedef struct fake_server {
    int fd;
    int port;
    const char *reply;  /* whole HTTP response */
    int conns;          /* connections to serve */
    char request[2048]; /* the last request's head */
    pthread_t th;
} fake_server;

static void *serve_thread(void *arg)
{
    fake_server *fs = arg;
    for (int i = 0; i < fs->conns; i++) {
        int c = accept(fs->fd, NULL, NULL);
        if (c < 0)
            break;
        size_t n = 0;
        while (n + 1 < sizeof fs->request) {
            ssize_t r = recv(c, fs->request + n, sizeof fs->request - 1 - n, 0);
            if (r <= 0)
                break;
            n += (size_t)r;
            fs->request[n] = '\0';
            if (strstr(fs->request, "\r\n\r\n"))
                break;
        }
        if (fs->reply) {
            size_t len = strlen(fs->reply), off = 0;
            while (off < len) {
                ssize_t w = send(c, fs->reply + off, len - off, MSG_NOSIGNAL);
                if (w <= 0)
                    break;
                off += (size_t)w;
            }
        } else {
            usleep(600000); /* never answers within the client's deadline */
        }
        close(c);
    }
    return NULL;
}

static void start_server(fake_server *fs, const char *reply, int conns)
{
    memset(fs, 0, sizeof *fs);
    fs->reply = reply;
    fs->conns = conns;
    fs->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fs->fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fs->fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t sl = sizeof a;
    assert_int_equal(getsockname(fs->fd, (struct sockaddr *)&a, &sl), 0);
    fs->port = ntohs(a.sin_port);
    assert_int_equal(listen(fs->fd, 8), 0);
    assert_int_equal(pthread_create(&fs->th, NULL, serve_thread, fs), 0);
}

static void stop_server(fake_server *fs)
{
    pthread_join(fs->th, NULL);
    close(fs->fd);
}

static char *reply_with(const char *body)
{
    size_t n = strlen(body) + 200;
    char *r = malloc(n);
    assert_non_null(r);
    snprintf(r, n, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);
    return r;
}

static void test_http_get(void **state)
{
    (void)state;
    fake_server fs;
    char *reply = reply_with("up 1\n");
    start_server(&fs, reply, 1);
    char url[128];
    snprintf(url, sizeof url, "http://me:s3cret@127.0.0.1:%d/metrics", fs.port);
    lw_url u;
    assert_int_equal(lw_url_parse(url, &u, NULL), LW_OK);
    char *body;
    size_t len;
    lw_err err;
    assert_int_equal(lw_http_get(&u, 5, 1000, &body, &len, &err), LW_OK);
    stop_server(&fs);
    assert_int_equal(len, 5);
    assert_string_equal(body, "up 1\n");
    assert_non_null(strstr(fs.request, "GET /metrics HTTP/1.0\r\n"));
    assert_non_null(strstr(fs.request, "Authorization: Basic bWU6czNjcmV0\r\n")); /* base64("me:s3cret") */
    free(body);
    /* a body over the cap */
    start_server(&fs, reply, 1);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", fs.port);
    assert_int_equal(lw_url_parse(url, &u, NULL), LW_OK);
    assert_int_equal(lw_http_get(&u, 5, 4, &body, &len, &err), LW_ERR_INVALID_ARGUMENT);
    stop_server(&fs);
    free(reply);
    /* an HTTP error status */
    start_server(&fs, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n", 1);
    snprintf(url, sizeof url, "http://me:s3cret@127.0.0.1:%d/", fs.port);
    assert_int_equal(lw_url_parse(url, &u, NULL), LW_OK);
    assert_int_equal(lw_http_get(&u, 5, 1000, &body, &len, &err), LW_ERR_IO);
    stop_server(&fs);
    assert_non_null(strstr(lw_err_message(&err), "HTTP 401"));
    assert_null(strstr(lw_err_message(&err), "s3cret"));
    /* no answer within the deadline */
    start_server(&fs, NULL, 1);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", fs.port);
    assert_int_equal(lw_url_parse(url, &u, NULL), LW_OK);
    assert_int_equal(lw_http_get(&u, 0.2, 1000, &body, &len, &err), LW_ERR_IO);
    stop_server(&fs);
    /* nothing listening: the port of a closed socket */
    assert_int_equal(lw_http_get(&u, 1, 1000, &body, &len, &err), LW_ERR_IO);
    assert_non_null(strstr(lw_err_message(&err), "cannot connect"));
}

/* ---- --engine specs ---- */

static void test_engine_spec(void **state)
{
    (void)state;
    lw_engine_spec *s;
    lw_err err;
    int g[4];
    char t[256];
    assert_int_equal(lw_engine_spec_parse("vllm=http://u:p@node:8000/metrics@0,1", &s, &err), LW_OK);
    assert_int_equal(lw_engine_spec_kind(s), LW_ENGINE_VLLM);
    assert_int_equal(lw_engine_spec_gpus(s, g, 4), 2);
    assert_int_equal(g[0], 0);
    assert_int_equal(g[1], 1);
    assert_int_equal(lw_engine_spec_gpus(s, g, 1), 2); /* the count, even when fewer are copied */
    lw_engine_spec_target(s, t, sizeof t);
    assert_string_equal(t, "http://node:8000/metrics");
    lw_engine_spec_free(s);
    assert_int_equal(lw_engine_spec_parse("tgi:mistral-7b=http://h:3000", &s, &err), LW_OK);
    assert_int_equal(lw_engine_spec_kind(s), LW_ENGINE_TGI);
    assert_int_equal(lw_engine_spec_gpus(s, g, 4), 0);
    lw_engine_spec_target(s, t, sizeof t);
    assert_string_equal(t, "http://h:3000/metrics");
    lw_engine_spec_free(s);
    assert_int_equal(lw_engine_spec_parse("prometheus:trtllm:output_tokens_total=http://h:8002/metrics@3", &s, &err), LW_OK);
    assert_int_equal(lw_engine_spec_kind(s), LW_ENGINE_PROMETHEUS);
    assert_int_equal(lw_engine_spec_gpus(s, g, 4), 1);
    assert_int_equal(g[0], 3);
    lw_engine_spec_free(s);
    const char *bad[] = {"vllm", "ollama=http://h", "vllm:x=http://h", "prometheus=http://h", "prometheus:9x=http://h",
                         "vllm=http://h@0,0", "vllm=http://h@64", "tgi:bad name=http://h", "sglang=ftp://u:hunter2@h"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = (lw_engine_spec *)&err; /* must be reset to NULL */
        assert_int_equal(lw_engine_spec_parse(bad[i], &s, &err), LW_ERR_INVALID_ARGUMENT);
        assert_null(s);
        assert_null(strstr(lw_err_message(&err), "hunter2"));
    }
    assert_int_equal(lw_engine_spec_parse("ollama=http://h", &s, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "'ollama' is unknown"));
}

/* ---- the exporter with engines ---- */

static lw_exporter *exporter(double tick_s, double hold_s)
{
    lw_exporter_config c = lw_exporter_config_default();
    c.tick_s = tick_s;
    c.hold_s = hold_s;
    lw_exporter *e = NULL;
    assert_int_equal(lw_exporter_new(&c, &e, NULL), LW_OK);
    return e;
}

static size_t add_gpu(lw_exporter *e, int index)
{
    lw_device_info d;
    memset(&d, 0, sizeof d);
    d.index = index;
    d.kind = LW_DEVICE_GPU;
    snprintf(d.name, sizeof d.name, "GPU %d", index);
    d.power_limit_w = NAN;
    d.has_energy_counter = true;
    size_t slot;
    assert_int_equal(lw_exporter_add_device(e, &d, &slot, NULL), LW_OK);
    return slot;
}

static void energy(lw_exporter *e, size_t slot, double t_s, double j)
{
    lw_power_sample s;
    memset(&s, 0, sizeof s);
    s.t_ns = (int64_t)llround(t_s * 1e9);
    s.energy_j = j;
    s.power_w = s.utilization = s.sm_clock_mhz = s.temperature_c = NAN;
    s.ok = true;
    assert_int_equal(lw_exporter_observe(e, slot, &s, NULL), LW_OK);
}

static void counters(lw_exporter *e, size_t id, const char *wl, double out, double prompt)
{
    lw_err err;
    if (lw_exporter_engine_counters(e, id, wl, out, prompt, &err) != LW_OK) {
        print_error("%s\n", lw_err_message(&err));
        fail();
    }
}

/* Three GPUs at 400 J per 1 s tick. Engine A (vllm, model "a/m") runs on GPUs 0 and 1, engine B
 * (sglang, model "b") on GPU 2, and a POST workload "p" is unmapped.
 * t=1: A 1000 -> first reading is the baseline (0 tokens), B baseline 50; both active:
 *      GPUs 0,1 -> A (800 J), GPU 2 -> B (400 J). p is not active.
 * t=2: A +500 tokens, B +100. A gets 800 J (1600), B 400 (800).
 * t=3: A restarts: its counter reads 200 (< 1500): +200 tokens, not -1300. B stops answering:
 *      its GPU 2 energy goes to the active unmapped workloads: p reported 10 tokens -> p 400 J.
 * t=4: nobody reports and B is down; A's reading of t=3 is within the 2 s hold: A 800 (3200);
 *      GPU 2: B is down, p's report (t=3) is within the hold -> p 800. */
static void test_engine_attribution(void **state)
{
    (void)state;
    lw_exporter *e = exporter(1.0, 2.0);
    size_t g[3];
    for (int i = 0; i < 3; i++)
        g[i] = add_gpu(e, i);
    int ga[] = {0, 1}, gb[] = {2};
    size_t a, b, dcgm;
    assert_int_equal(lw_exporter_add_target(e, "http://a:8000/metrics", "vllm", ga, 2, &a, NULL), LW_OK);
    assert_int_equal(lw_exporter_add_target(e, "http://b:30000/metrics", "sglang", gb, 1, &b, NULL), LW_OK);
    assert_int_equal(lw_exporter_add_target(e, "http://d:9400/metrics", NULL, NULL, 0, &dcgm, NULL), LW_OK);
    lw_err err;
    assert_int_equal(lw_exporter_engine_counters(e, dcgm, "x", 1, 1, &err), LW_ERR_INVALID_ARGUMENT);
    for (int i = 0; i < 3; i++)
        energy(e, g[i], 0, 1e6);
    lw_exporter_tick(e); /* t=0: the first interval has no energy */
    /* cost at $0.10/kWh and PUE 1.2, carbon at 400 g/kWh, then 900 g/kWh for the last interval */
    assert_int_equal(lw_exporter_set_tariff(e, 0.10, 1.2, 400, NULL), LW_OK);
    assert_int_equal(lw_exporter_set_tariff(e, -1, 1.2, 400, &err), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(lw_exporter_set_tariff(e, 0.1, 0.5, 400, &err), LW_ERR_INVALID_ARGUMENT);
    counters(e, a, "a/m", 1000, 500);
    counters(e, b, "b", 50, NAN);
    for (int i = 0; i < 3; i++)
        energy(e, g[i], 1, 1e6 + 400);
    lw_exporter_tick(e);
    assert_rel(lw_exporter_workload_energy_j(e, "a/m"), 800, 1e-12);
    assert_rel(lw_exporter_workload_energy_j(e, "b"), 400, 1e-12);
    assert_rel(lw_exporter_workload_tokens(e, "a/m"), 0, 0);
    counters(e, a, "a/m", 1500, 700);
    counters(e, b, "b", 150, NAN);
    for (int i = 0; i < 3; i++)
        energy(e, g[i], 2, 1e6 + 800);
    lw_exporter_tick(e);
    assert_rel(lw_exporter_workload_energy_j(e, "a/m"), 1600, 1e-12);
    assert_rel(lw_exporter_workload_energy_j(e, "b"), 800, 1e-12);
    assert_rel(lw_exporter_workload_tokens(e, "a/m"), 500, 0);
    assert_rel(lw_exporter_workload_tokens(e, "b"), 100, 0);
    counters(e, a, "a/m", 200, 100);
    lw_exporter_target_result(e, b, false);
    assert_int_equal(lw_exporter_report_tokens(e, "p", 10, NULL), LW_OK);
    for (int i = 0; i < 3; i++)
        energy(e, g[i], 3, 1e6 + 1200);
    lw_exporter_tick(e);
    assert_rel(lw_exporter_workload_tokens(e, "a/m"), 700, 0);
    assert_rel(lw_exporter_workload_energy_j(e, "a/m"), 2400, 1e-12);
    assert_rel(lw_exporter_workload_energy_j(e, "b"), 800, 1e-12);
    assert_rel(lw_exporter_workload_energy_j(e, "p"), 400, 1e-12);
    lw_exporter_target_result(e, b, false);
    assert_int_equal(lw_exporter_set_tariff(e, 0.10, 1.2, 900, NULL), LW_OK);
    for (int i = 0; i < 3; i++)
        energy(e, g[i], 4, 1e6 + 1600);
    lw_exporter_tick(e);
    assert_rel(lw_exporter_workload_energy_j(e, "a/m"), 3200, 1e-12);
    assert_rel(lw_exporter_workload_energy_j(e, "p"), 800, 1e-12);
    lw_exporter_totals t;
    lw_exporter_get_totals(e, &t);
    assert_rel(t.unattributed_energy_j, 0, 1e-9);
    assert_rel(t.gpu_energy_j, 4800, 1e-12);

    /* a/m 3200 J -> 3200 x 1.2 / 3.6e6 kWh = 1.0666...e-3 kWh -> $1.0666...e-4; carbon: the first
     * 2400 J at 400 g/kWh and the last 800 J at 900 g/kWh -> (2400 x 400 + 800 x 900) x 1.2 / 3.6e6
     * = 0.56 g */
    char *text;
    size_t len;
    assert_int_equal(lw_exporter_render(e, &text, &len, NULL), LW_OK);
    double v;
    const char *p = strstr(text, "llmwatt_energy_cost_dollars_total{workload=\"a/m\",engine=\"vllm\"} ");
    assert_non_null(p);
    assert_int_equal(sscanf(strchr(p, '}') + 1, "%lf", &v), 1);
    assert_rel(v, 3200 * 1.2 / 3.6e6 * 0.10, 1e-12);
    p = strstr(text, "llmwatt_carbon_grams_total{workload=\"a/m\",engine=\"vllm\"} ");
    assert_non_null(p);
    assert_int_equal(sscanf(strchr(p, '}') + 1, "%lf", &v), 1);
    assert_rel(v, 0.56, 1e-12);
    assert_non_null(strstr(text, "llmwatt_prompt_tokens_total{workload=\"a/m\",engine=\"vllm\"} 300\n")); /* 500 -> 700: +200; restart to 100: +100 */
    assert_non_null(strstr(text, "llmwatt_target_up{target=\"http://b:30000/metrics\",kind=\"sglang\"} 0\n"));
    assert_non_null(strstr(text, "llmwatt_scrape_errors_total{target=\"http://b:30000/metrics\",kind=\"sglang\"} 2\n"));
    assert_non_null(strstr(text, "llmwatt_target_up{target=\"http://d:9400/metrics\",kind=\"dcgm\"} 1\n"));
    assert_non_null(strstr(text, "llmwatt_workload_active{workload=\"b\",engine=\"sglang\"} 0\n"));
    assert_non_null(strstr(text, "llmwatt_energy_joules_total{workload=\"p\"} 800\n"));
    /* J per output token over the 2-interval hold of a/m: intervals t=3 and t=4 gave it
     * 800 + 800 J for 200 + 0 tokens -> 8 J/token */
    p = strstr(text, "llmwatt_energy_per_output_token_joules{workload=\"a/m\",engine=\"vllm\"} ");
    assert_non_null(p);
    assert_int_equal(sscanf(strchr(p, '}') + 1, "%lf", &v), 1);
    assert_rel(v, 8, 1e-12);
    free(text);
    lw_exporter_free(e);
}

/* ---- scraping real pages from the loopback server ---- */

static void scrape_page(const char *spec_base, const char *body, const char *wl, double out, double prompt)
{
    lw_exporter *e = exporter(1.0, 10.0);
    fake_server fs;
    char *reply = reply_with(body);
    start_server(&fs, reply, 1);
    char spec_text[256];
    snprintf(spec_text, sizeof spec_text, "%s=http://127.0.0.1:%d/metrics", spec_base, fs.port);
    lw_engine_spec *spec;
    lw_err err;
    assert_int_equal(lw_engine_spec_parse(spec_text, &spec, &err), LW_OK);
    lw_engine_kind kind = lw_engine_spec_kind(spec);
    size_t id;
    assert_int_equal(lw_exporter_add_target(e, "t", lw_engine_kind_name(kind), NULL, 0, &id, NULL), LW_OK);
    lw_status st = lw_exporter_scrape_engine(e, id, spec, 5, &err);
    lw_engine_spec_free(spec);
    stop_server(&fs);
    free(reply);
    if (st != LW_OK) {
        print_error("%s: %s\n", spec_text, lw_err_message(&err));
        fail();
    }
    /* the first scrape is the baseline; a second reading 10 tokens higher proves the sums */
    assert_rel(lw_exporter_workload_tokens(e, wl), 0, 0);
    counters(e, id, wl, out + 10, isnan(prompt) ? NAN : prompt + 4);
    assert_rel(lw_exporter_workload_tokens(e, wl), 10, 0);
    char *text;
    size_t len;
    assert_int_equal(lw_exporter_render(e, &text, &len, NULL), LW_OK);
    char line[256];
    snprintf(line, sizeof line, "llmwatt_prompt_tokens_total{workload=\"%s\",engine=\"%s\"} %s\n", wl, lw_engine_kind_name(kind),
             isnan(prompt) ? "0" : "4");
    assert_non_null(strstr(text, line));
    free(text);
    lw_exporter_free(e);
}

static void test_scrape_engines(void **state)
{
    (void)state;
    /* vLLM V0: one series per model */
    scrape_page("vllm",
                "# TYPE vllm:generation_tokens_total counter\n"
                "vllm:generation_tokens_total{model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} 1234.0\n"
                "vllm:prompt_tokens_total{model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} 99.0\n"
                "vllm:request_generation_tokens_sum{model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} 5.0\n",
                "meta-llama/Llama-3.1-8B-Instruct", 1234, 99);
    /* vLLM V1 with two data-parallel engine cores: 600 + 400 summed */
    scrape_page("vllm",
                "vllm:generation_tokens_total{engine=\"0\",model_name=\"m\"} 600\n"
                "vllm:generation_tokens_total{engine=\"1\",model_name=\"m\"} 400\n"
                "vllm:prompt_tokens_total{engine=\"0\",model_name=\"m\"} 7\nvllm:prompt_tokens_total{engine=\"1\",model_name=\"m\"} 3\n",
                "m", 1000, 10);
    /* SGLang writes counters in exponent form; a model name with a blank is made a valid name */
    scrape_page("sglang",
                "sglang:prompt_tokens_total{model_name=\"my model\"} 8.128902e+06\n"
                "sglang:generation_tokens_total{model_name=\"my model\"} 7.557572e+06\n",
                "my_model", 7557572, 8128902);
    /* TGI: histogram sums, no model label: the name given in the spec */
    scrape_page("tgi:mistral",
                "tgi_request_generated_tokens_bucket{le=\"+Inf\"} 3\ntgi_request_generated_tokens_sum 250\n"
                "tgi_request_generated_tokens_count 3\ntgi_request_input_length_sum 40\n",
                "mistral", 250, 40);
    /* a named counter, by its model label */
    scrape_page("prometheus:trt_output_tokens_total",
                "trt_output_tokens_total{model=\"llama\",gpu=\"0\"} 70\ntrt_output_tokens_total{model=\"llama\",gpu=\"1\"} 30\n", "llama", 100,
                NAN);

    /* a page without the counter and a malformed page are scrape errors */
    lw_exporter *e = exporter(1.0, 10.0);
    size_t id;
    assert_int_equal(lw_exporter_add_target(e, "t", "vllm", NULL, 0, &id, NULL), LW_OK);
    const char *pages[2] = {"other_metric 1\n", "vllm:generation_tokens_total{model_name=\"x 1\n"};
    const char *msgs[2] = {"no vllm:generation_tokens_total sample", "malformed metrics page: line 1"};
    for (int k = 0; k < 2; k++) {
        fake_server fs;
        char *reply = reply_with(pages[k]);
        start_server(&fs, reply, 1);
        char spec_text[128];
        snprintf(spec_text, sizeof spec_text, "vllm=http://127.0.0.1:%d/metrics", fs.port);
        lw_engine_spec *spec;
        lw_err err;
        assert_int_equal(lw_engine_spec_parse(spec_text, &spec, NULL), LW_OK);
        assert_int_equal(lw_exporter_scrape_engine(e, id, spec, 5, &err), LW_ERR_PARSE);
        lw_engine_spec_free(spec);
        stop_server(&fs);
        free(reply);
        assert_non_null(strstr(lw_err_message(&err), msgs[k]));
    }
    char *text;
    size_t len;
    assert_int_equal(lw_exporter_render(e, &text, &len, NULL), LW_OK);
    assert_non_null(strstr(text, "llmwatt_scrape_errors_total{target=\"t\",kind=\"vllm\"} 2\n"));
    free(text);
    lw_exporter_free(e);
}

/* dcgm-exporter through the power-source API: two GPUs (MIG repeats GPU 0: first series wins),
 * mJ to J, % to a fraction, labels into the device info. */
static void test_dcgm_source(void **state)
{
    (void)state;
    const char *page =
        "# HELP DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION Total energy consumption since boot (in mJ).\n"
        "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu=\"1\",UUID=\"GPU-b\",device=\"nvidia1\",modelName=\"NVIDIA H100 80GB HBM3\",Hostname=\"n\",DCGM_FI_DRIVER_VERSION=\"550.54.15\"} 2500000\n"
        "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu=\"0\",UUID=\"GPU-a\",modelName=\"NVIDIA A800-SXM4-80GB\",GPU_I_ID=\"3\"} 1000500\n"
        "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu=\"0\",UUID=\"GPU-a\",modelName=\"NVIDIA A800-SXM4-80GB\",GPU_I_ID=\"5\"} 1\n"
        "DCGM_FI_DEV_POWER_USAGE{gpu=\"0\",UUID=\"GPU-a\"} 251.5\nDCGM_FI_DEV_POWER_USAGE{gpu=\"1\",UUID=\"GPU-b\"} 400\n"
        "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\"} 85\nDCGM_FI_DEV_POWER_MGMT_LIMIT{gpu=\"1\"} 700\n"
        "DCGM_FI_DEV_CLOCK_THROTTLE_REASONS{gpu=\"1\"} 64\n";
    fake_server fs;
    char *reply = reply_with(page);
    start_server(&fs, reply, 2);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", fs.port);
    lw_power_source *src;
    lw_err err;
    assert_int_equal(lw_power_open_dcgm(url, 5, &src, &err), LW_OK);
    assert_int_equal(lw_power_kind(src), LW_SOURCE_DCGM);
    assert_string_equal(lw_power_kind_name(LW_SOURCE_DCGM), "dcgm");
    assert_int_equal(lw_power_device_count(src), 2);
    lw_device_info in;
    assert_int_equal(lw_power_device_info(src, 0, &in, NULL), LW_OK);
    assert_int_equal(in.index, 0);
    assert_string_equal(in.uuid, "GPU-a");
    assert_string_equal(in.name, "NVIDIA A800-SXM4-80GB");
    assert_string_equal(in.driver, "dcgm-exporter");
    assert_true(in.has_energy_counter);
    assert_true(isnan(in.power_limit_w));
    assert_int_equal(lw_power_device_info(src, 1, &in, NULL), LW_OK);
    assert_string_equal(in.driver, "550.54.15");
    assert_rel(in.power_limit_w, 700, 0);
    lw_power_sample s0, s1;
    assert_int_equal(lw_power_read(src, 0, &s0, NULL), LW_OK);
    assert_int_equal(lw_power_read(src, 1, &s1, NULL), LW_OK);
    stop_server(&fs);
    free(reply);
    assert_true(s0.ok && s1.ok);
    assert_rel(s0.energy_j, 1000.5, 1e-15);
    assert_rel(s0.power_w, 251.5, 0);
    assert_rel(s0.utilization, 0.85, 1e-15);
    assert_false(s0.throttle_known);
    assert_rel(s1.energy_j, 2500, 0);
    assert_true(s1.throttle_known);
    assert_int_equal(s1.throttle_reasons, LW_THROTTLE_HW_THERMAL);
    /* one scrape for the pass: the server answers two connections (open, this pass), so a second
     * scrape for GPU 1 would have failed and read ok = false */
    char msg[300];
    assert_false(lw_power_scrape_error(src, msg, sizeof msg));
    /* the server is gone: the next pass reads ok = false, with the reason */
    assert_int_equal(lw_power_read(src, 0, &s0, NULL), LW_OK);
    assert_false(s0.ok);
    assert_true(lw_power_scrape_error(src, msg, sizeof msg));
    assert_non_null(strstr(msg, "cannot connect"));
    lw_power_close(src);
    /* nothing listening at open */
    assert_int_equal(lw_power_open_dcgm(url, 1, &src, &err), LW_ERR_IO);
    assert_null(src);
    /* a page without GPUs */
    reply = reply_with("up 1\n");
    start_server(&fs, reply, 1);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", fs.port);
    assert_int_equal(lw_power_open_dcgm(url, 5, &src, &err), LW_ERR_NO_DEVICE);
    stop_server(&fs);
    free(reply);
    assert_non_null(strstr(lw_err_message(&err), "is it dcgm-exporter?"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_page),  cmocka_unit_test(test_parse_malformed), cmocka_unit_test(test_url),
        cmocka_unit_test(test_http_get),    cmocka_unit_test(test_engine_spec),     cmocka_unit_test(test_engine_attribution),
        cmocka_unit_test(test_scrape_engines), cmocka_unit_test(test_dcgm_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
