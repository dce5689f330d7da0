# shellcheck shell=bash disable=SC2154  # T, CLI, SLOTS, SRC, log, fail: set by slurm-test.sh
# The sweeps packaging/slurm-test.sh runs on its cluster, and the checks.

PLANNED=()   # "DIR JOB" for every planned job
KILLED=""    # the job killed mid-way
SWEEP="" SETS=()

sweep_cli() { "$CLI" sweep "$SWEEP" "${SETS[@]}" --db "$T/runs.db" "$@"; }

# plan DIR: the next jobs into DIR; false when the sweep is complete.
plan() {
  local out j
  out=$(sweep_cli --plan "$1" 2>&1) || fail "--plan: $out"
  echo "   ${out%%$'\n'*}"
  grep -q "nothing to plan: the sweep is complete" <<< "$out" && return 1
  grep -q "^planned " <<< "$out" || fail "--plan planned nothing, and the sweep is not complete: $out"
  while read -r j; do
    [ ! -e "$1/results/$j/result.json" ] || fail "$j: a result before it was submitted"
    PLANNED+=("$1 $j")
  done < "$1/jobs.txt"
}

# collect DIR: every planned job's result must be taken.
collect() {
  local n out
  n=$(wc -l < "$1/jobs.txt")
  out=$(sweep_cli --collect "$1" 2>&1) || fail "--collect: $out"
  grep -q "collected $n, already in 0, not finished 0, unusable 0" <<< "$out" ||
    fail "--collect did not take all $n results: $out"
  grep -E "^(completed|stopped):" <<< "$out" | sed 's/^/   /'
}

# submit_wait DIR: the job array (one CPU and one thread a job), then a poll of
# its state every 0.2 s (sbatch --wait works too, but polls only every 10 s).
submit_wait() {
  local t0 t1 id n
  n=$(wc -l < "$1/jobs.txt")
  t0=$(date +%s.%N)
  id=$(cd "$1" && sbatch --parsable --cpus-per-task=1 sweep.sbatch)
  id=${id%%;*}
  wait_until 600 "job array $id to finish" array_done "$id"
  t1=$(date +%s.%N)
  [ "$(job_states "$id" | grep -cx COMPLETED)" -eq "$n" ] ||
    fail "job array $id: not all $n jobs COMPLETED: $(job_states "$id" | tr '\n' ' ') (logs in $1/logs)"
  echo "$t0 $t1 $1" >> "$T/waves.log"
}

job_states() { scontrol -o show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2; }
job_state() { job_states "$1" | head -n 1; }
array_done() { ! job_states "$1" | grep -qE '^(PENDING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED|REQUEUED)'; }

# rounds NAME: plan, submit, collect until the sweep is complete.
rounds() {
  local dir=$T/$1 n=0
  while plan "$dir"; do
    submit_wait "$dir"
    collect "$dir"
    n=$((n + 1))
  done
  log "$1: complete after $n round(s) of sbatch"
}


