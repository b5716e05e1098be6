#!/bin/sh
# repl.sh: drive the interactive prompt for real inside tmux.
#
# Each check types keys into a detached tmux pane running `gmoe` and polls
# the pane (with a deadline) for what a person would see.  Skipped (77)
# only when tmux is not installed.
: "${GMOE:?GMOE must name the gmoe binary}"
command -v tmux >/dev/null 2>&1 || { echo "tmux not found: skipping"; exit 77; }

tmp=$(mktemp -d) || exit 1
sock="gmoe-repl-test-$$"
fails=0
deadline_s=15

cleanup() {
  tmux -L "$sock" kill-server >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkdir -p "$tmp/home" "$tmp/state" "$tmp/work"
: > "$tmp/work/mydata.csv"

# Report a failed check with the pane contents.
fail() {
  echo "FAIL: $1"
  echo "--- pane ---"
  tmux -L "$sock" capture-pane -N -p -t "$cur" 2>/dev/null | sed '/^$/d'
  echo "------------"
  fails=$((fails + 1))
}

# Start gmoe with arguments "$@" in a new window named by $cur; the shell
# around it records the terminal settings before and after, and the exit
# status (shown as EXIT=N only once the settings after are on file, so a
# check made on seeing it never reads a file not yet written).
# XDG_STATE_HOME is set unless $nostate is non-empty.
start() {
  cur=$1
  shift
  if [ -n "$nostate" ]; then st="env -u XDG_STATE_HOME"; else st="env XDG_STATE_HOME='$tmp/state'"; fi
  cmd="cd '$tmp/work'; stty -g > '$tmp/$cur.stty0'; HOME='$tmp/home' $st sh -c 'echo \$\$ > \"$tmp/$cur.pid\"; exec \"\$0\" \"\$@\"' '$GMOE' $*; rc=\$?; stty -g > '$tmp/$cur.stty1'; echo EXIT=\$rc; sleep 120"
  if tmux -L "$sock" has-session 2>/dev/null; then
    tmux -L "$sock" new-window -d -n "$cur" "$cmd"
  else
    tmux -L "$sock" -f /dev/null new-session -d -s gmoe -n "$cur" -x 120 -y 40 "$cmd"
  fi
  cur="gmoe:$cur"
}

# Succeed once the pane matches the extended regular expression $1
# (anywhere, or on its last non-empty line with `last`), within the deadline.
wait_for() {
  pat=$1
  where=${2:-any}
  end=$(($(date +%s) + deadline_s))
  while :; do
    if [ "$where" = last ]; then
      tmux -L "$sock" capture-pane -N -p -t "$cur" | sed '/^$/d' | tail -n 1 | grep -Eq -- "$pat" && return 0
    else
      tmux -L "$sock" capture-pane -N -p -t "$cur" | grep -Eq -- "$pat" && return 0
    fi
    [ "$(date +%s)" -ge "$end" ] && return 1
    sleep 0.05
  done
}

# Count the lines of the pane matching $1.
count() {
  tmux -L "$sock" capture-pane -N -p -t "$cur" | grep -Ec -- "$1"
}

keys() {
  tmux -L "$sock" send-keys -t "$cur" "$@"
}

# Abandon the line with Ctrl-C and wait for a fresh, empty prompt line.
fresh() {
  keys C-c
  wait_for '^gmoe> $' last || fail "Ctrl-C does not give a fresh prompt"
}

# --- one session: completion, errors, Ctrl-C, Ctrl-D ---
start s1 -n
wait_for '^gmoe> $' last || fail "the prompt does not appear"

keys 'sho' Tab
wait_for '^gmoe> show $' last || fail "sho<Tab> does not complete to 'show '"
keys 'setti' Tab
wait_for '^gmoe> show settings $' last || fail "show setti<Tab> does not complete to 'show settings '"
fresh
keys 's' Tab Tab
wait_for '(^| )set( |$)' || fail "s<Tab><Tab> does not list 'set'"
wait_for '(^| )source( |$)' || fail "s<Tab><Tab> does not list 'source'"
fresh
keys 'set activation ta' Tab
wait_for '^gmoe> set activation tanh $' last || fail "set activation ta<Tab> does not complete 'tanh'"
keys Enter
wait_for '^gmoe> $' last || fail "no prompt after set activation tanh"
keys 'set temperature l' Tab
wait_for '^gmoe> set temperature learn $' last || fail "set temperature l<Tab> does not complete 'learn'"
fresh
keys 'set ini' Tab 'km' Tab
wait_for '^gmoe> set init kmeans $' last || fail "set ini<Tab>km<Tab> does not complete 'init kmeans'"
fresh
keys 'compare activation identity,ta' Tab
wait_for '^gmoe> compare activation identity,tanh $' last || fail "identity,ta<Tab> does not complete 'tanh' in a list"
fresh
keys 'truth activation sig' Tab
wait_for '^gmoe> truth activation sigmoid $' last || fail "truth activation sig<Tab> does not complete 'sigmoid'"
fresh
keys 'help set thr' Tab
wait_for '^gmoe> help set threads $' last || fail "help set thr<Tab> does not complete 'threads'"
fresh
keys 'help fo' Tab
wait_for '^gmoe> help format $' last || fail "help fo<Tab> does not complete 'format'"
fresh
keys 'source myd' Tab
wait_for '^gmoe> source mydata\.csv $' last || fail "source myd<Tab> does not complete the file name"
fresh

keys 'bogus 1 2' Enter
wait_for "^gmoe: .*bogus" || fail "an unknown command prints no error"
wait_for '^gmoe> $' last || fail "no prompt after an unknown command"

keys 'set k 7'
wait_for '^gmoe> set k 7$' last || fail "typed text does not show"
keys C-c
wait_for '^gmoe> $' last || fail "Ctrl-C does not give a fresh prompt"
keys 'show settings' Enter
wait_for '^ *activation +tanh' || fail "the setting made before the error is lost"
wait_for '^ *k +2$' || fail "Ctrl-C did not discard the half-typed 'set k 7'"
wait_for '^gmoe> $' last || fail "no prompt after show settings"

keys C-d
wait_for '^EXIT=0$' || fail "Ctrl-D does not exit with status 0"
cmp -s "$tmp/s1.stty0" "$tmp/s1.stty1" || fail "terminal settings not restored after Ctrl-D"

hist="$tmp/state/gmoe/history"
if [ -f "$hist" ]; then
  grep -qx 'show settings' "$hist" || fail "history file lacks 'show settings'"
  grep -qx 'set k 7' "$hist" && fail "history file holds the abandoned 'set k 7'"
  mode=$(stat -c %a "$hist")
  [ "$mode" = 600 ] || fail "history file mode is $mode, not 600"
else
  fail "no history file at \$XDG_STATE_HOME/gmoe/history"
fi

# --- history survives a restart; quit exits 0 ---
start s2 -n
wait_for '^gmoe> $' last || fail "the prompt does not appear (restart)"
keys Up
wait_for '^gmoe> show settings *$' last || fail "Up does not recall the previous session's last line"
keys Up
wait_for '^gmoe> bogus 1 2 *$' last || fail "Up Up does not recall the line before it"
fresh
keys 'quit' Enter
wait_for '^EXIT=0$' || fail "quit does not exit with status 0"

# --- ~/.gmoerc runs at startup, -n skips it ---
printf 'set seed 4242\n' > "$tmp/home/.gmoerc"
start s3
wait_for '^gmoe> $' last || fail "the prompt does not appear with ~/.gmoerc"
keys 'show settings' Enter
wait_for '^ *seed +4242$' || fail "~/.gmoerc did not run at startup"
keys 'exit' Enter
wait_for '^EXIT=0$' || fail "exit does not exit with status 0"
start s4 -n
wait_for '^gmoe> $' last || fail "the prompt does not appear with -n"
keys 'show settings' Enter
wait_for '^ *seed +1$' || fail "-n did not skip ~/.gmoerc"
keys C-d
wait_for '^EXIT=0$' || fail "Ctrl-D does not exit with status 0 (-n)"
rm -f "$tmp/home/.gmoerc"

# --- without XDG_STATE_HOME: ~/.gmoe_history, cut to the last 1000 lines ---
i=1
while [ $i -le 1100 ]; do echo "echo old $i"; i=$((i + 1)); done > "$tmp/home/.gmoe_history"
nostate=1
start s5 -n
nostate=
wait_for '^gmoe> $' last || fail "the prompt does not appear (no XDG_STATE_HOME)"
keys Up
wait_for '^gmoe> echo old 1100 *$' last || fail "Up does not recall ~/.gmoe_history"
fresh
keys 'echo new line' Enter
wait_for '^new line$' || fail "echo does not print"
keys C-d
wait_for '^EXIT=0$' || fail "Ctrl-D does not exit with status 0 (no XDG_STATE_HOME)"
n=$(wc -l < "$tmp/home/.gmoe_history")
[ "$n" -le 1000 ] || fail "~/.gmoe_history has $n lines, more than 1000"
[ "$(tail -n 1 "$tmp/home/.gmoe_history")" = "echo new line" ] \
  || fail "~/.gmoe_history does not end with the new line"

# --- SIGTERM and SIGHUP: history kept, terminal restored, ended by the signal ---
for sig in TERM HUP; do
  start "t$sig" -n
  wait_for '^gmoe> $' last || fail "the prompt does not appear (SIG$sig)"
  keys "echo before $sig" Enter
  wait_for "^before $sig\$" || fail "echo does not print (SIG$sig)"
  keys 'set n 12'
  wait_for '^gmoe> set n 12$' last || fail "typed text does not show (SIG$sig)"
  kill -"$sig" "$(cat "$tmp/t$sig.pid")"
  case $sig in TERM) code=143 ;; HUP) code=129 ;; esac
  wait_for "^EXIT=$code\$" || fail "SIG$sig does not end gmoe with status $code"
  grep -qx "echo before $sig" "$hist" || fail "history lost on SIG$sig"
  cmp -s "$tmp/t$sig.stty0" "$tmp/t$sig.stty1" || fail "terminal settings not restored after SIG$sig"
