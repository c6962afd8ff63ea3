#!/usr/bin/env bash
# Build an offline wheelhouse on a machine with access to the package index, then copy
# the repository (with packaging/wheelhouse/) to the air-gapped workstation and run
#   packaging/wheelhouse.sh install
# there: it creates .venv from the wheelhouse alone (pip --no-index).
#
#   packaging/wheelhouse.sh build     download every pinned wheel into packaging/wheelhouse
#   packaging/wheelhouse.sh install   install the console from packaging/wheelhouse, offline
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
python="${PYTHON:-python3}"
wheels="packaging/wheelhouse"

case "${1:-}" in
  build)
    mkdir -p "$wheels"
    "$python" -m pip download -q -d "$wheels" -c packaging/constraints.txt ".[test]" pip setuptools wheel
    rm -f "$wheels"/model_ops_console-*  # the console itself is installed from source
    echo "wheelhouse: $(ls "$wheels" | wc -l) files, $(du -sh "$wheels" | cut -f1) in $wheels"
    ;;
  install)
    [ -d "$wheels" ] || { echo "no $wheels: run 'packaging/wheelhouse.sh build' where the index is reachable" >&2; exit 2; }
    "$python" -m venv .venv
    .venv/bin/python -m pip install -q --no-index --find-links "$wheels" --upgrade pip setuptools wheel
    .venv/bin/python -m pip install -q --no-index --find-links "$wheels" -c packaging/constraints.txt -e ".[test]"
    echo "installed offline into .venv; start with: .venv/bin/console"
    ;;
  *)
    echo "usage: packaging/wheelhouse.sh build|install" >&2
    exit 2
    ;;
esac
