#!/bin/sh
# numeric.sh: numerical trouble through the gmoe binary, handled and
# reported, never passed on as NaN or inf:
#  - an expert that collapses on two points: the variance floor binds and
#    the report says so; the expert's variance is the floor, 1e-6 var(y);
#  - an expert that loses all responsibility: reported, its values finite;
#  - temperatures down to 1e-300 and gate scores beyond the range of double:
#    the log-likelihood EM reports equals the one computed directly
#    (relative 1e-9), and saturated gates that overflow give the same data
#    and log-likelihood as merely huge ones (exactly);
#  - a gate that starts saturated with a constant input (Newton steps far
#    too long): the fit still reaches the two-cluster optimum;
#  - every fit's trace never decreases (relative 1e-12);
#  - the iteration limit is reported as such.
# Every output is searched for NaN and inf.

. "${top_srcdir:-.}/tests/lib.sh"
scratch numeric

# run NAME COMMANDS: run gmoe; a failure or a NaN or inf in its output
# fails NAME.
run() {
  HOME="$tmp" $GMOE_WRAPPER "$GMOE" -n -q -e "$2" >out 2>err </dev/null
  st=$?
  if [ $st != 0 ]; then echo "FAIL: $1: exit status $st"; cat err; fail=$((fail + 1)); return 1; fi
  if grep -Eiw 'nan|-nan|inf|-inf|infinity' out err >/dev/null; then
    echo "FAIL: $1: NaN or inf in the output:"; cat out err; fail=$((fail + 1)); return 1
  fi
  return 0
}

# monotone NAME FILE: the log-likelihood column of a trace never falls.
monotone() {
  awk -F, 'NR > 2 && $2 < prev - 1e-12 * (prev < 0 ? -prev : prev) {
      printf "iteration %s: %.17g after %.17g\n", $1, $2, prev; bad = 1 }
    NR > 1 { prev = $2 } END { exit bad }' "$2"
  result "$1: the log-likelihood never decreases" $?
}

# same NAME A B TOL: numbers A and B agree within relative TOL.
same() {
  awk -v a="$2" -v b="$3" -v tol="$4" 'BEGIN {
    d = a - b; if (d < 0) d = -d; m = a < 0 ? -a : a
    if (!(d <= tol * m)) { printf "%s and %s differ\n", a, b; exit 1 } }'
  result "$1" $?
}

# An expert collapsing on two points (y = 10 at x = 0.3 and 0.7) far from
# a noisy line: a line through them has no residual, so its variance
# falls to the floor, 1e-6 times the (population) variance of y.
awk 'BEGIN { print "x,y"; for (i = 0; i < 60; i++) printf "%.4f,%.4f\n", i / 60, i / 60 + 0.3 * ((i * 37 % 61) / 61 - 0.5)
  print "0.3,10"; print "0.7,10" }' >collapse.csv
if run "collapse" "load collapse.csv; set k 3; truth k 3; truth expert 1 b 0 a 1; truth expert 2 b 0 a 1
    truth expert 3 b 10 a 0 nu 1; set init truth; fit; save trace collapse-trace.csv; format tsv; show params"; then
  grep -q '^  note: the variance floor binds for 1 expert$' out
  result "collapse: the report says the floor binds" $?
  nu=$(awk -F '\t' '$1 == 3 { print $NF }' out)
  b=$(awk -F '\t' '$1 == 3 { print $(NF - 1) }' out)
  floor=$(awk -F, 'NR > 1 { s += $2; ss += $2 * $2; n++ } END { printf "%.17g", 1e-6 * (ss / n - (s / n) ^ 2) }' collapse.csv)
  same "collapse: the variance of expert 3 is the floor" "$nu" "$floor" 1e-6
  same "collapse: expert 3 sits on the two points" "$b" 10 1e-9
  monotone "collapse" collapse-trace.csv
fi

# An expert losing all responsibility: with tau = 1e-12 the true gate sends
# every x > 0 to expert 1, so expert 2 gets nothing.
if run "empty expert" "truth temperature 1e-12; set temperature 1e-12; simulate; fit; show params
    format tsv; show fit; loglik params; save trace empty-trace.csv"; then
  grep -q '^  note: 1 expert has no responsibility left (its parameters are kept as they were)$' out
  result "empty expert: reported" $?
  ll_fit=$(awk -F '\t' '$3 == "yes" || $3 == "no" { print $1 }' out)
  ll_direct=$(tail -n 1 out)
  same "empty expert: EM's log-likelihood is the direct one" "$ll_fit" "$ll_direct" 1e-9
  monotone "empty expert" empty-trace.csv
