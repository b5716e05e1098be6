#!/bin/sh
# input-limits.sh: inputs at the edges, made in a temporary directory and
# fed to the gmoe binary: lines of more than a megabyte (in a CSV file and
# in a script), a CSV file of 10^7 rows, and binary input (endless zero
# bytes) wherever gmoe reads a file, which must be refused at once with a
# message rather than read until memory runs out.  Each case checks the
# exact output or message and the exit status.
#
# GMOE_BIG_ROWS changes the row count of the large file (default 10000000;
# reading it takes about 1.5 s here, writing it about 2 s).

. "${top_srcdir:-.}/tests/lib.sh"
rows=${GMOE_BIG_ROWS:-10000000}
scratch limits

# Compare standard output with want.out field by field: numbers within a
# relative 1e-9 (the summaries print 10 digits), other text exactly; on a
# match want.out is replaced by out so that check() compares the rest.
numeric_out() {
  if awk -F '\t' 'NR == FNR { for (i = 1; i <= NF; i++) w[FNR, i] = $i; nf[FNR] = NF; nw = FNR; next }
    {
      if (NF != nf[FNR]) exit 1
      for (i = 1; i <= NF; i++) {
        a = w[FNR, i]; b = $i
        if (a ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/ && b ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/) {
          d = a - b; if (d < 0) d = -d; m = a < 0 ? -a : a
          if (d > 1e-9 * m) exit 1
        } else if (a != b) exit 1
      }
      n = FNR
    }
    END { if (n != nw) exit 1 }' want.out out; then
    cp out want.out
  fi
}

# run ARGS...: run gmoe (at most 60 s) with output in out and err.
run() {
  HOME="$tmp" timeout 60 $GMOE_WRAPPER "$GMOE" -n -q "$@" >out 2>err </dev/null
  status=$?
}

# A CSV line of 1.2 MB: 100000 columns, of which two inputs and y are
# chosen by name.
awk 'BEGIN {
  for (j = 1; j <= 100000; j++) printf "%sc%d", (j > 1 ? "," : ""), j; printf "\n"
  for (r = 0; r < 2; r++) {
    for (j = 1; j <= 100000; j++) printf "%s%.9f", (j > 1 ? "," : ""), j / 100000 + r; printf "\n"
  }
}' >wide.csv
run -e 'load wide.csv y=c100000 x=c1,c77777; format tsv; show data'
printf 'column\tmin\tmean\tmax\tsd\nc1\t1e-05\t0.50001\t1.00001\t%s\nc77777\t0.77777\t1.27777\t1.77777\t%s\nc100000\t1\t1.5\t2\t%s\n' \
  0.7071067812 0.7071067812 0.7071067812 >want.out
: >want.err
numeric_out
check "a 1.2 MB line of 100000 columns" 0

# One cell of a million digits: a number, then text.
awk 'BEGIN { printf "x,y\n0."; for (i = 0; i < 1000000; i++) printf "0"; printf "25,2\n1,3\n" }' >longcell.csv
run -e 'load longcell.csv; format tsv; show data'
printf 'column\tmin\tmean\tmax\tsd\nx\t0\t0.5\t1\t0.7071067812\ny\t2\t2.5\t3\t0.7071067812\n' >want.out
numeric_out
check "a cell of a million digits" 0
awk 'BEGIN { printf "x,y\n1,"; for (i = 0; i < 1000000; i++) printf "%d", i % 10; printf "z\n" }' >textcell.csv
run -e 'load textcell.csv'
: >want.out
echo "gmoe: -e:1: load: textcell.csv:2: column 2 ('y'): '0123456789012345678901234567890123456789...' is not a number" >want.err
check "a cell of a million characters that is not a number" 1

# A script line of a megabyte.
awk 'BEGIN { printf "echo "; for (i = 0; i < 1048576; i++) printf "%d", i % 10; printf "\n" }' >long.gmoe
run long.gmoe
sed -n '1s/^echo //p' long.gmoe >want.out
: >want.err
check "a script line of a megabyte" 0

# 10^7 rows (GMOE_BIG_ROWS): x cycles through 0..999, y through 0..6.
awk -v rows="$rows" 'BEGIN { print "x,y"; for (i = 0; i < rows; i++) printf "%d,%d\n", i % 1000, i % 7 }' >big.csv
run -e 'load big.csv; format tsv; show data'
awk -v rows="$rows" 'BEGIN {
  # Exact mean and sample standard deviation of the cycles, for any row count.
  for (c = 0; c < 2; c++) {
    m = c ? 7 : 1000; s = 0; ss = 0
    for (v = 0; v < m; v++) { cnt = int(rows / m) + (v < rows % m ? 1 : 0); s += cnt * v; ss += cnt * v * v }
    mean[c] = s / rows; sd[c] = sqrt((ss - s * s / rows) / (rows - 1)); max[c] = rows < m ? rows - 1 : m - 1
  }
  printf "column\tmin\tmean\tmax\tsd\n"
  printf "x\t0\t%.10g\t%d\t%.10g\ny\t0\t%.10g\t%d\t%.10g\n", mean[0], max[0], sd[0], mean[1], max[1], sd[1]
}' >want.out
numeric_out
check "$rows rows" 0
rm -f big.csv

# Endless zero bytes: each reader stops at the first NUL.
: >want.out
run -e 'load /dev/zero'
echo "gmoe: -e:1: load: /dev/zero:1: contains a NUL byte (not a text file?)" >want.err
check "load /dev/zero" 1
run -e 'load model /dev/zero'
echo "gmoe: -e:1: load model: /dev/zero: not a gmoe model file" >want.err
check "load model /dev/zero" 1
run -e 'sweep merge /dev/zero'
echo "gmoe: -e:1: sweep merge: /dev/zero: not a gmoe sweep file (its first line should be '# gmoe sweep 1')" >want.err
check "sweep merge /dev/zero" 1
run -e 'source /dev/zero'
echo "gmoe: /dev/zero:1: contains a NUL byte (not a text file?)" >want.err
check "source /dev/zero" 1
HOME="$tmp" timeout 60 $GMOE_WRAPPER "$GMOE" -n -q - >out 2>err </dev/zero
status=$?
echo "gmoe: stdin:1: contains a NUL byte (not a text file?)" >want.err
check "commands from /dev/zero on standard input" 1
printf 'echo before\n\000echo after\n' >nul.gmoe
run nul.gmoe
echo before >want.out
echo "gmoe: nul.gmoe:2: contains a NUL byte (not a text file?)" >want.err
check "a script with a NUL byte stops there" 1

report
