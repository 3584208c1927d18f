/* One function per subcommand, each in cli/cmd_NAME.c; argv[0] is the subcommand name. */
#ifndef LW_CLI_COMMANDS_H
#define LW_CLI_COMMANDS_H

#define LW_COMMANDS(X)                                                                   \
    X(models, "list the built-in models with derived parameter counts")                  \
    X(gpus, "list the built-in GPUs with their specifications")                          \
    X(show, "show one model's architecture or one GPU's specification")                  \
    X(flops, "FLOP and byte accounting of a request (prefill and decode)")               \
    X(sources, "every constant with its value, range, source and year")                  \
    X(estimate, "energy per request and per token, with a low..high band")               \
    X(sweep, "vary one input and tabulate or plot the estimate")                         \
    X(calibrate, "fit the roofline power and efficiency coefficients to measurements")   \
    X(validate, "predicted vs measured energy for a points file, per method")            \
    X(scale, "extrapolate a measured J/token to another model and GPU (seed 000)")       \
    X(fit, "fit seed 000's k, mu_arch and eta_util to measurements")                     \
    X(physics, "energy per MAC, physics limit and MFU check for a GPU (seed 002)")       \
    X(measure, "run a workload and measure its GPU/CPU energy and tokens per joule")     \
    X(cost, "electricity cost, carbon and break-even per 1M tokens")                     \
    X(history, "list recorded runs from a history database")                             \
    X(report, "render the power-efficiency baselines report")                            \
    X(compare, "compare tokens/J against a baseline; exit 1 on regression")              \
    X(serve, "Prometheus exporter of GPU energy and tokens per joule")                    \
    X(trace, "estimate the energy of a request log (CSV or JSON Lines)")                 \
    X(ui, "web calculator: the estimate, sweeps and costs in a browser, with a JSON API")

#define LW_DECLARE(name, summary) int cmd_##name(int argc, char **argv);
LW_COMMANDS(LW_DECLARE)
#undef LW_DECLARE

#endif
