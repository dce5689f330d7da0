#!/usr/bin/env bash
# mounted.sh DIR SIZE rw|ro COMMAND...: runs COMMAND with a fresh tmpfs of SIZE
# mounted on DIR (what DIR held is copied in first), read-only if asked.
# Call it under `unshare -m` so that the mount is private to COMMAND. What the
# tmpfs holds afterwards is listed in DIR.contents (the mount goes with the namespace).
set -euo pipefail
dir=$1 size=$2 mode=$3
shift 3
keep=$(mktemp -d)
cp -a "$dir/." "$keep/" 2>/dev/null || true
mount -t tmpfs -o "size=$size" hyperlab-fault "$dir"
cp -a "$keep/." "$dir/"
rm -rf "$keep"
if [ "$mode" = ro ]; then mount -o remount,ro "$dir"; fi
rc=0
"$@" || rc=$?
(cd "$dir" && find . | sort) > "$dir.contents"
exit $rc
