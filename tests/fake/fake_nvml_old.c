/* The fake NVML as an old driver would export it (see fake_nvml.c): unversioned symbols, the
 * deprecated throttle-reason getter, and no energy counter symbol at all. */
#define FAKE_NVML_OLD 1
#include "fake_nvml.c"