done

# --- results redirected to a file: prompt and editing stay on the terminal ---
start r1 -n -q "> '$tmp/results.txt'"
wait_for '^gmoe> $' last || fail "the prompt does not appear with stdout redirected"
keys 'show sett' Tab
wait_for '^gmoe> show settings $' last || fail "completion does not show with stdout redirected"
keys Enter 'quit' Enter
wait_for '^EXIT=0$' || fail "quit does not exit with status 0 (stdout redirected)"
grep -Eq '^ *seed +1$' "$tmp/results.txt" || fail "the results did not go to the redirected stdout"
grep -q 'gmoe>' "$tmp/results.txt" && fail "the prompt went to the redirected stdout"

# --- Ctrl-C during a fit stops it, keeps the best parameters, and the
# session goes on (an annealing schedule this long never converges) ---
start f1 -n -q
wait_for '^gmoe> $' last || fail "the prompt does not appear (fit)"
keys 'set n 20000; set maxiter 1000000; set temperature anneal 5 1 1000000; simulate; fit' Enter
wait_for 'iteration [0-9]+ ' || fail "the fit does not show its progress"
keys C-c
wait_for '^fit: interrupted after [0-9]+ iterations.*best parameters kept' \
  || fail "Ctrl-C does not interrupt the fit"
