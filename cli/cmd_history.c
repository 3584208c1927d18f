/* Placeholder until the history subcommand lands (replaced by its issue's branch). */
#include "commands.h"
#include "common.h"

int cmd_history(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("history", "not built yet");
    return EXIT_INTERNAL;
}
