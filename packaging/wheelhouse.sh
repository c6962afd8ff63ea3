#!/usr/bin/env bash
# Offline installation. On a machine that reaches the package index:
#   packaging/wheelhouse.sh build [--platform linux|windows] [--python 3.11|3.12]
# downloads every pinned wheel into packaging/wheelhouse/ and writes
# packaging/wheelhouse/requirements.lock with each wheel's SHA-256. Copy the repository
# (with packaging/wheelhouse/) to the air-gapped workstation and run
#   packaging/wheelhouse.sh install
# there: it builds a new environment beside .venv from the wheelhouse alone (pip
# --no-index --require-hashes: a missing or altered wheel is refused and nothing is
# installed), runs `console doctor` in it, and only then switches: environments live in
# .venv.d/, .venv is a link to the one in use and .venv.previous to the one before
# (`packaging/wheelhouse.sh back` or `console update --back` returns to it).
#
# WHEELHOUSE=DIR and VENV=DIR override the two folders.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
python="${PYTHON:-python3}"
wheels="${WHEELHOUSE:-packaging/wheelhouse}"
venv="${VENV:-.venv}"
envs="$venv.d"  # every installed environment; $venv is a link to the one in use
say() { printf 'wheelhouse: %s\n' "$*" >&2; }

build() {
  local platform="" pyver="" args=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --platform) platform="$2"; shift 2 ;;
      --python) pyver="$2"; shift 2 ;;
      *) say "unknown option $1"; exit 2 ;;
    esac
  done
  case "$platform" in
    "") ;;
    linux) args+=(--only-binary=:all: --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64) ;;
    windows) args+=(--only-binary=:all: --platform win_amd64) ;;
    *) say "--platform must be linux or windows"; exit 2 ;;
  esac
  if [ -n "$pyver" ]; then
    args+=(--python-version "$pyver")
    [ -n "$platform" ] || args+=(--only-binary=:all:)
  fi
  mkdir -p "$wheels"
  # the runtime requirements (and the build tools the console installs with), pinned
  "$python" - "$wheels/requirements.in" <<'PY'
import sys, tomllib
deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]
open(sys.argv[1], "w").write("\n".join([*deps, "pip", "setuptools", "wheel"]) + "\n")
PY
  "$python" -m pip download -q -d "$wheels" -c packaging/constraints.txt \
    -r "$wheels/requirements.in" "${args[@]}"
  "$python" - "$wheels" <<'PY'
import hashlib, pathlib, re, sys
folder = pathlib.Path(sys.argv[1])
pins: dict[str, list[str]] = {}
for wheel in sorted(folder.glob("*.whl")):
    name, version = wheel.name.split("-")[:2]
    key = f"{re.sub(r'[-_.]+', '-', name).lower()}=={version}"
    pins.setdefault(key, []).append(hashlib.sha256(wheel.read_bytes()).hexdigest())
lines = [f"{pin} " + " ".join(f"--hash=sha256:{h}" for h in hashes) for pin, hashes in sorted(pins.items())]
(folder / "requirements.lock").write_text("\n".join(lines) + "\n")
print(f"wheelhouse: {len(pins)} packages, locked with SHA-256 in {folder / 'requirements.lock'}")
PY
  say "$(ls "$wheels"/*.whl | wc -l) wheels, $(du -sh "$wheels" | cut -f1) in $wheels"
}

switch_to() {
  # point the $venv link at environment $1 atomically; keep the old target as .previous
  local target="$1" previous=""
  if [ -d "$venv" ] && [ ! -L "$venv" ]; then
    # an environment made in place (bootstrap.sh): adopt it into $envs first, mending
    # the interpreter path its scripts start with
    local adopted
    adopted="$envs/env-adopted-$(date -u +%Y%m%dT%H%M%S)"
    local old_abs
    old_abs="$(cd "$venv" && pwd -P)"
    mv "$venv" "$adopted"
    local new_abs
    new_abs="$(cd "$adopted" && pwd -P)"
    grep -rlI "^#!$old_abs/bin/" "$adopted/bin" 2>/dev/null | while read -r f; do
      sed -i "1s#^\#!$old_abs/bin/#\#!$new_abs/bin/#" "$f"
    done
    previous="$adopted"
  elif [ -L "$venv" ]; then
    previous="$(readlink "$venv")"
  fi
  ln -sfn "$target" "$venv.tmp"
  mv -T "$venv.tmp" "$venv"
  if [ -n "$previous" ]; then
    ln -sfn "$previous" "$venv.previous.tmp"
    mv -T "$venv.previous.tmp" "$venv.previous"
  fi
}

install() {
  [ -f "$wheels/requirements.lock" ] || {
    say "no $wheels/requirements.lock: run 'packaging/wheelhouse.sh build' where the index is reachable"
    exit 2
  }
  mkdir -p "$envs"
  local new
  new="$envs/env-$(date -u +%Y%m%dT%H%M%S)"
  "$python" -m venv "$new"
  if ! "$new/bin/python" -m pip install -q --no-index --find-links "$wheels" \
      --require-hashes -r "$wheels/requirements.lock"; then
    rm -rf "$new"
    say "refused: a wheel is missing or does not match its SHA-256 in $wheels/requirements.lock; nothing was installed"
    exit 2
  fi
  "$new/bin/python" -m pip install -q --no-index --find-links "$wheels" --no-deps \
    --no-build-isolation -e .
  if ! "$new/bin/console" doctor --offscreen; then
    rm -rf "$new"
    say "the new environment failed its self-check (above); $venv is unchanged"
    exit 1
  fi
  switch_to "$(basename "$envs")/$(basename "$new")"
  say "installed offline into $new; $venv points to it"
  if [ -L "$venv.previous" ]; then
    say "the environment before stays as $venv.previous (back: packaging/wheelhouse.sh back)"
  fi
  say "start with: $venv/bin/console"
}

back() {
  [ -L "$venv.previous" ] || { say "no previous environment to return to"; exit 2; }
  local previous
  previous="$(readlink "$venv.previous")"
  [ -x "$previous/bin/python" ] || [ -x "$(dirname "$venv")/$previous/bin/python" ] || {
    say "the previous environment ($previous) is gone"
    exit 2
  }
  switch_to "$previous"
  say "$venv points to $previous again"
}

case "${1:-}" in
  build) shift; build "$@" ;;
  install) install ;;
  back) back ;;
  *)
    echo "usage: packaging/wheelhouse.sh build [--platform linux|windows] [--python X.Y] | install | back" >&2
    exit 2
    ;;
esac
