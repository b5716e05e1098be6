#!/bin/sh
# recovery.sh: simulate and fit through the command language and check,
# with stated tolerances, that the fitted parameters are close to the truth
# and that the fitted log-likelihood is at least the truth's.
#
# Tolerances (absolute, n = 20000, well separated experts): beta0 0.15,
# beta1 0.3 for the identity gate and 1.0 for saturating gates (whose
# slopes are less well determined: over seeds 1-6 their standard deviation
# is about 0.3), a 0.05, b 0.05, nu 0.01; tau is fixed at the truth's value.

. "${top_srcdir:-.}/tests/lib.sh"
scratch recovery

# recover NAME SETUP BETA1_TOL: run SETUP, simulate, fit, and compare.
recover() {
  name=$1
  tol_beta1=$3
  if ! HOME="$tmp" "$GMOE" -n -q -e "$2; set n 20000; simulate; fit; format tsv" \
        -e 'echo TRUTH; show truth; echo PARAMS; show params' \
        -e 'echo LOGLIK; loglik truth; loglik params; echo FIT; show fit' >out 2>err </dev/null; then
    echo "FAIL: $name: gmoe failed:"; cat err; fail=$((fail + 1)); return
  fi
  if awk -v name="$name" -v tol_beta1="$tol_beta1" '
    /^(TRUTH|PARAMS|LOGLIK|FIT)$/ { part = $1; next }
    part == "TRUTH" && $1 == "expert" { for (c = 1; c <= NF; c++) col[c] = $c; ncol = NF; next }
    part == "TRUTH" { for (c = 2; c <= NF; c++) truth[$1, c] = $c; k = $1; next }
    part == "PARAMS" && $1 != "expert" { for (c = 2; c <= NF; c++) fit[$1, c] = $c; next }
    part == "LOGLIK" { ll[++nll] = $1; next }
    part == "FIT" && $1 != "loglik" { conv = $3 }
    END {
      tol["beta0"] = 0.15; tol["beta1"] = tol_beta1; tol["a"] = 0.05; tol["b"] = 0.05
      tol["nu"] = 0.01; tol["tau"] = 1e-12
      bad = 0
      for (i = 1; i <= k; i++)
        for (c = 2; c <= ncol; c++) {
          g = col[c]; sub(/_[0-9]+$/, "", g)
          diff = fit[i, c] - truth[i, c]; if (diff < 0) diff = -diff
          if (!((i, c) in fit) || diff > tol[g]) {
            printf "FAIL: %s: expert %d %s = %s, truth %s (tolerance %s)\n", name, i, col[c], fit[i, c], truth[i, c], tol[g]
            bad = 1
          }
        }
      if (nll != 2 || ll[2] < ll[1]) {
        printf "FAIL: %s: fitted log-likelihood %s below the truth'"'"'s %s\n", name, ll[2], ll[1]; bad = 1
      }
      if (conv != "yes") { printf "FAIL: %s: converged = %s\n", name, conv; bad = 1 }
      exit bad
    }' out; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
  fi
}

recover "k=2 d=1 identity" "set seed 11" 0.3
recover "k=2 d=2 tanh" "set seed 12; set d 2; truth activation tanh; set activation tanh" 1.0
recover "k=3 d=1 identity" "set seed 13; set k 3; truth k 3" 0.3
recover "k=2 d=1 sigmoid, tau 0.5" \
  "set seed 14; truth activation sigmoid; set activation sigmoid; truth temperature 0.5; set temperature 0.5" 1.0

report
