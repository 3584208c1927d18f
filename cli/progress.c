/* Progress line on a terminal's stderr (cli/progress.h). */
#include "progress.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

#define DELAY_S 0.3   /* default of $LLMWATT_PROGRESS_DELAY: a fast command draws nothing */
#define REDRAW_S 0.1  /* at most 10 redraws a second */
#define BAR 24

static double since(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) * 1e-9;
}

void cli_progress_start(cli_progress *p, const char *cmd, bool quiet)
{
    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->on = !quiet && cli_stdout() == stdout && isatty(STDERR_FILENO);
    const char *d = getenv("LLMWATT_PROGRESS_DELAY");
    char *end = NULL;
    p->delay_s = d && *d ? strtod(d, &end) : DELAY_S;
    if (!end || *end || !(p->delay_s >= 0))
        p->delay_s = DELAY_S;
    clock_gettime(CLOCK_MONOTONIC, &p->t0);
}

static void eta_text(double s, char *buf, size_t n)
{
    if (!isfinite(s) || s < 0)
        snprintf(buf, n, "?");
    else if (s < 1)
        snprintf(buf, n, "<1 s");
    else if (s < 60)
        snprintf(buf, n, "%.0f s", s);
    else if (s < 3600)
        snprintf(buf, n, "%.0f min %02.0f s", floor(s / 60), fmod(s, 60));
    else
        snprintf(buf, n, "%.0f h %02.0f min", floor(s / 3600), floor(fmod(s, 3600) / 60));
}

void cli_progress_update(void *ctx, double done, double total, const char *what)
{
    cli_progress *p = ctx;
    if (!p->on)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double el = since(&p->t0, &now);
    if (el < p->delay_s || (p->shown && since(&p->last, &now) < REDRAW_S && done < total))
        return;
    p->last = now;
    double f = total > 0 ? fmin(fmax(done / total, 0), 1) : 0;
    int bar = (int)(f * BAR);
    char eta[32];
    eta_text(f > 0 ? el * (1 - f) / f : NAN, eta, sizeof eta);
    char line[256];
    int len = snprintf(line, sizeof line, "llmwatt %s: [%.*s%.*s] %3.0f%% %.0f/%.0f%s%s, ETA %s", p->cmd, bar,
                       "########################", BAR - bar, "........................", f * 100, done, total,
                       what && *what ? " " : "", what ? what : "", eta);
    if (len < 0)
        return;
    if (len >= (int)sizeof line)
        len = (int)sizeof line - 1;
    /* pad with blanks over the rest of a longer previous line */
    fprintf(stderr, "\r%s%*s", line, p->width > len ? p->width - len : 0, "");
    fflush(stderr);
    p->width = len;
    p->shown = true;
}

void cli_progress_end(cli_progress *p)
{
    if (!p->shown)
        return;
    fprintf(stderr, "\r%*s\r", p->width, "");
    fflush(stderr);
    p->shown = false;
}
