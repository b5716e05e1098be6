/* repl.c: the interactive prompt (GNU readline, callback interface).
 *
 * Readline runs in its callback mode under pselect(), so that signals are
 * only recorded by the handler and acted upon in the main loop, never
 * inside readline: SIGINT at the prompt clears the line being typed,
 * SIGINT while a command runs sets s->interrupted (a fit stops after the
 * current iteration and keeps the best parameters), SIGTERM and SIGHUP
 * end the session with the history saved, SIGWINCH resizes the editor and
 * SIGTSTP (Ctrl-Z) suspends with the terminal restored.  While a command
 * runs, SIGWINCH and SIGTSTP get back the dispositions gmoe started with,
 * so that the live view (ncurses) can install its own.
 *
 * History lives in $XDG_STATE_HOME/gmoe/history, or ~/.gmoe_history when
 * XDG_STATE_HOME is unset.  Every accepted line is appended to the file at
 * once, so nothing is lost even on a crash; the file is cut to the last
 * GMOE_REPL_HISTORY_MAX lines when the session ends.
 *
 * Completion reads the command table (names, aliases, first-argument
 * words, file arguments) and the `set` parameter table (names, values).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/readline.h>
#include <readline/history.h>

#include "cmd.h"
#include "repl.h"

#define GMOE_REPL_PROMPT "gmoe> "
#define GMOE_REPL_HISTORY_MAX 1000
#define GMOE_REPL_MAX_CANDS 256

/* State shared by the signal handler, the readline callbacks and the loop. */
static gmoe_session *repl_session;
static volatile sig_atomic_t repl_busy;      /* a command is running */
static volatile sig_atomic_t repl_sigint;    /* Ctrl-C seen at the prompt */
static volatile sig_atomic_t repl_sigterm;   /* SIGTERM or SIGHUP number, or 0 */
static volatile sig_atomic_t repl_sigwinch;  /* terminal resized */
static volatile sig_atomic_t repl_sigtstp;   /* Ctrl-Z at the prompt */
static char *repl_line;                      /* line handed over by readline */
static int repl_have_line;                   /* the line handler ran */
static int repl_eof;                         /* Ctrl-D on an empty line */
static char *repl_history_file;              /* NULL: no persistent history */

/* Completion candidates of the current completion (borrowed strings). */
static const char *repl_cands[GMOE_REPL_MAX_CANDS];
static size_t repl_ncands;
static int repl_cand_files;                  /* also offer file names */

/* Record a signal for the main loop; during a command, ask it to stop. */
static void
gmoe_repl_on_signal(int sig)
{
  if (sig == SIGINT) {
    if (repl_busy)
      repl_session->interrupted = 1;
    else
      repl_sigint = 1;
  } else if (sig == SIGWINCH) {
    repl_sigwinch = 1;
  } else if (sig == SIGTSTP) {
    repl_sigtstp = 1;
  } else {
    if (repl_sigterm && repl_busy) {
      /* A second termination request while a command ignores the first. */
      signal(sig, SIG_DFL);
      raise(sig);
    }
    repl_sigterm = sig;
    repl_session->interrupted = 1;
  }
}

/* Readline's line handler: hand the line (NULL on Ctrl-D) to the loop and
 * leave callback mode, so the command runs with the terminal restored. */
static void
gmoe_repl_on_line(char *line)
{
  repl_line = line;
  repl_eof = line == NULL;
  repl_have_line = 1;
  rl_callback_handler_remove();
}

/* Return a newly allocated string "a/b", or NULL when memory runs out. */
static char *
gmoe_repl_path_join(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  char *p = malloc(la + lb + 2);
  if (!p)
    return NULL;
  memcpy(p, a, la);
  p[la] = '/';
  memcpy(p + la + 1, b, lb + 1);
  return p;
}

/* Create directory path and its missing parents with mode 0700; returns 0
 * or -1 with errno set. */
static int
gmoe_repl_mkdirs(char *path)
{
  char *p;
  for (p = path + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
      *p = '/';
      return -1;
    }
    *p = '/';
  }
  if (mkdir(path, 0700) != 0 && errno != EEXIST)
    return -1;
  return 0;
}

/* Return the newly allocated name of the history file (creating its
 * directory), or NULL with a warning on stderr when there is none. */
