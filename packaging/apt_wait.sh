# Sourced by bootstrap.sh: apt-get that waits while another package manager holds the lock.
#
# On a fresh machine unattended-upgrades or a software centre often holds the dpkg or
# apt lists lock for minutes; apt-get then fails at once with "Could not get lock".
# apt_get retries such a failure every APT_WAIT_EVERY seconds (default 10) for up to
# APT_WAIT_MAX seconds (default 600), saying so once; any other failure is returned as is.

apt_get() {
  local every="${APT_WAIT_EVERY:-10}" max="${APT_WAIT_MAX:-600}" waited=0 status log
  log="$(mktemp)"
  while true; do
    status=0
    apt-get -o DPkg::Lock::Timeout="$every" "$@" 2>"$log" || status=$?
    if [ "$status" = 0 ]; then
      rm -f "$log"
      return 0
    fi
    if ! grep -qiE 'could not get lock|unable to lock|is another process using it' "$log" \
      || [ "$waited" -ge "$max" ]; then
      cat "$log" >&2
      rm -f "$log"
      return "$status"
    fi
    if [ "$waited" = 0 ]; then
      printf '%s\n' "Another package manager is running (apt/dpkg lock held); waiting up to ${max} s ..." >&2
    fi
    sleep "$every"
    waited=$((waited + every))
  done
}
