#!/bin/sh
# examples.sh: the example scripts of share/gmoe/examples run as a
# newcomer would run them (exit 0, nothing on stderr), and their results
# (read in tsv format) say what the scripts claim.
. "${top_srcdir:-.}/tests/lib.sh"
ex=$(cd "$top_srcdir/share/gmoe/examples" && pwd) || exit 1
scratch examples

# 1. As they are, text format, from a scratch directory.
for f in demo temperature activation; do
  (cd "$tmp" && "$GMOE" -n -f "$ex/$f.gmoe") > "$tmp/$f.out" 2> "$tmp/$f.err"
  rc=$?
  [ "$rc" -eq 0 ] || bad "$f.gmoe exits with status $rc"
  [ -s "$tmp/$f.err" ] && { bad "$f.gmoe writes to stderr:"; cat "$tmp/$f.err"; }
done

# 2. The same in tsv, flattened to "BLOCK KEY VALUE" lines: BLOCK is the
# last "== ... ==" or "...:" heading echoed by the script (numbered in
# order), KEY is loglik (a fit's or loglik's number) or
# tau/beta1/b/nu/ratio of expert 1 of show params.
flatten() {
  awk -F '\t' '
    BEGIN { block = 0 }
    /^== / || /:$/ { block++; next }
    $1 == "loglik" { want = "fit"; next }
    $1 == "expert" { want = "params"; next }
    want == "fit" { print block, "loglik", $1; want = ""; next }
    want == "params" && $1 == 1 {
      print block, "beta1", $3; print block, "tau", $4
      print block, "ratio", $3 / $4; print block, "b", $6; print block, "nu", $7
      want = ""; next
    }
    NF == 1 && $1 ~ /^-?[0-9]/ { print block, "loglik", $1 }
  '
}
run_tsv() {
  (cd "$tmp" && "$GMOE" -n -e 'format tsv' -f "$ex/$1.gmoe") 2>&1 | flatten > "$tmp/$1.kv"
}
# Last value of KEY in BLOCK from file $1.
get() {
  awk -v b="$2" -v k="$3" '$1 == b && $2 == k { v = $3 } END { print v }' "$1"
}
# Succeed when the awk condition $1 holds for a = $2, b = $3.
holds() {
  awk -v a="$2" -v b="$3" "BEGIN { exit !($1) }"
}

# demo: blocks 1 = truth's loglik, 2 = fit's loglik; show truth, then
# show params (the last expert rows) in block 0.
run_tsv demo
lt=$(get "$tmp/demo.kv" 1 loglik)
lf=$(get "$tmp/demo.kv" 2 loglik)
holds 'a != "" && b != "" && b >= a - 0.01' "$lt" "$lf" \
  || bad "demo: fitted log-likelihood $lf below the truth's $lt minus 0.01"
b1=$(get "$tmp/demo.kv" 0 beta1)
holds 'a != "" && a > 3 && a < 5' "$b1" || bad "demo: beta1 of expert 1 is $b1, not within 1 of 4"
bb=$(get "$tmp/demo.kv" 0 b)
holds 'a != "" && a > -2.1 && a < -1.9' "$bb" || bad "demo: b of expert 1 is $bb, not within 0.1 of -2"
nu=$(get "$tmp/demo.kv" 0 nu)
holds 'a != "" && a > 0.09 && a < 0.11' "$nu" || bad "demo: nu of expert 1 is $nu, not within 0.01 of 0.1"

# temperature: 1 = truth, 2 = fixed 0.5, 3 = learned, 4 = annealed to 0.5.
run_tsv temperature
kv="$tmp/temperature.kv"
lt=$(get "$kv" 1 loglik)
for blk in 2 3 4; do
  lf=$(get "$kv" $blk loglik)
  holds 'a != "" && b != "" && b >= a - 0.01' "$lt" "$lf" \
    || bad "temperature: fit $blk log-likelihood $lf below the truth's $lt minus 0.01"
done
holds 'a == 0.5' "$(get "$kv" 2 tau)" || bad "temperature: fixed fit has tau $(get "$kv" 2 tau), not 0.5"
holds 'a == 0.5' "$(get "$kv" 4 tau)" || bad "temperature: annealed fit ends at tau $(get "$kv" 4 tau), not 0.5"
holds 'b >= a - 0.01' "$(get "$kv" 2 loglik)" "$(get "$kv" 3 loglik)" \
  || bad "temperature: the learned fit is below the fixed one"
# Only beta1/tau is identified: the learned fit may move tau, not the ratio.
holds 'a != "" && b != "" && (a - b) / b < 1e-3 && (b - a) / b < 1e-3' \
  "$(get "$kv" 3 ratio)" "$(get "$kv" 2 ratio)" \
  || bad "temperature: beta1/tau learned $(get "$kv" 3 ratio) differs from fixed $(get "$kv" 2 ratio) by 0.1% or more"

# activation: 1 = truth (tanh gate), 2 = identity fit, 3 = tanh fit.
run_tsv activation
kv="$tmp/activation.kv"
lt=$(get "$kv" 1 loglik)
li=$(get "$kv" 2 loglik)
lh=$(get "$kv" 3 loglik)
holds 'a != "" && b != "" && b >= a - 0.01' "$lt" "$lh" \
  || bad "activation: tanh fit log-likelihood $lh below the truth's $lt minus 0.01"
holds 'a != "" && b != "" && b > a + 5' "$li" "$lh" \
  || bad "activation: tanh fit $lh is not clearly (by 5) above the misspecified identity fit $li"

if [ "$fail" -gt 0 ]; then
  echo "$fail check(s) failed"
  exit 1
fi
echo "examples: all checks passed"
exit 0