static char *
gmoe_repl_history_path(void)
{
  const char *state = getenv("XDG_STATE_HOME");
  const char *home;
  char *dir, *file;

  if (state && state[0] == '/') {
    dir = gmoe_repl_path_join(state, "gmoe");
    if (!dir)
      return NULL;
    if (gmoe_repl_mkdirs(dir) != 0) {
      fprintf(stderr, "gmoe: cannot create %s: %s; history will not be saved\n", dir,
              strerror(errno));
      free(dir);
      return NULL;
    }
    file = gmoe_repl_path_join(dir, "history");
    free(dir);
    return file;
  }
  home = getenv("HOME");
  if (!home || !*home) {
    struct passwd *pw = getpwuid(getuid());
    home = pw ? pw->pw_dir : NULL;
  }
  if (!home || !*home) {
    fprintf(stderr, "gmoe: no home directory; history will not be saved\n");
    return NULL;
  }
  return gmoe_repl_path_join(home, ".gmoe_history");
}

/* Load the history file (creating it empty when missing, mode 0600). */
static void
gmoe_repl_history_load(void)
{
  int fd;
  using_history();
  stifle_history(GMOE_REPL_HISTORY_MAX);
  repl_history_file = gmoe_repl_history_path();
  if (!repl_history_file)
    return;
  fd = open(repl_history_file, O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd < 0) {
    fprintf(stderr, "gmoe: cannot open history file %s: %s; history will not be saved\n",
            repl_history_file, strerror(errno));
    free(repl_history_file);
    repl_history_file = NULL;
    return;
  }
  close(fd);
  read_history(repl_history_file);
  using_history();
}

/* Add a line to the history (unless blank or equal to the previous one)
 * and append it to the history file at once. */
static void
gmoe_repl_history_add(const char *line)
{
  const char *p = line;
  HIST_ENTRY *last;
  int err;

  while (*p == ' ' || *p == '\t')
    p++;
  if (!*p)
    return;
  last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
  if (last && strcmp(last->line, line) == 0)
    return;
  add_history(line);
  if (!repl_history_file)
    return;
  err = append_history(1, repl_history_file);
  if (err != 0) {
    fprintf(stderr, "gmoe: cannot write history file %s: %s\n", repl_history_file,
            strerror(err));
    free(repl_history_file);
    repl_history_file = NULL;
  }
}

/* Cut the history file to its last GMOE_REPL_HISTORY_MAX lines and forget
 * its name. */
static void
gmoe_repl_history_close(void)
{
  if (repl_history_file)
    history_truncate_file(repl_history_file, GMOE_REPL_HISTORY_MAX);
  free(repl_history_file);
  repl_history_file = NULL;
  clear_history();
}

/* Add a candidate to the current completion list (ignoring overflow and
 * NULL). */
static void
gmoe_repl_cand(const char *word)
{
  if (word && repl_ncands < GMOE_REPL_MAX_CANDS)
    repl_cands[repl_ncands++] = word;
}

/* Add every word of a NULL-terminated list to the candidates. */
static void
gmoe_repl_cand_list(const char *const *words)
{
  for (; words && *words; words++)
    gmoe_repl_cand(*words);
}

/* Add every command name and alias to the candidates. */
static void
gmoe_repl_cand_commands(void)
{
  const struct gmoe_cmd *const *c;
  for (c = gmoe_cmd_table; *c; c++) {
    gmoe_repl_cand((*c)->name);
    gmoe_repl_cand((*c)->alias);
  }
}

/* Add every `set` parameter name to the candidates. */
static void
gmoe_repl_cand_params(void)
{
  const struct gmoe_param *p;
  for (p = gmoe_param_table; p->name; p++)
    gmoe_repl_cand(p->name);
}

/* Readline generator over the candidate list, then file names when
 * repl_cand_files is set; returns malloc'd matches of text, NULL at the end. */
static char *
gmoe_repl_generate(const char *text, int state)
{
  static size_t next;
  static int in_files;
  size_t len = strlen(text);

  if (state == 0) {
    next = 0;
    in_files = 0;
  }
  while (!in_files && next < repl_ncands) {
    const char *w = repl_cands[next++];
    if (strncmp(w, text, len) == 0)
      return strdup(w);
  }
  if (!repl_cand_files)
    return NULL;
  {
    char *f = rl_filename_completion_function(text, in_files);
    in_files = 1;
    return f;
  }
}

/* Find a `set` parameter by exact name, or NULL. */
static const struct gmoe_param *
gmoe_repl_param(const char *name)
{
  const struct gmoe_param *p;
  for (p = gmoe_param_table; p->name; p++)
    if (strcmp(p->name, name) == 0)
      return p;
  return NULL;
}

