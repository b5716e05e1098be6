# Mask what depends on the EM details and the clock.
s/converged after [0-9]+ iterations?/converged after N iterations/
s/ in [0-9.e+-]+ s/ in T s/
s/^(  log-likelihood  ).*/\1L/
s/^(  BIC             ).*/\1B/
s/^-?[0-9][0-9.e+-]*\t([0-9]+)\tyes\t[0-9.e+-]+\t/L\tN\tyes\tT\t/
s/^-?[0-9][0-9.e+-]*\t([0-9]+)\t(no|interrupted)\t[0-9.e+-]+\t/L\t\1\t\2\tT\t/
s/\t-?[0-9][0-9.e+-]*$/\tB/
s/best of 3 restarts: number [0-9]/best of 3 restarts: number R/
/^fitted parameters/,$ s/ +/ /g
/^fitted parameters/,$ s/^ ([0-9]+) .*/ \1 (values)/