fi

# Temperatures towards 0 on data drawn at tau = 1: the gate scores reach
# 4e300, and the log-likelihood EM reports must stay the direct one.
for tau in 1e-6 1e-12 1e-100 1e-300; do
  if run "tau $tau" "set temperature $tau; simulate; fit; format tsv; show fit; loglik params
      save trace tau-trace.csv"; then
    ll_fit=$(awk -F '\t' '$3 == "yes" || $3 == "no" { print $1 }' out)
    same "tau $tau: EM's log-likelihood is the direct one" "$ll_fit" "$(tail -n 1 out)" 1e-9
    monotone "tau $tau" tau-trace.csv
  fi
done
if run "learned tau from 1e-12" "set temperature learn 1e-12; simulate; fit; save trace learn-trace.csv"; then
  monotone "learned tau from 1e-12" learn-trace.csv
fi

# Gate scores beyond the range of double: beta1 = 1e308 on two inputs
# overflows beta1'x, and so does 4 x / tau for tau = 5e-324.  They must draw
# the same data as gates that are merely saturated, and give the same
# log-likelihood to the digit.
if run "overflowing scores" "set d 2; truth expert 1 beta1 1e308,1e308; simulate; format tsv; show data; loglik truth"; then
  mv out overflow.out
  if run "saturated scores" "set d 2; truth expert 1 beta1 1e300,1e300; simulate; format tsv; show data; loglik truth"; then
    cmp -s overflow.out out
    result "overflowing gate scores draw and score like saturated ones" $?
  fi
fi
if run "tau 5e-324" "truth temperature 5e-324; simulate; format tsv; show data; loglik truth"; then
  mv out tiny.out
  if run "tau 1e-300" "truth temperature 1e-300; simulate; format tsv; show data; loglik truth"; then
    cmp -s tiny.out out
    result "tau = 5e-324 draws and scores like tau = 1e-300" $?
  fi
fi

# A constant input with a gate that starts saturated (weights 0.996 and
# 0.004 against two equal clusters): Newton steps overshoot by far, yet the
# fit must reach the two-cluster optimum.  Its log-likelihood is at least
# that of the clusters' own means and variances with weights 1/2, and at
# most 0.01 above it.
awk 'BEGIN { print "dose,response"; for (i = 0; i < 40; i++) printf "1.5,%.3f\n", (i * 7919 % 40) / 40 + (i % 2) * 2 }' >constant-x.csv
if run "constant input" "load constant-x.csv; fit; format tsv; show fit; save trace cx-trace.csv"; then
  ll_fit=$(awk -F '\t' '$3 == "yes" || $3 == "no" { print $1 }' out)
  awk -F, -v ll="$ll_fit" 'NR > 1 { v[NR] = $2; c = ($2 >= 1.5); s[c] += $2; ss[c] += $2 * $2; n[c]++ }
    END {
      pi = atan2(0, -1)
      for (c = 0; c < 2; c++) { m[c] = s[c] / n[c]; w[c] = ss[c] / n[c] - m[c] ^ 2 }
      for (t in v) {
        p = 0
        for (c = 0; c < 2; c++) p += 0.5 * exp(-(v[t] - m[c]) ^ 2 / (2 * w[c])) / sqrt(2 * pi * w[c])
        l += log(p)
      }
      if (!(ll >= l - 1e-6 && ll <= l + 0.01)) { printf "fit %s, clusters %.10g\n", ll, l; exit 1 }
    }' constant-x.csv
  result "constant input: the fit reaches the two-cluster optimum" $?
  monotone "constant input" cx-trace.csv
fi

# The iteration limit is reported as such.
if run "maxiter" "set maxiter 2; set init random; simulate; fit"; then
  grep -q "^fit: not converged: stopped at the limit of 2 iterations in .* s (raise it with 'set maxiter')$" out
  result "maxiter: the report says the limit stopped the fit" $?
fi

report
