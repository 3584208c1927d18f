/* Prometheus text exposition pages read from dcgm-exporter and inference engines
 * (lw_prom_parse, lw_prom_label; src/operate/scrape.h). */
#include <string.h>

#include "fuzz_util.h"
#include "operate/scrape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lw_prom_page page;
    lw_err err;
    if (lw_prom_parse((const char *)data, size, &page, &err) != LW_OK) {
        if (page.s || page.n)
            abort(); /* a refused page keeps nothing */
        return 0;
    }
    for (size_t i = 0; i < page.n; i++) {
        const lw_prom_sample *s = &page.s[i];
        char v[64];
        /* every sample lies inside the input, and label lookups stay in bounds */
        if (s->name < (const char *)data || s->name + s->name_len > (const char *)data + size || s->name_len == 0)
            abort();
        if (s->labels_len && (s->labels < (const char *)data || s->labels + s->labels_len > (const char *)data + size))
            abort();
        if (lw_prom_label(s, "gpu", v, sizeof v) && strlen(v) >= sizeof v)
            abort();
        lw_prom_label(s, "model_name", v, sizeof v);
    }
    lw_prom_page_free(&page);
    return 0;
}
