#!/bin/sh
# Benchmark 2: a full fit by gmoe and by R's flexmix on the same CSV files.
# usage: bench/flexmix.sh [GMOE]     (default: build/src/gmoe)
# Installs R and flexmix (Debian r-cran-flexmix) when missing and root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
gmoe=${1:-$here/../build/src/gmoe}
if ! Rscript -e 'library(flexmix)' >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq r-cran-flexmix >/dev/null
    else
        echo "bench: needs R's flexmix: sudo apt-get install r-cran-flexmix" >&2; exit 1
    fi
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf 'n\tk\tgmoe_s\tflexmix_s\tratio\tgmoe_loglik\tflexmix_loglik\tdiff\tgmoe_iter\tflexmix_iter\n'
for k in 2 3; do
    for n in 1000 10000 100000; do
        f=$tmp/d-$n-$k.csv
        "$gmoe" -q -n -e "set seed 7; truth k $k; set n $n; simulate; save data $f"
        # gmoe: k-means start, best of 3 restarts; time is the whole fit.
        g=$("$gmoe" -n -e "load $f; set k $k; set init kmeans; set restarts 3; set maxiter 1000; set tol 1e-8; format tsv; fit" | tail -n 1)
        gl=$(echo "$g" | cut -f1); gi=$(echo "$g" | cut -f2); gs=$(echo "$g" | cut -f4)
        r=$(Rscript "$here/flexmix.R" "$f" "$k")
        fs=$(echo "$r" | cut -f1); fl=$(echo "$r" | cut -f2); fi_=$(echo "$r" | cut -f3)
        awk -v n=$n -v k=$k -v gs=$gs -v fs=$fs -v gl=$gl -v fl=$fl -v gi=$gi -v fi=$fi_ 'BEGIN {
            printf "%d\t%d\t%.4f\t%.3f\t%.0f\t%.4f\t%.4f\t%+.4f\t%d\t%d\n", n, k, gs, fs, fs / gs, gl, fl, gl - fl, gi, fi }'
    done
done
