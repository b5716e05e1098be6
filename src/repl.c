/* repl.c: a minimal prompt (no line editing) that keeps gmoe usable on a
 * terminal until the readline REPL replaces this file. */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include "cmd.h"
#include "repl.h"

/* Read commands at a "gmoe> " prompt until quit or end of input. */
int
gmoe_repl_run(gmoe_session *s)
{
  char *line = NULL;
  size_t cap = 0;
  ssize_t got;
  s->src = NULL;
  for (;;) {
    fputs("gmoe> ", stdout);
    fflush(stdout);
    got = getline(&line, &cap, stdin);
    if (got < 0) {
      fputc('\n', stdout);
      break;
    }
    if (gmoe_cmd_run_line(s, line) == 1)
      break;
  }
  free(line);
  return 0;
}
