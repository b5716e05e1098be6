#!/bin/sh
# errors.sh: the bad-input catalogue of the command language.  Each case
# in errors.txt is a line "> COMMANDS" followed by the exact standard error
# expected from `gmoe -n -q -e 'COMMANDS'`; every case must exit with status
# 1 and print nothing on standard output.  Cases run in a temporary
# directory holding the files of tests/scripts/data.  GMOE_ERRORS names
# another case file (valgrind.sh runs a sample of the catalogue).

. "${top_srcdir:-.}/tests/lib.sh"
cases=${GMOE_ERRORS:-"$top_srcdir/tests/errors.txt"}
case $cases in /*) ;; *) cases="$(pwd)/$cases" ;; esac
scratch errors
[ -d "$top_srcdir/tests/scripts/data" ] && cp -R "$top_srcdir/tests/scripts/data/." "$tmp/"

cmd=""
: >want

# Run the pending case, if any, and compare.
run_case() {
  [ -n "$cmd" ] || return 0
  HOME="$tmp" $GMOE_WRAPPER "$GMOE" -n -q -e "$cmd" >out 2>err </dev/null
  status=$?
  ok=1
  if [ $status != 1 ]; then echo "FAIL: [$cmd]: exit status $status, expected 1"; ok=0; fi
  if [ -s out ]; then echo "FAIL: [$cmd]: unexpected output:"; cat out; ok=0; fi
  if ! diff -u want err >diff; then echo "FAIL: [$cmd]: standard error differs:"; cat diff; ok=0; fi
  if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
  cmd=""
  : >want
}

while IFS= read -r line; do
  case $line in
    "> "*) run_case; cmd=${line#> } ;;
    "#"*|"") ;;
    *) printf '%s\n' "$line" >>want ;;
  esac
done <"$cases"
run_case
report
