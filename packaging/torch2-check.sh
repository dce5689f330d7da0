#!/usr/bin/env bash
# Compiles every LibTorch translation unit of core, hyperlab-cli, the bench
# and the core tests against LibTorch 2.x headers (Debian 13's libtorch-dev,
# downloaded once into a cache; nothing is installed), syntax only: this
# machine's glibc cannot link Debian 13's libraries. The GPU machine's
# LibTorch is 2.x (packaging/gpu-check.sh builds against it for real).
#   packaging/torch2-check.sh [BUILD_DIR]   (default build; needs its compile_commands.json)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/hyperlab/torch2
deb=libtorch-dev_2.6.0+dfsg-7_amd64.deb
if [ ! -d "$cache/root/usr/include/torch" ]; then
  mkdir -p "$cache"
  curl -fsSL -o "$cache/$deb" "http://deb.debian.org/debian/pool/main/p/pytorch/$deb" ||
    { echo "cannot download $deb from deb.debian.org"; exit 2; }
  dpkg -x "$cache/$deb" "$cache/root"
fi
inc=$cache/root/usr/include
[ -f "$BUILD_DIR/compile_commands.json" ] || { echo "no $BUILD_DIR/compile_commands.json: build first"; exit 2; }
# One line per LibTorch TU: "directory<TAB>command" (Qt TUs have no LibTorch: skipped).
python3 - "$BUILD_DIR/compile_commands.json" "$inc" > "$BUILD_DIR/torch2-commands.txt" <<'PY'
import json, shlex, sys
cc, inc = json.load(open(sys.argv[1])), sys.argv[2]
for c in cc:
    cmd = c["command"]
    if "torch/csrc/api/include" not in cmd or "qt6" in cmd.lower():
        continue
    args = shlex.split(cmd)
    out = []
    skip = False
    for a in args:
        if skip: skip = False; continue
        if a == "-o": skip = True; continue
        if a == "-c": continue
        out.append(a)
    first = out.index(next(a for a in out if a.startswith("-isystem") or a.startswith("-I")))
    out[first:first] = ["-isystem", inc + "/torch/csrc/api/include", "-isystem", inc]
    out = [a if not a.startswith("-O") else "-O0" for a in out] + ["-fsyntax-only"]
    print(c["directory"] + "\t" + shlex.join(out))
PY
n=$(wc -l < "$BUILD_DIR/torch2-commands.txt")
echo "== compiling $n LibTorch translation units against LibTorch 2.6 headers (syntax only)"
fail=0
while IFS=$'\t' read -r dir cmd; do
  src=$(echo "$cmd" | awk '{print $(NF-1)}')
  if ! (cd "$dir" && eval "$cmd") > "$BUILD_DIR/torch2-last.log" 2>&1; then
    echo "FAILED: $src"; grep -m 20 "error" "$BUILD_DIR/torch2-last.log" || true; fail=1
  else echo "ok: $src"; fi
done < "$BUILD_DIR/torch2-commands.txt"
[ $fail = 0 ] && echo "== all compile against LibTorch 2.6" || { echo "== some failed against LibTorch 2.6"; exit 1; }
