/* session.h: the state a gmoe session carries between commands.
 *
 * The session owns its truth, data, fit result and settings.  Front ends
 * (script runner, REPL, live view) attach through the hooks below; the
 * commands themselves only write results to s->out and errors through
 * gmoe_cmd_error.
 */
#ifndef GMOE_SESSION_H
#define GMOE_SESSION_H

#include <signal.h>
#include <stdio.h>
#include "data.h"
#include "em.h"
#include "model.h"
#include "scale.h"

typedef enum { GMOE_FORMAT_TEXT, GMOE_FORMAT_TSV } gmoe_format;
typedef enum { GMOE_CHARSET_ASCII, GMOE_CHARSET_UNICODE } gmoe_charset;

typedef struct gmoe_session {
  /* settings */
  gmoe_fit_opts opts;          /* k, activation, temperature, init, ... */
  size_t d;                    /* input dimension for simulate */
  size_t n;                    /* sample size for simulate */
  unsigned long seed;          /* data seed */
  unsigned long replicate;     /* data set number drawn by the next simulate */
  gmoe_format format;
  int progress;                /* progress lines on stderr without a terminal */
  size_t threads;              /* sweep worker threads, 0: every online core */
  int plot_w, plot_h;          /* 0: terminal size */
  gmoe_charset charset;
  int color;                   /* colour allowed (terminal, no NO_COLOR) */
  int standardize;             /* fit on standardised inputs (scale.h) */

  /* state */
  gmoe_model *truth;           /* never NULL */
  gmoe_data *data;             /* NULL until simulate/load */
  gmoe_fit_result fit;         /* fit.model NULL until fit */
  int have_fit;
  gmoe_fit_opts fit_opts;      /* the options the last fit ran with */
  size_t fit_n;                /* the sample size it was fitted on */
  int fit_standardized;        /* it was fitted on standardised inputs ... */
  gmoe_scale fit_scale;        /* ... with this scaling */
  void *select;                /* model selection results (cmd-select.c), or NULL */
  void *sweep;                 /* sweep results, owned (sweep.h), or NULL */

  /* I/O and error context */
  FILE *out;                   /* results */
  const char *src;             /* "-e", "stdin", file name, or NULL in the REPL */
  long line;                   /* current line number in src */
  const char *cmd;             /* command being run */
  char errbuf[1024];
  int bail;                    /* stop a stream at the first error */
  int interactive;             /* a person at a terminal */
  int quiet;                   /* no banner or notes (-q) */
  int depth;                   /* nesting of `source` */
  volatile sig_atomic_t interrupted; /* set by SIGINT, cleared by the runner */

  /* front-end hooks */
  gmoe_fit_progress fit_hook;  /* live view during fit, or NULL */
  void *fit_hook_user;
  int (*fit_begin)(struct gmoe_session *s);  /* before a fit (live view start) */
  void (*fit_end)(struct gmoe_session *s);   /* after a fit, on every path */
} gmoe_session;

/* Allocate a session with default settings and the default truth; NULL
 * when memory runs out. */
gmoe_session *gmoe_session_alloc(void);

/* Free a session and everything it owns; NULL is a no-op. */
void gmoe_session_free(gmoe_session *s);

#endif
