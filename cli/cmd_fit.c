/* Placeholder until the fit subcommand lands (replaced by its issue's branch). */
#include "commands.h"
#include "common.h"

int cmd_fit(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("fit", "not built yet");
    return EXIT_INTERNAL;
}
