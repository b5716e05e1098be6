#!/bin/sh
# run-scripts.sh: run every tests/scripts/*.gmoe with `$GMOE -n -f FILE` in
# a temporary directory and compare its standard output with FILE.out, its
# standard error with FILE.err (when present) and its exit status with
# FILE.status (default 0).  When FILE.sed exists, it is applied to both
# outputs before comparing (to mask run times).  Any data files a script
# needs are copied from tests/scripts/data/.  Prints a diff for each
# mismatch and "N passed, N failed" at the end.
#
# Usage: run-scripts.sh [NAME...]   (names without .gmoe; default: all)

. "${top_srcdir:-.}/tests/lib.sh"
dir="$top_srcdir/tests/scripts"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gmoe-scripts.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ $# -gt 0 ]; then
  list=""
  for n in "$@"; do list="$list $dir/$n.gmoe"; done
else
  list=$(ls "$dir"/*.gmoe)
fi

for script in $list; do
  name=$(basename "$script" .gmoe)
  work="$tmp/$name"
  mkdir -p "$work"
  if [ -d "$dir/data" ]; then cp -R "$dir/data/." "$work/"; fi
  cp "$script" "$work/$name.gmoe"
  (cd "$work" && HOME="$work" $GMOE_WRAPPER "$GMOE" -n -f "$name.gmoe" >stdout 2>stderr </dev/null)
  status=$?
  want_status=0
  [ -f "$dir/$name.status" ] && want_status=$(cat "$dir/$name.status")
  ok=1
  filter=cat
  if [ -f "$dir/$name.sed" ]; then filter="sed -E -f $dir/$name.sed"; fi
  $filter <"$work/stdout" >"$work/stdout.f"
  $filter <"$work/stderr" >"$work/stderr.f"
  if ! [ -f "$dir/$name.out" ]; then
    echo "FAIL: $name: missing $name.out"; ok=0
  elif ! diff -u "$dir/$name.out" "$work/stdout.f" >"$work/diff"; then
    echo "FAIL: $name: standard output differs:"; cat "$work/diff"; ok=0
  fi
  if [ -f "$dir/$name.err" ]; then
    if ! diff -u "$dir/$name.err" "$work/stderr.f" >"$work/diff"; then
      echo "FAIL: $name: standard error differs:"; cat "$work/diff"; ok=0
    fi
  fi
  if [ "$status" != "$want_status" ]; then
    echo "FAIL: $name: exit status $status, expected $want_status"
    [ -f "$dir/$name.err" ] || sed 's/^/  stderr: /' "$work/stderr"
    ok=0
  fi
  if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
report
