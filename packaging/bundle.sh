#!/usr/bin/env bash
# A one-folder bundle that runs with no Python on the target machine:
#   packaging/bundle.sh build    -> dist/model-ops-console/ (run dist/model-ops-console/console)
#   packaging/bundle.sh smoke    -> run --version, init --demo and check from the bundle
# PyInstaller is a build tool only (installed into .venv-bundle/, never a dependency).
# Build on the oldest Linux the sites run (glibc compatibility), for that architecture.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
python="${PYTHON:-python3}"
venv="$here/.venv-bundle"
out="$here/dist/model-ops-console"
say() { printf 'bundle: %s\n' "$*" >&2; }

build() {
  if [ ! -x "$venv/bin/pyinstaller" ]; then
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q -c packaging/constraints.txt . "pyinstaller>=6.10"
  else
    "$venv/bin/python" -m pip install -q --no-deps --force-reinstall .
  fi
  # skops keeps loaders for older file versions in a namespace package (no __init__.py),
  # which PyInstaller's submodule collection passes over: name each module
  local hidden=()
  while read -r module; do hidden+=(--hidden-import "$module"); done < <(
    "$venv/bin/python" - <<'PY'
import pathlib, skops
root = pathlib.Path(skops.__file__).parent
for path in sorted(root.rglob("*.py")):
    if ".tests" in f".{path.parent.name}" or "tests" in path.parts:
        continue
    if not (path.parent / "__init__.py").exists() and path.parent != root:
        rel = path.relative_to(root.parent).with_suffix("")
        print(".".join(rel.parts))
PY
  )
  local entry="$here/build/bundle-entry.py"
  mkdir -p "$here/build"
  printf 'import sys\nfrom console.cli import main\nsys.exit(main())\n' > "$entry"
  "$venv/bin/pyinstaller" --noconfirm --onedir --name model-ops-console \
    --distpath "$here/dist" --workpath "$here/build/pyinstaller" --specpath "$here/build" \
    --collect-submodules console \
    --collect-data console \
    --collect-submodules sklearn --collect-submodules skops \
    --collect-data qtawesome --collect-data skops \
    --hidden-import uvicorn.logging --hidden-import uvicorn.loops.auto \
    --hidden-import uvicorn.protocols.http.auto --hidden-import uvicorn.lifespan.on \
    "${hidden[@]}" \
    --exclude-module tkinter --exclude-module pytest --exclude-module IPython \
    --icon "$here/resources/icons/model-ops-console.svg" \
    "$entry"
  ln -sfn model-ops-console "$out/console"
  say "built $out ($(du -sh "$out" | cut -f1)); start with $out/console"
}

smoke() {
  local exe="$out/model-ops-console" ws
  [ -x "$exe" ] || { say "no bundle at $out: run 'packaging/bundle.sh build' first"; exit 2; }
  ws="$(mktemp -d)/ws"
  "$exe" --version
  "$exe" -w "$ws" init --demo >/dev/null
  "$exe" -w "$ws" check >/dev/null || [ $? -eq 1 ]  # 1: the demo's drift is critical, by design
  "$exe" -w "$ws" doctor --offscreen >/dev/null || [ $? -eq 1 ]
  say "smoke test passed: --version, init --demo, check and doctor ran from the bundle"
}

case "${1:-}" in
  build) build ;;
  smoke) smoke ;;
  *) echo "usage: packaging/bundle.sh build|smoke" >&2; exit 2 ;;
esac
