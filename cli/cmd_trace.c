/* Placeholder until the trace subcommand lands (replaced by its issue's branch). */
#include "commands.h"
#include "common.h"

int cmd_trace(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("trace", "not built yet");
    return EXIT_INTERNAL;
}
