/* tui.c: the live view of a fit (ncurses), drawn between EM iterations.
 *
 * gmoe_tui_attach sets the session's fit hooks.  fit_begin checks that
 * standard output is a terminal (and the keyboard can be read), fit_hook
 * records every iteration, starts curses once the fit has lasted
 * GMOE_TUI_DELAY seconds, and redraws at most every
 * GMOE_TUI_FRAME seconds, reading keys without blocking, and fit_end
 * restores the terminal and prints the last frame to standard output so
 * that it stays in the scrollback.  The terminal is also restored at exit
 * and on fatal signals.  There is one terminal, so one live view: its
 * state is a static.
 */
#include <config.h>
#include <curses.h>
#include <langinfo.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "error.h"
#include "plot.h"
#include "tui.h"

#define GMOE_TUI_FRAME 0.04  /* seconds between redraws: at most 25 a second */
#define GMOE_TUI_DELAY 0.25  /* seconds of fitting before the view starts */
#define GMOE_TUI_MIN_W 50    /* smallest terminal for plots; text below that */
#define GMOE_TUI_MIN_H 16
#define GMOE_TUI_MAX_POINTS 2000  /* points per series handed to the renderer */
#define GMOE_TUI_MAX_BYTES (64u << 20)  /* history beyond this is thinned out */

enum { GMOE_TUI_GATE, GMOE_TUI_EXPERTS };

static const int gmoe_tui_fatal_signals[] = { SIGTERM, SIGHUP, SIGQUIT, SIGINT };
#define GMOE_TUI_NSIG (sizeof gmoe_tui_fatal_signals / sizeof gmoe_tui_fatal_signals[0])

typedef struct gmoe_tui {
  gmoe_session *s;
  SCREEN *scr;
  FILE *in;              /* keyboard: stdin or /dev/tty */
  int own_in;            /* in was opened here */
  volatile sig_atomic_t active;  /* curses is on */
  int eligible;          /* curses may start (a terminal, once the delay is over) */
  int unicode, colors;
  int panel;             /* GMOE_TUI_GATE or GMOE_TUI_EXPERTS */
  int paused, quit;
  double t0, last_draw, paused_for, pause_t;
  size_t restart, iterations;
  size_t k, d, flat, cols;
  size_t rows, cap;
  double *hist;          /* rows x cols: iteration, loglik, flat parameters */
  double *tmp;           /* scratch for downsampled series */
  double tau;            /* temperature now */
  int test;              /* gmoe_em_test after the last iteration */
  int sig_set[GMOE_TUI_NSIG];
  struct sigaction old[GMOE_TUI_NSIG];
} gmoe_tui;

static gmoe_tui gmoe_tui_state;

static void gmoe_tui_start(gmoe_tui *t);

/* Seconds on a monotonic clock. */
static double
gmoe_tui_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* Leave curses if it is on (safe to call more than once). */
static void
gmoe_tui_stop_curses(gmoe_tui *t)
{
  if (!t->active)
    return;
  t->active = 0;
  endwin();
}

/* Restore the terminal at process exit. */
static void
gmoe_tui_atexit(void)
{
  gmoe_tui_stop_curses(&gmoe_tui_state);
}

/* On a fatal signal, restore the terminal, then let the signal do what it
 * would have done.  SIGINT only asks the fit to stop (the hook sees the
 * session's flag), as the session's own handler would. */
static void
gmoe_tui_on_signal(int sig)
{
  gmoe_tui *t = &gmoe_tui_state;
  size_t i;
  if (sig == SIGINT && t->s != NULL) {
    t->s->interrupted = 1;
    return;
  }
  gmoe_tui_stop_curses(t);
  for (i = 0; i < GMOE_TUI_NSIG; i++)
    if (gmoe_tui_fatal_signals[i] == sig && t->sig_set[i]) {
      sigaction(sig, &t->old[i], NULL);
      t->sig_set[i] = 0;
    }
  raise(sig);
}

/* Catch the fatal signals whose disposition is the default one, before
 * curses starts (so that curses does not install its own exit handlers);
 * a handler the session installed, such as its SIGINT flag, is left
 * alone. */
