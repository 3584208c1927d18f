/* Placeholder until the cost subcommand lands (replaced by its issue's branch). */
#include "commands.h"
#include "common.h"

int cmd_cost(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("cost", "not built yet");
    return EXIT_INTERNAL;
}
