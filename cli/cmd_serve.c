/* Placeholder until the serve subcommand lands (replaced by its issue's branch). */
#include "commands.h"
#include "common.h"

int cmd_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("serve", "not built yet");
    return EXIT_INTERNAL;
}
