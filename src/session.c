/* session.c: the state a gmoe session carries between commands. */
#include <config.h>
#include <stdlib.h>
#include <string.h>
#include "cmd-plot.h"
#include "session.h"
#include "sweep.h"

/* Allocate a session with default settings (k = 2, d = 1, n = 1000, seed 1,
 * maxiter 500, tol 1e-8, identity gate, fixed temperature 1, truth
 * initialisation, one restart, text format) and the default truth. */
gmoe_session *
gmoe_session_alloc(void)
{
  gmoe_session *s = calloc(1, sizeof *s);
  if (s == NULL)
    return NULL;
  gmoe_fit_opts_default(&s->opts);
  s->d = 1;
  s->n = 1000;
  s->seed = 1;
  s->opts.seed = s->seed;
  s->replicate = 0;
  s->format = GMOE_FORMAT_TEXT;
  s->progress = 0;  /* progress lines only when asked (set progress on) */
  s->charset = gmoe_cmd_plot_default_unicode() ? GMOE_CHARSET_UNICODE : GMOE_CHARSET_ASCII;
  s->color = gmoe_cmd_plot_default_color();
  s->out = stdout;
  s->bail = 1;
  s->truth = gmoe_model_alloc(2, 1);
  if (s->truth == NULL) {
    free(s);
    return NULL;
  }
  return s;
}

/* Free a session and everything it owns; NULL is a no-op. */
void
gmoe_session_free(gmoe_session *s)
{
  if (s == NULL)
    return;
  gmoe_model_free(s->truth);
  gmoe_data_free(s->data);
  gmoe_fit_result_clear(&s->fit);
  gmoe_sweep_free(s->sweep);
  free(s->select);
  free(s);
}
