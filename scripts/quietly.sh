# Sourced by the set-up scripts: run a noisy step with one line of output, its full log shown only if it fails.
# usage: quietly "what it does" command args...
quietly() {
  local what="$1"; shift
  local log
  log="$(mktemp -t kabao-setup.XXXXXX)"
  printf '  %s ... ' "$what"
  if "$@" >"$log" 2>&1; then
    echo "done"
    rm -f "$log"
  else
    local status=$?
    echo "FAILED (exit $status); its output:"
    cat "$log"
    rm -f "$log"
    return "$status"
  fi
}