static void
gmoe_tui_catch_signals(gmoe_tui *t)
{
  struct sigaction sa;
  size_t i;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = gmoe_tui_on_signal;
  sigemptyset(&sa.sa_mask);
  for (i = 0; i < GMOE_TUI_NSIG; i++) {
    t->sig_set[i] = 0;
    if (sigaction(gmoe_tui_fatal_signals[i], NULL, &t->old[i]) != 0)
      continue;
    if (t->old[i].sa_handler != SIG_DFL || (t->old[i].sa_flags & SA_SIGINFO))
      continue;
    if (sigaction(gmoe_tui_fatal_signals[i], &sa, NULL) == 0)
      t->sig_set[i] = 1;
  }
}

/* Put back the signal dispositions found by gmoe_tui_catch_signals. */
static void
gmoe_tui_release_signals(gmoe_tui *t)
{
  size_t i;
  for (i = 0; i < GMOE_TUI_NSIG; i++)
    if (t->sig_set[i]) {
      sigaction(gmoe_tui_fatal_signals[i], &t->old[i], NULL);
      t->sig_set[i] = 0;
    }
}

/* Copy canvas src into dst with its top-left corner at (row, col). */
static void
gmoe_tui_blit(gmoe_canvas *dst, const gmoe_canvas *src, size_t row, size_t col)
{
  size_t r, c;
  for (r = 0; r < src->h && row + r < dst->h; r++)
    for (c = 0; c < src->w && col + c < dst->w; c++) {
      size_t i = (row + r) * dst->w + col + c, j = r * src->w + c;
      dst->ch[i] = src->ch[j];
      dst->series[i] = src->series[j];
      dst->kind[i] = src->kind[j];
    }
}

/* Write ASCII text into canvas row r from column 0, clipped. */
static void
gmoe_tui_line(gmoe_canvas *c, size_t r, const char *text)
{
  size_t i;
  for (i = 0; text[i] && i < c->w && r < c->h; i++) {
    c->ch[r * c->w + i] = (unsigned char) text[i];
    c->kind[r * c->w + i] = GMOE_CELL_TEXT;
  }
}

/* Add series column j of the history to plot p (downsampled to at most
 * GMOE_TUI_MAX_POINTS points, always keeping the last); returns its index. */
static int
gmoe_tui_series(gmoe_tui *t, gmoe_plot *p, const char *name, size_t j)
{
  size_t step = (t->rows + GMOE_TUI_MAX_POINTS - 1) / GMOE_TUI_MAX_POINTS, m = 0, r;
  double *x = t->tmp, *y = t->tmp + GMOE_TUI_MAX_POINTS + 1;
  if (step < 1)
    step = 1;
  for (r = 0; r < t->rows; r += step) {
    x[m] = t->hist[r * t->cols];
    y[m++] = t->hist[r * t->cols + j];
  }
  if (t->rows > 0 && (t->rows - 1) % step != 0) {
    x[m] = t->hist[(t->rows - 1) * t->cols];
    y[m++] = t->hist[(t->rows - 1) * t->cols + j];
  }
  return gmoe_plot_add_series(p, name, GMOE_PLOT_LINE, x, 1, y, 1, m);
}

/* Whether flat parameter j belongs to the panel being shown. */
static int
gmoe_tui_in_panel(const gmoe_tui *t, size_t j)
{
  size_t per = 2 * t->d + 3, i, o;
  if (j == 0)
    return t->panel == GMOE_TUI_GATE && t->s->opts.temp != GMOE_TEMP_FIXED;
  i = (j - 1) / per;
  o = (j - 1) % per;
  if (o <= t->d)  /* beta0, beta1: the reference expert's are always zero */
    return t->panel == GMOE_TUI_GATE && i + 1 < t->k;
  return t->panel == GMOE_TUI_EXPERTS;
}

/* Render one panel into the frame; returns GMOE_OK or the renderer's status. */
static int
gmoe_tui_panel(gmoe_tui *t, gmoe_plot *p, gmoe_canvas *frame, size_t row, size_t w, size_t h)
{
  gmoe_canvas *c;
  int st;
  gmoe_plot_set_xinteger(p, 1);
  st = gmoe_plot_render(p, w, h, t->unicode ? GMOE_PLOT_UNICODE : GMOE_PLOT_ASCII, &c);
  if (st != GMOE_OK)
    return st;
  gmoe_tui_blit(frame, c, row, 0);
  gmoe_canvas_free(c);
  return GMOE_OK;
}

