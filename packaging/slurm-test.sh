#!/usr/bin/env bash
# packaging/setup.sh slurm-test (or packaging/slurm-test.sh [BUILD_DIR]): sweeps on
# a real one-node Slurm cluster started here, with real sbatch.
#
# Installs slurm-wlm and munge (and jq) from Debian when missing (needs root or sudo),
# starts munged (its own key and socket), slurmctld and slurmd on localhost
# with a generated slurm.conf, private ports and state folders, all inside one
# temporary folder, and then runs
#   1. a grid sweep: --plan, sbatch --wait, --collect;
#   2. a successive-halving sweep, rung by rung (--plan / sbatch / --collect until
#      --plan says the sweep is complete);
#   3. a one-job sweep whose job is killed mid-way (kill -9 of hyperlab-cli),
#      requeued with scontrol requeue, and collected after its rerun.
# It checks that every planned job finished exactly once (a wrapper logs each
# start and end), that --collect took every result, and that every result equals
# a local run of the same trial config bit for bit (config.json, metrics.csv and
# result.json without their timing fields; training.threads=1 on both sides).
# Everything is stopped and the folder removed at the end, on failure too; it
# then checks that no daemon or job process of the cluster is left.
# HYPERLAB_CLI=/path picks the binary (default BUILD_DIR/app/cli/hyperlab-cli).
# Needs root (the daemons run as root). With HYPERLAB_SLURM_TEST=auto (what
# setup.sh test passes on in CI) it is skipped, with a message and exit status 0,
# where it cannot run: not root, or slurm-wlm and munge missing and not installable.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-${BUILD_DIR:-build}}
CLI=$(realpath "${HYPERLAB_CLI:-$BUILD_DIR/app/cli/hyperlab-cli}")
[ -x "$CLI" ] || { echo "slurm-test: $CLI not built" >&2; exit 2; }
SRC=$PWD/packaging/slurm-test
SLOTS=$(nproc)
T=""             # the cluster's folder
DAEMONS=()       # slurmctld and slurmd, started in the foreground (-D) in the background here

log() { echo "== slurm-test: $*"; }
fail() { echo "slurm-test: FAILED: $*" >&2; exit 1; }
# cannot WHY: a machine that cannot run the test; skipped under HYPERLAB_SLURM_TEST=auto.
cannot() {
  if [ "${HYPERLAB_SLURM_TEST:-}" = auto ]; then log "skipped: $*"; exit 0; fi
  echo "slurm-test: $*" >&2
  exit 2
}

install_slurm() {
  local missing=() p
  for p in slurm-wlm munge jq; do   # jq: the result files compared
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
    cannot "could not install ${missing[*]} with apt-get"
}

# A TCP port nobody listens on.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
}

