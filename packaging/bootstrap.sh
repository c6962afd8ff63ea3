#!/usr/bin/env bash
# Install what is missing, then open the demo, run the tests or run the checks.
#
#   packaging/bootstrap.sh demo    build the demo workspace once, then open the console on it
#   packaging/bootstrap.sh test    run the whole test suite (offscreen, no display needed)
#   packaging/bootstrap.sh check   lint, format check, type check, layer contracts
#   packaging/bootstrap.sh install only install
#
# Installs into .venv beside this repository with the versions pinned in
# packaging/constraints.txt. System libraries Qt needs are installed with apt-get when
# running as root on Debian/Ubuntu; otherwise the script names the packages to install.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
action="${1:-install}"
shift || true
venv="$here/.venv"
python="${PYTHON:-python3}"

say() { printf '%s\n' "$*" >&2; }
# shellcheck source=packaging/apt_wait.sh
. "$here/packaging/apt_wait.sh"

# Shared libraries (soname) Qt loads, and the Debian package that provides each.
offscreen_libs=(
  "libGL.so.1 libgl1" "libEGL.so.1 libegl1" "libfontconfig.so.1 libfontconfig1"
  "libglib-2.0.so.0 libglib2.0-0" "libdbus-1.so.3 libdbus-1-3"
  "libxkbcommon.so.0 libxkbcommon0" "libX11.so.6 libx11-6"
)
window_libs=(
  "libX11-xcb.so.1 libx11-xcb1" "libxkbcommon-x11.so.0 libxkbcommon-x11-0"
  "libxcb-cursor.so.0 libxcb-cursor0" "libxcb-icccm.so.4 libxcb-icccm4"
  "libxcb-image.so.0 libxcb-image0" "libxcb-keysyms.so.1 libxcb-keysyms1"
  "libxcb-randr.so.0 libxcb-randr0" "libxcb-render-util.so.0 libxcb-render-util0"
  "libxcb-shape.so.0 libxcb-shape0" "libxcb-xfixes.so.0 libxcb-xfixes0"
  "libxcb-xkb.so.1 libxcb-xkb1"
)

missing_packages() {
  local entry lib pkg
  for entry in "$@"; do
    lib="${entry%% *}"
    pkg="${entry##* }"
    ldconfig -p 2>/dev/null | grep -q "$lib" || printf '%s ' "$pkg"
  done
}

ensure_system_libs() {
  local need
  need="$(missing_packages "$@")"
  [ -z "$need" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Installing system libraries for Qt: $need"
    apt_get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt_get install -y -qq --no-install-recommends $need >/dev/null
  else
    say "Missing system libraries for Qt. Install them, then run this again:"
    say "  sudo apt-get install $need"
    exit 2
  fi
}

ensure_python() {
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    say "Python 3.11 or newer is needed (found: $("$python" --version 2>&1 || echo none))."
    say "Set PYTHON=/path/to/python3.11 or install it (Debian: apt-get install python3 python3-venv)."
    exit 2
  fi
  local stamp="$venv/.installed"
  local want
  want="$(cat pyproject.toml packaging/constraints.txt | sha256sum | cut -d' ' -f1)"
  if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  say "Installing the console and its test tools into $venv ..."
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q -c packaging/constraints.txt -e ".[test]"
  echo "$want" > "$stamp"
}

# Byte-code for the console's own modules, as pip makes for an installed package: a
# cold `console` command then does not compile its sources first. Cheap when current.
compile_sources() {
  "$venv/bin/python" -m compileall -q -j 0 src >/dev/null || true
}

case "$action" in
  install)
    ensure_system_libs "${offscreen_libs[@]}"
    ensure_python
    compile_sources
    ;;
  test)
    ensure_system_libs "${offscreen_libs[@]}"
    ensure_python
    exec "$venv/bin/python" -m pytest "$@"
    ;;
  check)
    ensure_python
    "$venv/bin/ruff" check src tests benchmarks
    "$venv/bin/ruff" format --check src tests benchmarks
    "$venv/bin/mypy"
    "$venv/bin/lint-imports"
    ;;
  demo)
    ensure_system_libs "${offscreen_libs[@]}" "${window_libs[@]}"
    ensure_python
    compile_sources
    if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
      say "No display: run this from a desktop session (or set DISPLAY, e.g. under Xvfb)."
      exit 2
    fi
    demo_dir="$("$venv/bin/python" -c 'from console.core.base.roots import demo_root; print(demo_root())')"
    if [ ! -f "$demo_dir/console.toml" ]; then
      say "Building the demo workspace in $demo_dir (about a minute, once) ..."
      # ends with the first daily check and alert evaluation: the console opens with a status
      "$venv/bin/console" --workspace "$demo_dir" init --demo
    fi
    # Live traffic: the scoring service with a small traffic generator, for as long as
    # the window is open.
    "$venv/bin/console" --workspace "$demo_dir" service start --demo-traffic 20 >/dev/null \
      || "$venv/bin/console" --workspace "$demo_dir" service start --port 0 --demo-traffic 20 >/dev/null \
      || say "The scoring service did not start (see $demo_dir/logs/service.log); opening without it"
    status=0
    "$venv/bin/console" --workspace "$demo_dir" gui "$@" || status=$?
    "$venv/bin/console" --workspace "$demo_dir" service stop >/dev/null 2>&1 || true
    exit $status
    ;;
  *)
    say "usage: packaging/bootstrap.sh demo|test|check|install"
    exit 2
    ;;
esac
