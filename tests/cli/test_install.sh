#!/usr/bin/env bash
# make install into a stage directory gives the Debian-style tree (docs/install.md); a C and a
# C++ program build against it with pkg-config and print the same estimate JSON as the
# installed llmwatt; the SONAME and the exported symbols follow docs/design.md ("ABI");
# make uninstall removes every file again.
cd "$(dirname "$0")/../.." || exit 2
. tests/cli/lib.sh
: "${LW_BUILD:?set LW_BUILD to the build directory}"
v=$(cat VERSION) major=${v%%.*}
stage="$TMP/stage" prefix=/usr
# The check build is sanitized: keep its flags so that make rebuilds nothing.
san=0 sanflags=
if nm -D "$LW_BUILD/libllmwatt.so" | grep -q __asan_init; then san=1 sanflags="-fsanitize=address,undefined"; fi
if make -s install BUILD="$LW_BUILD" SAN=$san DESTDIR="$stage" PREFIX=$prefix >"$OUT" 2>"$ERR"; then ok "make install"
else bad "make install" "$(tail -c 400 "$ERR")"; fi

lib="$stage$prefix/lib"
for f in bin/llmwatt lib/libllmwatt.so.$v lib/libllmwatt.a lib/pkgconfig/llmwatt.pc include/llmwatt/llmwatt.h \
         include/llmwatt/version.h include/llmwatt/export.h share/man/man1/llmwatt.1 share/man/man1/llmwatt-estimate.1; do
    if [ -f "$stage$prefix/$f" ]; then ok "installed $f"; else bad "installed $f" "missing in $stage$prefix"; fi
done
if [ "$(readlink "$lib/libllmwatt.so.$major")" = "libllmwatt.so.$v" ] && [ "$(readlink "$lib/libllmwatt.so")" = "libllmwatt.so.$major" ]; then
    ok "symlinks libllmwatt.so -> .so.$major -> .so.$v"
else
    bad "symlinks libllmwatt.so -> .so.$major -> .so.$v" "$(ls -l "$lib" | tr '\n' ' ')"
