# shellcheck shell=bash disable=SC2154  # jobs, mem_gb: set by setup.sh
# The fuzz, sanitize and tsan modes of packaging/setup.sh (sourced by it after
# the packages are in; it sets $jobs). Each builds in a folder of its own with
# its own ccache folder, so the normal build and its cache are untouched.
# Suppressions and sanitizer options, each with its reason: tests/sanitizers/.

SAN_CCACHE_DIR=${CCACHE_DIR}-sanitize
SUPP=$PWD/tests/sanitizers

# An instrumented LibTorch translation unit takes about twice the memory.
san_jobs() {
  local j=$jobs
  if [ "$mem_gb" -lt $((2 * j)) ]; then j=$(( mem_gb / 2 > 0 ? mem_gb / 2 : 1 )); fi
  echo "$j"
}

# sanitized_build DIR SANITIZERS [TARGET...]: core, hyperlab-cli and the tests
# (no GUI, no benchmarks) at -O1 with line tables and assertions on.
sanitized_build() {
  local dir=$1 san=$2 j
  shift 2
  j=$(san_jobs)
  echo "== building ($dir, gcc, -fsanitize=$san, -O1, $j jobs)"
  CCACHE_DIR=$SAN_CCACHE_DIR cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DHYPERLAB_SANITIZE="$san" \
    -DHYPERLAB_BUILD_GUI=OFF -DHYPERLAB_BUILD_BENCH=OFF >/dev/null
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  CCACHE_DIR=$SAN_CCACHE_DIR cmake --build "$dir" -j "$j" "${targets[@]}"
}

# The options every sanitized process gets (test executables and the CLI they start).
asan_env() {
  # halt_on_error: the first report fails the test. detect_stack_use_after_return and
  # the init-order checks are off by default and cheap enough at this size.
  export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:suppressions=$SUPP/asan.supp"
  export LSAN_OPTIONS="suppressions=$SUPP/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$SUPP/ubsan.supp"
}

sanitize_mode() {
  local start=$SECONDS
  sanitized_build build-asan address,undefined
  asan_env
  echo "== testing (build-asan: core and CLI tests under ASan+UBSan)"
  (cd build-asan && ctest --output-on-failure -j "$(san_jobs)")
  echo "== sanitize: passed in $((SECONDS - start)) s"
}

tsan_mode() {
  local start=$SECONDS
  sanitized_build build-tsan thread hyperlab-cli test_sweep test_core
  # One OpenMP/ATen thread: libgomp is not instrumented, so TSan cannot see
  # its barriers and would report every parallel kernel; our own threads
  # (sweep workers, the trainer's pause/stop, the runner) are what is tested.
  export OMP_NUM_THREADS=1
  export TSAN_OPTIONS="halt_on_error=0:second_deadlock_stack=1:history_size=4:suppressions=$SUPP/tsan.supp"
  echo "== testing (build-tsan: the sweep runner and the trainer under ThreadSanitizer)"
  (cd build-tsan && ctest --output-on-failure -j "$(san_jobs)" -R '^(SweepRunner|Trainer|Checkpoint|Grid|Random|Bayesian|SuccessiveHalving|Hyperband|Resume|SweepFile|SweepAnalysis)\.')
  echo "== tsan: passed in $((SECONDS - start)) s"
}

fuzz_mode() {
  local seconds=${1:-60}
  if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
    echo "usage: packaging/setup.sh fuzz [SECONDS]" >&2
    exit 2
  fi
  local dir=build-fuzz start=$SECONDS
  echo "== building the fuzz targets ($dir, clang, libFuzzer + ASan + UBSan, $(san_jobs) jobs)"
  CCACHE_DIR=$SAN_CCACHE_DIR cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_COMPILER=clang++-14 -DHYPERLAB_FUZZ=ON -DHYPERLAB_BUILD_GUI=OFF \
    -DHYPERLAB_BUILD_BENCH=OFF -DHYPERLAB_BUILD_TESTS=OFF >/dev/null
  CCACHE_DIR=$SAN_CCACHE_DIR cmake --build "$dir" -j "$(san_jobs)" --target fuzz
  local src=$PWD/tests/fuzz crashes=$PWD/$dir/crashes work=$PWD/$dir/fuzz-work
  mkdir -p "$crashes"
  rm -rf "$work"
  # libFuzzer sets its own ASAN_OPTIONS defaults; these add the suppressions.
  export ASAN_OPTIONS="suppressions=$SUPP/asan.supp"
  export LSAN_OPTIONS="suppressions=$SUPP/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$SUPP/ubsan.supp"
  local targets failed=() t
  read -r -a targets <<< "${FUZZ_TARGETS:-idx cifar config sweep expression}"
  for t in "${targets[@]}"; do
    local bin=$PWD/$dir/tests/fuzz/fuzz_$t w=$work/$t
    mkdir -p "$w/corpus" "$w/tmp"
    # Known crashes first: each file in tests/fuzz/regressions/TARGET must pass.
    local reg bad=0 nreg=0
    for reg in "$src/regressions/$t"/*; do
      [ -f "$reg" ] || continue
      nreg=$((nreg + 1))
      if ! (cd "$w" && TMPDIR=$w/tmp timeout 120 "$bin" "$reg") > "$w/regression.log" 2>&1; then
        bad=$((bad + 1))
        echo "FAIL $t: regression $(basename "$reg"): $(grep -m1 -E '==fuzz==|SUMMARY|ERROR' "$w/regression.log" | cut -c1-200)"
      fi
    done
    [ "$bad" -eq 0 ] || failed+=("$t (regressions)")
    # Then fuzz a scratch copy of the corpus (the repo's corpus never grows).
    cp "$src/corpus/$t"/* "$w/corpus/"
    local args=(-max_total_time="$seconds" -timeout=10 -print_final_stats=1 -artifact_prefix="$crashes/$t-")
    [ -f "$src/dict/$t.dict" ] && args+=(-dict="$src/dict/$t.dict")
    [ "$t" = cifar ] && args+=(-max_len=8192)         # two records and a bit
    [ "$t" = expression ] && args+=(-max_len=16384)   # room for deep nesting
    local rc=0 execs cov
    # shellcheck disable=SC2086
    (cd "$w" && TMPDIR=$w/tmp timeout -k 10 $((seconds + 300)) "$bin" "${args[@]}" ${FUZZ_FLAGS:-} corpus) \
      > "$w/fuzz.log" 2>&1 || rc=$?
    execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$w/fuzz.log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$w/fuzz.log" | tail -1 || true)
    if [ $rc -eq 0 ]; then
      echo "ok   $t: ${execs:-?} executions in ${seconds} s, $cov, corpus $(find "$w/corpus" -type f | wc -l) inputs, regressions $nreg/$nreg"
    else
      failed+=("$t")
      echo "FAIL $t: ${execs:-?} executions, exit $rc: $(grep -m1 -E '==fuzz==|^SUMMARY|ERROR: libFuzzer' "$w/fuzz.log" | cut -c1-200)"
      grep -m1 'Test unit written to' "$w/fuzz.log" | sed 's/.*Test unit written to/     input kept:/'
      echo "     log: $w/fuzz.log"
    fi
  done
  echo "== fuzz: ${#targets[@]} targets, ${seconds} s each, $((SECONDS - start)) s in all"
  if [ ${#failed[@]} -gt 0 ]; then
    echo "== fuzz: crashed: ${failed[*]} (inputs in $crashes)"
    exit 1
  fi
}
