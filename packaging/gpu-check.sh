#!/usr/bin/env bash
# The GPU check (issue 17), one command on a GPU machine that has a pip
# PyTorch 2.x (its LibTorch), CMake, ninja and a compiler, but no Qt, no apt
# and no internet:
#
#   packaging/gpu-check.sh prepare        here (Debian, network): packaging/gpu-deps/ from
#                                         Debian packages (apt-get download, dpkg -x): nlohmann-json,
#                                         SQLite and zlib (static), GoogleTest's sources
#   packaging/gpu-check.sh [--cpu-dry-run] [--jobs N] [--quick]
#                                         there: builds core, hyperlab-cli, hyperlab-bench and the
#                                         core tests against that LibTorch, runs the tests on CUDA,
#                                         compares a seeded CUDA run with the CPU run, compares and
#                                         times seeded runs with CUDA graphs on and off
#                                         (training.cuda_graphs), times three presets against plain
#                                         PyTorch on CUDA, and writes one figures file:
#                                         $OUT/gpu-figures.md (else build-gpu/)
#
# --cpu-dry-run does every step on this machine's CPU with Debian's LibTorch
# (and the same gpu-deps), so the script is tested before a GPU is at hand.
# The device tool copies the working tree; packaging/gpu-deps is git-ignored:
# carry it (run: carry ["packaging/gpu-deps"]).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEPS=$ROOT/packaging/gpu-deps

