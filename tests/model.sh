#!/bin/sh
# model.sh: `save model` / `load model` round trips exactly across
# processes (settings, truth, fit and the log-likelihood of the fitted
# parameters on the regenerated data), a file saved again after loading is
# byte-identical, and a save that fails leaves no file behind.

. "${top_srcdir:-.}/tests/lib.sh"
scratch model
HOME=$tmp
export HOME

setup='set n 3000; set seed 5; set k 3; truth k 3; truth activation tanh; set activation tanh'
setup="$setup; set temperature learn 1.5; set maxiter 200; set tol 1e-10; set restarts 2"
show='loglik params; loglik truth; show params; show truth; show settings; show fit'

"$GMOE" -n -q -e "$setup; format tsv; simulate; fit" -e 'save model first.gmoe-model' \
  -e "$show" >a 2>err </dev/null
result "first run (status $?): $(cat err)" $?
"$GMOE" -n -q -e 'load model first.gmoe-model; format tsv; simulate; show fit' -e "$show" \
  -e 'save model second.gmoe-model' >b 2>err </dev/null
result "second run (status $?): $(cat err)" $?
diff -u a b >diff
result "outputs after load model differ: $(cat diff)" $?
cmp first.gmoe-model second.gmoe-model >/dev/null
result "a model file saved again after loading differs" $?
grep -q '^temperature learn 1.5$' first.gmoe-model && grep -q '^restarts 2$' first.gmoe-model \
  && grep -q '^params k 3 d 1 activation tanh tau ' first.gmoe-model \
  && grep -q '^fit loglik .* temperature learn$' first.gmoe-model && [ "$(tail -n 1 first.gmoe-model)" = end ]
result "model file contents" $?

# The learned temperature counts as a parameter: BIC = -2 L + p log n with
# p = (k-1)(d+1) + k(d+2) + 1 = 14.
awk -F '\t' '$1 == "loglik" && !done { getline; done = 1
  bic = -2 * $1 + 14 * log(3000); d = $7 - bic; if (d < 0) d = -d; exit !(d < 1e-6 * (1 + $7)) }' a
result "BIC with a learned temperature" $?

# A failing save (the target is a directory) leaves no temporary file.
mkdir target
"$GMOE" -n -q -e 'save model target' >out 2>err </dev/null
st=$?
[ $st = 1 ] && [ "$(cat err)" = "gmoe: -e:1: save model: cannot write 'target': Is a directory" ] \
  && [ -z "$(ls -A target)" ] && [ "$(ls | grep -c tmp)" = 0 ]
result "failed save leaves nothing behind (status $st, $(cat err))" $?

# Saving over an existing model replaces it whole.
"$GMOE" -n -q -e 'save model first.gmoe-model' >out 2>err </dev/null
result "save over an existing file" $?
grep -q '^params' first.gmoe-model
[ $? = 1 ] && [ "$(tail -n 1 first.gmoe-model)" = end ]
result "the replaced file has no fit and is complete" $?

# save trace: the header names every flat parameter, one row per iteration
# from 0 to the reported count, the log-likelihood never decreases and the
# last row is the reported fit.
"$GMOE" -n -q -e 'set d 2; set n 800; set seed 3; simulate; format tsv; fit; save trace trace.csv' \
  >fit.tsv 2>err </dev/null
result "trace run (status $?): $(cat err)" $?
[ "$(head -n 1 trace.csv)" = "iteration,loglik,tau,beta0_1,beta1_1_1,beta1_1_2,a_1_1,a_1_2,b_1,nu_1,beta0_2,beta1_2_1,beta1_2_2,a_2_1,a_2_2,b_2,nu_2" ]
result "trace header: $(head -n 1 trace.csv)" $?
awk -F '\t' 'NR == 2 { print $1, $2 }' fit.tsv >fit.txt
awk -F , -v want="$(cat fit.txt)" '
  BEGIN { split(want, w, " ") }
  NR == 1 { next }
  { if (NF != 17 || $1 != NR - 2) bad = 1
    if (NR > 2 && $2 < prev - 1e-9 * (prev < 0 ? -prev : prev)) bad = 1
    prev = $2; last = $1; ll = $2 }
  END { d = ll - w[1]; if (d < 0) d = -d
        exit !(!bad && last == w[2] && d <= 1e-9 * (ll < 0 ? -ll : ll)) }' trace.csv
result "trace rows against the fit ($(cat fit.txt))" $?

report
