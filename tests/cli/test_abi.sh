#!/usr/bin/env bash
# ABI contract (docs/design.md, "ABI"): libllmwatt.so exports exactly the functions the public
# headers declare, has the SONAME libllmwatt.so.MAJOR from VERSION, version.h matches VERSION,
# and every public header compiles as C and as C++.
cd "$(dirname "$0")/../.." || exit 2
. tests/cli/lib.sh
: "${LW_BUILD:?set LW_BUILD to the build directory}"
SO="$LW_BUILD/libllmwatt.so"

# Functions declared in include/llmwatt/*.h, from the compiler itself (-aux-info lists every
# prototype with the file that declares it).
printf '#include "llmwatt/llmwatt.h"\n' >"$TMP/all.c"
if gcc -std=c11 -D_GNU_SOURCE -Iinclude -fsyntax-only -aux-info "$TMP/aux" "$TMP/all.c" 2>"$ERR"; then
    grep '^/\* include/llmwatt/' "$TMP/aux" | grep -v '^/\* [^ ]*:[0-9]*:[A-Z]*F \*/ static' |
        sed 's/ *(.*//; s/.*[ *]//' | sort -u >"$TMP/declared"
    ok "public headers compile as C11"
else
    bad "public headers compile as C11" "$(head -c 300 "$ERR")"
fi
nm -D --defined-only "$SO" | awk '$2 ~ /^[TWDBR]$/ {print $3}' | sort -u >"$TMP/exported"
missing=$(comm -23 "$TMP/declared" "$TMP/exported" | tr '\n' ' ')
extra=$(comm -13 "$TMP/declared" "$TMP/exported" | tr '\n' ' ')
if [ -s "$TMP/declared" ] && [ -z "$missing" ]; then ok "every declared function is exported"
else bad "every declared function is exported" "declared in include/llmwatt/ but not exported (mark them LW_API): $missing"; fi
if [ -z "$extra" ]; then ok "nothing else is exported"
else bad "nothing else is exported" "exported but declared in no public header (make them static or move to src/): $extra"; fi

v=$(cat VERSION)
soname=$(readelf -d "$SO" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
if [ "$soname" = "libllmwatt.so.${v%%.*}" ]; then ok "SONAME is libllmwatt.so.MAJOR"
else bad "SONAME is libllmwatt.so.MAJOR" "got '$soname' for VERSION $v"; fi
if grep -q "^#define LW_VERSION_STRING \"$v\"$" include/llmwatt/version.h; then ok "version.h matches VERSION"
else bad "version.h matches VERSION" "include/llmwatt/version.h is stale: run make"; fi

printf '#include "llmwatt/llmwatt.h"\nint main() { lw_estimate e = LW_ESTIMATE_INIT; lw_estimate_json_opts j = LW_ESTIMATE_JSON_OPTS_INIT;\n  lw_estimate_opts o = LW_ESTIMATE_OPTS_INIT; lw_progress_opts p = LW_PROGRESS_OPTS_INIT;\n  lw_measure_summary s = LW_MEASURE_SUMMARY_INIT; lw_cost_request q = LW_COST_REQUEST_INIT;\n  lw_cost_params cp = LW_COST_PARAMS_INIT; lw_cost_tco_params t = LW_COST_TCO_PARAMS_INIT;\n  lw_trace_cost_opts co = LW_TRACE_COST_OPTS_INIT; lw_trace_cost c = LW_TRACE_COST_INIT;\n  lw_report_opts r = LW_REPORT_OPTS_INIT; lw_history_filter f = LW_HISTORY_FILTER_INIT;\n  static lw_trace_summary ts = LW_TRACE_SUMMARY_INIT; static lw_trace_opts to = LW_TRACE_OPTS_INIT;\n  lw_cost_energy ce = LW_COST_ENERGY_INIT; lw_cost_price pr = LW_COST_PRICE_INIT; lw_break_even be = LW_BREAK_EVEN_INIT;\n  lw_cost_tco tc = LW_COST_TCO_INIT; lw_rent_compare rc = LW_RENT_COMPARE_INIT; lw_run ru = LW_RUN_INIT;\n  return (int)(e.version + j.version + o.version + p.version + s.version + q.version + cp.version + t.version\n               + co.version + c.version + r.version + f.version + ts.version + to.version\n               + ce.version + pr.version + be.version + tc.version + rc.version + ru.version) - 20; }\n' >"$TMP/all.cc"
cp "$TMP/all.cc" "$TMP/all.c"
if gcc -std=c11 -Wall -Wextra -Wpedantic -Werror -Iinclude -o "$TMP/cc" "$TMP/all.c" 2>"$ERR" && "$TMP/cc"; then
    ok "public headers compile as C11 with the initialisers"
else
    bad "public headers compile as C11 with the initialisers" "$(head -c 300 "$ERR")"
fi
if g++ -std=c++11 -Wall -Wextra -Wpedantic -Werror -Iinclude -o "$TMP/cxx" "$TMP/all.cc" 2>"$ERR" && "$TMP/cxx"; then
    ok "public headers compile as C++11 with the initialisers"
else
    bad "public headers compile as C++11 with the initialisers" "$(head -c 300 "$ERR")"
fi
finish
