#!/bin/sh
# bench/sweep.sh: how long rate experiments take on this machine.
#
# 1. The reference sweep of the rate-experiment issue: k = 2, d = 1 (the
#    default truth), 8 sample sizes from 10^2 to 10^4 (log spaced), 20
#    replicates, timed with 1 and with 2 worker threads.
# 2. An estimate of a paper-scale sweep (k = 3, 200 sizes from 10^4 to 10^5,
#    40 replicates = 8000 fits) from a sample of it: 5 of its sizes with 3
#    replicates each, on one thread.  The per-pair wall time (data, fit and
#    errors: the `seconds` column of the sweep file) is fitted as a + b n by
#    least squares and summed over the 8000 pairs; dividing by the speed-up
#    measured in part 1 gives the wall time on this machine's cores.
#
# Usage: bench/sweep.sh [GMOE]   (default: src/gmoe of the build tree)
# The timings are wall-clock times, best of three: run it on a quiet machine.

GMOE=${1:-${GMOE:-src/gmoe}}
LC_ALL=C
export LC_ALL
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gmoe-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

# Print the wall time in seconds of running the gmoe script $1 once.
wall1() {
  t0=$(date +%s.%N)
  "$GMOE" -n -e "$1" >/dev/null </dev/null || { echo "gmoe failed: $1" >&2; exit 1; }
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }'
}

# Print the best of three wall times of the gmoe script $1 (other processes
# on a shared machine only ever make a run slower).
wall() {
  a=$(wall1 "$1"); b=$(wall1 "$1"); c=$(wall1 "$1")
  echo "$a $b $c" | awk '{ m = $1; if ($2 < m) m = $2; if ($3 < m) m = $3; printf "%.2f", m }'
}

cores=$(getconf _NPROCESSORS_ONLN)
echo "gmoe sweep benchmark on $(uname -m), $cores online cores, $(date -u +%Y-%m-%d)," \
  "load average $(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo unknown)"
echo "(wall times, best of three runs)"
ref='set progress off; sweep n from 100 to 10000 count 8 log reps 20'
t1=$(wall "set threads 1; $ref")
t2=$(wall "set threads 2; $ref")
echo "reference sweep (k = 2, d = 1, 8 sizes 10^2..10^4 log, 20 replicates = 160 fits):"
echo "  1 thread:  $t1 s"
echo "  2 threads: $t2 s"
speedup=$(echo "$t1 $t2" | awk '{ printf "%.2f", ($2 > 0 ? $1 / $2 : 1) }')
echo "  speed-up:  $speedup"

sample='set progress off; set k 3; truth k 3; set threads 1;
  sweep n from 10000 to 100000 count 5 log reps 3; save sweep '"$tmp"'/sample.csv'
ts=$(wall1 "$sample")
echo "paper-scale sample (k = 3, 5 sizes 10^4..10^5 log, 3 replicates = 15 fits, 1 thread): $ts s"
grep -v '^[#n]' "$tmp/sample.csv" | awk -F, -v sp="$speedup" '
  { n[NR] = $1; t[NR] = $NF; it += $4 }
  END {
    m = NR
    for (i = 1; i <= m; i++) { sx += n[i]; sy += t[i] }
    mx = sx / m; my = sy / m
    for (i = 1; i <= m; i++) { sxx += (n[i] - mx)^2; sxy += (n[i] - mx) * (t[i] - my) }
    b = sxy / sxx; a = my - b * mx
    printf "  per-pair time = %.3g s + %.3g s * n / 1000 (mean %.1f EM iterations)\n", \
      a, 1000 * b, it / m
    total = 0
    for (i = 0; i < 200; i++) {
      size = int(exp(log(1e4) + i / 199 * log(10)) + 0.5)
      total += 40 * (a + b * size)
    }
    printf "paper-scale sweep (k = 3, 200 sizes 10^4..10^5, 40 replicates = 8000 fits):\n"
    printf "  estimated %.0f s (%.1f min) on 1 thread, %.0f s (%.1f min) with the measured speed-up %s\n", \
      total, total / 60, total / sp, total / sp / 60, sp
  }'
