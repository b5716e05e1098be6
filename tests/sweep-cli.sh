#!/bin/sh
# sweep-cli.sh: rate experiments through the gmoe binary.
#  - threads 1 and 2 write identical sweep files (every column but the
#    wall time `seconds`, the last one);
#  - a sweep split in 3 shards run as separate processes (GNU parallel when
#    installed, background jobs otherwise) and merged gives the rows of the
#    single run, the merged rows are the shard rows byte for byte (wall
#    times included), and show sweep/show rate print the same bytes;
#  - merging an incomplete set of shards is refused with its message;
#  - `check activation all` verdicts; `compare` gives the slopes of the
#    two separate sweeps it stands for; the tsv headers;
#  - SIGINT stops a sweep, keeps the finished pairs and stops the script.

. "${top_srcdir:-.}/tests/lib.sh"
scratch sweep
HOME=$tmp
export HOME

# Count a passed or failed check; $1 is 0 for pass, $2 names the check.
verdict() { result "$2" "$1"; }

# Keep every column but the last (seconds) of a sweep file.
nosec() {
  sed 's/,[^,]*$//' "$1"
}

spec='set progress off; format tsv; set temperature learn; sweep n from 100 to 2000 count 5 log reps 6'

"$GMOE" -n -e "set threads 1; $spec; save sweep one.csv" </dev/null
verdict $? "single run with 1 thread"
"$GMOE" -n -e "set threads 2; $spec; save sweep two.csv" </dev/null
verdict $? "single run with 2 threads"
nosec one.csv >one.nosec
nosec two.csv >two.nosec
cmp -s one.nosec two.nosec
verdict $? "threads 1 and 2 give identical rows"
[ "$(grep -vc '^#' one.csv)" = 31 ]
verdict $? "the sweep file holds a column header and 30 rows"
[ "$(sed -n '1p;3,5p' one.csv)" = "# gmoe sweep 1
# reps 6
# seed 1
# shard 1/1" ]
verdict $? "sweep file header"

# Three shards as separate processes.
if parallel --version 2>/dev/null | grep -q 'GNU parallel'; then
  echo "shards run with GNU parallel"
  parallel --will-cite -q "$GMOE" -n -e "set threads 1; $spec shard {}/3; save sweep part{}.csv" \
    ::: 1 2 3 </dev/null
  verdict $? "GNU parallel ran the three shards"
else
  echo "shards run as background jobs (GNU parallel is not installed)"
  for i in 1 2 3; do
    "$GMOE" -n -e "set threads 1; $spec shard $i/3; save sweep part$i.csv" </dev/null &
    eval "pid$i=\$!"
  done
  st=0
  for i in 1 2 3; do eval "wait \$pid$i" || st=1; done
  verdict $st "the three shard processes succeeded"
fi
"$GMOE" -n -e 'format tsv; sweep merge part1.csv part2.csv part3.csv; save sweep merged.csv;
  show sweep; show rate' >merged.out </dev/null
verdict $? "merge the three shards"
"$GMOE" -n -e 'format tsv; sweep merge one.csv; show sweep; show rate' >one.out </dev/null
verdict $? "load the single run as a sweep of one file"
nosec merged.csv >merged.nosec
cmp -s one.nosec merged.nosec
verdict $? "merged shards equal the single run in every column but seconds"
grep -hv '^[#n]' part1.csv part2.csv part3.csv | sort >parts.rows
grep -v '^[#n]' merged.csv | sort >merged.rows
cmp -s parts.rows merged.rows && [ "$(wc -l <merged.rows)" = 30 ]
verdict $? "merged rows are the shard rows byte for byte"
cmp -s one.out merged.out
verdict $? "show sweep and show rate agree between merged and single run"
[ "$(head -n 1 merged.out | cut -f 1-6)" = "$(printf 'n\tfinished\tconverged\tfailed\tweight_mean\tweight_sd')" ]
verdict $? "show sweep tsv header"
"$GMOE" -n -e 'sweep merge part1.csv part3.csv' >out 2>err </dev/null
st=$?
[ $st = 1 ] && [ "$(cat err)" = "gmoe: -e:1: sweep merge: 10 of 30 pairs are missing from the merged files (the first: n = 100, replicate 1): merge every shard" ]
verdict $? "an incomplete merge is refused (status $st: $(cat err))"

# plot rate: its legend carries the slopes of show rate, to two decimals.
"$GMOE" -n -e 'format tsv; set plotsize 60 16; set charset ascii; sweep merge one.csv; plot rate beta1/tau,hellinger' >plot.out </dev/null
verdict $? "plot rate"
want=$(awk -F '\t' '$1 == "beta1/tau" || $1 == "hellinger" { printf "%s %.2f\n", $1, $2 }' one.out | tail -n 2)
got=$(tail -n 1 plot.out | sed 's/^[^ ]* //; s/   [^ ]* /\n/')
[ "$want" = "$got" ] && [ "$(wc -l <plot.out)" = 16 ]
verdict $? "plot rate legend ($got) has the slopes of show rate ($want)"

# The independence condition.
"$GMOE" -n -e 'format tsv; check activation all' | cut -f 1,4 >check.out
printf 'activation\tverdict\nidentity\tdependent\ntanh\tindependent\nsigmoid\tindependent\nrelu\tdependent\ngelu\tindependent\nsoftplus\tindependent\n' >check.want
cmp -s check.want check.out
verdict $? "check activation verdicts"
[ "$("$GMOE" -n -e 'format tsv; check activation relu' | cut -f 2,5 | tail -n 1)" = "$(printf "0\tz^2*sigma'', z*sigma'', sigma'' vanish; sigma - z*sigma' = 0")" ]
verdict $? "relu: smallest singular value 0 and the relation sigma = z sigma'"

# compare = the two sweeps it stands for, side by side.
sizes='n 100,300,1000 reps 4'
"$GMOE" -n -e "set progress off; format tsv; compare activation identity,tanh temperature learn $sizes" >cmp.out </dev/null
verdict $? "compare runs"
"$GMOE" -n -e "set progress off; format tsv; set temperature learn; sweep $sizes; show rate" >id.out </dev/null
"$GMOE" -n -e "set progress off; format tsv; truth activation tanh; set activation tanh; set temperature learn; sweep $sizes; show rate" >tanh.out </dev/null
[ "$(head -n 1 cmp.out)" = "$(printf 'quantity\tidentity_slope\tidentity_ci_low\tidentity_ci_high\tidentity_sizes\ttanh_slope\ttanh_ci_low\ttanh_ci_high\ttanh_sizes')" ]
verdict $? "compare tsv header"
paste id.out tanh.out | cut -f 1-5,7-10 | tail -n +2 >sides.out
tail -n +2 cmp.out >cmp.rows
cmp -s sides.out cmp.rows && [ "$(wc -l <cmp.rows)" = 9 ]
verdict $? "compare's columns are the slopes of the separate sweeps"

# SIGINT: the finished pairs are kept, the script stops with status 1.
"$GMOE" -n -e 'set progress off; sweep n 20000,40000 reps 1000' -e 'echo not reached' >int.out 2>int.err </dev/null &
pid=$!
sleep 1
kill -INT $pid
wait $pid
st=$?
[ $st = 1 ] && grep -Eq '^gmoe: -e:1: sweep: interrupted \([1-9][0-9]* finished pairs kept, [1-9][0-9]* missing\)$' int.err
verdict $? "SIGINT stops the sweep with its message (status $st: $(cat int.err))"
grep -Eq '^sweep: interrupted: 2 sizes x 1000 replicates, [1-9][0-9]* pairs finished' int.out && ! grep -q 'not reached' int.out
verdict $? "the interrupted sweep reports its finished pairs and the script stops"

report
