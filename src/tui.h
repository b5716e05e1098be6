/* tui.h: the live view of a fit (ncurses), attached through session hooks. */
#ifndef GMOE_TUI_H
#define GMOE_TUI_H

#include "session.h"

/* Attach the live view to s when standard output is a terminal (sets
 * s->fit_begin, s->fit_hook and s->fit_end); a no-op otherwise. */
void gmoe_tui_attach(gmoe_session *s);

#endif
