#!/bin/sh
# cli.sh: the command line of gmoe: -e, -f, FILE and stdin scripts with
# their error locations, exit statuses 0, 1 and 2, --help and --version.

. "${top_srcdir:-.}/tests/lib.sh"
scratch cli
HOME=$tmp
export HOME

# expect NAME WANT_STATUS WANT_STDOUT WANT_STDERR: compare with files out,
# err and the status of the last run.
expect() {
  printf '%s' "$3" >want.out
  printf '%s' "$4" >want.err
  check "$1" "$2"
}
nl='
'

# Several -e: each is line N of "-e"; the first error stops the rest.
"$GMOE" -n -e 'echo one' -e 'echo two; set k 0; echo skipped' -e 'echo never' >out 2>err </dev/null
status=$?
expect "-e numbering" 1 "one${nl}two${nl}" "gmoe: -e:2: set: k must be at least 1, got '0' (try 'help set')${nl}"

# -f and a plain FILE argument, run in order, lines counted from 1.
printf 'echo a\n\n# comment\necho b\nset tol 0\necho c\n' >bad.gmoe
printf 'echo first\n' >good.gmoe
"$GMOE" -n -f good.gmoe bad.gmoe >out 2>err </dev/null
status=$?
expect "-f and FILE" 1 "first${nl}a${nl}b${nl}" "gmoe: bad.gmoe:5: set: tol must be positive, got '0' (try 'help set')${nl}"

# -e and -f mixed keep their order.
"$GMOE" -n -e 'echo 1' -f good.gmoe -e 'echo 2' >out 2>err </dev/null
status=$?
expect "-e -f order" 0 "1${nl}first${nl}2${nl}" ""

# Commands on standard input are named stdin.
printf 'echo x\r\nset k 3\nshow nothing\necho y\n' | "$GMOE" -n >out 2>err
status=$?
expect "stdin" 1 "x${nl}" "gmoe: stdin:3: show: unknown item 'nothing' (expected settings, truth, params, fit, data, sweep, rate, assign or select) (try 'help show')${nl}"

# -f - reads standard input, in order with the other scripts.
printf 'echo piped\nset seed x\n' | "$GMOE" -n -e 'echo first' -f - >out 2>err
status=$?
expect "-f -" 1 "first${nl}piped${nl}" "gmoe: stdin:2: set: seed must be a whole number, got 'x' (try 'help set')${nl}"

# quit stops a script with status 0; exit is its alias.
printf 'echo before\nquit\necho after\n' | "$GMOE" -n >out 2>err
status=$?
expect "quit" 0 "before${nl}" ""
"$GMOE" -n -e 'echo a; exit; echo b' -e 'echo c' >out 2>err </dev/null
status=$?
expect "exit" 0 "a${nl}" ""

# source reports errors with the sourced file's name and line.
printf 'echo in\nset k x\n' >inner.gmoe
"$GMOE" -n -e 'echo out; source inner.gmoe; echo never' >out 2>err </dev/null
status=$?
expect "source" 1 "out${nl}in${nl}" "gmoe: inner.gmoe:2: set: k must be a whole number, got 'x' (try 'help set')${nl}"
printf 'source self.gmoe\n' >self.gmoe
"$GMOE" -n -f self.gmoe >out 2>err </dev/null
status=$?
expect "source loop" 1 "" "gmoe: self.gmoe:1: source: 'self.gmoe': scripts nested more than 16 deep (does a script source itself?)${nl}"

# A script that cannot be opened, and usage errors, exit 2.
"$GMOE" -n -f missing.gmoe >out 2>err </dev/null
status=$?
expect "missing script" 2 "" "gmoe: cannot open script 'missing.gmoe': No such file or directory${nl}"
"$GMOE" -n -x >out 2>err </dev/null
status=$?
expect "unknown option" 2 "" "gmoe: unknown option '-x'${nl}Try 'gmoe --help' for more information.${nl}"
"$GMOE" --frobnicate >out 2>err </dev/null
status=$?
expect "unknown long option" 2 "" "gmoe: unknown option '--frobnicate'${nl}Try 'gmoe --help' for more information.${nl}"
"$GMOE" -e >out 2>err </dev/null
status=$?
expect "missing argument" 2 "" "gmoe: option '-e' needs an argument${nl}Try 'gmoe --help' for more information.${nl}"

# --help and --version go to standard output and exit 0.
"$GMOE" --help >out 2>err </dev/null
status=$?
head -n 1 out >first
if [ $status = 0 ] && [ "$(cat first)" = "Usage: gmoe [OPTION]... [FILE]..." ] && [ ! -s err ] \
   && grep -q -- '--version' out && grep -q -- '-e COMMANDS' out; then
  pass=$((pass + 1))
else
  echo "FAIL: --help (status $status)"; cat out err; fail=$((fail + 1))
fi
"$GMOE" --version >out 2>err </dev/null
status=$?
if [ $status = 0 ] && [ "$(head -n 1 out)" = "gmoe 0.1.0" ] && [ ! -s err ]; then
  pass=$((pass + 1))
else
  echo "FAIL: --version (status $status)"; cat out err; fail=$((fail + 1))
fi

# ~/.gmoerc is not run for scripts.
printf 'echo from-rc\n' >"$HOME/.gmoerc"
"$GMOE" -e 'echo script' >out 2>err </dev/null
status=$?
expect "no rc in scripts" 0 "script${nl}" ""

report
