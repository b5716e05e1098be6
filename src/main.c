/* main.c: the gmoe program: options, scripts (-e, -f, FILE, stdin) and
 * the interactive prompt. */
#include <config.h>
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cmd.h"
#include "error.h"
#include "repl.h"
#include "session.h"
#include "tui.h"

/* One script given on the command line: -e text or a file. */
struct gmoe_main_script {
  int is_file;
  const char *arg;
};

/* Print the usage summary to out. */
static void
gmoe_main_usage(FILE *out)
{
  fprintf(out,
          "Usage: gmoe [OPTION]... [FILE]...\n"
          "Explore Gaussian mixtures of experts with temperature and activation gates:\n"
          "simulate data from a true model, fit it by EM, and measure the error.\n"
          "\n"
          "With no -e, -f or FILE, gmoe reads commands from standard input when it is\n"
          "not a terminal, and starts the interactive prompt when it is.\n"
          "\n"
          "  -e COMMANDS    run COMMANDS (separated by ';'); may be repeated\n"
          "  -f FILE        run the commands in FILE ('-': standard input); may be repeated\n"
          "  -i             after the scripts, start the interactive prompt\n"
          "  -n             do not run ~/.gmoerc at the interactive prompt\n"
          "  -q             quiet: no banner or notes\n"
          "  -h, --help     print this help and exit\n"
          "  -V, --version  print the version and exit\n"
          "\n"
          "Scripts stop at the first failing command with exit status 1; invalid\n"
          "options exit with status 2.  Type 'help' at the prompt for the commands,\n"
          "or see gmoe(1).\n"
          "\n"
          "Example: gmoe -e 'set n 2000; simulate; fit; show params'\n"
          "Report bugs to: %s\n", PACKAGE_BUGREPORT);
}

/* Print the version (GNU style). */
static void
gmoe_main_version(void)
{
  printf("gmoe %s\n"
         "Copyright (C) 2026 the gmoe authors.\n"
         "This is free software: you are free to change and redistribute it.\n"
         "There is NO WARRANTY, to the extent permitted by law.\n", PACKAGE_VERSION);
}

/* Report a command-line problem and exit with status 2. */
static void
gmoe_main_bad_usage(const char *fmt, const char *arg)
{
  fputs("gmoe: ", stderr);
  fprintf(stderr, fmt, arg);
  fputs("\nTry 'gmoe --help' for more information.\n", stderr);
  exit(2);
}

/* Run the script file path ("-": standard input); returns 0, -1 on a failing command, 1 on quit;
 * a file that cannot be opened exits with status 2. */
static int
gmoe_main_run_file(gmoe_session *s, const char *path)
{
  FILE *f;
  struct stat st;
  int rc;
  if (strcmp(path, "-") == 0)
    return gmoe_cmd_run_stream(s, stdin, "stdin");
  f = fopen(path, "r");
  if (f == NULL) {
    fprintf(stderr, "gmoe: cannot open script '%s': %s\n", path, strerror(errno));
    return -2;
  }
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fprintf(stderr, "gmoe: cannot run script '%s': it is a directory\n", path);
    fclose(f);
    return -2;
  }
  rc = gmoe_cmd_run_stream(s, f, path);
  fclose(f);
  return rc;
}

/* Run ~/.gmoerc when it exists, reporting its errors without stopping. */
static int
gmoe_main_run_rc(gmoe_session *s)
{
  const char *home = getenv("HOME");
  char path[4096];
  FILE *f;
  int rc;
  if (home == NULL || *home == '\0')
    return 0;
  if ((size_t)snprintf(path, sizeof path, "%s/.gmoerc", home) >= sizeof path)
    return 0;
  f = fopen(path, "r");
  if (f == NULL)
    return 0;
  rc = gmoe_cmd_run_stream(s, f, path);
  fclose(f);
  return rc;
}