# Every process of this cluster: munged carries HYPERLAB_SLURM_CLUSTER; the others
# SLURM_CONF=$T/slurm.conf: the daemons, slurmstepd and the jobs, and this script with
# its subshells, which alone carry HYPERLAB_SLURM_TEST_SELF (jobs too, with SLURM_JOB_ID).
cluster_pids() {
  local f pid env
  for f in /proc/[0-9]*/environ; do
    pid=${f#/proc/}; pid=${pid%/environ}
    env=$(tr '\0' '\n' 2>/dev/null < "$f") || continue
    if grep -qx "HYPERLAB_SLURM_CLUSTER=$T" <<< "$env" ||
       { grep -qx "SLURM_CONF=$T/slurm.conf" <<< "$env" &&
         { grep -q "^SLURM_JOB_ID=" <<< "$env" || ! grep -qx "HYPERLAB_SLURM_TEST_SELF=1" <<< "$env"; }; }; then
      echo "$pid"
    fi
  done
}

# stop_pids SECONDS PID...: TERM, then KILL whatever still runs after SECONDS.
stop_pids() {
  local wait_s=$1 p i
  shift
  [ $# -eq 0 ] && return
  kill -TERM "$@" 2>/dev/null || true
  for ((i = 0; i < wait_s * 10; i++)); do
    local alive=0
    for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && return
    sleep 0.1
  done
  kill -KILL "$@" 2>/dev/null || true
}

cleanup() {
  local rc=$? i f
  set +e
  [ -n "$T" ] || exit $rc
  if [ $rc -ne 0 ] && [ -d "$T/log" ]; then
    for f in "$T"/log/*.log; do echo "--- $f (last lines)"; tail -n 15 "$f"; done >&2
  fi
  if [ -n "${SLURM_CONF:-}" ]; then   # the jobs first, or slurmd waits for them and slurmstepd outlives it
    scancel --full --quiet --user "$(id -un)" 2>/dev/null
    for ((i = 0; i < 150; i++)); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.1; done
  fi
  stop_pids 10 "${DAEMONS[@]}"
  [ -f "$T/munge/munged.pid" ] && stop_pids 5 "$(cat "$T/munge/munged.pid")"
  local left
  left=$(cluster_pids | tr '\n' ' ')
  if [ -n "$left" ]; then
    echo "slurm-test: processes of the cluster still running, killed: $left" >&2
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null
    rc=1
  fi
  rm -rf "$T"
  if [ -e "$T" ]; then echo "slurm-test: could not remove $T" >&2; rc=1; fi
  [ $rc -eq 0 ] && log "cluster stopped, no process left, $T removed"
  exit $rc
}

write_conf() {
  local host ctld_port d_port
  host=$(hostname -s)
  ctld_port=$(free_port)
  d_port=$(free_port)
  while [ "$d_port" = "$ctld_port" ]; do d_port=$(free_port); done
  sed -e "s|@T@|$T|g" -e "s|@HOST@|$host|g" -e "s|@CPUS@|$SLOTS|g" \
      -e "s|@CTLD_PORT@|$ctld_port|g" -e "s|@D_PORT@|$d_port|g" "$SRC/slurm.conf.in" > "$T/slurm.conf"
}

start_cluster() {
  T=$(mktemp -d /tmp/hyperlab-slurm.XXXXXX)
  chmod 711 "$T"   # munged wants its socket folder reachable by all
  mkdir -p "$T/munge" "$T/ctld" "$T/spool" "$T/log" "$T/pids"
  chmod 711 "$T/munge"
  head -c 1024 /dev/urandom > "$T/munge/munge.key"
  chmod 400 "$T/munge/munge.key"
  HYPERLAB_SLURM_CLUSTER=$T munged --key-file="$T/munge/munge.key" --socket="$T/munge/munge.sock" \
    --pid-file="$T/munge/munged.pid" --log-file="$T/log/munged.log" --seed-file="$T/munge/munge.seed"
  write_conf
  export SLURM_CONF=$T/slurm.conf
  HYPERLAB_SLURM_CLUSTER=$T env -u HYPERLAB_SLURM_TEST_SELF slurmctld -D -i -f "$SLURM_CONF" > "$T/log/slurmctld.out" 2>&1 &
  DAEMONS+=($!)
  HYPERLAB_SLURM_CLUSTER=$T env -u HYPERLAB_SLURM_TEST_SELF slurmd -D -f "$SLURM_CONF" > "$T/log/slurmd.out" 2>&1 &
  DAEMONS+=($!)
  local i state=""
  for ((i = 0; i < 600; i++)); do
    state=$(sinfo -h -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.1
  done
  [ "$state" = idle ] || fail "the node did not come up (state \"$state\")"
  log "cluster up in $T: $(sinfo -h -o '%P %D node, %c CPUs, %T')"
}

# The wrapper that sweep.sbatch runs instead of hyperlab-cli (HYPERLAB_CLI): logs
# each job's start and end with their times, keeps the trainer's pid for the kill.
write_wrapper() {
  cat > "$T/cli-wrapper.sh" <<EOF
#!/bin/bash
job=\$PWD/\$(basename "\$2" .json)   # the plan folder and the job's name
echo "start \$job \$(date +%s.%N) \${SLURM_JOB_ID:-}" >> "$T/starts.log"
"$CLI" "\$@" &
pid=\$!
echo \$pid > "$T/pids/\$(basename "\$PWD")-\$(basename "\$2" .json)"
wait \$pid
rc=\$?
echo "end \$job \$(date +%s.%N) rc=\$rc" >> "$T/starts.log"
exit \$rc
EOF
  chmod +x "$T/cli-wrapper.sh"
  export HYPERLAB_CLI=$T/cli-wrapper.sh
}

main() {
  export HYPERLAB_SLURM_TEST_SELF=1
  [ "$(id -u)" -eq 0 ] || cannot "needs root: munged, slurmctld and slurmd run as root here"
  install_slurm
  trap cleanup EXIT
  trap 'exit 130' INT   # bash runs the EXIT trap on a signal only through an exit
  trap 'exit 143' TERM
  start_cluster
  write_wrapper
  export XDG_DATA_HOME=$T/xdg
  # shellcheck source=packaging/slurm-test/sweeps.sh
  source "$SRC/sweeps.sh"
  run_all
}

main "$@"