# wait_until SECONDS WHAT COMMAND...: polls COMMAND every 0.2 s.
wait_until() {
  local limit=$1 what=$2 i
  shift 2
  for ((i = 0; i < limit * 5; i++)); do
    "$@" && return
    sleep 0.2
  done
  fail "timed out after $limit s waiting for $what"
}
completed() {
  local s
  s=$(job_state "$1")
  case $s in COMPLETED) return 0 ;; FAILED | CANCELLED | TIMEOUT | NODE_FAIL) fail "job $1 $s" ;; esac
  return 1
}
state_is() { [ "$(job_state "$1")" = "$2" ]; }
in_epoch() { grep -qs "^epoch $2/" "$1"/logs/*.out; }

# The requeue case: the job's trainer is killed in epoch 20 of 400 (the job fails),
# scontrol requeue runs it again from the start, and its result is collected.
requeue_case() {
  local dir=$T/requeue id job
  plan "$dir" || fail "the requeue sweep planned nothing"
  job=$(head -n 1 "$dir/jobs.txt")
  id=$(cd "$dir" && sbatch --parsable --cpus-per-task=1 sweep.sbatch)
  id=${id%%;*}_0
  wait_until 120 "$job to reach epoch 20" in_epoch "$dir" 20
  [ ! -e "$dir/results/$job/result.json" ] || fail "$job finished before it could be killed"
  kill -KILL "$(cat "$T/pids/requeue-$job")"
  wait_until 60 "$id to fail" state_is "$id" FAILED
  log "requeue: $job killed in epoch 20 (job $id FAILED), requeued"
  scontrol requeue "$id"
  # Slurm holds a requeued job back for about two minutes (its begin time); start it
  # sooner, but in a later second than the kill: slurmd refuses a job whose credential
  # is from the second in which the killed run's was revoked.
  sleep 2
  scontrol update JobId="$id" StartTime=now
  wait_until 300 "$id to complete after its requeue" completed "$id"
  KILLED=$dir/$job
  collect "$dir"
}

# A run's files without what differs between two identical runs: the timings.
strip_csv() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) keep[i] = $i !~ /seconds|samples_per_s/ }
           { s = ""; for (i = 1; i <= NF; i++) if (keep[i]) s = s $i ","; print s }' "$1"
}
strip_json() {
  jq -S '.history_fields as $f
         | [$f | to_entries[] | select(.value | test("seconds|samples_per_s") | not) | .key] as $k
         | .history |= map([.[$k[]]]) | del(.seconds)' "$1"
}

# same_as_local DIR JOB: the job's result equals a local run of its trial config.
same_as_local() {
  local r=$1/results/$2 l=$T/local/$2
  "$CLI" run "$1/trials/$2.json" --out "$l" --no-db --set training.threads=1 > "$l.out" 2>&1 ||
    fail "local run of $2: $(tail -n 3 "$l.out")"
  cmp -s "$r/config.json" "$l/config.json" || fail "$2: config.json differs from the local run's"
  cmp -s <(strip_csv "$r/metrics.csv") <(strip_csv "$l/metrics.csv") || fail "$2: metrics.csv differs from the local run's"
  cmp -s <(strip_json "$r/result.json") <(strip_json "$l/result.json") || fail "$2: result.json differs from the local run's"
}

# Each job started once and ended well once; the killed one started twice.
check_runs() {
  local entry job starts ends want
  for entry in "${PLANNED[@]}"; do
    job=${entry/ //}
    starts=$(grep -c "^start $job " "$T/starts.log" || true)
    ends=$(grep -c "^end $job .* rc=0$" "$T/starts.log" || true)
    want=1
    [ "$job" = "$KILLED" ] && want=2
    if [ "$starts" -ne "$want" ] || [ "$ends" -ne 1 ]; then
      fail "$job: started $starts times (want $want), finished well $ends times (want 1)"
    fi
  done
  log "every one of ${#PLANNED[@]} jobs finished exactly once (${KILLED#"$T"/}: killed once, then rerun)"
}

check_history() {
  local id=0 name want out
  for name in grid halving requeue; do
    id=$((id + 1))
    want=$(printf '%s\n' "${PLANNED[@]}" | grep -c "^$T/$name ")
    out=$("$CLI" runs list --sweep "$id" --db "$T/runs.db")
    grep -Eq "^$want runs? in" <<< "$out" || fail "sweep $id ($name): not $want runs in the history: $out"
  done
  out=$("$CLI" sweeps --db "$T/runs.db")
  [ "$(grep -c ' completed ' <<< "$out")" -eq 3 ] || fail "not every sweep is complete: $out"
  log "the history holds every run once, and the 3 sweeps are complete"
}

# Queue-to-result overhead: per wave of sbatch --wait, the wall time against the
# jobs' own run times (the wrapper's start and end), and the delay to each start.
report_overhead() {
  local t0 t1 dir
  while read -r t0 t1 dir; do
    awk -v t0="$t0" -v t1="$t1" -v slots="$SLOTS" -v name="${dir##*/}" '
      $1 == "start" && $3 >= t0 && $3 <= t1 { s[$2] = $3 }
      $1 == "end" && $3 >= t0 && $3 <= t1 { e[$2] = $3 }
      END { n = 0; run = 0; wait = 0; last = t0
            for (j in s) { n++; run += e[j] - s[j]; wait += s[j] - t0; if (e[j] > last) last = e[j] }
            par = n < slots ? n : slots
            printf "   %-8s %d jobs: submit to all seen done %.1f s, runs %.1f s (on %d CPUs >= %.1f s), first start %.2f s after submit (mean %.2f), last end to seen %.2f s, overhead %.2f s a job\n",
                   name, n, t1 - t0, run, par, run / par, mn(), wait / n, t1 - last, (t1 - t0 - run / par) / (n / par) }
      function mn(   j, m) { m = 1e9; for (j in s) if (s[j] - t0 < m) m = s[j] - t0; return m }' "$T/starts.log"
  done < "$T/waves.log" | tee "$T/overhead.txt"
}

run_all() {
  local t_start entry
  t_start=$(date +%s)
  SWEEP=$SRC/grid.json SETS=(--set training.threads=1 --set training.epochs=5)
  rounds grid
  SWEEP=$SRC/halving.json SETS=(--set training.threads=1)
  rounds halving
  SWEEP=$SRC/requeue.json SETS=(--set training.threads=1 --set training.epochs=400)
  requeue_case
  check_runs
  check_history
  log "on Slurm: $(($(date +%s) - t_start)) s; queue-to-result overhead per wave:"
  report_overhead
  mkdir -p "$T/local"
  for entry in "${PLANNED[@]}"; do same_as_local "${entry%% *}" "${entry#* }"; done
  log "all ${#PLANNED[@]} results equal local runs of the same configs (bit for bit but the timings)"
  log "PASSED in $(($(date +%s) - t_start)) s"
}
