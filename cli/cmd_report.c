/* Placeholder until the report subcommand lands (replaced by its issue's branch). */
#include "commands.h"
#include "common.h"

int cmd_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("report", "not built yet");
    return EXIT_INTERNAL;
}