prepare() {
  set -e
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download nlohmann-json3-dev libsqlite3-dev zlib1g-dev googletest)
  rm -rf "$DEPS"; mkdir -p "$DEPS"
  for d in "$tmp"/*.deb; do dpkg -x "$d" "$DEPS"; done
  rm -rf "$DEPS/usr/share/doc" "$DEPS/usr/share/man" "$DEPS/usr/share/lintian" "$DEPS/usr/lib/x86_64-linux-gnu/pkgconfig"
  rm -rf "$tmp"
  du -sh "$DEPS"
  echo "== $DEPS ready: carry packaging/gpu-deps to the GPU machine"
}

if [ "${1:-}" = prepare ]; then prepare; exit; fi

DRY=0 JOBS=$(nproc) QUICK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu-dry-run) DRY=1 ;;
    --jobs) JOBS=$2; shift ;;
    --quick) QUICK=1 ;;
    *) echo "usage: $0 prepare | [--cpu-dry-run] [--jobs N] [--quick]"; exit 2 ;;
  esac
  shift
done
[ -d "$DEPS/usr/include" ] || { echo "no $DEPS: run '$0 prepare' on a Debian machine first"; exit 2; }

B=$ROOT/build-gpu
[ $DRY = 1 ] && B=$ROOT/build-gpu-dry
OUTDIR=${OUT:-$B}
mkdir -p "$B" "$OUTDIR"
FIG=$OUTDIR/gpu-figures.md
LOG=$OUTDIR/gpu-check.log
: > "$LOG"
T0=$(date +%s)
DEVICE=cuda
[ $DRY = 1 ] && DEVICE=cpu
PY=python3
[ $DRY = 1 ] && PY=/usr/bin/python3

say() { echo "$*" | tee -a "$FIG"; }
stage() { echo "== [$(( $(date +%s) - T0 )) s] $*" | tee -a "$LOG"; }
fail() { say ""; say "**FAILED: $*** (see gpu-check.log)"; exit 1; }

{
  echo "# Hyperlab GPU check"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), host $(hostname), $(nproc) CPU threads"
  [ $DRY = 1 ] && echo "- **CPU dry run** (--cpu-dry-run): Debian's LibTorch, device cpu; no GPU figures"
  command -v nvidia-smi >/dev/null && echo "- GPU: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)"
  echo "- compiler: $(c++ --version | head -1); cmake $(cmake --version | head -1 | awk '{print $3}')"
} > "$FIG"

# LibTorch: the machine's pip PyTorch (torch.utils.cmake_prefix_path); the dry
# run uses Debian's (found without a prefix).
TORCH_PREFIX= ABI=1
if [ $DRY = 0 ]; then
  TORCH_PREFIX=$($PY -c 'import torch; print(torch.utils.cmake_prefix_path)') || fail "python3 cannot import torch"
  ABI=$($PY -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
  say "- PyTorch $($PY -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)'), LibTorch at $TORCH_PREFIX, C++11 ABI $ABI"
else
  say "- PyTorch $($PY -c 'import torch; print(torch.__version__)') (Debian), C++11 ABI $ABI"
fi

# LibTorch's CMake files look for the CUDA toolkit (nvcc) and the GPU's architecture.
if [ $DRY = 0 ]; then
  [ -d /usr/local/cuda/bin ] && export PATH=$PATH:/usr/local/cuda/bin
  export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}   # H200 (Hopper); set it for another GPU
  command -v nvcc >/dev/null || say "- no nvcc on PATH: LibTorch's CMake files may not find CUDA (set CUDAToolkit_ROOT)"
fi

# GoogleTest from Debian's sources, built with LibTorch's C++ ABI.
stage "GoogleTest"
GT=$B/gtest
if [ ! -f "$GT/lib/cmake/GTest/GTestConfig.cmake" ]; then
  cmake -S "$DEPS/usr/src/googletest" -B "$B/gtest-build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_INSTALL_PREFIX="$GT" -DCMAKE_INSTALL_LIBDIR=lib -DBUILD_GMOCK=OFF \
        -DCMAKE_CXX_FLAGS="-D_GLIBCXX_USE_CXX11_ABI=$ABI" >> "$LOG" 2>&1 &&
    cmake --build "$B/gtest-build" -j "$JOBS" >> "$LOG" 2>&1 &&
    cmake --install "$B/gtest-build" >> "$LOG" 2>&1 || fail "GoogleTest did not build"
fi

stage "configure"
LIB=$DEPS/usr/lib/x86_64-linux-gnu
# CUDA graphs for the training step (core/train/cuda_graph.h): that LibTorch has CUDA (the dry run's has not).
GRAPHS=ON
[ $DRY = 1 ] && GRAPHS=OFF
cmake -S "$ROOT" -B "$B/hyperlab" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHYPERLAB_TORCH_CUDA=$GRAPHS \
      -DHYPERLAB_BUILD_GUI=OFF -DHYPERLAB_DOWNLOADS=OFF -DHYPERLAB_IMAGE_FILES=OFF \
      -DCMAKE_PREFIX_PATH="${TORCH_PREFIX:+$TORCH_PREFIX;}$GT" \
      -Dnlohmann_json_DIR="$DEPS/usr/share/cmake/nlohmann_json" \
      -DSQLite3_INCLUDE_DIR="$DEPS/usr/include" -DSQLite3_LIBRARY="$LIB/libsqlite3.a" \
      -DZLIB_INCLUDE_DIR="$DEPS/usr/include" -DZLIB_LIBRARY="$LIB/libz.a" >> "$LOG" 2>&1 ||
  fail "cmake could not configure against this LibTorch (the log's end says why)"

stage "build"
TARGETS="hyperlab-cli hyperlab-bench test_config test_core test_attack test_store test_sweep test_playground test_export test_activations"
# shellcheck disable=SC2086
cmake --build "$B/hyperlab" -j "$JOBS" --target $TARGETS >> "$LOG" 2>&1 || fail "the build failed"
CLI=$B/hyperlab/app/cli/hyperlab-cli
BENCH=$B/hyperlab/bench/hyperlab-bench
say "- built in $(( $(date +%s) - T0 )) s; $(grep -m1 -o 'CUDA graphs for the training step: [A-Z]*' "$LOG" || echo 'CUDA graphs: not reported by cmake')"
say ""
say "## Devices"
say '```'
"$CLI" info 2>&1 | tee -a "$FIG" > /dev/null
say '```'

# The core tests (gtest executables; the CLI and fault scripts need the full
# build). A config's device defaults to auto, which is CUDA where there is one.
stage "core tests on $DEVICE"
say ""
say "## Core tests on $DEVICE"
export XDG_DATA_HOME=$B/xdg XDG_CACHE_HOME=$B/xdg-cache
TT=$(date +%s)
ctest --test-dir "$B/hyperlab" -j "$JOBS" -LE 'cpu-' --timeout 300 --output-on-failure > "$B/ctest.log" 2>&1
rc=$?
cp "$B/ctest.log" "$OUTDIR/ctest.log" 2>/dev/null
say "- $(grep -E 'tests passed|tests failed' "$B/ctest.log" | tail -1) in $(( $(date +%s) - TT )) s"
grep -E '^\s+[0-9]+ - .*\((Failed|Timeout|Subprocess|SEGFAULT|Exception)' "$B/ctest.log" | head -30 | sed 's/^ */- failed: /' >> "$FIG"
[ $rc = 0 ] || say "- (failures above: ctest.log has their output)"

