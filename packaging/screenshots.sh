#!/usr/bin/env bash
# Retakes the README's pictures (docs/images/) under a virtual X server, from
# the built binaries, on scratch run histories and settings (the user's own
# are never touched):
#
#   packaging/screenshots.sh            all of them
#   packaging/screenshots.sh NAME...    only these (workbench-training, presentation,
#                                       history, sweep, playground, filters, activations,
#                                       decision-map)
#
# Needs a build (packaging/setup.sh build) and xvfb (installed if missing).
# Each picture is the window as the app draws it (--screenshot grabs it), at
# 1440x900, or 1920x1080 for presentation mode. Look at every one before
# committing it.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
GUI=$BUILD_DIR/app/gui/hyperlab
CLI=$BUILD_DIR/app/cli/hyperlab-cli
OUT=docs/images
[ -x "$GUI" ] && [ -x "$CLI" ] || { echo "build first: packaging/setup.sh build" >&2; exit 1; }
if ! command -v xvfb-run >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get install -y -qq --no-install-recommends xvfb xauth >/dev/null
fi

SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
export HOME=$SCRATCH
mkdir -p "$OUT"
unset QT_QPA_PLATFORM

# gui SCREEN ARGS...: the window on a fresh X server of that size, with fresh
# settings (no remembered geometry, no autosaved experiment) and the run
# history under $DATA.
DATA=$SCRATCH/data
gui() {
  local screen=$1; shift
  rm -rf "$SCRATCH/config"
  XDG_DATA_HOME=$DATA XDG_CONFIG_HOME=$SCRATCH/config \
    xvfb-run -a -s "-screen 0 ${screen}x24" "$GUI" "$@" 2>&1 | grep -v "XDG_RUNTIME_DIR" || true
}
# config NAME PRESET KEY=VALUE...: the preset with a few settings changed, as a file.
config() {
  local out=$SCRATCH/$1.json preset=$2; shift 2
  local sets=()
  for s in "$@"; do sets+=(--set "$s"); done
  "$CLI" show --preset "$preset" "${sets[@]}" >"$out"
  echo "$out"
}

SELECTED=""
[ $# -gt 0 ] && SELECTED=" $* "
want() { [ -z "$SELECTED" ] || [[ "$SELECTED" == *" $1 "* ]]; }

if want workbench-training; then
  DATA=$SCRATCH/data-training
  gui 1440x900 --preset fashion-baseline --train --after 12 --screenshot "$OUT/workbench-training.png"
fi
if want presentation; then
  # Full screen needs a window manager, which xvfb has not: this picture is
  # taken on a 1920x1080 off-screen display instead, as a projector shows it.
  rm -rf "$SCRATCH/config"
  echo '{"screens":[{"name":"projector","x":0,"y":0,"width":1920,"height":1080,"logicalDpi":96,"logicalBaseDpi":96,"dpr":1}]}' \
    >"$SCRATCH/screen.json"
  XDG_DATA_HOME=$SCRATCH/data-presentation XDG_CONFIG_HOME=$SCRATCH/config \
    QT_QPA_PLATFORM=offscreen:configfile=$SCRATCH/screen.json \
    "$GUI" --preset fashion-baseline --train --presentation --after 20 --screenshot "$OUT/presentation.png" 2>/dev/null
fi
if want filters; then
  DATA=$SCRATCH/data-filters
  gui 1440x900 "$(config cnn cnn-small data.train_limit=6000 training.epochs=3)" --train --tab filters --after 40 \
    --screenshot "$OUT/filters.png"
fi
if want activations; then
  DATA=$SCRATCH/data-activations
  gui 1440x900 "$(config act cnn-small data.train_limit=6000 training.epochs=3)" --train --tab activations --after 40 \
    --screenshot "$OUT/activations.png"
fi
if want decision-map; then
  DATA=$SCRATCH/data-map
  gui 1440x900 --preset spirals --train --tab map --after 15 --screenshot "$OUT/decision-map.png"
fi
if want history; then
  # Six runs: two learning rates, three seeds each, as the README's commands make them.
  DATA=$SCRATCH/data-history
  for seed in 1 2 3; do for lr in 0.01 0.1; do
    XDG_DATA_HOME=$DATA "$CLI" run --preset fashion-baseline --set training.seed=$seed --set training.optimizer.lr=$lr \
      --set training.epochs=5 --set data.train_limit=10000 --out "$SCRATCH/runs/lr$lr-s$seed" >/dev/null
  done; done
  gui 1440x900 --tab history --select-runs 1,2,3,4,5,6 --after 4 --screenshot "$OUT/history.png"
fi
if want sweep; then
  DATA=$SCRATCH/data-sweep
  printf '%s\n' '{"version": 1, "name": "lr-seeds", "base": {"preset": "spirals"},' \
    ' "params": [{"key": "training.optimizer.lr", "log": [0.001, 0.1], "points": 5}],' \
    ' "strategy": {"type": "grid"}, "repeats": 5,' \
    ' "objective": {"metric": "val_accuracy", "mode": "max"}, "run": {"workers": 2}}' >"$SCRATCH/sweep.json"
  XDG_DATA_HOME=$DATA "$CLI" sweep "$SCRATCH/sweep.json" --out "$SCRATCH/sweep" >/dev/null
  # Started again, a finished sweep reads its trials back from the history and shows them.
  gui 1440x900 --tab sweep --sweep "$SCRATCH/sweep.json" --start-sweep --sweep-tab seeds --after 8 \
    --screenshot "$OUT/sweep.png"
fi
if want playground; then
  DATA=$SCRATCH/data-playground
  gui 1440x900 --tab playground --after 4 --screenshot "$OUT/playground.png"
fi
ls -l "$OUT"
