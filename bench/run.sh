#!/usr/bin/env bash
# The storage gateway's benchmarks, in one run: builds what it needs offline, runs, prints a summary table.
#
#   bench/run.sh [--quick] [STEP...]        STEP: clone soap scan jmh profile qemu smis nbd coalesce  (default: all of them)
#
#   clone    P1 in process: driver alone and engine (DB commit included), shortcut and full path, interleaved with
#            qemu-img create -b on a 10 GiB base and a /bin/true spawn, 500 ops each          (CloneBench)
#   qemu     qemu-img create -b from a bash loop, 500 ops                                        (qemu-img-clone.sh)
#   soap     P1 end to end: zeep / Java HTTP / in-process latency; 8 concurrent clients, clones/s (SoapBench)
#   scan     P3: driver scan() of 10,000 VHDs, warm and cold, beside floors and a parallel what-if (ScanBench)
#   jmh      JMH: VHD create and open, driver clone percentiles, warm scan           (VhdBenchmarks, DriverBenchmarks)
#   profile  where a clone's time goes: JFR + CPU timers, per clone, driver and engine        (ProfileClone)
#   smis     SMI-S simulator: EnumerateInstances of 1,000 volumes per second (SBLIM, wbemcli) beside a GetInstance
#            anchor, and what a change costs as the array grows                                    (SmisBench)
#   nbd      P2: our NBD server on a VHD chain vs qemu-nbd (raw; qcow2 with a backing file), qemu-img bench over
#            nbd+unix, sequential 1 MiB and 4 KiB strided, read and write                      (NbdBench)
#   coalesce P6: the file SR's GC merging 512 MiB of a leaf into its parent, beside cp + sync   (CoalesceBench)
#
# Environment: BENCH_TMP (scratch space, default /var/tmp; must be a real disk, not tmpfs), BENCH_BUILD_GATEWAY=1
# (first install the gateway modules from this checkout into ~/.m2; by default the artifacts already there are used).
# Output and raw data go to bench/target/results/<time>/ (summary.md, results.tsv, jmh.csv, *.jfr, run.log).
# Needs: JDK 17, Maven with ~/.m2 populated (mvn -o), qemu-utils, python3-zeep for /usr/bin/python3; root for the
# cold scan (drop_caches). About 7 minutes on a quiet 2-core VM (12 at load 14); --quick about 4.
set -euo pipefail
script=$(readlink -f "$0")
cd "$(dirname "$script")"
bench=$(pwd)
root=$(dirname "$bench")

quick=0
steps=()
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    clone|soap|scan|jmh|profile|qemu|smis|nbd|coalesce) steps+=("$arg") ;;
    -h|--help) sed -n '2,/^set -euo/{/^#/p}' "$script"; exit 0 ;;
    *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#steps[@]} -eq 0 ] && steps=(clone qemu soap scan jmh profile smis nbd coalesce)
want() { local s; for s in "${steps[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

if [ "$quick" = 1 ]; then
  clone_ops=100; soap_rounds=50; per_client=40; chains=300; profile_ops=100; smis_rounds=50; coalesce_mib=256; coalesce_rounds=3
  jmh_opts=(-wi 1 -i 2 -w 1s -r 1s)
else
  clone_ops=500; soap_rounds=200; per_client=150; chains=1000; profile_ops=200; smis_rounds=200; coalesce_mib=512; coalesce_rounds=5
  jmh_opts=()
fi

out="$bench/target/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
results="$out/results.tsv"
: >"$results"
scratch_parent=${BENCH_TMP:-/var/tmp}
mkdir -p "$scratch_parent"
scratch=$(mktemp -d "$scratch_parent/gateway-bench.XXXXXX")
cleanup() { rm -rf "$scratch"; }
trap cleanup EXIT
exec > >(tee "$out/run.log") 2>&1

echo "== build (offline)"
if [ "${BENCH_BUILD_GATEWAY:-0}" = 1 ]; then
  (cd "$root" && mvn -q -o -B install -DskipTests -Dmaven.test.skip.exec=true \
      -pl gateway-core/launcher,sm-drivers/file-sr,sm-drivers/vhd-nbd -am)
fi
mvn -q -o -B -f "$bench/pom.xml" package -DskipTests

java_cmd=(java -Dlogback.configurationFile="$bench/logback-bench.xml" -Dbench.log="$out/gateway.log"
          -Dbench.tmp="$scratch" -Dbench.results="$results" -cp "$bench/target/classes:$bench/target/lib/*")

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r), $(java -version 2>&1 | head -1)"
echo "   scratch $scratch on $(findmnt -n -o FSTYPE -T "$scratch") ; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   steps: ${steps[*]}; quick=$quick"
started=$(date +%s)

