/* Internal: checking and calling a caller's lw_progress_opts. */
#ifndef LW_CORE_PROGRESS_H
#define LW_CORE_PROGRESS_H

#include "llmwatt/progress.h"

/* LW_OK for NULL or a version this library knows; else the error of lw_progress_opts_init. */
lw_status lw_progress_check(const lw_progress_opts *opts, lw_err *err);

/* Calls the callback when there is one. */
void lw_progress_report(const lw_progress_opts *opts, double done, double total, const char *what);

#endif
