/* Shared helpers of the llmwatt subcommands: exit codes, one-line errors, option parsing,
 * catalogue and model resolution, JSON printing. Uses only the public API. */
#ifndef LW_CLI_COMMON_H
#define LW_CLI_COMMON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include "llmwatt/llmwatt.h"

/* Exit codes (documented in docs/cli.md). */
enum {
    EXIT_OK = 0,
    EXIT_FAIL = 1,       /* the answer is "no": regression found, measurement INVALID, child failed */
    EXIT_USAGE = 2,      /* wrong flag, missing or malformed value */
    EXIT_NOT_FOUND = 3,  /* unknown model, GPU, region, file */
    EXIT_INPUT = 4,      /* an input file is malformed or unreadable */
    EXIT_INFEASIBLE = 5, /* configuration cannot run (memory, GPUs, precision) */
    EXIT_NO_DEVICE = 6,  /* no power source to measure with */
    EXIT_INTERNAL = 70   /* out of memory or another internal failure */
};

/* In-process runs of a subcommand (`llmwatt ui` answers its API by calling cmd_estimate and the
 * others with an argv built from the query string). While a capture is set on the calling
 * thread, cli_print_json writes to out, cli_error to err, and cli_catalogue starts from a copy
 * of catalogue (opened once by the caller) instead of parsing the built-in one again. NULL
 * ends the capture. */
typedef struct cli_capture {
    FILE *out;
    FILE *err;
    const lw_catalogue *catalogue;
} cli_capture;
void cli_capture_set(const cli_capture *cap);
/* Where a command prints its --json answer: stdout, or the capture's out. */
FILE *cli_stdout(void);

/* Exit code for a library status. */
int cli_exit_code(lw_status st);

/* Prints "llmwatt CMD: MESSAGE" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints the error of a failed library call and returns its exit code. */
int cli_fail(const char *cmd, const lw_err *err);

/* Prints a usage error ending with "(see 'llmwatt CMD --help')" and returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Option table for cli_getopt: name without dashes, whether it takes a value, an id >= 256. */
typedef struct cli_opt {
    const char *name;
    bool has_arg;
    int id;
} cli_opt;

/* Parses the next option. Returns its id, 0 at the end of options (then *optind points to the
 * first operand; "--" ends options), or -1 after printing a usage error (unknown option, missing
 * value). Accepts "--name value" and "--name=value". "-h" maps to the option named "help". */
int cli_getopt(const char *cmd, int argc, char **argv, const cli_opt *opts, int *optind, const char **value);

/* cli_getopt for commands with positional arguments: where cli_getopt would stop at an argument
 * that is not an option (or the one after "--"), returns CLI_ARG with *value the argument and
 * moves past it; 0 only at the end of argv. Option ids must differ from CLI_ARG. */
#define CLI_ARG 1
int cli_getopt_args(const char *cmd, int argc, char **argv, const cli_opt *opts, int *optind, const char **value);

/* Parses the options of a command that takes only --help, --json and --catalogue FILE and
 * opens the catalogue. Returns EXIT_OK with *cat open (the caller frees it), or the exit code
 * to return with *cat NULL (EXIT_OK after printing --help). */
int cli_catalogue_command(const char *cmd, int argc, char **argv, const char *usage_text, bool *json, lw_catalogue **cat);

/* Number parsers: print a usage error naming the option and return false on bad input. */
bool cli_number(const char *cmd, const char *opt, const char *val, double min, double max, double *out);
bool cli_int(const char *cmd, const char *opt, const char *val, long min, long max, int *out);
bool cli_tokens(const char *cmd, const char *opt, const char *val, double *out);
/* Duration: "100ms", "10s", "5m", "2h", or a bare number of seconds. */
bool cli_duration(const char *cmd, const char *opt, const char *val, double *seconds);
/* "LO,EX,HI" with LO <= EX <= HI, each within [min, max]. */
bool cli_triple(const char *cmd, const char *opt, const char *val, double min, double max, double out[3]);
bool cli_precision(const char *cmd, const char *opt, const char *val, lw_precision *out);

/* Opens the built-in catalogue, then files from $LLMWATT_CATALOGUE (colon separated), then
 * user_file (may be NULL). Returns EXIT_OK or prints the error and returns its exit code. */
int cli_catalogue(const char *cmd, const char *user_file, lw_catalogue **out);

