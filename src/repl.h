/* repl.h: the interactive face (GNU readline prompt). */
#ifndef GMOE_REPL_H
#define GMOE_REPL_H

#include <stdio.h>
#include "session.h"

/* Run the interactive prompt on the terminal until quit, exit or Ctrl-D;
 * history is loaded before and saved after on every exit path.  Returns
 * the process exit status (0). */
int gmoe_repl_run(gmoe_session *s);

/* Print every command name and alias of gmoe_cmd_table, one per line
 * (`gmoe --list-commands`, read by the man-page test). */
void gmoe_repl_list_commands(FILE *out);

/* Print every `set` parameter name, one per line (`gmoe --list-params`). */
void gmoe_repl_list_params(FILE *out);

/* Print "COMMAND WORD" for each completion word of each command and
 * "set PARAM VALUE" for each parameter value (`gmoe --list-words`). */
void gmoe_repl_list_words(FILE *out);

#endif
