#!/usr/bin/env bash
# Install (or remove) the console's desktop entry and icon for the current user, so it
# appears in the desktop's application menu. Uses the console of this repository's
# .venv unless CONSOLE=/path/to/console is given.
#
#   packaging/desktop-entry.sh install
#   packaging/desktop-entry.sh uninstall
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
apps="$data/applications"
icons="$data/icons/hicolor/scalable/apps"
entry="$apps/model-ops-console.desktop"
icon="$icons/model-ops-console.svg"
console="${CONSOLE:-$here/.venv/bin/console}"

case "${1:-}" in
  install)
    [ -x "$console" ] || { echo "no console at $console: install it first (packaging/bootstrap.sh install)" >&2; exit 2; }
    mkdir -p "$apps" "$icons"
    cp "$here/resources/icons/model-ops-console.svg" "$icon"
    cat > "$entry.tmp" <<DESKTOP
[Desktop Entry]
Type=Application
Version=1.0
Name=Model Operations Console
GenericName=Model operations
Comment=Run the deployed fraud-scoring model: monitoring, alerts, rollback, audit
Exec="$console" gui
Icon=model-ops-console
Terminal=false
Categories=Development;Monitor;
StartupWMClass=model-ops-console
DESKTOP
    mv "$entry.tmp" "$entry"
    command -v update-desktop-database >/dev/null && update-desktop-database -q "$apps" || true
    echo "installed $entry and $icon"
    ;;
  uninstall)
    rm -f "$entry" "$icon"
    echo "removed $entry and $icon"
    ;;
  *)
    echo "usage: packaging/desktop-entry.sh install|uninstall" >&2
    exit 2
    ;;
esac