/* The status line: iteration, time, speed, temperature, and either the
 * keys or how the fit ended. */
static void
gmoe_tui_status(const gmoe_tui *t, char *buf, size_t len, const char *end)
{
  double el = gmoe_tui_now() - t->t0 - t->paused_for;
  size_t it = t->rows ? (size_t) t->hist[(t->rows - 1) * t->cols] : 0;
  char rs[48] = "";
  if (t->paused)
    el -= gmoe_tui_now() - t->pause_t;
  if (t->s->opts.restarts > 1)
    snprintf(rs, sizeof rs, "  restart %zu/%zu", t->restart + 1, t->s->opts.restarts);
  snprintf(buf, len, " iteration %zu%s  elapsed %.1f s  %.0f it/s  tau %.4g  %s", it, rs, el,
           el > 0 ? (double) t->iterations / el : 0.0, t->tau,
           end ? end : t->paused ? "PAUSED: p resume  q stop  t panel"
                                 : "q stop  p pause  t panel");
}

/* Compose the whole frame (w x h): log-likelihood panel, one trajectory
 * panel, status line at the bottom; plain text lines when too small. */
static gmoe_canvas *
gmoe_tui_compose(gmoe_tui *t, size_t w, size_t h, const char *end)
{
  gmoe_canvas *frame = gmoe_canvas_alloc(w, h);
  char status[256], title[160], name[64];
  double ll = NAN, prev = NAN, rel = NAN;
  size_t j, hl, ht;
  int ok = 1;
  if (frame == NULL)
    return NULL;
  if (t->rows > 0)
    ll = t->hist[(t->rows - 1) * t->cols + 1];
  if (t->rows > 1) {
    prev = t->hist[(t->rows - 2) * t->cols + 1];
    rel = (ll - prev) / fabs(ll);
  }
  gmoe_tui_status(t, status, sizeof status, end);

  if (w >= GMOE_TUI_MIN_W && h >= GMOE_TUI_MIN_H) {
    gmoe_plot *p = gmoe_plot_alloc(NULL);
    if (t->rows > 1)
      snprintf(title, sizeof title, "log-likelihood %.10g   relative change %.2e", ll, rel);
    else
      snprintf(title, sizeof title, "log-likelihood %.10g", ll);
    hl = (h - 1) * 2 / 5;
    ht = h - 1 - hl;
    if (p == NULL || gmoe_plot_set_title(p, title) != GMOE_OK
        || gmoe_tui_series(t, p, NULL, 1) < 0 || gmoe_tui_panel(t, p, frame, 0, w, hl) != GMOE_OK)
      ok = 0;
    gmoe_plot_free(p);

    p = gmoe_plot_alloc(t->panel == GMOE_TUI_GATE
                          ? (t->s->opts.temp != GMOE_TEMP_FIXED
                               ? "gate: beta0, beta1, tau   (t: experts)"
                               : "gate: beta0, beta1   (t: experts)")
                          : "experts: a, b, nu   (t: gate)");
    if (p == NULL)
      ok = 0;
    else {
      const gmoe_model *tr = t->s->truth;
      int truth = tr != NULL && tr->k == t->k && tr->d == t->d;
      double *tv = truth ? t->tmp + 2 * (GMOE_TUI_MAX_POINTS + 1) : NULL;
      if (truth)
        gmoe_model_flatten(tr, tv);
      for (j = 0; j < t->flat && ok; j++) {
        int si;
        if (!gmoe_tui_in_panel(t, j))
          continue;
        gmoe_model_flat_name(t->k, t->d, j, name, sizeof name);
        si = gmoe_tui_series(t, p, name, 2 + j);
        if (si < 0 || (truth && gmoe_plot_add_hline(p, NULL, tv[j], si) != GMOE_OK))
          ok = 0;
      }
      if (truth && ok && gmoe_plot_add_hline(p, "true value", NAN, -1) != GMOE_OK)
        ok = 0;
      if (ok && gmoe_tui_panel(t, p, frame, hl, w, ht) != GMOE_OK)
        ok = 0;
      gmoe_plot_free(p);
    }
    if (ok) {
      gmoe_tui_line(frame, h - 1, status);
      return frame;
    }
    /* The renderer refused (labels too wide): fall back to text. */
    gmoe_canvas_free(frame);
    if ((frame = gmoe_canvas_alloc(w, h)) == NULL)
      return NULL;
  }
  {
    double el = gmoe_tui_now() - t->t0 - t->paused_for;
    size_t it = t->rows ? (size_t) t->hist[(t->rows - 1) * t->cols] : 0;
    if (t->paused)
      el -= gmoe_tui_now() - t->pause_t;
    snprintf(title, sizeof title, "fit: iteration %zu, %.0f it/s", it,
             el > 0 ? (double) t->iterations / el : 0.0);
    gmoe_tui_line(frame, 0, title);
    snprintf(title, sizeof title, "elapsed %.1f s, tau %.4g", el, t->tau);
    gmoe_tui_line(frame, 1, title);
  }
  snprintf(title, sizeof title, "log-likelihood %.10g", ll);
  gmoe_tui_line(frame, 2, title);
  if (t->rows > 1) {
    snprintf(title, sizeof title, "relative change %.2e", rel);
    gmoe_tui_line(frame, 3, title);
  }
  gmoe_tui_line(frame, 4, end ? end : t->paused ? "PAUSED: p resume  q stop"
                                                 : "q stop  p pause  t panel");
  snprintf(title, sizeof title, "(plots need %dx%d)", GMOE_TUI_MIN_W, GMOE_TUI_MIN_H);
  gmoe_tui_line(frame, 5, title);
  return frame;
}

