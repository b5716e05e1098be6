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

#define GMOE_CMD_MAX_NAMES 256   /* most command names and aliases, and most parameters */

/* A command handler: argv[0] is the command name; returns 0 on success,
 * -1 after calling gmoe_cmd_error (the runner prints the message), or 1
 * to ask the runner to stop (quit). */
typedef int (*gmoe_cmd_exec_fn)(struct gmoe_session *s, int argc, char **argv);

struct gmoe_cmd {
  const char *name;
  const char *alias;               /* or NULL */
  int min_args, max_args;          /* arguments after the name; max -1: any */
  const char *usage;               /* "set NAME VALUE..." */
  const char *summary;             /* one line */
  const char *example;             /* one example line */
  const char *const *words;        /* completions of the first argument, NULL-terminated, or NULL
                                      (`set` completes from gmoe_param_table instead) */
  int complete_files;              /* complete file names after the first argument */
  gmoe_cmd_exec_fn exec;
};

/* How a simple `set` parameter stores its one value in the session. */
enum gmoe_param_kind {
  GMOE_PARAM_SIZE,                 /* a whole number in [min, max], a size_t */
  GMOE_PARAM_ULONG,                /* a whole number in [min, max], an unsigned long */
  GMOE_PARAM_DOUBLE,               /* a finite number, > 0 when min is 1, a double */
  GMOE_PARAM_WORD                  /* one of the parameter's values, its index as an int */
};

/* A simple `set` parameter: one field of the session, parsed and printed
 * by gmoe_param_set and gmoe_param_show from this description. */
struct gmoe_param_field {
  enum gmoe_param_kind kind;
  const char *what;                /* the name in messages */
  unsigned long long min, max;     /* bounds (whole numbers; DOUBLE: min 1 asks for > 0) */
  size_t offset;                   /* offsetof(struct gmoe_session, ...) */
  const char *hint;                /* "try 'help set'" */
};

/* One `set` parameter: either field is set (and set and show are NULL),
 * or set and show are its own functions. */
struct gmoe_param {
  const char *name;
  const char *usage;               /* "set k N" */
  const char *summary;
  const char *const *values;       /* completions of the value, NULL-terminated, or NULL */
  int min_args, max_args;          /* values after the name */
  int (*set)(struct gmoe_session *s, int argc, char **argv);  /* argv[0] = name */
  void (*show)(struct gmoe_session *s, FILE *out);            /* print current value, no newline */
  const struct gmoe_param_field *field;                       /* or NULL */
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

/* Find a `set` parameter by exact name or unique prefix; NULL with a
 * message recorded in s otherwise. */
const struct gmoe_param *gmoe_param_find(struct gmoe_session *s, const char *name);

/* Set parameter p from argv[1..argc-1] (argv[0] is its name), through its
 * field description or its own setter; returns 0, or -1 with a message
 * recorded in s and the session unchanged. */
int gmoe_param_set(struct gmoe_session *s, const struct gmoe_param *p, int argc, char **argv);

/* Print the current value of parameter p to out, without a newline. */
void gmoe_param_show(struct gmoe_session *s, const struct gmoe_param *p, FILE *out);

/* Print a command error "gmoe: SRC:LINE: COMMAND: message" (the parts
 * that are known) to stderr from s->errbuf, then clear it. */
void gmoe_cmd_print_error(struct gmoe_session *s);

/* Helpers for handlers.  Each parses str as the value of `what`, stores
 * it in *out and returns 0, or records a message naming `what`, the bad
 * text and the expected form (followed by hint, e.g. "try 'help set'",
 * when not NULL) and returns -1. */

/* A whole number in [min, max]; accepts 1e6 when it is exact. */
int gmoe_cmd_parse_count(struct gmoe_session *s, const char *what, const char *str,
                         unsigned long long min, unsigned long long max,
                         const char *hint, unsigned long long *out);
/* A finite number; with positive set, it must also be > 0. */
int gmoe_cmd_parse_double(struct gmoe_session *s, const char *what, const char *str,
                          int positive, const char *hint, double *out);
/* A comma-separated list of exactly len finite numbers. */
int gmoe_cmd_parse_list(struct gmoe_session *s, const char *what, const char *str, size_t len,
                        const char *hint, double *out);
/* Check that a data set of n observations with d inputs fits in this
 * machine's physical memory, before allocating it; records "n = N would
 * need SIZE of memory for the data alone, more than this machine has". */
int gmoe_cmd_check_memory(struct gmoe_session *s, size_t n, size_t d);
/* Format a byte count as "12.3 MiB" (B, KiB, MiB, GiB, TiB, PiB, EiB). */
void gmoe_cmd_format_bytes(double bytes, char *buf, size_t len);
/* A word from a NULL-terminated list; *out receives its index. */
int gmoe_cmd_parse_word(struct gmoe_session *s, const char *what, const char *str,
                        const char *const *words, const char *hint, int *out);

/* Output shared by command files (cmd-show.c, cmd-fit.c). */
struct gmoe_model;
/* Print model m as a per-expert table titled title (text) or with columns
 * expert beta0 beta1_1..beta1_d tau a_1..a_d b nu (tsv); -1 on failure. */
int gmoe_cmd_show_model(struct gmoe_session *s, const struct gmoe_model *m, const char *title);
/* Print the report of the last fit (text) or its `show fit` row (tsv). */
int gmoe_cmd_show_fit(struct gmoe_session *s);
/* Fit the session's data with opts as `fit` does (standardised inputs,
 * progress lines, the live view's hook, Ctrl-C), without starting or
 * ending the live view; res (status GMOE_EINTR after Ctrl-C) and sc are
 * filled; returns gmoe_fit's status (cmd-fit.c, also used by `select`). */
struct gmoe_fit_opts;
struct gmoe_fit_result;
struct gmoe_scale;
int gmoe_cmd_fit_run(struct gmoe_session *s, const struct gmoe_fit_opts *opts,
                     struct gmoe_fit_result *res, struct gmoe_scale *sc);

/* Open a temporary file beside path for writing (its name goes to
 * tmp[len]); NULL with a message recorded in s on failure. */
FILE *gmoe_cmd_open_atomic(struct gmoe_session *s, const char *path, char *tmp, size_t len);
/* Flush, sync and close f, then rename tmp to path, so that path holds
 * either its old contents or the complete new file; on failure removes
 * tmp, records a message and returns -1. */
int gmoe_cmd_commit_atomic(struct gmoe_session *s, FILE *f, const char *tmp, const char *path);

/* `save model`, `load model` and `save trace` (cmd-model.c), reached
 * through the `save` and `load` commands (cmd-data.c). */
int gmoe_cmd_save_model(struct gmoe_session *s, const char *path);
int gmoe_cmd_load_model(struct gmoe_session *s, const char *path);
int gmoe_cmd_save_trace(struct gmoe_session *s, const char *path);

#endif
