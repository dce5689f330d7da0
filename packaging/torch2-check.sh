#!/usr/bin/env bash
# Compiles every LibTorch translation unit of core, hyperlab-cli, the bench
# and the core tests against LibTorch 2.x headers (Debian 13's libtorch-dev,
# downloaded once into a cache; nothing is installed), syntax only: this
# machine's glibc cannot link Debian 13's libraries. The GPU machine's
# LibTorch is 2.x (packaging/gpu-check.sh builds against it for real).
#   packaging/torch2-check.sh [BUILD_DIR]          (default build; needs its compile_commands.json)
#   packaging/torch2-check.sh --cuda [BUILD_DIR]   the units with CUDA code (train/cuda_graph.cpp), against
#       Debian 13's libtorch-cuda-dev 2.6 (contrib; a whole include tree of its own, the CPU one plus
#       ATen/cuda/CUDAConfig.h and c10/cuda/impl/cuda_cmake_macros.h) and the CUDA 12.4 headers of
#       nvidia-cuda-dev (non-free; 934 MB downloaded once, only its 16 MB of headers kept), with
#       HYPERLAB_TORCH_CUDA=1 as a CMake build with CUDA sets it, so the CUDA branch really compiles
set -euo pipefail
cd "$(dirname "$0")/.."
CUDA=0
[ "${1:-}" = --cuda ] && { CUDA=1; shift; }
BUILD_DIR=${1:-build}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/hyperlab/torch2
pool=http://deb.debian.org/debian/pool
# fetch URL DIR [PATH-IN-PACKAGE]: the package's files (or only that path) under DIR, once.
fetch() {
  local url=$1 dir=$2 part=${3:-} tmp
  tmp=$(mktemp "$cache/pkg.XXXXXX.deb")
  curl -fsSL -o "$tmp" "$url" || { rm -f "$tmp"; echo "cannot download $url"; exit 2; }
  mkdir -p "$dir"
  if [ -n "$part" ]; then dpkg-deb --fsys-tarfile "$tmp" | tar -x -C "$dir" "$part"; else dpkg -x "$tmp" "$dir"; fi
  rm -f "$tmp"
}
mkdir -p "$cache"
deb=libtorch-dev_2.6.0+dfsg-7_amd64.deb
if [ $CUDA = 1 ]; then
  [ -f "$cache/cuda-root/usr/include/ATen/cuda/CUDAGraph.h" ] ||
    fetch "$pool/contrib/p/pytorch-cuda/libtorch-cuda-dev_2.6.0+dfsg-7+b1_amd64.deb" "$cache/cuda-root"
  [ -f "$cache/cuda-toolkit/usr/include/cuda_runtime_api.h" ] ||
    fetch "$pool/non-free/n/nvidia-cuda-toolkit/nvidia-cuda-dev_12.4.127~12.4.1-2_amd64.deb" "$cache/cuda-toolkit" ./usr/include
  inc=$cache/cuda-root/usr/include
  extra="-isystem $cache/cuda-toolkit/usr/include"
  what="LibTorch 2.6 CUDA headers and CUDA 12.4's"
else
  if [ ! -d "$cache/root/usr/include/torch" ]; then
    curl -fsSL -o "$cache/$deb" "$pool/main/p/pytorch/$deb" ||
      { echo "cannot download $deb from deb.debian.org"; exit 2; }
    dpkg -x "$cache/$deb" "$cache/root"
  fi
  inc=$cache/root/usr/include
  extra=
  what="LibTorch 2.6 headers"
fi
[ -f "$BUILD_DIR/compile_commands.json" ] || { echo "no $BUILD_DIR/compile_commands.json: build first"; exit 2; }
# One line per LibTorch TU: "directory<TAB>command" (Qt TUs have no LibTorch: skipped).
# --cuda: only the units with CUDA code (those CMake gives HYPERLAB_TORCH_CUDA), with it set to 1
# and HYPERLAB_REQUIRE_CUDA_GRAPHS, which makes such a unit fail where its CUDA branch would be left out.
python3 - "$BUILD_DIR/compile_commands.json" "$inc" "$CUDA" "$extra" > "$BUILD_DIR/torch2-commands.txt" <<'PY'
import json, shlex, sys
cc, inc, cuda, extra = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3] == "1", shlex.split(sys.argv[4])
for c in cc:
    cmd = c["command"]
    if "torch/csrc/api/include" not in cmd or "qt6" in cmd.lower():
        continue
    if cuda and "-DHYPERLAB_TORCH_CUDA=" not in cmd:
        continue
    args = shlex.split(cmd)
    out = []
    skip = False
    for a in args:
        if skip: skip = False; continue
        if a == "-o": skip = True; continue
        if a == "-c": continue
        if cuda and a.startswith("-DHYPERLAB_TORCH_CUDA="): a = "-DHYPERLAB_TORCH_CUDA=1"
        out.append(a)
    if cuda: out.insert(1, "-DHYPERLAB_REQUIRE_CUDA_GRAPHS")
    first = out.index(next(a for a in out if a.startswith("-isystem") or a.startswith("-I")))
    out[first:first] = ["-isystem", inc + "/torch/csrc/api/include", "-isystem", inc] + extra
    out = [a if not a.startswith("-O") else "-O0" for a in out] + ["-fsyntax-only"]
    print(c["directory"] + "\t" + shlex.join(out))
PY
n=$(wc -l < "$BUILD_DIR/torch2-commands.txt")
[ "$n" -gt 0 ] || { echo "no units to compile in $BUILD_DIR/compile_commands.json (reconfigure: cmake -S . -B $BUILD_DIR)"; exit 2; }
echo "== compiling $n LibTorch translation units against $what (syntax only)"
fail=0
while IFS=$'\t' read -r dir cmd; do
  src=$(echo "$cmd" | awk '{print $(NF-1)}')
  if ! (cd "$dir" && eval "$cmd") > "$BUILD_DIR/torch2-last.log" 2>&1; then
    echo "FAILED: $src"; grep -m 20 "error" "$BUILD_DIR/torch2-last.log" || true; fail=1
  else echo "ok: $src"; fi
done < "$BUILD_DIR/torch2-commands.txt"
[ $fail = 0 ] && echo "== all compile against $what" || { echo "== some failed against $what"; exit 1; }
