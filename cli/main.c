/* llmwatt: git-style dispatcher over the subcommands in cli/cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"

typedef struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} command;

#define LW_ENTRY(name, summary) {#name, cmd_##name, summary},
static const command commands[] = {LW_COMMANDS(LW_ENTRY){NULL, NULL, NULL}};
#undef LW_ENTRY

static void usage(FILE *f)
{
    fprintf(f, "usage: llmwatt [--version] [--help] <command> [<args>]\n\n"
               "Energy, cost and carbon of LLM inference: estimated from architecture, extrapolated\n"
               "from measurements, and measured on real GPUs.\n\ncommands:\n");
    for (const command *c = commands; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "\n'llmwatt <command> --help' (or 'llmwatt help <command>') describes one command.\n"
               "Exit codes: 0 ok, 1 negative answer (regression, invalid measurement), 2 usage,\n"
               "3 not found, 4 bad input file, 5 infeasible configuration, 6 no power source.\n");
}

static const command *find(const char *name)
{
    for (const command *c = commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *a = argv[1];
    if (strcmp(a, "--version") == 0 || strcmp(a, "version") == 0) {
        printf("llmwatt %s\n", lw_version());
        return EXIT_OK;
    }
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || (strcmp(a, "help") == 0 && argc == 2)) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(a, "help") == 0) {
        const command *c = find(argv[2]);
        if (!c) {
            cli_error(NULL, "unknown command '%s' (see 'llmwatt help')", argv[2]);
            return EXIT_USAGE;
        }
        char *help_argv[] = {argv[2], "--help", NULL};
        return c->fn(2, help_argv);
    }
    const command *c = find(a);
    if (!c) {
        cli_error(NULL, "unknown command '%s' (see 'llmwatt help')", a);
        return EXIT_USAGE;
    }
    return c->fn(argc - 1, argv + 1);
}
