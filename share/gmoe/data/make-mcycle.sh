#!/bin/sh
# make-mcycle.sh: write mcycle.csv from the mcycle data frame of the R
# package MASS (Debian package r-cran-mass), as two columns with a header:
# times (ms after impact) and accel (head acceleration in g).
#
# Usage: sh make-mcycle.sh [OUTPUT]   (default: mcycle.csv beside this script)
set -e
out=${1:-$(dirname "$0")/mcycle.csv}
command -v Rscript >/dev/null || { echo "make-mcycle.sh: Rscript not found (apt-get install r-cran-mass)" >&2; exit 1; }
Rscript --vanilla -e '
  suppressPackageStartupMessages(library(MASS))
  stopifnot(nrow(mcycle) == 133, identical(names(mcycle), c("times", "accel")))
  write.table(mcycle, stdout(), sep = ",", quote = FALSE, row.names = FALSE)
' >"$out.tmp"
mv "$out.tmp" "$out"
