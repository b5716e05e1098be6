#!/bin/sh
# repl-keep.sh: at the interactive prompt (in a tmux terminal), nothing that
# was done is lost to an interrupt or a kill:
#  - Ctrl-C during a sweep stops it; the session goes on with the finished
#    pairs, which `show sweep` reports and `save sweep` writes;
#  - a fit interrupted (q in the live view) keeps its best parameters,
#    which `save model` writes and a new gmoe loads back;
#  - every line typed is in the history file at once, so even SIGKILL,
#    which no handler can catch, loses none of it.
# Every wait polls the screen against a deadline.  Skipped (77) when tmux
# is missing.

. "${top_srcdir:-.}/tests/lib.sh"
tmux_scratch keep
mkdir "$tmp/home" "$tmp/state" "$tmp/work"

# wait_for REGEX WHAT: poll the pane with its scrollback until REGEX (an
# extended regular expression) matches, for at most 30 s.
wait_for() {
  deadline=$(($(date +%s) + 30))
  while :; do
    T capture-pane -p -S -2000 -t keep >"$tmp/screen" 2>/dev/null
    if grep -Eq -- "$1" "$tmp/screen"; then result "$2" 0; return 0; fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      result "$2: no /$1/ within 30 s; the screen was:" 1
      sed '/^$/d' "$tmp/screen" | tail -n 20
      return 1
    fi
    sleep 0.1
  done
}

# Type a line at the prompt.
type_line() { T send-keys -t keep -l "$1"; T send-keys -t keep Enter; }

T new-session -d -s keep -x 120 -y 40 \
  "cd '$tmp/work' && HOME='$tmp/home' XDG_STATE_HOME='$tmp/state' sh -c 'echo \$\$ >../pid; exec \"\$0\" -n' '$GMOE'; echo EXIT=\$?; sleep 600"
wait_for '^gmoe> ?$' "the prompt appears"

# A sweep far too long to finish, stopped by Ctrl-C once pairs are done.
type_line 'set progress off; set threads 1; sweep n 2000,4000 reps 100000'
sleep 2
T send-keys -t keep C-c
wait_for 'sweep: interrupted' "Ctrl-C stops the sweep"
type_line 'show sweep'
wait_for '^sweep: interrupted: 2 sizes x 100000 replicates, [1-9][0-9]* pairs finished' \
  "show sweep reports the finished pairs after the interrupt"
type_line 'save sweep kept.csv'
type_line 'echo saved'
wait_for '^saved$' "save sweep runs after the interrupt"
rows=$(grep -c '^[0-9]' "$tmp/work/kept.csv" 2>/dev/null)
[ "${rows:-0}" -ge 1 ] && ! grep -q ',missing,' "$tmp/work/kept.csv"
result "the saved sweep holds the $rows finished pairs and no missing one" $?

# A fit that never converges, stopped with q in the live view.
type_line 'set n 20000; simulate; set temperature anneal 10 1 100000000; set maxiter 100000000; fit'
sleep 2
T send-keys -t keep q
wait_for 'fit: interrupted after [0-9]+ iterations' "q stops the fit, keeping the best parameters"
type_line 'save model kept.gmoe-model'
type_line 'echo model saved'
wait_for '^model saved$' "save model runs after the interrupt"
(cd "$tmp/work" && HOME="$tmp/home" "$GMOE" -n -q -e 'load model kept.gmoe-model; show fit') >"$tmp/fit" 2>&1 </dev/null
grep -q '^fit: interrupted after [0-9]* iterations' "$tmp/fit"
st=$?
result "the saved model loads back with its interrupted fit" $st
[ $st = 0 ] || cat "$tmp/fit"

# SIGKILL: no handler runs, yet the history holds every line typed.
type_line 'echo last line'
wait_for '^last line$' "echo prints"
kill -KILL "$(cat "$tmp/pid")"
wait_for '^EXIT=137$' "SIGKILL ends gmoe"
hist="$tmp/state/gmoe/history"
grep -qx 'save model kept.gmoe-model' "$hist" 2>/dev/null && grep -qx 'echo last line' "$hist"
result "the history file holds the lines typed before SIGKILL" $?

report
