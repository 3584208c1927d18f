/* Placeholder until the validate subcommand lands (replaced by its issue's branch). */
#include "commands.h"
#include "common.h"

int cmd_validate(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("validate", "not built yet");
    return EXIT_INTERNAL;
}
