/* cmd-misc.c: format, help, echo, quit (exit) and source. */
#include <config.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "cmd.h"
#include "session.h"

#define GMOE_SOURCE_DEPTH 16   /* most nested `source` commands */

extern const struct gmoe_cmd gmoe_cmd_truth_entry;
extern const char *const gmoe_cmd_truth_details[];

static const char *const gmoe_format_words[] = { "text", "tsv", NULL };

/* Run `format text|tsv`. */
static int
gmoe_cmd_format_exec(gmoe_session *s, int argc, char **argv)
{
  int v;
  if (gmoe_cmd_parse_word(s, "format", argv[1], gmoe_format_words, "try 'help format'", &v))
    return -1;
  s->format = v ? GMOE_FORMAT_TSV : GMOE_FORMAT_TEXT;
  return 0;
}

const struct gmoe_cmd gmoe_cmd_format_entry = {
  "format", NULL, 1, 1,
  "format text|tsv",
  "print results as aligned text tables or as tab-separated values with one header line",
  "format tsv",
  gmoe_format_words, 0, gmoe_cmd_format_exec
};

/* Print every command with its one-line summary. */
static void
gmoe_help_list(gmoe_session *s)
{
  size_t i, w = 0;
  char name[64];
  for (i = 0; gmoe_cmd_table[i] != NULL; i++) {
    const struct gmoe_cmd *c = gmoe_cmd_table[i];
    size_t l = strlen(c->name) + (c->alias ? strlen(c->alias) + 3 : 0);
    if (l > w)
      w = l;
  }
  fprintf(s->out, "commands (type 'help COMMAND' for its usage and an example):\n");
  for (i = 0; gmoe_cmd_table[i] != NULL; i++) {
    const struct gmoe_cmd *c = gmoe_cmd_table[i];
    if (c->alias)
      snprintf(name, sizeof name, "%s (%s)", c->name, c->alias);
    else
      snprintf(name, sizeof name, "%s", c->name);
    fprintf(s->out, "  %-*s  %s\n", (int)w, name, c->summary);
  }
  fprintf(s->out, "Commands may be abbreviated to a unique prefix; ';' separates commands and "
                  "'#' starts a comment.\n");
}

/* Print the usage, summary and current value of one `set` parameter. */
static void
gmoe_help_param(gmoe_session *s, const struct gmoe_param *p)
{
  fprintf(s->out, "usage: %s\n%s\ncurrent value: ", p->usage, p->summary);
  gmoe_param_show(s, p, s->out);
  fputc('\n', s->out);
}

/* Run `help [COMMAND [PARAMETER]]`. */
static int
gmoe_cmd_help_exec(gmoe_session *s, int argc, char **argv)
{
  const struct gmoe_cmd *c;
  size_t i, w = 0;
  if (argc == 1) {
    gmoe_help_list(s);
    return 0;
  }
  c = gmoe_cmd_find(s, argv[1]);
  if (c == NULL)
    return -1;
  if (argc == 3) {
    const struct gmoe_param *p;
    if (strcmp(c->name, "set") != 0)
      return gmoe_cmd_error(s, "only 'help set PARAMETER' takes a second word, got 'help %s %s'",
                            c->name, argv[2]);
    p = gmoe_param_find(s, argv[2]);
    if (p == NULL)
      return -1;
    gmoe_help_param(s, p);
    return 0;
  }
  fprintf(s->out, "usage: %s%s%s%s\n%s\nexample: %s\n", c->usage, c->alias ? "  (alias: " : "",
          c->alias ? c->alias : "", c->alias ? ")" : "", c->summary, c->example);
  if (c == &gmoe_cmd_truth_entry) {
    fprintf(s->out, "subcommands:\n");
    for (i = 0; gmoe_cmd_truth_details[i] != NULL; i++)
      fprintf(s->out, "  %s\n", gmoe_cmd_truth_details[i]);
  }
  if (strcmp(c->name, "set") == 0) {
    /* Usages longer than the column get their summary on the next line. */
    w = 20;
    fprintf(s->out, "parameters:\n");
    for (i = 0; gmoe_param_table[i].name != NULL; i++) {
      const struct gmoe_param *p = &gmoe_param_table[i];
      if (strlen(p->usage) <= w)
        fprintf(s->out, "  %-*s  %s\n", (int)w, p->usage, p->summary);
      else
        fprintf(s->out, "  %s\n  %-*s  %s\n", p->usage, (int)w, "", p->summary);
    }
  }
  return 0;
}

const struct gmoe_cmd gmoe_cmd_help_entry = {
  "help", NULL, 0, 2,
  "help [COMMAND [PARAMETER]]",
  "list the commands, or show a command's usage and an example",
  "help set",
  NULL, 0, gmoe_cmd_help_exec
};

/* Run `echo TEXT...`: print the words separated by single spaces. */
static int
gmoe_cmd_echo_exec(gmoe_session *s, int argc, char **argv)
{
  int i;
  for (i = 1; i < argc; i++)
    fprintf(s->out, "%s%s", i > 1 ? " " : "", argv[i]);
  fputc('\n', s->out);
  return 0;
}

const struct gmoe_cmd gmoe_cmd_echo_entry = {
  "echo", NULL, 0, -1,
  "echo TEXT...",
  "print the text (quotes keep spaces)",
  "echo \"fit with k = 3:\"",
  NULL, 0, gmoe_cmd_echo_exec
};

/* Run `quit`: ask the runner to stop. */
static int
gmoe_cmd_quit_exec(gmoe_session *s, int argc, char **argv)
{
  return 1;
}

const struct gmoe_cmd gmoe_cmd_quit_entry = {
  "quit", "exit", 0, 0,
  "quit",
  "leave gmoe (also 'exit', or Ctrl-D at the prompt)",
  "quit",
  NULL, 0, gmoe_cmd_quit_exec
};

/* Run `source FILE`: run the commands of a script, stopping at its first
 * error (which is reported with the script's name and line). */
static int
gmoe_cmd_source_exec(gmoe_session *s, int argc, char **argv)
{
  FILE *f;
  struct stat st;
  int rc, bail = s->bail;
  if (s->depth >= GMOE_SOURCE_DEPTH)
    return gmoe_cmd_error(s, "'%s': scripts nested more than %d deep (does a script source itself?)",
                          argv[1], GMOE_SOURCE_DEPTH);
  f = fopen(argv[1], "r");
  if (f == NULL)
    return gmoe_cmd_error(s, "cannot open '%s': %s", argv[1], strerror(errno));
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    return gmoe_cmd_error(s, "cannot run '%s': it is a directory", argv[1]);
  }
  s->depth++;
  s->bail = 1;
  rc = gmoe_cmd_run_stream(s, f, argv[1]);
  s->bail = bail;
  s->depth--;
  fclose(f);
  s->errbuf[0] = '\0';
  return rc;
}

const struct gmoe_cmd gmoe_cmd_source_entry = {
  "source", NULL, 1, 1,
  "source FILE",
  "run the commands in FILE (stops at its first error)",
  "source experiment.gmoe",
  NULL, 1, gmoe_cmd_source_exec
};
