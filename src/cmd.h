/* cmd.h: the command language shared by scripts and the REPL.
 *
 * One table (gmoe_cmd_table) describes every command: dispatch, `help`,
 * tab completion and the man-page test all read it.  The `set` parameters
 * have their own table (gmoe_param_table) for the same purposes.
 */
#ifndef GMOE_CMD_H
#define GMOE_CMD_H

#include <stdio.h>

struct gmoe_session;

/* A command handler: argv[0] is the command name; returns 0 on success or
 * -1 after calling gmoe_cmd_error (the runner prints the message). */
typedef int (*gmoe_cmd_exec_fn)(struct gmoe_session *s, int argc, char **argv);

struct gmoe_cmd {
  const char *name;
  const char *alias;               /* or NULL */
  int min_args, max_args;          /* arguments after the name; max -1: any */
  const char *usage;               /* "set NAME VALUE..." */
  const char *summary;             /* one line */
  const char *example;             /* one example line */
  const char *const *words;        /* completions of the first argument, NULL-terminated, or NULL */
  int complete_files;              /* complete file names after the first argument */
  gmoe_cmd_exec_fn exec;
};

/* One `set` parameter. */
struct gmoe_param {
  const char *name;
  const char *usage;               /* "set k N" */
  const char *summary;
  const char *const *values;       /* completions of the value, NULL-terminated, or NULL */
  int (*set)(struct gmoe_session *s, int argc, char **argv);  /* argv[0] = name */
  void (*show)(struct gmoe_session *s, FILE *out);            /* print current value */
};

extern const struct gmoe_cmd *const gmoe_cmd_table[];   /* NULL-terminated */
extern const struct gmoe_param gmoe_param_table[];      /* name NULL terminates */

/* Find a command by exact name, alias or unique prefix.  On failure returns
 * NULL and records a message in s ("unknown command 'fti' (did you mean
 * 'fit'?)", "ambiguous command 's', could be: save, set, show, ..."). */
const struct gmoe_cmd *gmoe_cmd_find(struct gmoe_session *s, const char *name);

/* Record a printf-style error for the command being run; returns -1. */
int gmoe_cmd_error(struct gmoe_session *s, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

/* Run one line (it may hold several commands separated by ';', and a '#'
 * comment).  Errors are printed to stderr as "gmoe: SRC:LINE: message".
 * Returns 0, or -1 on the first failing command (the rest are skipped),
 * or 1 when a command asked to quit. */
int gmoe_cmd_run_line(struct gmoe_session *s, const char *line);

/* Run every line of stream f named src ("-e", "stdin", a file name), with
 * line numbers from 1.  Stops at the first error when s->bail is set.
 * Returns 0, -1 on error, 1 on quit. */
int gmoe_cmd_run_stream(struct gmoe_session *s, FILE *f, const char *src);

/* Split a line into words (whitespace separated, double quotes group,
 * backslash escapes inside quotes).  Returns the word count, or -1 with a
 * message in s for an unterminated quote.  Words are freed with
 * gmoe_cmd_free_words. */
int gmoe_cmd_split(struct gmoe_session *s, const char *line, char ***words);
void gmoe_cmd_free_words(int argc, char **argv);

#endif