if want clone; then
  echo; echo "== P1 clone, in process, side by side with qemu-img (CloneBench, $clone_ops ops per kind)"
  "${java_cmd[@]}" -Dbench.ops="$clone_ops" org.storagegateway.bench.CloneBench | grep -v '^RESULT'
fi
if want qemu; then
  if command -v qemu-img >/dev/null; then
    echo; echo "== P1 qemu-img create -b from bash ($clone_ops ops)"
    BENCH_RESULTS="$results" BENCH_TMP="$scratch" "$bench/qemu-img-clone.sh" "$clone_ops" | grep -v '^RESULT'
  else
    echo "qemu-img missing: skipping (apt-get install qemu-utils)"
  fi
fi
if want soap; then
  if /usr/bin/python3 -c 'import zeep' 2>/dev/null; then
    echo; echo "== P1 end to end over SOAP (SoapBench: $soap_rounds sequential rounds, 8 clients x $per_client)"
    "${java_cmd[@]}" -Dbench.soapRounds="$soap_rounds" -Dbench.perClient="$per_client" -Dbench.jfrDir="$out" \
        -Dbench.soapClient="$root/gateway-core/soap/src/test/python/soap_client.py" \
        org.storagegateway.bench.SoapBench | grep -v '^RESULT'
  else
    echo "python3-zeep missing for /usr/bin/python3: skipping soap (apt-get install python3-zeep)"
  fi
fi
if want scan; then
  echo; echo "== P3 sr-scan (ScanBench: $chains chains x depth 10)"
  "${java_cmd[@]}" -Dbench.chains="$chains" -Dbench.jfrDir="$out" org.storagegateway.bench.ScanBench \
      | grep -v '^RESULT'
fi
if want jmh; then
  echo; echo "== JMH microbenchmarks (driver alone, VHD library)"
  "${java_cmd[@]}" org.openjdk.jmh.Main "${jmh_opts[@]}" -rf csv -rff "$out/jmh.csv" \
      'org.storagegateway.bench.(VhdBenchmarks|DriverBenchmarks)' | sed -n '/^Benchmark /,$p'
fi
if want profile; then
  echo; echo "== where a clone's time goes (ProfileClone, $profile_ops sequential clones per kind, JFR)"
  "${java_cmd[@]}" -Dbench.ops="$profile_ops" -Dbench.jfrDir="$out" org.storagegateway.bench.ProfileClone \
      | grep -v '^RESULT'
fi
if want smis; then
  echo; echo "== SMI-S simulator: EnumerateInstances of 1,000 volumes (SmisBench, $smis_rounds SBLIM rounds)"
  "${java_cmd[@]}" -Dbench.rounds="$smis_rounds" org.storagegateway.bench.SmisBench | grep -v '^RESULT'
fi
if want nbd; then
  if command -v qemu-nbd >/dev/null; then
    nbd_mib=512; nbd_rounds=5
    [ "$quick" = 1 ] && { nbd_mib=256; nbd_rounds=3; }
    echo; echo "== P2 NBD datapath vs qemu-nbd (NbdBench: $nbd_mib MiB, $nbd_rounds rounds, qemu-img bench -d 16)"
    "${java_cmd[@]}" -Dbench.nbdMib="$nbd_mib" -Dbench.rounds="$nbd_rounds" org.storagegateway.bench.NbdBench \
        | grep -v '^RESULT'
  else
    echo "qemu-nbd missing: skipping nbd (apt-get install qemu-utils)"
  fi
fi
if want coalesce; then
  echo; echo "== P6 coalesce beside cp + sync (CoalesceBench, $coalesce_mib MiB, $coalesce_rounds rounds)"
  "${java_cmd[@]}" -Dbench.coalesceMiB="$coalesce_mib" -Dbench.coalesceRounds="$coalesce_rounds" \
      org.storagegateway.bench.CoalesceBench | grep -v '^RESULT'
fi

echo
echo "== summary ($(($(date +%s) - started)) s; load average at end: $(cut -d' ' -f1-3 /proc/loadavg))"
"${java_cmd[@]}" org.storagegateway.bench.Summary "$results" "$out/jmh.csv" | tee "$out/summary.md"
echo
echo "Raw figures, JFR recordings and this log: $out"
