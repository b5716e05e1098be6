/* cmd-select.h: model selection over k (`select`, `show select`, `plot
 * select`) and the `standardize` setting, shared with the command files
 * that reach them (cmd-show.c, cmd-plot.c, cmd-set.c, cmd-fit.c). */
#ifndef GMOE_CMD_SELECT_H
#define GMOE_CMD_SELECT_H

#include <stdio.h>

struct gmoe_session;

extern const char *const gmoe_standardize_words[];   /* off, on */

/* Print the table of the last `select` (`show select`); -1 with a message
 * when there is none. */
int gmoe_cmd_show_select(struct gmoe_session *s);

/* Draw BIC and AIC against k for the last `select` (`plot select`). */
int gmoe_cmd_plot_select(struct gmoe_session *s, int argc, char **argv);

/* Print the note of the fit report about standardised inputs (nothing
 * when the last fit used the original inputs). */
void gmoe_cmd_fit_scale_note(struct gmoe_session *s);

#endif
