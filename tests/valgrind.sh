#!/usr/bin/env bash
# Runs representative commands of the plain build under valgrind (memcheck, full leak check);
# fails on any error or definite leak. Usage: tests/valgrind.sh [BUILD]
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 2
bin="$BUILD/llmwatt"
fails=0
vg() {
    if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$bin" "$@" >/dev/null 2>"$BUILD/valgrind.log"; then
        :
    elif [ $? -eq 99 ]; then
        echo "valgrind: errors in: llmwatt $*"; cat "$BUILD/valgrind.log"; fails=$((fails + 1))
    fi
}
while IFS= read -r line; do
    [ -z "$line" ] || [ "${line#\#}" != "$line" ] && continue
    eval "vg $line"
done <tests/valgrind.cmds
echo "valgrind: $fails command(s) with errors"
[ "$fails" -eq 0 ]