wait_for '^gmoe> $' last || fail "no prompt after the interrupted fit"
keys 'show params' Enter
wait_for '^fitted parameters: k = 2' || fail "the interrupted fit kept no parameters"
wait_for '^gmoe> $' last || fail "no prompt after show params"
keys C-d
wait_for '^EXIT=0$' || fail "Ctrl-D does not exit with status 0 after an interrupted fit"

# --- Ctrl-C during a sourced script stops the script, not just the
# command running; the session goes on ---
{
  echo 'set n 20000; set maxiter 1000000; set temperature anneal 5 1 1000000'
  echo 'simulate'
  echo 'echo before-fit'
  echo 'fit'
  echo 'echo after-fit'
} > "$tmp/work/long.gmoe"
start src1 -n -q
wait_for '^gmoe> $' last || fail "the prompt does not appear (source)"
keys 'source long.gmoe' Enter
wait_for 'iteration [0-9]+ ' || fail "the sourced fit does not show its progress"
keys C-c
wait_for '^gmoe> $' last || fail "no prompt after Ctrl-C in a sourced script"
capture_all=$(tmux -L "$sock" capture-pane -p -t "$cur" -S -100)
printf '%s\n' "$capture_all" | grep -q '^after-fit$' && fail "Ctrl-C in a sourced script does not stop the script"
printf '%s\n' "$capture_all" | grep -Eq 'long.gmoe:4: (fit: )?interrupted' \
  || fail "Ctrl-C in a sourced script is not reported with the file and line"
keys C-d
wait_for '^EXIT=0$' || fail "Ctrl-D does not exit with status 0 after an interrupted source"

# --- Ctrl-Z at the prompt suspends gmoe under a job-control shell; fg
# brings back the prompt with the line being typed ---
if command -v bash >/dev/null 2>&1; then
  tmux -L "$sock" new-window -d -n z1 \
    "cd '$tmp/work'; env HOME='$tmp/home' XDG_STATE_HOME='$tmp/state' PS1='sh\$ ' bash --norc --noprofile -i"
  cur=gmoe:z1
  wait_for '^sh\$ $' last || fail "bash does not start"
  keys "'$GMOE' -n -q" Enter
  wait_for '^gmoe> $' last || fail "the prompt does not appear (suspend)"
  keys 'set k 3'
  wait_for '^gmoe> set k 3$' last || fail "typed text does not show (suspend)"
  keys C-z
  wait_for 'Stopped' || fail "Ctrl-Z does not suspend gmoe"
  wait_for '^sh\$ $' last || fail "no shell prompt after Ctrl-Z"
  keys 'fg' Enter
  wait_for '^gmoe> set k 3$' last || fail "fg does not redraw the line"
  keys Enter 'show settings' Enter
  wait_for '^ *k +3$' || fail "the line typed before suspension does not run"
  keys C-d
  wait_for '^sh\$ $' last || fail "Ctrl-D after fg does not leave gmoe"
  keys 'echo EXIT=$?' Enter
  wait_for '^EXIT=0$' || fail "Ctrl-D after fg does not exit with status 0"
fi

if [ "$fails" -gt 0 ]; then
  echo "$fails check(s) failed"
  exit 1
fi
echo "all REPL checks passed"
exit 0
