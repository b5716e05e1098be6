#!/bin/sh
# sweep-rate.sh: the rates the paper predicts, measured by small sweeps.
#
# 1. tanh gate, exact-specified (k = 2, fixed temperature): the Hellinger
#    density error falls like n^-1/2.  Sweep: 6 sizes from 200 to 5000 (log
#    spaced), 20 replicates.  The replicate spread of the Hellinger error is
#    about 30% of its mean, so a 20-replicate mean is known to about 7% and
#    the slope over 6 sizes spanning log(25) = 3.2 (Sxx = 7.3) to about
#    0.07 / sqrt(7.3) = 0.025; over seeds 1-10 the slopes were -0.45 to
#    -0.52 (spread 0.022).  The band [-0.6, -0.4] is four of those standard
#    errors either side of -0.5.
# 2. identity gate with learned temperature: beta1 and tau are identified
#    only through beta1/tau.  Sweep: 8 sizes from 100 to 10000, 40
#    replicates.  Over seeds 1-10 the slope of beta1/tau was -0.46 to -0.54
#    (spread 0.025) and that of tau -0.13 to -0.18 (spread 0.016).  The test
#    asks beta1/tau's slope to be below -0.4 (four spreads from -0.5) with
#    its whole 95% interval below -0.3, tau's slope above -0.3 (nine spreads
#    from its seed mean, far from the parametric -0.5), and the two slopes
#    at least 0.2 apart.
# 3. The example share/gmoe/examples/compare.gmoe (identity and tanh gates,
#    temperature learned, 8 sizes from 1000 to 30000, 20 replicates) shows
#    the paper's headline.  Over seeds 1-5 the identity slopes of beta1 and
#    tau were -0.03 to -0.11, those of tanh -0.42 to -0.65, and beta1/tau
#    (identity) -0.43 to -0.49; the test asks identity beta1 and tau above
#    -0.25, tanh beta1 and tau below -0.3, identity beta1/tau below -0.3.

. "${top_srcdir:-.}/tests/lib.sh"

# Print field $2 (1-based, after the quantity) of quantity $1 from `show rate` tsv on stdin.
field() {
  awk -F '\t' -v q="$1" -v f="$2" '$1 == q { print $(f + 1) }'
}

# Check that awk expression $2 holds for the numbers assigned in $3; $1 names it.
assert() {
  if awk "BEGIN { $3; exit !($2) }"; then
    pass=$((pass + 1))
  else
    echo "FAIL: $1: $2 with $3"
    fail=$((fail + 1))
  fi
}

out=$("$GMOE" -n -e 'set progress off; format tsv; truth activation tanh; set activation tanh;
  sweep n from 200 to 5000 count 6 log reps 20; show rate') || { echo "FAIL: tanh sweep"; exit 1; }
h=$(printf '%s\n' "$out" | field hellinger 1)
hs=$(printf '%s\n' "$out" | field hellinger 4)
echo "tanh, exact-specified: Hellinger slope $h over $hs sizes"
assert "tanh Hellinger slope in [-0.6, -0.4]" "s >= -0.6 && s <= -0.4 && m == 6" "s = $h; m = $hs"
[ "$(printf '%s\n' "$out" | head -n 1)" = "$(printf 'quantity\tslope\tci_low\tci_high\tsizes')" ] \
  && pass=$((pass + 1)) || { echo "FAIL: show rate tsv header"; fail=$((fail + 1)); }

out=$("$GMOE" -n -e 'set progress off; format tsv; set temperature learn;
  sweep n from 100 to 10000 count 8 log reps 40; show rate') || { echo "FAIL: identity sweep"; exit 1; }
t=$(printf '%s\n' "$out" | field tau 1)
r=$(printf '%s\n' "$out" | field beta1/tau 1)
rh=$(printf '%s\n' "$out" | field beta1/tau 3)
echo "identity, learned temperature: tau slope $t, beta1/tau slope $r (95% CI up to $rh)"
assert "tau does not fall like a power of n" "t > -0.3" "t = $t"
assert "beta1/tau falls like n^-1/2" "r < -0.4 && rh < -0.3" "r = $r; rh = $rh"
assert "tau and beta1/tau slopes differ by 0.2 or more" "t - r >= 0.2" "t = $t; r = $r"

ex="${top_srcdir:-.}/share/gmoe/examples/compare.gmoe"
out=$("$GMOE" -n -e 'set progress off; format tsv' -f "$ex") || { echo "FAIL: $ex"; exit 1; }
ib=$(printf '%s\n' "$out" | field beta1 1)
it=$(printf '%s\n' "$out" | field tau 1)
ir=$(printf '%s\n' "$out" | field beta1/tau 1)
tb=$(printf '%s\n' "$out" | field beta1 5)
tt=$(printf '%s\n' "$out" | field tau 5)
echo "compare.gmoe: identity beta1 $ib, tau $it, beta1/tau $ir; tanh beta1 $tb, tau $tt"
assert "identity: beta1 and tau slopes near 0" "ib > -0.25 && it > -0.25" "ib = $ib; it = $it"
assert "identity: beta1/tau falls" "ir < -0.3" "ir = $ir"
assert "tanh: beta1 and tau fall" "tb < -0.3 && tt < -0.3" "tb = $tb; tt = $tt"

report
