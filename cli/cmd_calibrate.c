/* Placeholder until the calibrate subcommand lands (replaced by its issue's branch). */
#include "commands.h"
#include "common.h"

int cmd_calibrate(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("calibrate", "not built yet");
    return EXIT_INTERNAL;
}
