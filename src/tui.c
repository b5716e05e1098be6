/* tui.c: the live view of a fit; until the ncurses view replaces this
 * file, fits run without one. */
#include <config.h>
#include "tui.h"

/* Attach the live view to s (none yet: the hooks stay unset). */
void
gmoe_tui_attach(gmoe_session *s)
{
  (void)s;
}