fi
nh=$(ls include/llmwatt/*.h | wc -l) ni=$(ls "$stage$prefix/include/llmwatt/"*.h | wc -l)
if [ "$nh" -eq "$ni" ]; then ok "every public header installed ($ni)"; else bad "every public header installed" "$ni of $nh"; fi
soname=$(readelf -d "$lib/libllmwatt.so.$v" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
if [ "$soname" = "libllmwatt.so.$major" ]; then ok "readelf SONAME libllmwatt.so.$major"; else bad "readelf SONAME" "got '$soname'"; fi
# the page is the --help text (roff escapes its hyphens)
if grep -qF 'usage: llmwatt estimate \fB\-\-model\fR NAME|\-\-model\-config PATH' "$stage$prefix/share/man/man1/llmwatt-estimate.1" &&
   grep -q '^llmwatt-estimate \\- energy per request' "$stage$prefix/share/man/man1/llmwatt-estimate.1"; then
    ok "man llmwatt-estimate is the --help text"
else
    bad "man llmwatt-estimate is the --help text" "$(head -c 300 "$stage$prefix/share/man/man1/llmwatt-estimate.1")"
fi

# exported symbols == functions the installed headers declare
printf '#include "llmwatt/llmwatt.h"\n' >"$TMP/all.c"
gcc -std=c11 -I"$stage$prefix/include" -fsyntax-only -aux-info "$TMP/aux" "$TMP/all.c"
grep "^/\* $stage$prefix/include/llmwatt/" "$TMP/aux" | grep -v '^/\* [^ ]* \*/ static' |
    sed 's/ *(.*//; s/.*[ *]//' | sort -u >"$TMP/declared"
nm -D --defined-only "$lib/libllmwatt.so.$v" | awk '$2 ~ /^[TWDBR]$/ {print $3}' | sort -u >"$TMP/exported"
if [ -s "$TMP/declared" ] && cmp -s "$TMP/declared" "$TMP/exported"; then ok "nm -D lists exactly the declared functions ($(wc -l <"$TMP/exported"))"
else bad "nm -D lists exactly the declared functions" "$(diff "$TMP/declared" "$TMP/exported" | head -c 400)"; fi

# consumers through pkg-config (PKG_CONFIG_SYSROOT_DIR maps the .pc's /usr paths into the stage)
export PKG_CONFIG_PATH="$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage"
if pkg-config --modversion llmwatt | grep -qx "$v"; then ok "pkg-config --modversion llmwatt = $v"; else bad "pkg-config --modversion" "$(pkg-config --modversion llmwatt 2>&1)"; fi
if pkg-config --static --libs llmwatt | grep -q -- '-ljansson'; then ok "pkg-config --static adds Requires.private libraries"
else bad "pkg-config --static adds Requires.private libraries" "$(pkg-config --static --libs llmwatt 2>&1)"; fi
cat >"$TMP/consumer.c" <<'C'
#include <stdio.h>
#include <llmwatt/llmwatt.h>

int main(void)
{
    lw_err err;
    lw_catalogue *cat;
    const lw_model_arch *m;
    const lw_gpu *g;
    if (lw_version_number() != LW_VERSION_NUMBER || lw_catalogue_open(&cat, &err) != LW_OK)
        return 2;
    if (lw_catalogue_find_model(cat, "llama-3.1-8b", &m, &err) != LW_OK || lw_catalogue_find_gpu(cat, "h100", &g, &err) != LW_OK)
        return 3;
    lw_estimate_opts o = LW_ESTIMATE_OPTS_INIT;
    o.method = LW_METHOD_LLM_BENCH;
    lw_estimator *e;
    if (lw_estimator_new(cat, m, g, &o, &e, &err) != LW_OK)
        return 4;
    lw_workload w = LW_WORKLOAD_INIT;
    w.input_tokens = 1000;
    w.output_tokens = 500;
    char rule[256];
    w.weight_precision = lw_weight_precision_default("llama-3.1-8b", NULL, m, rule, sizeof rule);
    lw_estimate r = LW_ESTIMATE_INIT;
    lw_estimate_json_opts jo = LW_ESTIMATE_JSON_OPTS_INIT;
    jo.indent = 2;
    jo.precision_rule = rule;
    char *text = lw_estimator_run(e, &w, &r, &err) == LW_OK ? lw_estimate_to_json(e, &w, &r, &jo, &err) : NULL;
    if (!text) {
        fprintf(stderr, "%s\n", lw_err_message(&err));
        return 5;
    }
    printf("%s\n", text);
    lw_free(text);
    lw_estimator_free(e);
    lw_catalogue_free(cat);
    return 0;
}
C
cp "$TMP/consumer.c" "$TMP/consumer.cc"
"$stage$prefix/bin/llmwatt" estimate --model llama-3.1-8b --gpu h100 --input 1000 --output 500 --method llm-bench --json >"$TMP/cli.json"
for lang in c c++; do
    if [ $lang = c ]; then cc=gcc src="$TMP/consumer.c" std=-std=c11; else cc=g++ src="$TMP/consumer.cc" std=-std=c++11; fi
    # shellcheck disable=SC2046
    if $cc $std -Wall -Wextra -Werror $sanflags -o "$TMP/consumer-$lang" "$src" $(pkg-config --cflags --libs llmwatt) 2>"$ERR"; then
        ok "$lang consumer builds with pkg-config --cflags --libs llmwatt"
    else
        bad "$lang consumer builds with pkg-config --cflags --libs llmwatt" "$(head -c 400 "$ERR")"
    fi
    needed=$(readelf -d "$TMP/consumer-$lang" | sed -n 's/.*Shared library: \[\(libllmwatt[^]]*\)\]/\1/p')
    if [ "$needed" = "libllmwatt.so.$major" ]; then ok "$lang consumer needs libllmwatt.so.$major"; else bad "$lang consumer needs libllmwatt.so.$major" "NEEDED '$needed'"; fi
    if LD_LIBRARY_PATH="$lib" "$TMP/consumer-$lang" >"$TMP/$lang.json" 2>"$ERR" && cmp -s "$TMP/$lang.json" "$TMP/cli.json"; then
        ok "$lang consumer prints the same JSON as llmwatt estimate --json"
    else
        bad "$lang consumer prints the same JSON as llmwatt estimate --json" "$(head -c 300 "$ERR") $(diff "$TMP/$lang.json" "$TMP/cli.json" | head -c 300)"
    fi
done

# the installed binary needs nothing from the build tree: embedded catalogues, no RUNPATH
if (cd / && env -i PATH=/usr/bin:/bin "$stage$prefix/bin/llmwatt" show gpu h100 --json) | grep -q '"id": "h100-sxm"'; then
    ok "installed llmwatt runs from / with an empty environment"
else
    bad "installed llmwatt runs from / with an empty environment" "show gpu h100 failed"
fi
if readelf -d "$stage$prefix/bin/llmwatt" | grep -Eq 'RPATH|RUNPATH|libllmwatt'; then bad "installed llmwatt has no RUNPATH and no libllmwatt.so dependency" "$(readelf -d "$stage$prefix/bin/llmwatt" | grep -E 'RPATH|RUNPATH|libllmwatt')"
else ok "installed llmwatt has no RUNPATH and no libllmwatt.so dependency"; fi

if make -s uninstall BUILD="$LW_BUILD" SAN=$san DESTDIR="$stage" PREFIX=$prefix >"$OUT" 2>"$ERR"; then ok "make uninstall"
else bad "make uninstall" "$(tail -c 300 "$ERR")"; fi
left=$(find "$stage" \( -type f -o -type l \) | head -5)
if [ -z "$left" ]; then ok "make uninstall removes every installed file"; else bad "make uninstall removes every installed file" "left: $left"; fi
finish