/* Resolves --model NAME or --model-config PATH (exactly one must be given). */
int cli_model(const char *cmd, lw_catalogue *cat, const char *name, const char *config_path, const lw_model_arch **out);
int cli_gpu(const char *cmd, const lw_catalogue *cat, const char *name, const lw_gpu **out);

/* The options of a command that costs one request shape on a model and a GPU: --catalogue,
 * --model, --model-config, --gpu, --gpus, --input, --output, --reasoning, --batch, --precision,
 * --kv-precision. Put CLI_REQUEST_OPTS in the command's option table (its own ids start at 256)
 * and pass every option id to cli_request_opt first. */
enum { CLI_O_CAT = 200, CLI_O_MODEL, CLI_O_CONFIG, CLI_O_GPU, CLI_O_GPUS, CLI_O_IN, CLI_O_OUT, CLI_O_REASON, CLI_O_BATCH,
       CLI_O_PREC, CLI_O_KVPREC };
#define CLI_REQUEST_OPTS                                                                                                \
    {"catalogue", true, CLI_O_CAT}, {"model", true, CLI_O_MODEL}, {"model-config", true, CLI_O_CONFIG},                   \
        {"gpu", true, CLI_O_GPU}, {"gpus", true, CLI_O_GPUS}, {"input", true, CLI_O_IN}, {"output", true, CLI_O_OUT},    \
        {"reasoning", true, CLI_O_REASON}, {"batch", true, CLI_O_BATCH}, {"precision", true, CLI_O_PREC},                \
        {"kv-precision", true, CLI_O_KVPREC}

typedef struct cli_request {
    const char *catfile, *model, *config, *gpu;
    int gpus;                          /* default 1 */
    lw_workload w;                     /* default lw_workload_default() */
    bool have_in, have_out, have_prec; /* --precision given (else the model's native precision) */
} cli_request;

cli_request cli_request_default(void);

/* Handles option id if it is one of CLI_REQUEST_OPTS: 1 handled, 0 not one of them, -1 after
 * printing a usage error. */
int cli_request_opt(const char *cmd, int id, const char *v, cli_request *r);

/* cli_open_model_gpu for a parsed request; the weight precision defaults to the model's native
 * one unless --precision was given. */
int cli_request_open(const char *cmd, cli_request *r, lw_catalogue **cat, const lw_model_arch **m, const lw_gpu **g);

/* Opens the catalogue (cli_catalogue) and resolves the model (cli_model) and, when gpu_name is
 * not NULL, the GPU (cli_gpu; *g is NULL otherwise). On success the caller frees *cat; on
 * failure the error is printed, nothing is left open and the exit code is returned. */
int cli_open_model_gpu(const char *cmd, const char *catfile, const char *model, const char *config, const char *gpu_name,
                       lw_catalogue **cat, const lw_model_arch **m, const lw_gpu **g);

/* A JSON number, or null when v is not finite (an undefined figure, never a made-up 0). */
json_t *cli_json_number(double v);

/* Prints a JSON value (indented, 15 significant digits) and a newline on stdout; steals the reference. */
int cli_print_json(json_t *v);

/* Stores one run (a measurement or an estimate, as JSON text) in the history database at
 * db_path (created if absent; --record). Prints the error and returns its exit code on failure. */
int cli_record(const char *cmd, const char *db_path, const char *json_text, bool is_measurement);

/* Rounded human-friendly number ("8.03e+09" -> "8.03 B" style is not used: SI with 3-4 significant digits). */
const char *cli_si(double v, const char *unit, char *buf, size_t n);

/* Whether path is a SQLite file (a history database) rather than a JSON or CSV file. */
bool cli_is_sqlite(const char *path);

/* v to sig significant digits as a plain decimal, never an exponent, without trailing zeros:
 * 10000, 0.0001234, 12.35, 0.048; "-" when not finite. */
const char *cli_plain(double v, int sig, char *buf, size_t n);

/* One phrase for a recorded run: its labels ("chat llama-3.1-8b bf16 batch 8 on 1 x H100"), or
 * "unlabelled measurement on 2 x NVIDIA H100 80GB HBM3, 30000 tokens in 10 s" without labels. */
void cli_describe_run(const lw_run *r, char *buf, size_t n);

/* --pue as every command takes it (the same as cost): a number from 1 to 10, or a catalogue name
 * under cost.pue (google, aws, industry, onprem, ...). Returns EXIT_OK or prints the error and
 * returns its exit code (EXIT_USAGE out of range, EXIT_NOT_FOUND for an unknown name). */
int cli_pue(const char *cmd, const lw_catalogue *cat, const char *val, double *out);

#endif
