#!/bin/sh
# Benchmark 2: a full fit by gmoe and by R's flexmix on the same CSV files.
#
# usage: bench/flexmix.sh [GMOE]   (default: src/gmoe of the build tree,
#                                   then build/src/gmoe)
# environment: TIMES   timed runs of each fit, fastest kept (default 3)
#              FLEXREP flexmix fits per timed run, best kept (default 1:
#                      plain flexmix(); more: stepFlexmix(nrep = FLEXREP))
#              NU      the experts' variance (default: the truth's, 0.1;
#                      1 makes the experts overlap, and EM slow)
#
# Data: gmoe's k-expert truth (`truth k K` from the default, d = 1, identity
# gate, tau = 1), n = 10^3, 10^4, 10^5, seed 7, saved as CSV.
# gmoe: `load FILE; set k K; set init kmeans; set maxiter 1000; set tol
# 1e-8; fit`: the data-driven start (one restart), SQUAREM on (the
# default), one thread.
# flexmix: flexmix(y ~ x1, k = K, concomitant = FLXPmultinom(~ x1)) with its
# random start, tolerance 1e-8 (the same relative change of the
# log-likelihood), iter.max 1000, minprior 0 (see flexmix.R).
# Times: the fit alone, without reading the file (gmoe's `seconds`, from
# the start to the converged model; flexmix's system.time of the call),
# wall clock, fastest of TIMES runs.  ratio = flexmix / gmoe; diff = gmoe's
# log-likelihood minus flexmix's.
# Installs R and flexmix (Debian r-cran-flexmix) when missing and root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ge 1 ]; then
    gmoe=$1
elif [ -x src/gmoe ]; then
    gmoe=$(pwd)/src/gmoe
elif [ -x "$here/../src/gmoe" ]; then
    gmoe=$here/../src/gmoe
else
    gmoe=$here/../build/src/gmoe
fi
[ -x "$gmoe" ] || { echo "bench: no gmoe binary at $gmoe (build first, or name it)" >&2; exit 1; }
times=${TIMES:-3}
flexrep=${FLEXREP:-1}
if ! Rscript -e 'library(flexmix)' >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq r-base-core r-cran-flexmix >/dev/null
    else
        echo "bench: needs R's flexmix: sudo apt-get install r-cran-flexmix" >&2; exit 1
    fi
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "# $("$gmoe" --version 2>/dev/null | head -n 1 || echo 'gmoe ?'), flexmix" \
    "$(Rscript -e 'cat(format(packageVersion("flexmix")))' 2>/dev/null), $(uname -m)," \
    "$(date -u +%Y-%m-%d), fastest of $times runs, flexmix best of $flexrep start(s)${NU:+, variances $NU}"
printf 'n\tk\tgmoe_s\tflexmix_s\tratio\tgmoe_loglik\tflexmix_loglik\tdiff\tgmoe_iter\tflexmix_iter\n'
for k in 2 3; do
    for n in 1000 10000 100000; do
        f=$tmp/d-$n-$k.csv
        nu=
        if [ -n "${NU:-}" ]; then
            e=1
            while [ $e -le "$k" ]; do nu="$nu truth expert $e nu $NU;"; e=$((e + 1)); done
        fi
        "$gmoe" -q -n -e "set seed 7; truth k $k;$nu set n $n; simulate; save data $f"
        gs=; gl=; gi=
        i=0
        while [ $i -lt "$times" ]; do
            g=$("$gmoe" -n -e "load $f; set k $k; set init kmeans; set maxiter 1000; set tol 1e-8; format tsv; fit" | tail -n 1)
            s=$(echo "$g" | cut -f4)
            if [ -z "$gs" ] || awk -v a="$s" -v b="$gs" 'BEGIN { exit !(a < b) }'; then gs=$s; fi
            gl=$(echo "$g" | cut -f1); gi=$(echo "$g" | cut -f2)
            i=$((i + 1))
        done
        r=$(Rscript "$here/flexmix.R" "$f" "$k" "$times" "$flexrep")
        fs=$(echo "$r" | cut -f1); fl=$(echo "$r" | cut -f2); fi_=$(echo "$r" | cut -f3)
        awk -v n=$n -v k=$k -v gs=$gs -v fs=$fs -v gl=$gl -v fl=$fl -v gi=$gi -v fi=$fi_ 'BEGIN {
            printf "%d\t%d\t%.4f\t%.3f\t%.0f\t%.4f\t%.4f\t%+.4f\t%d\t%d\n", n, k, gs, fs, fs / gs, gl, fl, gl - fl, gi, fi }'
    done
done
