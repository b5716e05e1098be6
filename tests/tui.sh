#!/bin/sh
# tui.sh: the live view of a fit, driven for real in a tmux terminal.
#
# gmoe runs at its interactive prompt in a detached tmux session of its own
# (private socket, no tmux configuration).  A fit that cannot end by itself
# (annealing over 100000 iterations) is watched after a quick one that
# must not start the view: the panels, the values and
# the status line must be on the screen, the keys t (panel), p (pause) and
# q (stop, keeping the best parameters) must work, a small window falls back
# to text, Ctrl-C interrupts a second fit, and after each fit the terminal
# is back on the normal screen at the prompt with the last frame in the
# scrollback.  Plots are coloured on a terminal unless NO_COLOR is set.
# Every wait polls the screen against a deadline.
# Skipped (exit 77) only when tmux is missing.

. "${top_srcdir:-.}/tests/lib.sh"
tmux_scratch tui

# screen FILE: the visible pane; history FILE: the pane with its scrollback.
screen() { T capture-pane -p -t gmoe >"$1" 2>/dev/null; }
history() { T capture-pane -p -S -2000 -t gmoe >"$1" 2>/dev/null; }

# wait_for REGEX WHAT [SECONDS]: poll the screen until an extended regular
# expression matches (the screen is left in $tmp/screen), or fail.
wait_for() {
  deadline=$(($(date +%s) + ${3:-30}))
  while :; do
    screen "$tmp/screen"
    if grep -Eq -- "$1" "$tmp/screen"; then ok; return 0; fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      bad "$2: no /$1/ on the screen within ${3:-30} s; the screen was:"
      cat "$tmp/screen"
      return 1
    fi
    sleep 0.1
  done
}

# wait_all WHAT REGEX...: poll until every regex matches the same screen
# (a frame may be caught half drawn), then count one pass per regex; on
# timeout, fail for each regex that the last screen lacks.
wait_all() {
  what=$1
  shift
  deadline=$(($(date +%s) + 30))
  while :; do
    screen "$tmp/screen"
    missing=0
    for re in "$@"; do grep -Eq -- "$re" "$tmp/screen" || missing=1; done
    if [ $missing = 0 ]; then
      for re in "$@"; do ok; done
      return 0
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      for re in "$@"; do
        grep -Eq -- "$re" "$tmp/screen" && ok || bad "$what: no /$re/ on the screen within 30 s"
      done
      echo "the screen was:"
      cat "$tmp/screen"
      return 1
    fi
    sleep 0.1
  done
}

# alternate WANT WHAT: whether the pane shows the alternate screen (1) or not (0).
alternate() {
  got=$(T display-message -p -t gmoe '#{alternate_on}')
  if [ "$got" = "$1" ]; then ok; else bad "$2: alternate screen is '$got', expected $1"; fi
}

# iteration: the iteration number on the status line of the last screen.
iteration() {
  sed -n 's/^ *iteration \([0-9][0-9]*\) .*/\1/p' "$tmp/screen" | tail -n 1
}

status_re='iteration [0-9]+ +elapsed [0-9.]+ s +[0-9]+ it/s +tau [0-9.]+ +q stop +p pause +t panel'

T new-session -d -s gmoe -x 100 -y 36 \
  "cd '$tmp' && exec env HOME='$tmp' TERM=screen LC_ALL=C '$GMOE' -n" || exit 99
wait_for '^gmoe>' "prompt at start" 10 || exit 1

# A quick fit (n = 1000, a few milliseconds) leaves the screen alone: no
# live view starts before a fit has run for a quarter of a second.
T send-keys -t gmoe 'simulate; fit' Enter
if wait_for '^fit: converged after [0-9]+ iterations' "quick fit report" 10; then
  history "$tmp/history"
  if grep -Eq '^ *iteration [0-9]+ +elapsed' "$tmp/history"; then
    bad "a quick fit left a live-view frame on the screen"; else ok; fi
fi

T send-keys -t gmoe 'set n 200000; set maxiter 100000; set temperature anneal 10 1 100000; simulate; fit' Enter

# Mid-fit (from the third iteration on, so that there is a relative change
# and a range of values): both panels, their values, the true values and
# the status line.
running_re='iteration ([3-9]|[1-9][0-9]+) '
if wait_for "$running_re" "third iteration"; then
  wait_all "gate panel during the fit" \
    "$status_re" \
    '^ +log-likelihood -[0-9]+\.[0-9]+ +relative change [-0-9.e+]+' \
    '^ *-[0-9.e]+ \+' \
    'gate: beta0, beta1, tau +\(t: experts\)' \
    '^\* tau +\+ beta0_1 +o beta1_1 +- true value' \
    '^ *(-?[0-9.]+ \+|\|)-{20}'
  alternate 1 "during the fit"
fi

# t: the experts panel.
T send-keys -t gmoe t
wait_all "experts panel after t" \
  'experts: a, b, nu +\(t: gate\)' \
  '^\* a_1 +\+ b_1 +o nu_1 +x a_2 +# b_2 +@ nu_2 +- true value'

