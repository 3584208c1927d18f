#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"

static const char *usage_text =
    "usage: llmwatt sources [PREFIX] [--json] [--catalogue FILE]\n\n"
    "Prints every constant the estimators use with its value, range, unit, source and year\n"
    "(keys starting with PREFIX only, e.g. 'scale.' or 'physics.'). Model and GPU sources:\n"
    "'llmwatt show model NAME', 'llmwatt show gpu NAME'.\n";

int cmd_sources(int argc, char **argv)
{
    enum { O_HELP = 256, O_JSON, O_CAT };
    static const cli_opt opts[] = {{"help", false, O_HELP}, {"json", false, O_JSON}, {"catalogue", true, O_CAT}, {NULL, false, 0}};
    bool json = false;
    const char *catfile = NULL, *prefix = "", *v;
    int i = 1, id;
    while ((id = cli_getopt_args("sources", argc, argv, opts, &i, &v)) > 0) {
        switch (id) {
        case CLI_ARG: prefix = v; break;
        case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
        case O_JSON: json = true; break;
        case O_CAT: catfile = v; break;
        }
    }
    if (id < 0)
        return EXIT_USAGE;
    lw_catalogue *cat;
    int rc = cli_catalogue("sources", catfile, &cat);
    if (rc)
        return rc;
    json_t *arr = json ? json_array() : NULL;
    size_t shown = 0;
    for (size_t k = 0; k < lw_catalogue_constant_count(cat); k++) {
        const lw_constant *c = lw_catalogue_constant_at(cat, k);
        if (strncmp(c->key, prefix, strlen(prefix)) != 0)
            continue;
        shown++;
        if (json) {
            json_t *o = json_object();
            json_object_set_new(o, "key", json_string(c->key));
            json_object_set_new(o, "value", json_real(c->value));
            json_object_set_new(o, "low", json_real(c->low));
            json_object_set_new(o, "high", json_real(c->high));
            json_object_set_new(o, "unit", json_string(c->unit));
            json_object_set_new(o, "source", json_string(c->source));
            json_object_set_new(o, "year", json_integer(c->year));
            json_array_append_new(arr, o);
        } else {
            printf("%-44s %12.6g  [%.6g, %.6g] %s\n    %s (%d)\n", c->key, c->value, c->low, c->high, c->unit, c->source,
                   c->year);
        }
    }
    if (json)
        rc = cli_print_json(arr);
    lw_catalogue_free(cat);
    if (!shown && !json) {
        cli_error("sources", "no constant starts with '%s'", prefix);
        return EXIT_NOT_FOUND;
    }
    return rc;
}