/* Colour attribute of a cell kind and series. */
static attr_t
gmoe_tui_attr(const gmoe_tui *t, int kind, int series)
{
  if (!t->colors || series < 0)
    return A_NORMAL;
  if (kind == GMOE_CELL_DATA)
    return COLOR_PAIR(1 + series % 6);
  if (kind == GMOE_CELL_REF)
    return COLOR_PAIR(1 + series % 6) | A_DIM;
  return A_NORMAL;
}

/* Draw the current frame on the screen. */
static void
gmoe_tui_draw(gmoe_tui *t)
{
  size_t w = COLS > 0 ? (size_t) COLS : 80, h = LINES > 0 ? (size_t) LINES : 24, r, c;
  gmoe_canvas *f = gmoe_tui_compose(t, w, h, NULL);
  char buf[64];
  if (f == NULL)
    return;
  erase();
  for (r = 0; r < h; r++) {
    /* the last column of the last row is left alone: writing it scrolls */
    size_t cols = r + 1 == h ? w - 1 : w;
    for (c = 0; c < cols; c++) {
      size_t i = r * w + c, n;
      attr_t a = gmoe_tui_attr(t, f->kind[i], f->series[i]);
      if (r + 1 == h)
        a |= A_REVERSE;
      n = 0;
      if (f->ch[i] < 0x80) {
        buf[n++] = (char) f->ch[i];
      } else if (f->ch[i] < 0x800) {
        buf[n++] = (char) (0xC0 | (f->ch[i] >> 6));
        buf[n++] = (char) (0x80 | (f->ch[i] & 0x3F));
      } else {
        buf[n++] = (char) (0xE0 | (f->ch[i] >> 12));
        buf[n++] = (char) (0x80 | ((f->ch[i] >> 6) & 0x3F));
        buf[n++] = (char) (0x80 | (f->ch[i] & 0x3F));
      }
      buf[n] = '\0';
      attrset(a);
      mvaddstr((int) r, (int) c, buf);
    }
  }
  attrset(A_NORMAL);
  refresh();
  gmoe_canvas_free(f);
}

/* Read every pending key; returns non-zero when the fit should stop. */
static int
gmoe_tui_keys(gmoe_tui *t)
{
  int ch;
  while ((ch = getch()) != ERR) {
    switch (ch) {
    case 'q':
    case 'Q':
      t->quit = 1;
      break;
    case 'p':
    case 'P':
    case ' ':
      if (t->paused) {
        t->paused_for += gmoe_tui_now() - t->pause_t;
        t->paused = 0;
      } else {
        t->pause_t = gmoe_tui_now();
        t->paused = 1;
      }
      break;
    case 't':
    case 'T':
      t->panel = t->panel == GMOE_TUI_GATE ? GMOE_TUI_EXPERTS : GMOE_TUI_GATE;
      break;
    default:  /* KEY_RESIZE among others: the next draw uses the new size */
      break;
    }
  }
  return t->quit || t->s->interrupted;
}

