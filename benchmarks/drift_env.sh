#!/bin/sh
# Build the drift benchmark's OWN environments (never the console's): one venv with
# Evidently, one with NannyML (their pins differ). Used by benchmarks/drift.py.
#   sh benchmarks/drift_env.sh            # -> /tmp/drift-bench/{evidently,nannyml}
#   DRIFT_BENCH_ENV=/somewhere sh benchmarks/drift_env.sh
set -eu
ROOT="${DRIFT_BENCH_ENV:-/tmp/drift-bench}"
PY="${PYTHON:-python3}"
mkdir -p "$ROOT"
for tool in evidently nannyml; do
    extra=""
    # nannyml 0.13 imports statsmodels without declaring it
    [ "$tool" = nannyml ] && extra="statsmodels"
    if [ ! -x "$ROOT/$tool/bin/python" ]; then
        "$PY" -m venv "$ROOT/$tool"
    fi
    "$ROOT/$tool/bin/python" -m pip install --quiet --upgrade pip
    # pandas 3 removed internals both tools import: pin pandas 2 in their venvs
    if "$ROOT/$tool/bin/python" -m pip install --quiet "$tool" "pandas<3" pyarrow $extra \
        && "$ROOT/$tool/bin/python" -c "import $tool; print('$tool', $tool.__version__)"; then
        :
    else
        echo "$tool: install or import failed (see above); the benchmark reports it" >&2
    fi
done
