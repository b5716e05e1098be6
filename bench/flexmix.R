# Fit the identity-gate, tau = 1 mixture of experts with flexmix on one CSV
# file and print: seconds, log-likelihood, iterations, components kept.
# usage: Rscript flexmix.R FILE.csv K
suppressPackageStartupMessages(library(flexmix))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
k <- as.integer(args[2])
set.seed(1)
t <- system.time(
  m <- flexmix(y ~ x1, data = d, k = k, concomitant = FLXPmultinom(~ x1),
               control = list(iter.max = 1000, tolerance = 1e-8, minprior = 0))
)[["elapsed"]]
cat(sprintf("%.6f\t%.10g\t%d\t%d\n", t, as.numeric(logLik(m)), m@iter, length(m@size)))
