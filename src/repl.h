/* repl.h: the interactive face (GNU readline prompt). */
#ifndef GMOE_REPL_H
#define GMOE_REPL_H

#include "session.h"

/* Run the interactive prompt on the terminal until quit, exit or Ctrl-D;
 * history is loaded before and saved after on every exit path.  Returns
 * the process exit status (0). */
int gmoe_repl_run(gmoe_session *s);

#endif
