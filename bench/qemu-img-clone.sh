#!/usr/bin/env bash
# Process-level baseline for P1: `qemu-img create -f qcow2 -b base.qcow2 -F qcow2` on a 10 GiB base, one process per
# op, timed from bash with $EPOCHREALTIME (no fork for the clock), so the figure is qemu-img's own start-up and work
# plus one fork/exec from a shell -- what a script calling qemu-img pays.
#   bench/qemu-img-clone.sh [OPS] [DIR]      (defaults: 500 ops, a temporary folder under ${BENCH_TMP:-/var/tmp})
# Prints p50/p90/p99 in ms, and a RESULT line; appends to $BENCH_RESULTS when set.
set -euo pipefail
ops=${1:-500}
dir=${2:-}
command -v qemu-img >/dev/null || { echo "qemu-img not found (apt-get install qemu-utils)" >&2; exit 2; }
if [ -z "$dir" ]; then
  dir=$(mktemp -d "${BENCH_TMP:-/var/tmp}/qemu-clone.XXXXXX")
  trap 'rm -rf "$dir"' EXIT
fi
cd "$dir"
qemu-img create -q -f qcow2 base.qcow2 10G
times=()
for ((i = 0; i < ops + 20; i++)); do
  t0=${EPOCHREALTIME/./}
  qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 "c$i.qcow2"
  t1=${EPOCHREALTIME/./}
  # the first 20 are warm-up (page cache, dynamic loader caches)
  [ "$i" -ge 20 ] && times+=($((t1 - t0)))
done
t0=${EPOCHREALTIME/./}
for ((i = 0; i < 100; i++)); do /bin/true; done
t1=${EPOCHREALTIME/./}
spawn_us=$(((t1 - t0) / 100))
printf '%s\n' "${times[@]}" | sort -n | awk -v n="${#times[@]}" -v spawn="$spawn_us" -v out="${BENCH_RESULTS:-}" '
  { v[NR] = $1 }
  function pct(p,  r) { r = int(p / 100 * n + 0.999999); if (r < 1) r = 1; return v[r] / 1000 }
  END {
    printf "qemu-img create -f qcow2 -b (bash loop, %d ops): p50 %.2f ms  p90 %.2f  p99 %.2f  max %.2f ms;  fork+exec of /bin/true from bash: %.2f ms\n", n, pct(50), pct(90), pct(99), pct(100), spawn / 1000
    printf "RESULT P1.qemu-img.bash.p50 %.3f ms bash loop\n", pct(50)
    if (out != "") {
      printf "P1.qemu-img.bash.p50\t%.3f\tms\tqemu-img -b from a bash loop\n", pct(50) >> out
      printf "P1.qemu-img.bash.p99\t%.3f\tms\tqemu-img -b from a bash loop\n", pct(99) >> out
      printf "P1.spawn-true.bash\t%.3f\tms\tfork+exec /bin/true from bash\n", spawn / 1000 >> out
    }
  }'