# A seeded run on the device against the same run on the CPU. The start is
# the same (weights are initialised on the CPU, then moved; batches come in
# the same order); float sums differ in order, so curves agree within a
# tolerance, not bit for bit.
stage "seeded run: $DEVICE against cpu"
say ""
say "## Seeded run: $DEVICE against the CPU"
TOL_LOSS=0.02 TOL_ACC=0.01
cmp_run() {  # preset, extra --set...
  local p=$1; shift
  for d in cpu "$DEVICE"; do
    "$CLI" run --preset "$p" --no-db --out "$B/cmp-$p-$d" --set training.device=$d --set training.epochs=2 \
           --set data.train_limit=12000 "$@" >> "$LOG" 2>&1 || { say "- $p on $d: the run failed"; return 1; }
  done
  $PY - "$B/cmp-$p-cpu/metrics.csv" "$B/cmp-$p-$DEVICE/metrics.csv" "$TOL_LOSS" "$TOL_ACC" "$p" <<'PY' | tee -a "$FIG"
import sys
sys.path.insert(0, "packaging")
from curves_diff import curves_diff, read_rows
a, b = (read_rows(f) for f in sys.argv[1:3])
tl, ta, name = float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
ok, worst_l, worst_a = curves_diff(b, a)  # the device's run against the CPU's
ok = ok and worst_l <= tl and worst_a <= ta
print(f"- {name}: {len(b)} epochs; largest relative loss difference {worst_l:.2e} (tolerance {tl}), "
      f"largest validation accuracy difference {worst_a:.4f} (tolerance {ta}): {'agree' if ok else 'DIFFER'}")
sys.exit(0 if ok else 1)
PY
}
cmp_ok=1
cmp_run fashion-baseline || cmp_ok=0
cmp_run cnn-small --set 'model.layers[9].p=0' || cmp_ok=0   # no dropout: its masks come from the device's generator

