#include "llmwatt/status.h"

#include <stdlib.h>


const char *lw_strerror(lw_status status)
{
    switch (status) {
    case LW_OK: return "ok";
    case LW_ERR_INVALID_ARGUMENT: return "invalid argument";
    case LW_ERR_NOT_FOUND: return "not found";
    case LW_ERR_PARSE: return "malformed input";
    case LW_ERR_IO: return "input/output error";
    case LW_ERR_NO_MEMORY: return "out of memory";
    case LW_ERR_UNSUPPORTED: return "unsupported";
    case LW_ERR_INFEASIBLE: return "infeasible configuration";
    case LW_ERR_NO_DEVICE: return "no power source available";
    case LW_ERR_CHILD: return "workload could not be started";
    case LW_ERR_DATABASE: return "database error";
    case LW_ERR_VERSION: return "data from a newer llmwatt";
    case LW_ERR_INTERRUPTED: return "interrupted";
    }
    return "unknown status";
}

const char *lw_version(void)
{
    return LW_VERSION_STRING;
}

int lw_version_number(void)
{
    return LW_VERSION_NUMBER;
}

void lw_free(void *p)
{
    free(p);
}
