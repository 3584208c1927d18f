/* `llmwatt ui`: the web calculator. Opens the catalogue once, serves the embedded page and the
 * JSON API (ui_http.c, ui_api.c) until SIGINT or SIGTERM, which the main thread takes
 * synchronously for a clean shutdown. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "loop.h"
#include "ui.h"

static const char *usage_text =
    "usage: llmwatt ui [--listen HOST:PORT] [--rate N] [--timeout DURATION] [--max-connections N]\n"
    "                  [--catalogue FILE] [--calibration FILE]\n\n"
    "Serves the web calculator (one page, no network needed) and its JSON API from this binary:\n"
    "GET /api/estimate?model=&gpu=&gpus=&batch=&input=&output=... answers exactly what\n"
    "'llmwatt estimate --json' prints for the same options (--NAME=VALUE for NAME=VALUE);\n"
    "/api/sweep?...&vary=batch&values=1..256*2, /api/scale, /api/physics, /api/cost,\n"
    "/api/models, /api/gpus, /api/regions likewise (docs/ui.md). A bad value gets HTTP 400 with\n"
    "the CLI's one-line message. Read-only and stateless.\n"
    "  --listen HOST:PORT     address (default 127.0.0.1:8400, loopback; port 0 picks a free one);\n"
    "                         another address prints a note: anyone who reaches it can use it\n"
    "  --rate N               requests per second per client address, bursts of 2 s (default 100;\n"
    "                         0: no limit); more get HTTP 429\n"
    "  --timeout DURATION     idle connections are closed after this long (default 10s)\n"
    "  --max-connections N    open connections at once (default 64; half of them per address)\n"
    "  --catalogue FILE       extra catalogue file (also $LLMWATT_CATALOGUE), read once at start\n"
    "  --calibration FILE     a site calibration (llmwatt calibrate ... --output FILE; also\n"
    "                         $LLMWATT_CALIBRATION) used by every estimate and sweep (docs/loop.md)\n";

int cmd_ui(int argc, char **argv)
{
    enum { O_HELP = 256, O_LISTEN, O_RATE, O_TIMEOUT, O_MAXCONN, O_CAT, O_CALIB };
    static const cli_opt opts[] = {{"help", false, O_HELP},        {"listen", true, O_LISTEN},
                                   {"rate", true, O_RATE},         {"timeout", true, O_TIMEOUT},
                                   {"max-connections", true, O_MAXCONN}, {"catalogue", true, O_CAT},
                                   {"calibration", true, O_CALIB},      {NULL, false, 0}};
    const char *cmd = "ui", *listen_addr = "127.0.0.1:8400", *catfile = NULL, *calibration = NULL, *v;
    double rate = 100, timeout = 10;
    int max_conn = 64;
    int i = 1, id;
    while ((id = cli_getopt(cmd, argc, argv, opts, &i, &v)) > 0) {
        bool ok = true;
        switch (id) {
        case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
        case O_LISTEN: listen_addr = v; break;
        case O_RATE: ok = cli_number(cmd, "rate", v, 0, 1e9, &rate); break;
        case O_TIMEOUT:
            ok = cli_duration(cmd, "timeout", v, &timeout);
            if (ok && !(timeout >= 1 && timeout <= 3600))
                return cli_usage(cmd, "--timeout must be between 1s and 1h, got '%s'", v);
            break;
        case O_MAXCONN: ok = cli_int(cmd, "max-connections", v, 2, 10000, &max_conn); break;
        case O_CAT: catfile = v; break;
        case O_CALIB: calibration = v; break;
        }
        if (!ok)
            return EXIT_USAGE;
    }
    if (id < 0)
        return EXIT_USAGE;
    if (i < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
    if (calibration) {
        /* checked once here; every request's estimate and sweep then read it as the CLI does,
         * through LLMWATT_CALIBRATION (a query string never names a file) */
        cli_calibration cal;
        int crc = cli_calibration_open(cmd, calibration, &cal);
        if (crc)
            return crc;
        cli_calibration_close(&cal);
        if (setenv("LLMWATT_CALIBRATION", calibration, 1) != 0)
            return cli_usage(cmd, "--calibration: cannot set LLMWATT_CALIBRATION");
    }
    lw_catalogue *cat;
    int rc = cli_catalogue(cmd, catfile, &cat);
    if (rc)
        return rc;
    /* Signals are blocked in every thread (libmicrohttpd's inherits the mask) and taken here. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    ui_http_config cfg = {listen_addr, rate, (unsigned)ceil(timeout), (unsigned)max_conn};
    ui_http *h;
    char url[300];
    bool loopback;
    rc = ui_http_start(&cfg, cat, &h, url, sizeof url, &loopback);
    if (rc) {
        lw_catalogue_free(cat);
        return rc;
    }
    printf("llmwatt ui: serving the calculator on %s/ (API under %s/api/; Ctrl-C stops)\n", url, url);
    if (!loopback)
        printf("llmwatt ui: note: %s is not a loopback address: anyone who can reach it can use the calculator "
               "(read-only, %g requests/s per address)\n", url, rate);
    fflush(stdout);
    int sig;
    do
        sig = sigwaitinfo(&sigs, NULL);
    while (sig < 0 && errno == EINTR);
    ui_http_stop(h);
    lw_catalogue_free(cat);
    printf("llmwatt ui: stopped (%s)\n", sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP");
    return EXIT_OK;
}

/* The page's files, embedded from web/ by tools/embed.c (build/gen/web_assets.c). */
extern const ui_asset ui_assets[];

const ui_asset *ui_asset_find(const char *path)
{
    for (const ui_asset *a = ui_assets; a->path; a++)
        if (strcmp(a->path, path) == 0)
            return a;
    return NULL;
}
