/* Placeholder until the sweep subcommand lands (replaced by its issue's branch). */
#include "commands.h"
#include "common.h"

int cmd_sweep(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("sweep", "not built yet");
    return EXIT_INTERNAL;
}
