/* A progress line on stderr for long commands (calibrate, validate, fit, trace, report): a bar,
 * the count and an ETA, redrawn in place, only when stderr is a terminal and --quiet was not
 * given (never in pipes, files or in-process runs of `llmwatt ui`), and cleared at the end so
 * nothing of it stays on screen. stdout is never touched. */
#ifndef LW_CLI_PROGRESS_H
#define LW_CLI_PROGRESS_H

#include <stdbool.h>
#include <time.h>

typedef struct cli_progress {
    const char *cmd;
    bool on;            /* drawing: stderr is a TTY, not --quiet, not captured */
    bool shown;         /* a line is on screen */
    int width;          /* characters of the last line, to clear it */
    double delay_s;     /* nothing is drawn before this ($LLMWATT_PROGRESS_DELAY, default 0.3 s) */
    struct timespec t0, last;
} cli_progress;

/* Starts timing; decides whether to draw at all. */
void cli_progress_start(cli_progress *p, const char *cmd, bool quiet);

/* An lw_progress_fn (ctx: a cli_progress): draws "llmwatt CMD: [####....] 42% 12/28 WHAT, ETA 13 s"
 * at most 10 times a second, from delay_s after the start (fast commands draw nothing). */
void cli_progress_update(void *ctx, double done, double total, const char *what);

/* Clears the line if one was drawn. */
void cli_progress_end(cli_progress *p);

#endif