/* Find a command by name, alias or unique prefix without disturbing the
 * session's error message, or NULL. */
static const struct gmoe_cmd *
gmoe_repl_cmd(const char *name)
{
  char saved[sizeof repl_session->errbuf];
  const struct gmoe_cmd *c;
  memcpy(saved, repl_session->errbuf, sizeof saved);
  c = gmoe_cmd_find(repl_session, name);
  memcpy(repl_session->errbuf, saved, sizeof saved);
  return c;
}

/* Split the words of the current command before position end of line
 * (after the last ';', stopping in a '#' comment) into words[0..max),
 * each malloc'd.  Returns the number of complete words, or -1 inside a
 * comment. */
static int
gmoe_repl_words_before(const char *line, int end, char **words, int max)
{
  int n = 0, i = 0, quote = 0;
  char buf[1024];
  size_t len = 0;
  int inword = 0;

  for (i = 0; i < end; i++) {
    char c = line[i];
    if (quote) {
      if (c == '\\' && i + 1 < end) {
        if (len < sizeof buf - 1)
          buf[len++] = line[++i];
      } else if (c == '"') {
        quote = 0;
      } else if (len < sizeof buf - 1) {
        buf[len++] = c;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == ';') {
      if (inword) {
        buf[len] = '\0';
        if (n < max)
          words[n] = strdup(buf);
        n++;
        len = 0;
        inword = 0;
      }
      if (c == ';') {
        int j;
        for (j = 0; j < n && j < max; j++) {
          free(words[j]);
          words[j] = NULL;
        }
        n = 0;
      }
      continue;
    }
    if (c == '#' && !inword) {
      int j;
      for (j = 0; j < n && j < max; j++) {
        free(words[j]);
        words[j] = NULL;
      }
      return -1;
    }
    inword = 1;
    if (c == '"')
      quote = 1;
    else if (len < sizeof buf - 1)
      buf[len++] = c;
  }
  /* A word running into the cursor is the one being completed. */
  return n < max ? n : max;
}

/* Readline's completion entry: command names first, then by command the
 * `set` parameters and their values, the command's first-argument words,
 * and file names for commands that take them. */
static char **
gmoe_repl_complete(const char *text, int start, int end)
{
  char *w[3] = {NULL, NULL, NULL};
  int nw, i;
  const struct gmoe_cmd *c;
  char **matches = NULL;

  rl_attempted_completion_over = 1;
  repl_ncands = 0;
  repl_cand_files = 0;
  nw = gmoe_repl_words_before(rl_line_buffer, start, w, 3);
  if (nw < 0)
    return NULL;
  if (nw == 0) {
    gmoe_repl_cand_commands();
    goto done;
  }
  c = gmoe_repl_cmd(w[0]);
  if (!c)
    goto done;
  if (nw == 1) {
    if (strcmp(c->name, "set") == 0)
      gmoe_repl_cand_params();
    else if (strcmp(c->name, "help") == 0 && !c->words)
      gmoe_repl_cand_commands();
    else
      gmoe_repl_cand_list(c->words);
    repl_cand_files = c->complete_files;
  } else {
    const struct gmoe_param *p = nw == 2 ? gmoe_repl_param(w[1]) : NULL;
    const struct gmoe_cmd *sub;
    if (p && p->values && strcmp(c->name, "help") != 0)
      gmoe_repl_cand_list(p->values);
    else if (nw == 2 && strcmp(c->name, "help") == 0 && (sub = gmoe_repl_cmd(w[1]))
             && strcmp(sub->name, "set") == 0)
      gmoe_repl_cand_params();
    repl_cand_files = c->complete_files;
  }
done:
  if (repl_ncands > 0 || repl_cand_files)
    matches = rl_completion_matches(text, gmoe_repl_generate);
  for (i = 0; i < 3; i++)
    free(w[i]);
  (void)end;
  return matches;
}

/* Abandon the line being typed after Ctrl-C: show ^C at its end, reset
 * readline's state and start a fresh prompt on the next line. */
static void
gmoe_repl_clear_line(void)
{
  rl_point = rl_end;
  rl_redisplay();
  rl_echo_signal_char(SIGINT);
  rl_free_line_state();
  rl_callback_sigcleanup();
  rl_callback_handler_remove();
  fputc('\n', rl_outstream);
  fflush(rl_outstream);
  using_history();
  rl_callback_handler_install(GMOE_REPL_PROMPT, gmoe_repl_on_line);
}

/* Signals the REPL handles; the last two only at the prompt. */
static const int repl_sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP};
enum { GMOE_REPL_NSIG = sizeof repl_sigs / sizeof repl_sigs[0], GMOE_REPL_NSIG_ALWAYS = 3 };
static struct sigaction repl_old[GMOE_REPL_NSIG]; /* dispositions found at start */
static sigset_t repl_block, repl_open;           /* masks at the prompt / in commands */

