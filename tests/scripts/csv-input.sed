# Mask what depends on the EM details and the clock.
s/converged after [0-9]+ iterations?/converged after N iterations/
s/ in [0-9.e+-]+ s/ in T s/
s/^(  log-likelihood  ).*/\1L/
s/^(  BIC             ).*/\1B/