# CUDA graphs (training.cuda_graphs, core/train/cuda_graph.h): the same seeded
# run with the step captured and replayed, and launched kernel by kernel. The
# graphs replay the same kernels on the same data, so the curves agree closely
# (not bit for bit: a few GPU kernels sum with atomics in a varying order);
# the speed is the mean samples/s of the epochs after the first (which holds
# the warm-up and the capture). The runs on: graph_batches in metrics.csv says
# what share of the batches was replayed. On the CPU the setting does nothing:
# the dry run checks that the two runs agree exactly and the script works.
stage "CUDA graphs on and off ($DEVICE)"
say ""
say "## CUDA graphs on and off ($DEVICE, training.cuda_graphs)"
TOL_GL=0.01 TOL_GA=0.01 ONE_THREAD=
[ $DRY = 1 ] && TOL_GL=0 TOL_GA=0 ONE_THREAD="--set training.threads=1"   # the CPU's thread count changes last bits
[ $DRY = 1 ] && say "- CPU dry run: the setting does nothing on the CPU, so on and off must agree exactly; their speed ratio is only the machine's load"
graphs_run() {  # label, preset, extra --set...
  local label=$1 p=$2; shift 2
  # shellcheck disable=SC2086
  for g in true false; do
    "$CLI" run --preset "$p" --no-db --out "$B/graphs-$label-$g" --set training.device="$DEVICE" \
           --set training.epochs=3 --set data.train_limit=12000 --set training.cuda_graphs=$g $ONE_THREAD "$@" \
           > "$B/graphs-$label-$g.log" 2>&1 || { cat "$B/graphs-$label-$g.log" >> "$LOG"; say "- $label: the run with cuda_graphs=$g failed"; return 1; }
    cat "$B/graphs-$label-$g.log" >> "$LOG"
  done
  $PY - "$B/graphs-$label-true" "$B/graphs-$label-false" "$TOL_GL" "$TOL_GA" "$label" "$DRY" <<'PY' | tee -a "$FIG"
import re, sys
sys.path.insert(0, "packaging")
from curves_diff import curves_diff, read_rows
on_dir, off_dir, tl, ta, name, dry = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6] == "1"
on, off = (read_rows(d + "/metrics.csv") for d in (on_dir, off_dir))
device = next((l.strip() for l in open(on_dir + ".log") if l.startswith("device ")), "device ?")
note = re.search(r"CUDA graphs[^)]*", device)
ok, wl, wa = curves_diff(on, off)
ok = ok and wl <= tl and wa <= ta
def speed(rows):
    later = rows[1:] or rows
    return sum(float(r["samples_per_s"]) for r in later) / len(later)
son, soff = speed(on), speed(off)
share = [float(r["graph_batches"]) for r in on if r.get("graph_batches")]
replayed = f"{min(share):.2f}-{max(share):.2f} of the batches replayed" if share else "no graph_batches column"
if not dry and not share:
    ok = False  # on a GPU the graphs must have run
print(f"- {name}: {len(on)} epochs; largest relative loss difference {wl:.2e} (tolerance {tl}), validation accuracy "
      f"{wa:.4f} (tolerance {ta}): {'agree' if ok else 'DIFFER'}; {son:,.0f} samples/s on, {soff:,.0f} off "
      f"({son / max(soff, 1e-9):.2f}x); {replayed}; {note.group(0) if note else 'no CUDA graphs note'}")
sys.exit(0 if ok else 1)
PY
}
graphs_ok=1
graphs_run mlp-sgd-schedule fashion-baseline --set training.scheduler.type=exponential --set training.scheduler.gamma=0.8 || graphs_ok=0
graphs_run mlp-adam-clip fashion-baseline --set training.optimizer.type=adam --set training.optimizer.lr=0.001 \
           --set training.clip_grad_norm=1 || graphs_ok=0
graphs_run cnn-small cnn-small --set 'model.layers[9].p=0' || graphs_ok=0   # with dropout the graphs stay off
graphs_run shallow-sigmoid-batch10 shallow-sigmoid || graphs_ok=0

# Speed: Hyperlab against the same models in the machine's PyTorch on the device.
stage "bench on $DEVICE"
say ""
say "## Speed on $DEVICE against plain PyTorch (bench/ref_train.py --device $DEVICE)"
EP=2
[ $QUICK = 1 ] && EP=1
say '```'
HYPERLAB_PYTHON=$(command -v "$PY") timeout 300 "$BENCH" --device "$DEVICE" --epochs "$EP" \
        --setups fashion-baseline,shallow-sigmoid,cnn-small --ref "$ROOT/bench/ref_train.py" 2>&1 | tee -a "$FIG" >> "$LOG"
say '```'

stage "done"
say ""
say "- total $(( $(date +%s) - T0 )) s; tests rc $rc; seeded comparison $([ $cmp_ok = 1 ] && echo agrees || echo DIFFERS); CUDA graphs on and off $([ $graphs_ok = 1 ] && echo agree || echo DIFFER)"
[ $rc = 0 ] && [ $cmp_ok = 1 ] && [ $graphs_ok = 1 ]
