#!/usr/bin/env bash
# Hyperlab setup on Debian 12: installs what is missing (apt, by package name),
# builds Release, and then runs, tests or benchmarks.
#
#   packaging/setup.sh            install, build, open the workbench on Fashion-MNIST
#                                 (no display: train the default preset in the terminal)
#   packaging/setup.sh test       install what is missing, build, run the whole test suite
#   packaging/setup.sh test-cpus  the same, three times: with LibTorch's default (no SIMD), AVX2 and the
#                                 machine's own CPU kernels (ATEN_CPU_CAPABILITY), as other CPUs run them
#   packaging/setup.sh build      install what is missing, build
#   packaging/setup.sh bench      install what is missing, build, run hyperlab-bench and hyperlab-bench-gui
#   packaging/setup.sh deb        install what is missing, build, make build/hyperlab_VERSION_amd64.deb
#   packaging/setup.sh slurm-test install what is missing (slurm-wlm, munge too), build, run sweeps with real
#                                 sbatch on a one-node Slurm cluster started here and removed after (needs
#                                 root; packaging/slurm-test.sh). `test` runs it too when HYPERLAB_SLURM_TEST=1,
#                                 or =auto (CI: only where it can run, else a skip message).
#
# Proving "never crash" (each in a build folder of its own, GUI and benchmarks
# off, its own ccache folder CCACHE_DIR-sanitize; the normal build is not touched):
#   packaging/setup.sh fuzz [SECONDS]  clang + libFuzzer, ASan+UBSan: builds tests/fuzz in build-fuzz,
#                                 replays tests/fuzz/regressions, then fuzzes each target SECONDS
#                                 (default 60) on a scratch copy of tests/fuzz/corpus; prints
#                                 executions per target; crashing inputs go to build-fuzz/crashes/;
#                                 exits 1 if any target crashed. FUZZ_TARGETS="idx sweep" picks
#                                 targets, FUZZ_FLAGS adds libFuzzer flags, and
#                                 HYPERLAB_FUZZ_ALLOW_EXCEPTIONS=1 looks past escaping exceptions.
#   packaging/setup.sh sanitize   gcc, AddressSanitizer + UndefinedBehaviorSanitizer (-O1): builds core,
#                                 hyperlab-cli and the tests in build-asan and runs ctest (all but UI).
#   packaging/setup.sh tsan       gcc, ThreadSanitizer: builds build-tsan and runs the threaded tests
#                                 (test_sweep, test_core's Trainer tests) with OMP_NUM_THREADS=1.
# Suppressions, each with its reason: tests/sanitizers/.
#
# Needs root or sudo only when a package is missing. BUILD_DIR (default build)
# and CCACHE_DIR (default ~/.cache/hyperlab-ccache) may be set.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}

# Build and runtime. libopenblas0-openmp: without an optimised BLAS LibTorch
# falls back to the reference one (~30x slower matrix products); the OpenMP
# build shares LibTorch's one thread pool (the pthread build spins against it).
PACKAGES=(build-essential cmake ninja-build ccache pkg-config
          libtorch-dev libopenblas0-openmp nlohmann-json3-dev zlib1g-dev libsqlite3-dev libgtest-dev
          libcurl4-openssl-dev libssl-dev ca-certificates
          qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6opengl6-dev libgif-dev
          libpng-dev libjpeg62-turbo-dev
          dataset-fashion-mnist fonts-dejavu-core)
if [ "$mode" = bench ]; then PACKAGES+=(python3-torch); fi   # the plain-PyTorch competitor
# libFuzzer and clang's sanitizer runtimes (gcc's come with build-essential).
if [ "$mode" = fuzz ]; then PACKAGES+=(clang-14 libclang-rt-14-dev); fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

BUILD_DIR=${BUILD_DIR:-build}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/hyperlab-ccache}
jobs=$(nproc)
# A LibTorch translation unit takes ~1 GB to compile: keep jobs within memory.
mem_gb=$(awk '/MemAvailable/ {print int($2/1048576)}' /proc/meminfo)
if [ "$mem_gb" -lt "$jobs" ]; then jobs=$(( mem_gb > 0 ? mem_gb : 1 )); fi

case "$mode" in
  fuzz|sanitize|tsan)
    # shellcheck source=packaging/sanitize.sh
    source packaging/sanitize.sh
    "${mode}_mode" "${@:2}"
    exit
    ;;
esac

echo "== building ($BUILD_DIR, Release, $jobs jobs)"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j "$jobs"

case "$mode" in
  test)
    echo "== testing"
    (cd "$BUILD_DIR" && ctest --output-on-failure -j "$jobs")
    case ${HYPERLAB_SLURM_TEST:-0} in 1|auto) packaging/slurm-test.sh "$BUILD_DIR" ;; esac
    ;;
  test-cpus)
    cd "$BUILD_DIR"
    for cap in default avx2 native; do
      echo "== testing with ATEN_CPU_CAPABILITY=$cap"
      if [ "$cap" = native ]; then ctest --output-on-failure -j "$jobs"
      else ATEN_CPU_CAPABILITY=$cap ctest --output-on-failure -j "$jobs"; fi
    done
    ;;
  build) ;;
  slurm-test) HYPERLAB_SLURM_TEST=${HYPERLAB_SLURM_TEST:-1} packaging/slurm-test.sh "$BUILD_DIR" ;;
  bench)
    # The project's copy of the plain-PyTorch reference (with resnet20, --train-limit, --device).
    "$BUILD_DIR/bench/hyperlab-bench" --ref bench/ref_train.py "${@:2}"
    "$BUILD_DIR/bench/hyperlab-bench-gui"
    "$BUILD_DIR/bench/hyperlab-bench-gui" --history 1000
    ;;
  deb)
    (cd "$BUILD_DIR" && cpack -G DEB)
    ;;
  run)
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
      echo "== opening Hyperlab (the fashion-baseline experiment is loaded: press Train)"
      exec "$BUILD_DIR/app/gui/hyperlab" "${@:2}"
    fi
    echo "== no display: training the default preset (fashion-baseline) in the terminal; Ctrl-C stops and keeps the results"
    "$BUILD_DIR/app/cli/hyperlab-cli" presets
    exec "$BUILD_DIR/app/cli/hyperlab-cli" run --preset fashion-baseline "${@:2}"
    ;;
  *) echo "usage: $0 [run|test|test-cpus|build|bench|deb|slurm-test|fuzz [SECONDS]|sanitize|tsan]" >&2; exit 2 ;;
esac
