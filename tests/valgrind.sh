#!/bin/sh
# valgrind.sh: a representative part of the suite under valgrind's memcheck,
# which must find no invalid access, no use of uninitialised values and no
# definite or indirect leak: every script test (run-scripts.sh), every
# fourth case of the bad-input catalogue (errors.sh), the numerical-trouble
# and safe-save tests (numeric.sh, save-safe.sh), and the command-language
# unit test (test-cmd).  A memcheck error makes gmoe exit with status 42,
# and its report goes to standard error; both fail the wrapped tests.
#
# Skipped (77) when valgrind is not installed, and when gmoe was built with
# the sanitizers (./configure --enable-sanitizers), which do not run under
# valgrind.  Takes about a minute.

. "${top_srcdir:-.}/tests/lib.sh"
: "${top_builddir:=.}"
if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind is not installed: skipped"
  exit 77
fi
if grep -q __asan_init "$GMOE" 2>/dev/null; then
  echo "gmoe is built with AddressSanitizer, which does not run under valgrind: skipped"
  exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gmoe-valgrind.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
GMOE_WRAPPER="valgrind -q --vgdb=no --error-exitcode=42 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect"
export GMOE GMOE_WRAPPER top_srcdir
failed=""

# part NAME COMMAND...: run one wrapped test, showing its last lines.
part() {
  name=$1
  shift
  "$@" >"$tmp/$name.log" 2>&1
  st=$?
  last=$(tail -n 1 "$tmp/$name.log")
  if [ $st = 0 ]; then
    echo "PASS: $name under valgrind${last:+: $last}"
  else
    echo "FAIL: $name under valgrind (status $st):"
    tail -n 40 "$tmp/$name.log"
    failed="$failed $name"
  fi
}

awk '/^> / { n++ } n % 4 == 1 { print }' \
  "$top_srcdir/tests/errors.txt" >"$tmp/errors.txt"
part run-scripts sh "$top_srcdir/tests/run-scripts.sh"
part errors env GMOE_ERRORS="$tmp/errors.txt" sh "$top_srcdir/tests/errors.sh"
part numeric sh "$top_srcdir/tests/numeric.sh"
part save-safe sh "$top_srcdir/tests/save-safe.sh"
part test-cmd $GMOE_WRAPPER "$top_builddir/tests/test-cmd"

if [ -n "$failed" ]; then
  echo "failed under valgrind:$failed"
  exit 1
fi
echo "all parts passed under valgrind"
