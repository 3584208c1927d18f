/* Placeholder until the physics subcommand lands (replaced by its issue's branch). */
#include "commands.h"
#include "common.h"

int cmd_physics(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("physics", "not built yet");
    return EXIT_INTERNAL;
}