/* Install the REPL's handler (no SA_RESTART, so pselect wakes up) for
 * repl_sigs[from..to). */
static void
gmoe_repl_catch(int from, int to)
{
  struct sigaction sa;
  int i;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = gmoe_repl_on_signal;
  sigemptyset(&sa.sa_mask);
  for (i = from; i < to; i++)
    sigaction(repl_sigs[i], &sa, NULL);
}

/* Put back the dispositions found at start for repl_sigs[from..to). */
static void
gmoe_repl_release(int from, int to)
{
  int i;
  for (i = from; i < to; i++)
    sigaction(repl_sigs[i], &repl_old[i], NULL);
}

/* Run one accepted line with signals delivered (so Ctrl-C reaches a fit)
 * and the prompt-only signals given back; returns what gmoe_cmd_run_line
 * returns. */
static int
gmoe_repl_exec(gmoe_session *s, const char *line)
{
  int rc;
  gmoe_repl_history_add(line);
  s->line++;
  s->interrupted = 0;
  repl_busy = 1;
  gmoe_repl_release(GMOE_REPL_NSIG_ALWAYS, GMOE_REPL_NSIG);
  sigprocmask(SIG_SETMASK, &repl_open, NULL);
  rc = gmoe_cmd_run_line(s, line);
  sigprocmask(SIG_BLOCK, &repl_block, NULL);
  gmoe_repl_catch(GMOE_REPL_NSIG_ALWAYS, GMOE_REPL_NSIG);
  repl_busy = 0;
  s->interrupted = 0;
  fflush(s->out);
  fflush(stderr);
  rl_reset_screen_size();   /* the terminal may have been resized meanwhile */
  return rc;
}

/* Suspend after Ctrl-Z at the prompt: restore the terminal, stop by the
 * starting disposition of SIGTSTP, and on resumption redraw the line. */
static void
gmoe_repl_suspend(void)
{
  const char *meta = rl_variable_value("input-meta");
  rl_echo_signal_char(SIGTSTP);
  fputc('\n', rl_outstream);
  fflush(rl_outstream);
  if (rl_deprep_term_function)
    (*rl_deprep_term_function)();
  gmoe_repl_release(GMOE_REPL_NSIG - 1, GMOE_REPL_NSIG);
  raise(SIGTSTP);                        /* pending until unblocked */
  sigprocmask(SIG_SETMASK, &repl_open, NULL);
  sigprocmask(SIG_BLOCK, &repl_block, NULL);
  gmoe_repl_catch(GMOE_REPL_NSIG - 1, GMOE_REPL_NSIG);
  if (rl_prep_term_function)
    (*rl_prep_term_function)(meta && strcmp(meta, "on") == 0);
  rl_reset_screen_size();
  rl_on_new_line();
  rl_forced_update_display();
}

/* Run the interactive prompt on the terminal until quit, exit or Ctrl-D;
 * history is loaded before and saved after on every exit path.  Returns
 * the process exit status (0); ends the process by its signal after
 * SIGTERM or SIGHUP, once the history is safe and the terminal restored. */