# p: paused, the iteration stands still; p again: it moves on.
T send-keys -t gmoe p
if wait_for 'PAUSED: p resume +q stop +t panel' "pause after p"; then
  it1=$(iteration)
  sleep 1
  screen "$tmp/screen"
  it2=$(iteration)
  if [ -n "$it1" ] && [ "$it1" = "$it2" ]; then ok; else
    bad "paused fit moved from iteration '$it1' to '$it2'"; fi
  T send-keys -t gmoe p
  if wait_for "$status_re" "running again after p"; then
    deadline=$(($(date +%s) + 30))
    while it3=$(iteration); [ "${it3:-0}" -le "${it1:-0}" ] && [ "$(date +%s)" -lt "$deadline" ]; do
      sleep 0.1
      screen "$tmp/screen"
    done
    if [ "${it3:-0}" -gt "${it1:-0}" ]; then ok; else
      bad "the fit did not go on after resuming (iteration '$it3', paused at '$it1')"; fi
  fi
fi

# A window too small for plots: plain text; back to plots when it grows.
T resize-window -t gmoe -x 40 -y 12
wait_all "text fallback in a 40x12 window" \
  '^\(plots need 50x16\)' \
  '^fit: iteration [0-9]+, [0-9]+ it/s' \
  '^log-likelihood -[0-9]+\.[0-9]+'
T resize-window -t gmoe -x 100 -y 36
wait_for 'experts: a, b, nu' "plots again in a 100x36 window"

# q: the fit stops with the best parameters kept, the terminal is restored,
# the last frame stays in the scrollback.
T send-keys -t gmoe q
if wait_for 'fit: interrupted after [0-9]+ iterations in .* \(best parameters kept\)' "fit stopped by q"; then
  wait_for '^gmoe> ?$' "prompt after q" 10
  alternate 0 "after q"
  history "$tmp/history"
  if grep -Eq 'iteration [0-9]+ .*stopped \(q\): best so far kept' "$tmp/history"; then ok; else
    bad "the last frame with 'stopped (q)' is not in the scrollback"; fi
fi
T send-keys -t gmoe 'show params' Enter
wait_all "show params after q" \
  '^fitted parameters: k = 2, d = 1, identity gate, temperature [0-9.]+' \
  '^ +2 +0 +0 +-?[0-9.]+ +-?[0-9.]+ +[0-9.]+$'

# Ctrl-C interrupts a second fit the same way.
T send-keys -t gmoe 'fit' Enter
if wait_for "$status_re" "status line during the second fit"; then
  T send-keys -t gmoe C-c
  deadline=$(($(date +%s) + 30))
  while history "$tmp/history"; [ "$(grep -c 'fit: interrupted after' "$tmp/history")" -lt 2 ] \
        && [ "$(date +%s)" -lt "$deadline" ]; do
    sleep 0.1
  done
  if [ "$(grep -c 'fit: interrupted after' "$tmp/history")" -ge 2 ]; then ok; else
    bad "Ctrl-C did not interrupt the second fit"; fi
  if grep -Eq 'iteration [0-9]+ .* interrupted$' "$tmp/history"; then ok; else
    bad "the last frame after Ctrl-C does not say 'interrupted'"; fi
  wait_for '^gmoe> ?$' "prompt after Ctrl-C" 10
  alternate 0 "after Ctrl-C"
fi

# quit ends gmoe, and with it the tmux session.
T send-keys -t gmoe 'quit' Enter
deadline=$(($(date +%s) + 10))
while T has-session -t gmoe 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
if T has-session -t gmoe 2>/dev/null; then bad "gmoe did not quit"; else ok; fi

# Colour: plots on a terminal colour each series, never with NO_COLOR set,
# and never through a pipe.
esc=$(printf '\033')
for nc in '' 1; do
  T new-session -d -s colour -x 80 -y 24 \
    "cd '$tmp' && env HOME='$tmp' TERM=screen LC_ALL=C NO_COLOR=$nc '$GMOE' -n -e 'set plotsize 40 10; plot gate; echo done'; sleep 30"
  deadline=$(($(date +%s) + 10))
  while T capture-pane -e -p -t colour >"$tmp/colour" 2>/dev/null; ! grep -q '^done' "$tmp/colour" \
        && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
  coloured=no
  grep -q "$esc\[3[1-6]m" "$tmp/colour" && coloured=yes
  if [ -z "$nc" ] && [ $coloured = yes ]; then ok
  elif [ -n "$nc" ] && [ $coloured = no ] && grep -q '^\* g_1' "$tmp/colour"; then ok
  else bad "plot colour with NO_COLOR='$nc': coloured=$coloured"; cat "$tmp/colour"; fi
  T kill-session -t colour
done
HOME="$tmp" "$GMOE" -n -e 'set plotsize 40 10; plot gate' >"$tmp/piped" 2>&1
if grep -q "$esc" "$tmp/piped"; then bad "a piped plot has escape sequences"; else ok; fi

report
