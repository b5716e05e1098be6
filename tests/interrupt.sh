#!/bin/sh
# interrupt.sh: a fit in a script with `set progress on` prints progress
# lines on standard error about every half second, and SIGINT stops it after the current
# iteration: the best parameters are kept and shown, the script stops with
# status 1 and the message "interrupted (best parameters kept)".

. "${top_srcdir:-.}/tests/lib.sh"
scratch interrupt
HOME=$tmp
export HOME

# An annealed temperature never converges before its schedule ends, so
# this fit runs until it is interrupted.
"$GMOE" -n -e 'set progress on; set n 20000; set temperature anneal 10 1 100000000; set maxiter 100000000' \
  -e 'simulate; fit; echo not reached' >out 2>err </dev/null &
pid=$!
tries=0
until grep -q '^fit: restart 1 of 1, iteration [0-9]*, log-likelihood ' err 2>/dev/null; do
  tries=$((tries + 1))
  if [ $tries -gt 300 ]; then
    echo "FAIL: no progress line within 30 s"; kill $pid; wait $pid; cat err; exit 1
  fi
  sleep 0.1
done
kill -INT $pid
wait $pid
status=$?

[ $status = 1 ] || { echo "FAIL: exit status $status, expected 1"; fail=1; }
if [ "$(tail -n 1 err)" != "gmoe: -e:2: fit: interrupted (best parameters kept)" ]; then
  echo "FAIL: last line of stderr:"; tail -n 1 err; fail=1
fi
if ! grep -q '^fit: interrupted after [0-9]* iterations in .* s (best parameters kept)$' out; then
  echo "FAIL: no interrupted report on stdout:"; cat out; fail=1
fi
if grep -q 'not reached' out; then echo "FAIL: the script went on after the interrupt"; fail=1; fi
# The reported log-likelihood is a finite number.
if ! grep -Eq '^  log-likelihood  -?[0-9][0-9.e+]*$' out; then
  echo "FAIL: bad log-likelihood line:"; cat out; fail=1
fi
[ $fail = 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $fail
