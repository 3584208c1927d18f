#!/bin/sh
# Writes include/llmwatt/version.h from the VERSION file (MAJOR.MINOR.PATCH), the one version
# source for the header, the SONAME and llmwatt.pc. Usage: tools/gen_version_h.sh VERSION OUT
set -eu
v=$(cat "$1")
case "$v" in
    *[!0-9.]* | *..* | .* | *.) echo "gen_version_h: VERSION '$v' is not MAJOR.MINOR.PATCH" >&2; exit 1 ;;
esac
major=${v%%.*}; rest=${v#*.}; minor=${rest%%.*}; patch=${rest#*.}
case "$patch" in *.*|'') echo "gen_version_h: VERSION '$v' is not MAJOR.MINOR.PATCH" >&2; exit 1 ;; esac
cat > "$2.tmp" <<EOT
/* llmwatt: library version. Generated from the VERSION file by tools/gen_version_h.sh (make
 * regenerates it when VERSION changes): edit VERSION, not this file. The runtime version of
 * the loaded library is lw_version() / lw_version_number() (llmwatt/status.h). */
#ifndef LLMWATT_VERSION_H
#define LLMWATT_VERSION_H

#define LW_VERSION_MAJOR $major
#define LW_VERSION_MINOR $minor
#define LW_VERSION_PATCH $patch
#define LW_VERSION_STRING "$v"
/* MAJOR * 10000 + MINOR * 100 + PATCH: compare with #if LW_VERSION_NUMBER >= 200. */
#define LW_VERSION_NUMBER ($major * 10000 + $minor * 100 + $patch)

#endif
EOT
mv "$2.tmp" "$2"
