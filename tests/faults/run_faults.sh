#!/usr/bin/env bash
# The bad-input and fault suite: runs the real hyperlab-cli on inputs the
# cases write (never shipped files) and checks that each refusal is clean:
#   - the expected exit status (2: bad input, 1: failure), never a signal or a hang;
#   - a line on stderr that starts with "error:" and contains the expected text;
#   - no "terminate called", no LibTorch backtrace ("frame #N"), no sanitizer report.
# Usage: run_faults.sh CLI WORK CASES.sh...   (each CASES file calls `fault`)
# Prints one line per case and "N passed, N failed" at the end.
set -uo pipefail
CLI=$(realpath "$1") WORK=$2
shift 2
rm -rf "$WORK" && mkdir -p "$WORK"
export XDG_DATA_HOME="$WORK/xdg"   # the default run history stays in here
passed=0 failed=0 skipped=0
HERE=$(cd "$(dirname "$0")" && pwd)
can_mount() {
  [ -z "${_can_mount:-}" ] && { unshare -m bash -c 'd=$(mktemp -d) && mount -t tmpfs -o size=64k t "$d"' \
    >/dev/null 2>&1 && _can_mount=yes || _can_mount=no; }
  [ "$_can_mount" = yes ]
}
FAULT_TIMEOUT=${FAULT_TIMEOUT:-120}

# fault NAME RC TEXT ARGS...  runs hyperlab-cli ARGS in $WORK/NAME (its own folder, the
# current directory while it runs). RC may be "1|2"; RC 0 is a case that must work,
# with TEXT anywhere in its output. @W@ in ARGS or TEXT is that folder.
# A case may prepare files first in `setup_NAME` and check what it left in `check_NAME`
# (both called in the folder; check_NAME prints why and fails), wrap the command with
# FAULT_WRAP (e.g. "ulimit -f 64"), and run it with FAULT_MOUNT="SUBDIR SIZE rw|ro": a
# private tmpfs on @W@/SUBDIR (full disks, read-only file systems; skipped where
# mounting is not allowed).
fault() {
  local name=$1 rc_want=$2 text=$3
  shift 3
  local dir="$WORK/$name"
  mkdir -p "$dir"
  local args=()
  for x in "$@"; do args+=("${x//@W@/$dir}"); done
  text=${text//@W@/$dir}
  if declare -F "setup_$name" >/dev/null; then (cd "$dir" && "setup_$name") || {
    echo "FAIL $name: its setup failed"; failed=$((failed + 1)); return; }
  fi
  local wrap=${FAULT_WRAP:-} prefix=()
  if [ -n "${FAULT_MOUNT:-}" ]; then  # "SUBDIR SIZE rw|ro": a private tmpfs there (needs mount rights)
    if ! can_mount; then
      skipped=$((skipped + 1))
      echo "skip $name: cannot mount a private tmpfs here (needs root or user namespaces)"
      return
    fi
    read -r sub size mode <<<"$FAULT_MOUNT"
    mkdir -p "$dir/$sub"
    prefix=(unshare -m bash "$HERE/mounted.sh" "$dir/$sub" "$size" "$mode")
  fi
  (cd "$dir" && eval "$wrap" && exec "${prefix[@]}" timeout -k 5 "$FAULT_TIMEOUT" "$CLI" "${args[@]}") \
    >"$dir/stdout" 2>"$dir/stderr" </dev/null
  local rc=$?
  local why=""
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then why="hung (killed after ${FAULT_TIMEOUT}s)"
  elif [ $rc -gt 128 ]; then why="killed by signal $((rc - 128))"
  elif ! [[ "|$rc_want|" == *"|$rc|"* ]]; then why="exit status $rc, expected $rc_want"
  elif grep -q -e "terminate called" -e "^frame #" -e "Exception raised from" -e "AddressSanitizer" \
              -e "runtime error:" "$dir/stderr"; then why="a crash report or backtrace on stderr"
  elif [ "$rc_want" = 0 ]; then  # a case that must work: TEXT anywhere in its output
    cat "$dir/stdout" "$dir/stderr" | grep -F -- "$text" >/dev/null || why="its output lacks \"$text\""
  elif ! grep -q "^error: " "$dir/stderr"; then why="no line starting with \"error: \" on stderr"
  elif ! grep "^error: " "$dir/stderr" | grep -F -- "$text" >/dev/null; then why="the error lacks \"$text\""
  fi
  if [ -z "$why" ] && declare -F "check_$name" >/dev/null; then
    local out
    if ! out=$(cd "$dir" && "check_$name" 2>&1); then why="after it: ${out:-check_$name failed}"; fi
  fi
  if [ -z "$why" ]; then
    passed=$((passed + 1))
    echo "ok   $name: $( (grep -m1 '^error: ' "$dir/stderr" || grep -m1 -F -- "$text" "$dir/stdout") | cut -c1-160)"
  else
    failed=$((failed + 1))
    echo "FAIL $name: $why"
    echo "     hyperlab-cli ${args[*]}" | cut -c1-300
    sed 's/^/     | /' "$dir/stderr" | head -20
  fi
}

for f in "$@"; do
  # shellcheck source=/dev/null
  source "$f"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
