/* Progress callbacks of long library calls (llmwatt/progress.h). */
#include "core/progress.h"

#include "core/util.h"

lw_status lw_progress_check(const lw_progress_opts *opts, lw_err *err)
{
    if (!opts)
        return LW_OK;
    if (opts->version == 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "lw_progress_opts has version 0: start it from LW_PROGRESS_OPTS_INIT");
    if (opts->version > LW_PROGRESS_OPTS_VERSION)
        return lw_fail(err, LW_ERR_VERSION,
                       "lw_progress_opts version %u is newer than this libllmwatt %s (knows %u): use the library the program was "
                       "built with",
                       opts->version, lw_version(), (unsigned)LW_PROGRESS_OPTS_VERSION);
    return LW_OK;
}

lw_status lw_progress_opts_init(lw_progress_opts *opts, unsigned int version, lw_err *err)
{
    lw_progress_opts probe = {.version = version};
    lw_status st = lw_progress_check(&probe, err);
    if (st != LW_OK)
        return st;
    /* version 1 is the whole struct (a later one: only the caller's part) */
    *opts = lw_progress_opts_default();
    return LW_OK;
}

void lw_progress_report(const lw_progress_opts *opts, double done, double total, const char *what)
{
    if (opts && opts->progress)
        opts->progress(opts->progress_ctx, done, total, what);
}
