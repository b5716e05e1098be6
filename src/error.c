/* error.c: per-thread error messages and status descriptions. */
#include <config.h>
#include <stdarg.h>
#include <stdio.h>
#include <gsl/gsl_errno.h>
#include "error.h"

static _Thread_local char gmoe_error_buf[1024];

/* Record a printf-style message as this thread's last error. */
void
gmoe_error_set(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(gmoe_error_buf, sizeof gmoe_error_buf, fmt, ap);
  va_end(ap);
}

/* Return this thread's last error message ("" when none). */
const char *
gmoe_error_message(void)
{
  return gmoe_error_buf;
}

/* Clear this thread's last error message. */
void
gmoe_error_clear(void)
{
  gmoe_error_buf[0] = '\0';
}

/* Return a short description of a status code. */
const char *
gmoe_strerror(int status)
{
  switch (status) {
  case GMOE_CONTINUE: return "not finished";
  case GMOE_OK: return "success";
  case GMOE_EINVAL: return "invalid argument";
  case GMOE_ENOMEM: return "out of memory";
  case GMOE_ENOCONV: return "did not converge";
  case GMOE_EIO: return "input/output error";
  case GMOE_EDATA: return "bad data";
  case GMOE_ENUMERIC: return "numerical failure";
  case GMOE_EINTR: return "interrupted";
  default: return "unknown status";
  }
}

/* Turn GSL's abort-on-error handler off (once, at start-up). */
void
gmoe_error_init(void)
{
  gsl_set_error_handler_off();
}
