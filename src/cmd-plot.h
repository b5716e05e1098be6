/* cmd-plot.h: the `set` parameters of plots (their entries live in the
 * parameter table of cmd-set.c) and the helpers other commands share to
 * print a plot. */
#ifndef GMOE_CMD_PLOT_H
#define GMOE_CMD_PLOT_H

#include <stdio.h>
#include "plot.h"

struct gmoe_session;

extern const char *const gmoe_plot_charset_words[];  /* ascii, unicode */
extern const char *const gmoe_plot_size_words[];     /* auto */

/* `set plotsize W H | auto` and its current value. */
int gmoe_set_plotsize(struct gmoe_session *s, int argc, char **argv);
void gmoe_show_plotsize(struct gmoe_session *s, FILE *out);

/* The size plots are drawn at: `set plotsize`, else the terminal's (one
 * row left for the prompt), else 80x24. */
void gmoe_cmd_plot_size(const struct gmoe_session *s, size_t *w, size_t *h);

/* Render p at the session's plot size and charset and print it to s->out,
 * in colour when the session allows it; returns 0 or -1 after
 * gmoe_cmd_error. */
int gmoe_cmd_plot_print(struct gmoe_session *s, const gmoe_plot *p);

/* The charset and colour a new session starts with: Unicode when the
 * locale's codeset is UTF-8 (after setlocale(LC_CTYPE, "")), colour when
 * standard output is a terminal and NO_COLOR is unset or empty. */
int gmoe_cmd_plot_default_unicode(void);
int gmoe_cmd_plot_default_color(void);

#endif
