/* lw_catalogue_copy (llmwatt ui works on a copy per request): the copy holds the same entries,
 * resolves the same names, and is independent of the original (extending or freeing one leaves
 * the other intact; ASan checks the memory). */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

static void test_copy_holds_the_same_entries(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue(), *copy = NULL;
    lw_err err;
    assert_int_equal(lw_catalogue_copy(cat, &copy, &err), LW_OK);
    assert_int_equal(lw_catalogue_model_count(copy), lw_catalogue_model_count(cat));
    assert_int_equal(lw_catalogue_gpu_count(copy), lw_catalogue_gpu_count(cat));
    assert_int_equal(lw_catalogue_constant_count(copy), lw_catalogue_constant_count(cat));
    for (size_t i = 0; i < lw_catalogue_model_count(cat); i++)
        assert_memory_equal(lw_catalogue_model_at(copy, i), lw_catalogue_model_at(cat, i), sizeof(lw_model_arch));
    for (size_t i = 0; i < lw_catalogue_gpu_count(cat); i++)
        assert_memory_equal(lw_catalogue_gpu_at(copy, i), lw_catalogue_gpu_at(cat, i), sizeof(lw_gpu));
    /* entries are the copy's own, not pointers into the original */
    assert_ptr_not_equal(lw_catalogue_model_at(copy, 0), lw_catalogue_model_at(cat, 0));
    const lw_model_arch *m;
    const lw_gpu *g;
    assert_int_equal(lw_catalogue_find_model(copy, "meta-llama/Llama-3.1-70B", &m, &err), LW_OK);
    assert_string_equal(m->name, "llama-3.1-70b");
    assert_int_equal(lw_catalogue_find_gpu(copy, "h100", &g, &err), LW_OK);
    assert_string_equal(g->id, "h100-sxm");
    /* constants too */
    assert_true(lw_catalogue_value(copy, "memory.usable_fraction", -1) == lw_catalogue_value(cat, "memory.usable_fraction", -2));
    lw_catalogue_free(copy);
    lw_catalogue_free(cat);
}

static void test_copy_is_independent(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue(), *copy = NULL;
    lw_err err;
    assert_int_equal(lw_catalogue_copy(cat, &copy, &err), LW_OK);
    size_t n = lw_catalogue_model_count(cat);
    lw_model_arch extra = *lw_test_model(cat, "llama-3.1-8b");
    strcpy(extra.name, "my-llama");
    /* growing the copy reallocates its arrays: the original must not notice */
    for (int i = 0; i < 200; i++) {
        snprintf(extra.name, sizeof extra.name, "my-llama-%d", i);
        assert_int_equal(lw_catalogue_add_model(copy, &extra, &err), LW_OK);
    }
    assert_int_equal(lw_catalogue_model_count(copy), n + 200);
    assert_int_equal(lw_catalogue_model_count(cat), n);
    const lw_model_arch *m;
    assert_int_equal(lw_catalogue_find_model(copy, "my-llama-199", &m, &err), LW_OK);
    assert_int_not_equal(lw_catalogue_find_model(cat, "my-llama-199", &m, &err), LW_OK);
    lw_catalogue_free(cat); /* the copy outlives its original */
    assert_int_equal(lw_catalogue_find_model(copy, "llama-3.1-8b", &m, &err), LW_OK);
    assert_int_equal(m->layers, 32); /* Llama 3.1 8B: 32 layers (its config.json) */
    lw_catalogue_free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_holds_the_same_entries),
        cmocka_unit_test(test_copy_is_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
