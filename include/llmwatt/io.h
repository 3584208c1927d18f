/* llmwatt: file helpers shared by the library and the CLI. Outputs are written atomically
 * (temporary file in the same directory + rename), so a failure never leaves a partial file. */
#ifndef LLMWATT_IO_H
#define LLMWATT_IO_H

#include "llmwatt/export.h"
#include <stddef.h>
#include "llmwatt/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads a whole file into a NUL-terminated heap buffer (free() it); *len (may be NULL) gets
 * its length. LW_ERR_IO names the path and the reason (missing, a directory, unreadable). */
LW_API lw_status lw_file_read(const char *path, char **out, size_t *len, lw_err *err);

/* Writes len bytes to path atomically. LW_ERR_IO names the path and the reason. */
LW_API lw_status lw_file_write_atomic(const char *path, const char *data, size_t len, lw_err *err);

#ifdef __cplusplus
}
#endif
#endif
