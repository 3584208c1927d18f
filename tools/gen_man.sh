#!/bin/sh
# Writes the man pages llmwatt.1 and llmwatt-COMMAND.1 (one per subcommand) into OUTDIR with
# help2man, from the same text as `llmwatt --help` and `llmwatt COMMAND --help`, so the pages
# cannot drift from the program. Usage: tools/gen_man.sh LLMWATT OUTDIR VERSION COMMAND...
set -eu
bin=$1 out=$2 version=$3
shift 3
command -v help2man >/dev/null 2>&1 || { echo "gen_man: help2man not found: apt-get install help2man" >&2; exit 1; }
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
help2man --no-info --no-discard-stderr --version-string="$version" \
    --name="energy, cost and carbon of LLM inference, estimated and measured" \
    --output="$out/llmwatt.1.tmp" "$bin"
mv "$out/llmwatt.1.tmp" "$out/llmwatt.1"
for cmd in "$@"; do
    # the one-line summary of the command in `llmwatt --help`
    name=$("$bin" --help | sed -n "s/^  $cmd  *//p" | head -n 1)
    printf '#!/bin/sh\nexec "%s" %s "$@"\n' "$bin" "$cmd" >"$tmp/llmwatt-$cmd"
    chmod +x "$tmp/llmwatt-$cmd"
    help2man --no-info --no-discard-stderr --version-string="$version" --name="${name:-llmwatt $cmd}" \
        --output="$out/llmwatt-$cmd.1.tmp" "$tmp/llmwatt-$cmd"
    mv "$out/llmwatt-$cmd.1.tmp" "$out/llmwatt-$cmd.1"
done
