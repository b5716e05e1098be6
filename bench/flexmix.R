# Fit the identity-gate, tau = 1 mixture of experts with flexmix on one CSV
# file and print: seconds, log-likelihood, iterations, components kept.
# usage: Rscript flexmix.R FILE.csv K [TIMES [NREP]]
# The fit is flexmix(y ~ x1, k = K, concomitant = FLXPmultinom(~ x1)) with
# flexmix's own random initialisation, the convergence tolerance 1e-8
# (relative change of the log-likelihood, as gmoe's tol), at most 1000
# iterations and no components dropped (minprior = 0).  With NREP > 1 it is
# stepFlexmix(..., nrep = NREP), the best of NREP such fits.  The fit is
# timed TIMES times (default 3) from the same seed; the fastest time is
# printed (the machine is shared, and other processes only slow a run).
suppressPackageStartupMessages(library(flexmix))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
k <- as.integer(args[2])
times <- if (length(args) >= 3) as.integer(args[3]) else 3L
nrep <- if (length(args) >= 4) as.integer(args[4]) else 1L
ctrl <- list(iter.max = 1000, tolerance = 1e-8, minprior = 0)
best <- Inf
for (i in seq_len(times)) {
  set.seed(1)
  t <- system.time(
    m <- if (nrep > 1)
      stepFlexmix(y ~ x1, data = d, k = k, nrep = nrep, verbose = FALSE,
                  concomitant = FLXPmultinom(~ x1), control = ctrl)
    else
      flexmix(y ~ x1, data = d, k = k, concomitant = FLXPmultinom(~ x1), control = ctrl)
  )[["elapsed"]]
  best <- min(best, t)
}
cat(sprintf("%.6f\t%.10g\t%d\t%d\n", best, as.numeric(logLik(m)), m@iter, length(m@size)))