/* Parse the options, then run the scripts or the interactive prompt. */
int
main(int argc, char **argv)
{
  static const struct option longopts[] = {
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    /* Hidden: the table names, read by the man-page test (tests/man.sh). */
    { "list-commands", no_argument, NULL, 1 },
    { "list-params", no_argument, NULL, 2 },
    { "list-words", no_argument, NULL, 3 },
    { NULL, 0, NULL, 0 }
  };
  struct gmoe_main_script *scripts;
  size_t nscripts = 0, i;
  int opt, no_rc = 0, quiet = 0, then_prompt = 0, status = 0;
  long e_index = 0;
  gmoe_session *s;

  gmoe_error_init();
  setlocale(LC_CTYPE, "");  /* the character set only: numbers keep the C format */
  scripts = calloc((size_t)argc + 1, sizeof *scripts);
  if (scripts == NULL) {
    fputs("gmoe: out of memory\n", stderr);
    return 1;
  }
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":e:f:inqhV", longopts, NULL)) != -1) {
    switch (opt) {
    case 'e':
    case 'f':
      scripts[nscripts].is_file = opt == 'f';
      scripts[nscripts++].arg = optarg;
      break;
    case 'i':
      then_prompt = 1;
      break;
    case 'n':
      no_rc = 1;
      break;
    case 'q':
      quiet = 1;
      break;
    case 'h':
      gmoe_main_usage(stdout);
      free(scripts);
      return 0;
    case 'V':
      gmoe_main_version();
      free(scripts);
      return 0;
    case 1:
    case 2:
    case 3:
      if (opt == 1)
        gmoe_repl_list_commands(stdout);
      else if (opt == 2)
        gmoe_repl_list_params(stdout);
      else
        gmoe_repl_list_words(stdout);
      free(scripts);
      return fflush(stdout) == 0 ? 0 : 1;
    case ':':
      gmoe_main_bad_usage("option '%s' needs an argument", argv[optind - 1]);
      break;
    default:
      if (optopt != 0) {
        char o[3] = { '-', (char)optopt, '\0' };
        gmoe_main_bad_usage("unknown option '%s'", o);
      }
      gmoe_main_bad_usage("unknown option '%s'", argv[optind - 1]);
      break;
    }
  }
  for (; optind < argc; optind++) {
    scripts[nscripts].is_file = 1;
    scripts[nscripts++].arg = argv[optind];
  }

  s = gmoe_session_alloc();
  if (s == NULL) {
    fputs("gmoe: out of memory\n", stderr);
    free(scripts);
    return 1;
  }
  s->quiet = quiet;

  if (nscripts > 0) {
    for (i = 0; i < nscripts && status == 0; i++) {
      int rc;
      if (scripts[i].is_file)
        rc = gmoe_main_run_file(s, scripts[i].arg);
      else {
        s->src = "-e";
        s->line = ++e_index;
        rc = gmoe_cmd_run_line(s, scripts[i].arg);
        s->src = NULL;
      }
      if (rc == 1) {
        then_prompt = 0;  /* the script said quit */
        break;
      }
      status = rc == -2 ? 2 : rc < 0 ? 1 : 0;
    }
  }
  if (nscripts > 0 && !(then_prompt && status == 0 && isatty(STDIN_FILENO))) {
    /* the scripts were the whole run (-i goes on to the prompt on a terminal) */
  } else if (!isatty(STDIN_FILENO)) {
    status = gmoe_cmd_run_stream(s, stdin, "stdin") < 0 ? 1 : 0;
  } else {
    s->interactive = 1;
    s->bail = 0;
    if (!no_rc && gmoe_main_run_rc(s) == 1) {
      gmoe_session_free(s);
      free(scripts);
      return 0;
    }
    gmoe_tui_attach(s);
    status = gmoe_repl_run(s);
  }
  if (fflush(stdout) != 0 && status == 0) {
    fprintf(stderr, "gmoe: write error: %s\n", strerror(errno));
    status = 1;
  }
  gmoe_session_free(s);
  free(scripts);
  return status;
}
