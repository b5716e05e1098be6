#!/bin/sh
# run.sh: build the fuzzing harnesses with clang and libFuzzer (with
# AddressSanitizer and UndefinedBehaviorSanitizer) and run each for a
# bounded time.
#
# Usage: tests/fuzz/run.sh [SECONDS [HARNESS...]]
#   SECONDS   time per harness (default 60)
#   HARNESS   cmd and/or csv (default both)
#
# The build goes to $FUZZ_BUILD (default build-fuzz at the top of the
# source tree).  Each harness starts from its seed corpus
# tests/fuzz/corpus-NAME and keeps what it finds in $FUZZ_BUILD/corpus-NAME,
# so later runs go on from there.  An input that crashes, leaks, trips a
# sanitizer or runs longer than 10 s is written to tests/fuzz/crashes-NAME/
# (commit it: make check replays it) and the run fails.  Prints one line per
# harness with the executions reached, and exits 0 when no harness failed,
# 1 when one did, 77 when clang cannot build libFuzzer programs here.

set -u
secs=${1:-60}
[ $# -gt 0 ] && shift
harnesses=${*:-cmd csv}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD:-$top/build-fuzz}
CC=${FUZZ_CC:-clang}
flags="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"

# Can this compiler build a libFuzzer program?
mkdir -p "$build" || exit 1
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return d && n > 99; }\n' \
  >"$build/probe.c"
if ! $CC $flags -fsanitize=fuzzer "$build/probe.c" -o "$build/probe" >"$build/probe.log" 2>&1; then
  echo "fuzz: $CC cannot build libFuzzer programs (see $build/probe.log): skipped"
  exit 77
fi

# The libraries, built by the project's own build system with clang.
if [ ! -f "$build/Makefile" ]; then
  (cd "$build" && "$top/configure" -q CC="$CC" CFLAGS="$flags -fsanitize=fuzzer-no-link") || exit 1
fi
make -s -j2 -C "$build" src/libgmoe.a src/libgmoe-front.a >"$build/make.log" 2>&1 || {
  cat "$build/make.log"; exit 1; }
libs="$(sed -n 's/^GSL_LIBS = //p; s/^NCURSES_LIBS = //p; s/^LIBS = //p' "$build/Makefile" | tr '\n' ' ')"

failed=0
for h in $harnesses; do
  case $h in
    cmd) archives="$build/src/libgmoe-front.a $build/src/libgmoe.a" ;;
    csv) archives="$build/src/libgmoe.a" ;;
    *) echo "fuzz: unknown harness '$h' (expected cmd or csv)"; exit 2 ;;
  esac
  # shellcheck disable=SC2086
  $CC $flags -fsanitize=fuzzer -I"$build" -I"$top/src" "$top/tests/fuzz/fuzz-$h.c" $archives $libs \
    -o "$build/fuzz-$h" || exit 1
  mkdir -p "$build/corpus-$h" "$top/tests/fuzz/crashes-$h"
  "$build/fuzz-$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -close_fd_mask=3 -print_final_stats=1 -error_exitcode=1 -timeout_exitcode=1 \
    -artifact_prefix="$top/tests/fuzz/crashes-$h/" \
    "$build/corpus-$h" "$top/tests/fuzz/corpus-$h" >"$build/fuzz-$h.log" 2>&1
  st=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz-$h.log")
  t=$(sed -n 's/^stat::.*//; s/.*Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$build/fuzz-$h.log")
  cov=$(grep -E '^#[0-9]+' "$build/fuzz-$h.log" | tail -n 1 | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  if [ $st = 0 ]; then
    echo "fuzz-$h: ${execs:-?} executions in ${t:-$secs} s, coverage ${cov:-?} edges, no crash"
  else
    echo "fuzz-$h: FAILED after ${execs:-?} executions (status $st); reproducer in tests/fuzz/crashes-$h/:"
    grep -E 'ERROR|SUMMARY|runtime error|fuzz-csv:|Test unit written' "$build/fuzz-$h.log" | head -n 20
    failed=1
  fi
done
exit $failed
