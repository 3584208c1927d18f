/* Placeholder until the compare subcommand lands (replaced by its issue's branch). */
#include "commands.h"
#include "common.h"

int cmd_compare(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("compare", "not built yet");
    return EXIT_INTERNAL;
}