/* Append the state of em to the history (a new restart starts a new one);
 * returns -1 when memory runs out. */
static int
gmoe_tui_record(gmoe_tui *t, const gmoe_em *em, size_t restart)
{
  const gmoe_model *m = gmoe_em_model(em);
  size_t it = gmoe_em_iteration(em);
  double *row;
  if (restart != t->restart) {
    t->restart = restart;
    t->rows = 0;
  }
  t->tau = m->tau;
  t->test = gmoe_em_test(em);
  if (t->rows > 0 && (size_t) t->hist[(t->rows - 1) * t->cols] == it)
    return 0;  /* the same iteration reported twice (at convergence) */
  if (t->rows == t->cap && t->cap * t->cols * sizeof *t->hist >= GMOE_TUI_MAX_BYTES) {
    /* Bounded memory: drop every other row, the older ones thinned out
     * more and more as a long fit goes on. */
    size_t r;
    for (r = 1; 2 * r < t->rows; r++)
      memcpy(t->hist + r * t->cols, t->hist + 2 * r * t->cols, t->cols * sizeof *t->hist);
    t->rows = r;
  }
  if (t->rows == t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 1024;
    double *h = realloc(t->hist, cap * t->cols * sizeof *h);
    if (h == NULL)
      return -1;
    t->hist = h;
    t->cap = cap;
  }
  row = t->hist + t->rows * t->cols;
  row[0] = (double) it;
  row[1] = gmoe_em_loglik(em);
  gmoe_model_flatten(m, row + 2);
  t->rows++;
  t->iterations++;
  return 0;
}

/* The progress callback: record, and redraw and read keys when a frame is
 * due; while paused, wait here for keys.  Returns non-zero to stop. */
static int
gmoe_tui_hook(const gmoe_em *em, size_t restart, void *user)
{
  gmoe_tui *t = user;
  const gmoe_model *m = gmoe_em_model(em);
  double now;
  if (t->hist == NULL || m->k != t->k || m->d != t->d) {
    free(t->hist);
    free(t->tmp);
    t->k = m->k;
    t->d = m->d;
    t->flat = gmoe_model_flat_size(t->k, t->d);
    t->cols = 2 + t->flat;
    t->rows = t->cap = 0;
    t->hist = NULL;
    t->restart = restart;
    t->tmp = malloc((2 * (GMOE_TUI_MAX_POINTS + 1) + t->flat) * sizeof *t->tmp);
    if (t->tmp == NULL)
      return 0;
  }
  if (gmoe_tui_record(t, em, restart) != 0 || t->tmp == NULL)
    return 0;  /* out of memory: keep fitting without the view */
  now = gmoe_tui_now();
  if (!t->active && t->eligible && now - t->t0 >= GMOE_TUI_DELAY)
    gmoe_tui_start(t);
  if (!t->active)
    return t->s->interrupted != 0;
  if (now - t->last_draw < GMOE_TUI_FRAME)
    return t->s->interrupted != 0;
  if (gmoe_tui_keys(t))
    return 1;
  gmoe_tui_draw(t);
  t->last_draw = now;
  if (t->paused) {
    timeout(100);
    while (t->paused && !t->quit && !t->s->interrupted) {
      gmoe_tui_keys(t);
      gmoe_tui_draw(t);
    }
    nodelay(stdscr, TRUE);
    t->last_draw = gmoe_tui_now();
  }
  return t->quit || t->s->interrupted;
}