int
gmoe_repl_run(gmoe_session *s)
{
  int fd = fileno(rl_instream ? rl_instream : stdin);
  int installed = 0, i, sig;

  repl_session = s;
  repl_sigint = repl_sigterm = repl_sigwinch = repl_sigtstp = 0;
  s->interactive = 1;
  s->bail = 0;
  s->src = NULL;
  s->line = 0;

  rl_readline_name = "gmoe";
  /* With results redirected (gmoe > results.txt), the prompt and the line
   * being edited stay on the terminal. */
  if (!isatty(STDOUT_FILENO) && isatty(STDERR_FILENO))
    rl_outstream = stderr;
  /* Keep LINES and COLUMNS out of the environment: ncurses would take them
   * for the terminal size and the live view would stop following resizes. */
  rl_change_environment = 0;
  rl_catch_signals = 0;
  rl_catch_sigwinch = 0;
  rl_attempted_completion_function = gmoe_repl_complete;
  rl_completer_word_break_characters = " \t\n;,";   /* "identity,ta<Tab>" */
  rl_completer_quote_characters = "\"";
  rl_filename_quote_characters = " \t\"#;";
  gmoe_repl_history_load();
  if (!s->quiet)
    fprintf(rl_outstream ? rl_outstream : stdout,
            "gmoe %s: 'help' lists the commands, Tab completes, Ctrl-D or 'quit' leaves.\n",
            PACKAGE_VERSION);
  fflush(rl_outstream ? rl_outstream : stdout);

  sigemptyset(&repl_block);
  for (i = 0; i < GMOE_REPL_NSIG; i++) {
    sigaddset(&repl_block, repl_sigs[i]);
    sigaction(repl_sigs[i], NULL, &repl_old[i]);
  }
  sigprocmask(SIG_BLOCK, &repl_block, &repl_open);
  for (i = 0; i < GMOE_REPL_NSIG; i++)
    sigdelset(&repl_open, repl_sigs[i]);
  gmoe_repl_catch(0, GMOE_REPL_NSIG);

  rl_callback_handler_install(GMOE_REPL_PROMPT, gmoe_repl_on_line);
  installed = 1;
  for (;;) {
    fd_set fds;
    int r, rc, err;

    FD_ZERO(&fds);
    FD_SET(fd, &fds);
    r = pselect(fd + 1, &fds, NULL, NULL, NULL, &repl_open);
    err = errno;
    if (repl_sigterm)
      break;
    if (repl_sigwinch) {
      repl_sigwinch = 0;
      rl_resize_terminal();
    }
    if (repl_sigint) {
      repl_sigint = 0;
      gmoe_repl_clear_line();
    }
    if (repl_sigtstp) {
      repl_sigtstp = 0;
      gmoe_repl_suspend();
    }
    if (r < 0) {
      if (err == EINTR)
        continue;
      fprintf(stderr, "gmoe: cannot read the terminal: %s\n", strerror(err));
      break;
    }
    if (r == 0)
      continue;
    rl_callback_read_char();
    if (!repl_have_line)
      continue;
    repl_have_line = 0;
    installed = 0;
    if (repl_eof) {
      fputc('\n', rl_outstream);
      break;
    }
    rc = gmoe_repl_exec(s, repl_line);
    free(repl_line);
    repl_line = NULL;
    if (rc == 1 || repl_sigterm)
      break;
    rl_callback_handler_install(GMOE_REPL_PROMPT, gmoe_repl_on_line);
    installed = 1;
  }
  if (installed) {
    if (repl_sigterm) {
      rl_point = rl_end;
      rl_redisplay();
    }
    rl_callback_handler_remove();
    if (repl_sigterm)
      fputc('\n', rl_outstream);
  }
  fflush(rl_outstream);
  gmoe_repl_history_close();

  sig = repl_sigterm;
  gmoe_repl_release(0, GMOE_REPL_NSIG);
  sigprocmask(SIG_UNBLOCK, &repl_block, NULL);
  repl_session = NULL;
  if (sig) {
    fflush(NULL);
    signal(sig, SIG_DFL);
    raise(sig);
    return 128 + sig;
  }
  return 0;
}

/* Print every command name and alias of the table, one per line (for the
 * man-page test). */
void
gmoe_repl_list_commands(FILE *out)
{
  const struct gmoe_cmd *const *c;
  for (c = gmoe_cmd_table; *c; c++) {
    fprintf(out, "%s\n", (*c)->name);
    if ((*c)->alias)
      fprintf(out, "%s\n", (*c)->alias);
  }
}

/* Print every `set` parameter name, one per line (for the man-page test). */
void
gmoe_repl_list_params(FILE *out)
{
  const struct gmoe_param *p;
  for (p = gmoe_param_table; p->name; p++)
    fprintf(out, "%s\n", p->name);
}

/* Print "COMMAND WORD" for every completion word of every command and
 * "set PARAM VALUE" for every parameter value (for the man-page test). */
void
gmoe_repl_list_words(FILE *out)
{
  const struct gmoe_cmd *const *c;
  const struct gmoe_param *p;
  const char *const *w;
  for (c = gmoe_cmd_table; *c; c++)
    for (w = (*c)->words; w && *w; w++)
      fprintf(out, "%s %s\n", (*c)->name, *w);
  for (p = gmoe_param_table; p->name; p++)
    for (w = p->values; w && *w; w++)
      fprintf(out, "set %s %s\n", p->name, *w);
}
