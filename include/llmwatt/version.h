/* llmwatt: library version. Generated from the VERSION file by tools/gen_version_h.sh (make
 * regenerates it when VERSION changes): edit VERSION, not this file. The runtime version of
 * the loaded library is lw_version() / lw_version_number() (llmwatt/status.h). */
#ifndef LLMWATT_VERSION_H
#define LLMWATT_VERSION_H

#define LW_VERSION_MAJOR 0
#define LW_VERSION_MINOR 1
#define LW_VERSION_PATCH 0
#define LW_VERSION_STRING "0.1.0"
/* MAJOR * 10000 + MINOR * 100 + PATCH: compare with #if LW_VERSION_NUMBER >= 200. */
#define LW_VERSION_NUMBER (0 * 10000 + 1 * 100 + 0)

#endif
