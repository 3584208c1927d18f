/* Placeholder until the estimate subcommand lands (replaced by its issue's branch). */
#include "commands.h"
#include "common.h"

int cmd_estimate(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("estimate", "not built yet");
    return EXIT_INTERNAL;
}
