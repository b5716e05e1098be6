# lib.sh: what the shell tests share, sourced first of all with
#   . "${top_srcdir:-.}/tests/lib.sh"
# It insists on GMOE (the gmoe binary), makes top_srcdir absolute (the
# tests change directory), sets LC_ALL=C and the counters pass and fail,
# and defines the helpers below.

: "${GMOE:?set GMOE to the gmoe binary}"
: "${top_srcdir:=.}"
top_srcdir=$(cd "$top_srcdir" && pwd) || exit 99
LC_ALL=C
export LC_ALL
pass=0
fail=0

# scratch NAME: make the temporary directory $tmp (gmoe-NAME.XXXXXX in
# $TMPDIR or /tmp), removed when the test ends or is interrupted, and enter it.
scratch() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/gmoe-$1.XXXXXX") || exit 99
  trap 'rm -rf "$tmp"' EXIT INT TERM
  cd "$tmp" || exit 99
}

# tmux_scratch NAME: for the tests that drive gmoe in a terminal: skip
# (status 77) without tmux, make $tmp as scratch does (without entering it),
# and kill the private tmux server of T when the test ends.
tmux_scratch() {
  command -v tmux >/dev/null 2>&1 || { echo "tmux is missing: skipped"; exit 77; }
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/gmoe-$1.XXXXXX") || exit 99
  sock="$tmp/tmux.sock"
  trap 'T kill-server 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
}

# T ARGS...: tmux, without configuration, on the server of tmux_scratch.
T() { tmux -f /dev/null -S "$sock" "$@"; }

# ok: count a passed check.  bad MESSAGE: count a failed one and say why.
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# result NAME STATUS: count a check that passed when STATUS is 0.
result() {
  if [ "$2" = 0 ]; then ok; else bad "$1"; fi
}

# check NAME WANT_STATUS: compare the last run's $status with WANT_STATUS,
# its standard output (file out) with want.out and its standard error
# (file err) with want.err, showing the differences.
check() {
  good=1
  if [ "$status" != "$2" ]; then echo "FAIL: $1: exit status $status, expected $2"; good=0; fi
  if ! diff -u want.out out >diff; then echo "FAIL: $1: standard output differs:"; cat diff; good=0; fi
  if ! diff -u want.err err >diff; then echo "FAIL: $1: standard error differs:"; cat diff; good=0; fi
  if [ $good = 1 ]; then ok; else fail=$((fail + 1)); fi
}

# report: print the counts; its status (the test's, when it comes last)
# is 0 when no check failed.
report() {
  echo "$pass passed, $fail failed"
  [ "$fail" = 0 ]
}
