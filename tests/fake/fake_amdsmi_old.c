/* The fake amdsmi of a library older than ROCm 6.3: no amdsmi_get_violation_status. */
#define FAKE_AMDSMI_NO_VIOLATION
#include "fake_amdsmi.c"
