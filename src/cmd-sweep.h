/* cmd-sweep.h: rate-experiment output that other command files call.
 *
 * `show sweep`, `show rate` and `save sweep` are items of the `show` and
 * `save` commands; their handlers live in cmd-sweep.c beside `sweep`,
 * `compare` and `check`.
 */
#ifndef GMOE_CMD_SWEEP_H
#define GMOE_CMD_SWEEP_H

#include <stdio.h>

struct gmoe_session;

/* Print per sample size the mean and standard deviation of each error of
 * the session's sweep (tsv: one header line); -1 after an error. */
int gmoe_cmd_show_sweep(struct gmoe_session *s);

/* Print for each error the rate line's slope, its 95% confidence interval
 * and the number of sizes used (tsv columns quantity slope ci_low ci_high
 * sizes); -1 after an error. */
int gmoe_cmd_show_rate(struct gmoe_session *s);

/* Write every finished replicate's row of the session's sweep to path
 * (CSV); -1 after an error. */
int gmoe_cmd_save_sweep(struct gmoe_session *s, const char *path);

#endif
