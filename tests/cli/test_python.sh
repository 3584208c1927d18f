#!/usr/bin/env bash
# The Python package (docs/python.md): `pip install ./python` into a fresh virtual environment
# with no package index, then its pytest suite (python/tests) against this build's llmwatt.
cd "$(dirname "$0")/../.." || exit 2
. tests/cli/lib.sh
PY=${PYTHON:-python3}
if ! command -v "$PY" >/dev/null 2>&1; then
    echo "ok SKIP python package: no $PY in PATH (apt-get install python3 python3-venv python3-pytest)"
    finish
    exit 0
fi
venv="$TMP/venv"
if "$PY" -m venv "$venv" >"$OUT" 2>"$ERR"; then ok "$PY -m venv"; else bad "$PY -m venv" "$(tail -c 300 "$ERR") (apt-get install python3-venv)"; finish; exit 0; fi
if "$venv/bin/pip" install --no-index --disable-pip-version-check -q ./python >"$OUT" 2>"$ERR"; then
    ok "pip install --no-index ./python"
else
    bad "pip install --no-index ./python" "$(tail -c 600 "$ERR")"
fi
if (cd "$TMP" && env -u LD_LIBRARY_PATH "$venv/bin/python" -c 'import llmwatt, sys; sys.exit(llmwatt.__version__ != sys.argv[1])' "$(cat "$OLDPWD/VERSION")") 2>"$ERR"; then
    ok "import llmwatt without LD_LIBRARY_PATH, version = VERSION"
else
    bad "import llmwatt without LD_LIBRARY_PATH, version = VERSION" "$(tail -c 300 "$ERR")"
fi
# pytest: the interpreter's own, else Debian's python3-pytest when it is the same Python X.Y
# (a python3 from pyenv or a venv does not see /usr/lib/python3/dist-packages by itself).
if ! "$venv/bin/python" -c 'import pytest' 2>/dev/null; then
    deb=/usr/lib/python3/dist-packages
    if [ -d "$deb/pytest" ] && [ "$("$venv/bin/python" -c 'import sys; print(sys.version_info[:2])')" = \
                                   "$(/usr/bin/python3 -c 'import sys; print(sys.version_info[:2])' 2>/dev/null)" ]; then
        site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
        echo "$deb" >"$site/debian-dist-packages.pth"   # appended after the venv's own packages
    fi
fi
if ! "$venv/bin/python" -c 'import pytest' 2>/dev/null; then
    bad "pytest available" "no pytest for $PY: apt-get install python3-pytest"
else
    "$venv/bin/python" -m pytest -q -p no:cacheprovider python/tests >"$OUT" 2>&1
    rc=$?
    summary=$(tail -n 1 "$OUT")
    if [ $rc -eq 0 ]; then ok "pytest python/tests: $summary"; else bad "pytest python/tests" "$(tail -c 1500 "$OUT")"; fi
fi
finish
