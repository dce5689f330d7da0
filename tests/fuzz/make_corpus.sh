#!/usr/bin/env bash
# Writes the seed corpus in tests/fuzz/corpus/TARGET/ (committed; run again
# after a preset or a sample sweep changes): tiny IDX and CIFAR-10 files,
# valid and near-valid, plain and gzip; the presets as configs; the sample
# sweeps from tests/data; a few expressions. The fuzz runs copy it to a
# scratch folder and never write here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
c=$here/corpus
rm -rf "$c" && mkdir -p "$c"/{idx,cifar,config,sweep,expression}

# hex HEX...: the bytes given in hex, on stdout. bytes FILE HEX...: into FILE.
hex() { printf "$(printf '\\x%s' "$@")"; }
bytes() { local f=$1; shift; hex "$@" > "$f"; }
# IDX: 00 00 08 DIMS, DIMS big-endian uint32 sizes, the data.
bytes "$c/idx/labels3" 00 00 08 01  00 00 00 03  01 02 09
bytes "$c/idx/images2x2x2" 00 00 08 03  00 00 00 02  00 00 00 02  00 00 00 02  00 10 20 30 40 50 60 ff
bytes "$c/idx/empty_labels" 00 00 08 01  00 00 00 00
bytes "$c/idx/truncated_data" 00 00 08 01  00 00 00 05  01 02
bytes "$c/idx/float_magic" 00 00 0d 01  00 00 00 01  00 00 80 3f
bytes "$c/idx/extra_byte" 00 00 08 01  00 00 00 01  07 07
gzip -n -9 -c "$c/idx/labels3" > "$c/idx/labels3.gz"
gzip -n -9 -c "$c/idx/images2x2x2" > "$c/idx/images2x2x2.gz"
head -c 20 "$c/idx/images2x2x2.gz" > "$c/idx/truncated.gz"

# CIFAR-10: records of a label byte (0-9) and 3072 pixel bytes.
record() { hex "$(printf %02x "$1")"; head -c 3072 /dev/zero | tr '\0' "$2"; }
record 3 'A' > "$c/cifar/one_record"
{ record 0 'B'; record 9 'C'; } | gzip -n -9 > "$c/cifar/two_records.gz"
record 10 'D' > "$c/cifar/label_10"
record 1 'E' | head -c 3072 > "$c/cifar/short_record"
{ record 2 'F'; printf 'G'; } > "$c/cifar/extra_byte"

cp "$root"/resources/presets/*.json "$c/config/"
cp "$root"/tests/data/bad_config.json "$c/config/"
cp "$root"/tests/data/sweep_*.json "$c/sweep/"
printf '%s' '{"version": 1, "base": {"config": {"version": 1, "data": {"dataset": "synthetic"}, "model": {"mlp": {"hidden": [4]}}}}, "params": [{"key": "training.optimizer.lr", "log_uniform": [0.001, 0.1]}, {"key": "model.mlp.activation", "choice": ["relu", "tanh"]}], "strategy": {"type": "bayes", "trials": 4}, "objective": {"metric": "val_loss", "mode": "min"}}' > "$c/sweep/bayes_inline.json"
printf '%s' '{"version": 1, "base": {"preset": "spirals"}, "params": [{"key": "training.batch_size", "linear": [16, 64], "points": 3, "integer": true}], "strategy": {"type": "hyperband", "eta": 3, "min_epochs": 1, "max_epochs": 9}, "repeats": 1, "run": {"workers": 1, "time_limit_minutes": 1}}' > "$c/sweep/hyperband_preset.json"

n=0
while IFS= read -r e; do n=$((n + 1)); printf '%s' "$e" > "$c/expression/e$n"; done <<'EXPRS'
(1 - x)^2 + 100 (y - x^2)^2
(1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2
(x^2 + y - 11)^2 + (x + y^2 - 7)^2
20 + x^2 - 10 cos(2 pi x) + y^2 - 10 cos(2 pi y)
sqrt(abs(x)) + log(1 + exp(-y)) - tanh(x y) / 2^-x
sin(x) cos(y) tan(0.5) + e^x - .5e-3
(1 - x^2 + 100
-(-(+x))^y^2
EXPRS
echo "corpus written: $(find "$c" -type f | wc -l) files in $c"
