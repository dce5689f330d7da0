#!/usr/bin/env bash
# Retakes the README's pictures (docs/images/) under a virtual X server, from
# the built binaries, on a scratch run history and settings folder (the
# user's own are never touched):
#
#   packaging/screenshots.sh            all of them
#   packaging/screenshots.sh NAME...    only these (workbench-training, presentation,
#                                       history, sweep, playground, filters, decision-map)
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
export XDG_DATA_HOME=$SCRATCH/data XDG_CONFIG_HOME=$SCRATCH/config HOME=$SCRATCH
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$OUT"
unset QT_QPA_PLATFORM

# gui SCREEN ARGS...: the window on a fresh X server of that size.
gui() {
  local screen=$1; shift
  xvfb-run -a -s "-screen 0 ${screen}x24" "$GUI" "$@" 2>&1 | grep -v "XDG_RUNTIME_DIR" || true
}

SELECTED=""
[ $# -gt 0 ] && SELECTED=" $* "
want() { [ -z "$SELECTED" ] || [[ "$SELECTED" == *" $1 "* ]]; }

if want workbench-training; then
  gui 1440x900 --preset fashion-baseline --train --after 12 --screenshot "$OUT/workbench-training.png"
fi
if want presentation; then
  gui 1920x1080 --preset fashion-baseline --train --presentation --after 12 --screenshot "$OUT/presentation.png"
fi
if want filters; then
  gui 1440x900 --preset cnn-small --train --tab filters --after 40 --screenshot "$OUT/filters.png"
fi
if want decision-map; then
  gui 1440x900 --preset spirals --train --tab map --after 15 --screenshot "$OUT/decision-map.png"
fi
if want history; then
  # Six runs: two learning rates, three seeds each, as the README's commands make them.
  for seed in 1 2 3; do for lr in 0.01 0.1; do
    "$CLI" run --preset fashion-baseline --set training.seed=$seed --set training.optimizer.lr=$lr \
      --set training.epochs=5 --set data.train_limit=10000 --out "$SCRATCH/runs/lr$lr-s$seed" >/dev/null
  done; done
  gui 1440x900 --tab history --select-runs 1,2,3,4,5,6 --after 4 --screenshot "$OUT/history.png"
fi
if want sweep; then
  cat >"$SCRATCH/sweep.json" <<'EOF'
{"version": 1, "name": "lr-seeds", "base": {"preset": "spirals"},
 "params": [{"key": "training.optimizer.lr", "log": [0.003, 0.3], "points": 5}],
 "strategy": {"type": "grid"}, "repeats": 5,
 "objective": {"metric": "val_accuracy", "mode": "max"}, "run": {"workers": 2}}
EOF
  "$CLI" sweep "$SCRATCH/sweep.json" --out "$SCRATCH/sweep" >/dev/null
  gui 1440x900 --tab sweep --sweep "$SCRATCH/sweep.json" --sweep-tab seeds --after 4 --screenshot "$OUT/sweep.png"
fi
if want playground; then
  gui 1440x900 --tab playground --after 4 --screenshot "$OUT/playground.png"
fi
ls -l "$OUT"
