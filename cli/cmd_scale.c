/* Placeholder until the scale subcommand lands (replaced by its issue's branch). */
#include "commands.h"
#include "common.h"

int cmd_scale(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("scale", "not built yet");
    return EXIT_INTERNAL;
}
