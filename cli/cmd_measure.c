/* Placeholder until the measure subcommand lands (replaced by its issue's branch). */
#include "commands.h"
#include "common.h"

int cmd_measure(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("measure", "not built yet");
    return EXIT_INTERNAL;
}
