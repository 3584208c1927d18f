/* The weight precision a checkpoint's name or its config.json's quantization_config implies
 * (docs/estimate.md, "Precision from the name"). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "llmwatt/estimate.h"
#include "core/util.h"

/* Name tokens, most specific first: a "-GPTQ-Int8" checkpoint is int8, a bare "-GPTQ" int4. */
static const struct {
    const char *token;
    lw_precision p;
} name_rules[] = {
    {"nvfp4", LW_PREC_FP4}, {"mxfp4", LW_PREC_MXFP4}, {"fp4", LW_PREC_FP4},     {"fp8", LW_PREC_FP8},
    {"int8", LW_PREC_INT8}, {"w8a8", LW_PREC_INT8},   {"int4", LW_PREC_INT4},   {"w4a16", LW_PREC_INT4},
    {"awq", LW_PREC_INT4},  {"gptq", LW_PREC_INT4},   {"4bit", LW_PREC_INT4},
};

/* Whether token occurs in name as a whole word: bounded by the ends or by - _ . / separators. */
static bool has_token(const char *name, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = name; *p; p++) {
        bool start = p == name || strchr("-_./ ", p[-1]);
        if (start && strncmp(p, token, n) == 0 && (p[n] == '\0' || strchr("-_./ ", p[n])))
            return true;
    }
    return false;
}

bool lw_precision_from_name(const char *name, lw_precision *out, char *rule, size_t rule_size)
{
    if (!name)
        return false;
    char low[LW_NAME_MAX * 2];
    const char *base = strrchr(name, '/');
    lw_strlcpy(low, base ? base + 1 : name, sizeof low);
    for (char *q = low; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    for (size_t i = 0; i < sizeof name_rules / sizeof name_rules[0]; i++)
        if (has_token(low, name_rules[i].token)) {
            *out = name_rules[i].p;
            if (rule)
                snprintf(rule, rule_size, "'%s' in the model name", name_rules[i].token);
            return true;
        }
    return false;
}

bool lw_precision_from_hf_config(const char *path, lw_precision *out, char *rule, size_t rule_size)
{
    json_t *root = path ? json_load_file(path, 0, NULL) : NULL;
    json_t *q = root ? json_object_get(root, "quantization_config") : NULL;
    bool found = false;
    if (json_is_object(q)) {
        const char *method = json_string_value(json_object_get(q, "quant_method"));
        const char *fmt = json_string_value(json_object_get(q, "fmt"));
        json_int_t bits = json_integer_value(json_object_get(q, "bits"));
        if (!bits) { /* compressed-tensors: config_groups.<g>.weights.num_bits and .type */
            json_t *groups = json_object_get(q, "config_groups"), *g;
            const char *key;
            json_object_foreach(groups, key, g)
            {
                json_t *wts = json_object_get(g, "weights");
                bits = json_integer_value(json_object_get(wts, "num_bits"));
                if (!fmt)
                    fmt = json_string_value(json_object_get(wts, "type"));
                break;
            }
        }
        char m[32] = "";
        lw_strlcpy(m, method ? method : "", sizeof m);
        for (char *c = m; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        found = true;
        if (strcmp(m, "mxfp4") == 0)
            *out = LW_PREC_MXFP4;
        else if (strstr(m, "fp4") || (fmt && strstr(fmt, "fp4")))
            *out = LW_PREC_FP4;
        else if (strcmp(m, "fp8") == 0 || (fmt && (strstr(fmt, "e4m3") || strstr(fmt, "fp8"))) ||
                 (bits == 8 && fmt && strcmp(fmt, "float") == 0))
            *out = LW_PREC_FP8;
        else if (bits == 8)
            *out = LW_PREC_INT8;
        else if (bits == 4 || strcmp(m, "awq") == 0 || strcmp(m, "gptq") == 0)
            *out = bits == 4 && fmt && strcmp(fmt, "float") == 0 ? LW_PREC_FP4 : LW_PREC_INT4;
        else
            found = false;
        if (found && rule) {
            char b[32] = "";
            if (bits)
                snprintf(b, sizeof b, ", bits %lld", (long long)bits);
            snprintf(rule, rule_size, "quantization_config (quant_method %s%s) in the config", m[0] ? m : "?", b);
        }
    }
    json_decref(root);
    return found;
}

lw_precision lw_weight_precision_default(const char *model_name, const char *config_path, const lw_model_arch *m,
                                         char *rule, size_t rule_size)
{
    lw_precision p;
    char why[160];
    if (lw_precision_from_hf_config(config_path, &p, why, sizeof why) || lw_precision_from_name(model_name, &p, why, sizeof why) ||
        (config_path && lw_precision_from_name(m->name, &p, why, sizeof why))) {
        if (rule)
            snprintf(rule, rule_size, "%s from %s", lw_precision_name(p), why);
        return p;
    }
    if (rule)
        snprintf(rule, rule_size, "%s, the model's native precision (no quantisation in its name or config)",
                 lw_precision_name(m->native_precision));
    return m->native_precision;
}
