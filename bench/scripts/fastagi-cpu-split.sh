#!/bin/bash
# Server CPU per FastAGI call, split into user and kernel (system) time, as the fastagi case runs it: the server
# on core 1, the single-selector load generator on core 0, the 6-command script, one measured window per
# concurrency. Shows how much of a call's CPU is the kernel's TCP work, the same for every server.
#
#   bench/scripts/fastagi-cpu-split.sh [tinyphone|asterisk-java|asterisk-java-raised] [concurrency ...] [-- JVM flags]
#   e.g. bench/scripts/fastagi-cpu-split.sh tinyphone 1000
#        bench/scripts/fastagi-cpu-split.sh tinyphone 1000 -- -Djdk.pollerMode=1
#
# Needs the bench built (./tinyphone bench --help, or mvn -P bench -pl bench -am package -DskipTests).
# Prints per concurrency: calls in the window, user and system µs per call, command round-trip p99.
set -euo pipefail
cd "$(dirname "$0")/../.."
impl=${1:-tinyphone}; [ $# -gt 0 ] && shift
concs=() flags=()
while [ $# -gt 0 ]; do
  if [ "$1" = -- ]; then shift; flags=("$@"); break; fi
  concs+=("$1"); shift
done
[ ${#concs[@]} -gt 0 ] || concs=(1000)
# a JDK 21+: JAVA_HOME, else the newest under /usr/lib/jvm (as ./tinyphone does)
major() { sed -n 's/^JAVA_VERSION="\(1\.\)\{0,1\}\([0-9]*\).*/\2/p' "$1/release" 2>/dev/null; }
home=${JAVA_HOME:-}
if [ -z "$home" ] || [ "$(major "$home")" -lt 21 ] 2>/dev/null || [ -z "$(major "$home")" ]; then
  home=$(for d in /usr/lib/jvm/*; do v=$(major "$d"); [ -n "$v" ] && [ "$v" -ge 21 ] && echo "$v $d"; done | sort -n | tail -1 | cut -d' ' -f2)
fi
[ -x "$home/bin/java" ] || { echo "no JDK 21+ found (set JAVA_HOME)" >&2; exit 2; }
java=$home/bin/java
cp="bench/target/tinyphone-bench.jar:bench/target/lib/*"
[ -f bench/target/tinyphone-bench.jar ] || { echo "bench not built: mvn -P bench -pl bench -am package -DskipTests" >&2; exit 2; }
tick=$(getconf CLK_TCK)
log=$(mktemp -d)
trap 'kill $srv 2>/dev/null; rm -rf "$log"' EXIT

# the server reads commands on stdin; a fifo keeps it open until we are done
mkfifo "$log/srv.in"
taskset -c 1 "$java" -XX:+UseSerialGC -Xms256m "${flags[@]}" -cp "$cp" org.tinyphone.bench.BenchMain \
  agi-server "$impl" call < "$log/srv.in" > "$log/srv.out" 2>&1 &
srv=$!
exec 4> "$log/srv.in"
for _ in $(seq 100); do grep -q READY "$log/srv.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/READY port=//p' "$log/srv.out")
[ -n "$port" ] || { echo "server did not start:" >&2; cat "$log/srv.out" >&2; exit 1; }
spid=$(pgrep -P "$srv" -f agi-server || echo "$srv")   # taskset execs java: usually the same pid

cpu() { awk '{print $14, $15}' "/proc/$spid/stat"; }
first=1
for c in "${concs[@]}"; do
  warm=""; [ $first = 1 ] && warm="run 100 15000 500"; first=0   # JIT warm-up, as the fastagi case does
  exec 3< <( ([ -n "$warm" ] && echo "$warm"; echo "run $c 5000 8000"; sleep 1; echo exit) | taskset -c 0 "$java" -XX:+UseSerialGC -Xms512m \
      -cp "$cp" org.tinyphone.bench.BenchMain agi-loadgen-nio "$port" call )
  skip=$([ -n "$warm" ] && echo 1 || echo 0)
  while read -r -u 3 line; do
    if [ "$skip" = 1 ]; then [[ $line == RESULT* ]] && skip=0; continue; fi
    case $line in
      MEASURE_START) read -r u0 s0 < <(cpu) ;;
      MEASURE_END) read -r u1 s1 < <(cpu) ;;
      RESULT*)
        calls=$(sed 's/.*calls=\([0-9]*\).*/\1/' <<< "$line")
        p99=$(sed 's/.*stepP99us=\([0-9]*\).*/\1/' <<< "$line")
        awk -v i="$impl" -v c="$c" -v n="$calls" -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v t="$tick" -v p="$p99" -v f="${flags[*]}" \
          'BEGIN { uu = u * 1e6 / t / n; su = s * 1e6 / t / n;
                   printf "%s%s conc=%d calls=%d user %.0f µs/call, system %.0f µs/call, total %.0f µs/call, step p99 %.1f ms\n",
                          i, (f == "" ? "" : " [" f "]"), c, n, uu, su, uu + su, p / 1000 }' ;;
    esac
  done
  exec 3<&-
done
echo exit >&4
