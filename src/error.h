/* error.h: status codes and the error message of the gmoe engine.
 *
 * The engine never prints.  A function that fails returns a status code
 * and records a message (one per thread) that a front end reads with
 * gmoe_error_message() and shows to the user.
 */
#ifndef GMOE_ERROR_H
#define GMOE_ERROR_H

enum {
  GMOE_CONTINUE = -2, /* an iterative algorithm is not finished yet */
  GMOE_OK = 0,
  GMOE_EINVAL,        /* invalid argument or setting */
  GMOE_ENOMEM,        /* allocation failed or would be too large */
  GMOE_ENOCONV,       /* iteration limit reached before convergence */
  GMOE_EIO,           /* file could not be read or written */
  GMOE_EDATA,         /* data are malformed or unusable */
  GMOE_ENUMERIC,      /* numerical failure (singular system, non-finite value) */
  GMOE_EINTR          /* stopped at the caller's request */
};

/* Record a printf-style message as this thread's last error. */
void gmoe_error_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Return this thread's last error message ("" when none). */
const char *gmoe_error_message(void);

/* Clear this thread's last error message. */
void gmoe_error_clear(void);

/* Return a short description of a status code. */
const char *gmoe_strerror(int status);

/* Turn GSL's abort-on-error handler off (once, at start-up). */
void gmoe_error_init(void);

/* Record a message and return a status from the current function. */
#define GMOE_ERROR(status, ...) \
  do { gmoe_error_set(__VA_ARGS__); return (status); } while (0)

#endif