/* Whether the locale's character set is UTF-8. */
static int
gmoe_tui_utf8_locale(void)
{
  const char *cs = nl_langinfo(CODESET);
  return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/* Switch the terminal to the live view (curses); on failure the fit goes
 * on without one. */
static void
gmoe_tui_start(gmoe_tui *t)
{
  static const short palette[6] = { COLOR_CYAN, COLOR_YELLOW, COLOR_GREEN,
                                    COLOR_MAGENTA, COLOR_RED, COLOR_BLUE };
  gmoe_session *s = t->s;
  short i;
  t->eligible = 0;  /* one try per fit */
  fflush(stdout);
  if (s->out != NULL)
    fflush(s->out);
  gmoe_tui_catch_signals(t);
  t->scr = newterm(NULL, stdout, t->in);
  if (t->scr == NULL) {
    gmoe_tui_release_signals(t);
    return;
  }
  set_term(t->scr);
  t->active = 1;
  cbreak();
  noecho();
  nonl();
  keypad(stdscr, TRUE);
  nodelay(stdscr, TRUE);
  curs_set(0);
  t->unicode = s->charset == GMOE_CHARSET_UNICODE && gmoe_tui_utf8_locale();
  if (s->color && has_colors() && start_color() == OK) {
    use_default_colors();
    for (i = 0; i < 6; i++)
      init_pair((short) (i + 1), palette[i], -1);
    t->colors = 1;
  }
}

/* Prepare the live view before a fit: it is used when standard output is
 * a terminal, the keyboard can be read and text output is wanted, and it
 * starts once the fit has run for GMOE_TUI_DELAY seconds, so that quick
 * fits leave the screen alone. */
static int
gmoe_tui_begin(gmoe_session *s)
{
  gmoe_tui *t = &gmoe_tui_state;
  const char *term = getenv("TERM");
  free(t->hist);
  free(t->tmp);
  memset(t, 0, sizeof *t);
  t->s = s;
  t->t0 = gmoe_tui_now();
  t->last_draw = -1;
  t->tau = s->opts.temp == GMOE_TEMP_ANNEAL ? s->opts.tau_start : s->opts.tau;
  s->fit_hook_user = t;
  if (s->format != GMOE_FORMAT_TEXT || !isatty(STDOUT_FILENO) || term == NULL || *term == '\0'
      || strcmp(term, "dumb") == 0)
    return 0;
  if (isatty(STDIN_FILENO)) {
    t->in = stdin;
  } else if ((t->in = fopen("/dev/tty", "r")) != NULL) {
    t->own_in = 1;
  } else {
    return 0;
  }
  t->eligible = 1;
  return 0;
}

/* End the live view after a fit, on every path: restore the terminal and
 * print the last frame to standard output. */
static void
gmoe_tui_end(gmoe_session *s)
{
  gmoe_tui *t = &gmoe_tui_state;
  gmoe_canvas *f = NULL;
  const char *how;
  if (t->active) {
    size_t w = COLS > 0 ? (size_t) COLS : 80, h = LINES > 1 ? (size_t) LINES - 1 : 23;
    how = t->quit ? "stopped (q): best so far kept"
          : s->interrupted ? "interrupted"
          : t->test == GMOE_OK ? "converged"
          : t->test == GMOE_ENOCONV ? "iteration limit reached"
          : "finished";
    if (t->paused) {
      t->paused_for += gmoe_tui_now() - t->pause_t;
      t->paused = 0;
    }
    if (t->rows > 0)
      f = gmoe_tui_compose(t, w, h, how);
    gmoe_tui_stop_curses(t);
    delscreen(t->scr);
    t->scr = NULL;
    gmoe_tui_release_signals(t);
    if (f != NULL) {
      char *text = gmoe_canvas_string(f);
      if (text != NULL)
        fputs(text, stdout);
      fflush(stdout);
      free(text);
      gmoe_canvas_free(f);
    }
  }
  if (t->own_in && t->in != NULL)
    fclose(t->in);
  t->in = NULL;
  t->own_in = t->eligible = 0;
  free(t->hist);
  free(t->tmp);
  t->hist = t->tmp = NULL;
  t->rows = t->cap = 0;
}

/* Attach the live view to s when standard output is a terminal. */
void
gmoe_tui_attach(gmoe_session *s)
{
  static int registered;
  if (!isatty(STDOUT_FILENO))
    return;
  if (!registered) {
    atexit(gmoe_tui_atexit);
    registered = 1;
  }
  s->fit_begin = gmoe_tui_begin;
  s->fit_hook = gmoe_tui_hook;
  s->fit_hook_user = &gmoe_tui_state;
  s->fit_end = gmoe_tui_end;
}
