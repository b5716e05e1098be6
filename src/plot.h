/* plot.h: a pure renderer from data to a grid of character cells.
 *
 * A plot holds series of (x, y) points (drawn as lines, glyph markers or
 * dots), horizontal reference lines, a title, an x label and axis
 * settings.  gmoe_plot_render lays it out on a canvas of w x h cells:
 * title, y tick labels and axis, plot area, x axis and tick labels, and
 * a legend.  Nothing is printed: the canvas holds one Unicode code point
 * per cell together with what the cell shows (axis, data, reference
 * line, text) and which series it belongs to, so a front end can add
 * colour.  gmoe_canvas_string turns a canvas into UTF-8 text.
 *
 * In ASCII mode every cell is a printable ASCII character.  In Unicode
 * mode lines and dots use braille patterns (2 x 4 dots per cell), axes
 * use box-drawing characters, and glyph markers stay ASCII so that every
 * cell is one column wide.  The plot copies the data and strings it is
 * given; the caller keeps ownership of its arrays.
 */
#ifndef GMOE_PLOT_H
#define GMOE_PLOT_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  GMOE_PLOT_LINE,   /* consecutive points joined (braille in Unicode mode) */
  GMOE_PLOT_POINTS, /* the series glyph at each point, in both modes */
  GMOE_PLOT_DOTS,   /* one braille dot per point in Unicode mode, the glyph in ASCII */
  GMOE_PLOT_THIN    /* a line of '.' in ASCII, braille in Unicode, no end glyph:
                       a fitted curve under the points it fits */
} gmoe_plot_style;

typedef enum { GMOE_PLOT_ASCII, GMOE_PLOT_UNICODE } gmoe_plot_charset;

/* What a canvas cell shows. */
typedef enum {
  GMOE_CELL_BLANK,
  GMOE_CELL_TEXT,   /* title, tick labels, legend names */
  GMOE_CELL_AXIS,   /* axis lines and tick marks */
  GMOE_CELL_DATA,   /* a series' points or lines (and its legend glyph) */
  GMOE_CELL_REF     /* a reference line (and its legend glyph) */
} gmoe_cell_kind;

typedef struct gmoe_canvas {
  size_t w, h;
  uint32_t *ch;         /* w*h code points, row-major */
  int *series;          /* w*h series index for DATA and REF cells, else -1 */
  unsigned char *kind;  /* w*h gmoe_cell_kind */
} gmoe_canvas;

/* Allocate a blank canvas of w x h cells (spaces, series -1); NULL when
 * memory runs out or a side is zero. */
gmoe_canvas *gmoe_canvas_alloc(size_t w, size_t h);

/* Free a canvas; NULL is a no-op. */
void gmoe_canvas_free(gmoe_canvas *c);

/* Return the canvas as UTF-8 text, one line per row each ending in '\n',
 * trailing spaces removed; the caller frees it.  NULL when memory runs out. */
char *gmoe_canvas_string(const gmoe_canvas *c);

/* Write row r of the canvas as UTF-8 into buf (len bytes, NUL-terminated,
 * trailing spaces kept, truncated at a character boundary when too
 * short); returns the number of bytes written without the NUL. */
size_t gmoe_canvas_row(const gmoe_canvas *c, size_t r, char *buf, size_t len);

typedef struct gmoe_plot gmoe_plot;

/* Allocate an empty plot with a title (copied; NULL for none).  Returns
 * NULL when memory runs out. */
gmoe_plot *gmoe_plot_alloc(const char *title);

/* Free a plot and the copies it owns; NULL is a no-op. */
void gmoe_plot_free(gmoe_plot *p);

/* Replace the title (copied; NULL for none). */
int gmoe_plot_set_title(gmoe_plot *p, const char *title);

/* Set the x axis label (copied; NULL for none), shown under the axis. */
int gmoe_plot_set_xlabel(gmoe_plot *p, const char *label);

/* Use logarithmic x and/or y axes (base 10; points with a coordinate
 * <= 0 are then skipped). */
void gmoe_plot_set_log(gmoe_plot *p, int logx, int logy);

/* Put x ticks at whole numbers only (for iterations and counts). */
void gmoe_plot_set_xinteger(gmoe_plot *p, int on);

/* Fix the x or y range; a NaN bound is chosen from the data. */
void gmoe_plot_set_xrange(gmoe_plot *p, double lo, double hi);
void gmoe_plot_set_yrange(gmoe_plot *p, double lo, double hi);

/* Add a series of n points: point t is (x[t*xstride], y[t*ystride]), or
 * (t+1, y[t*ystride]) when x is NULL.  Non-finite points are skipped (a
 * line breaks there).  name (copied) is shown in the legend; NULL keeps
 * the series out of it.  Returns the series index (0, 1, ...), or -1
 * with a message when memory runs out. */
int gmoe_plot_add_series(gmoe_plot *p, const char *name, gmoe_plot_style style,
                         const double *x, size_t xstride, const double *y, size_t ystride,
                         size_t n);

/* Draw series `series` with the glyph and colour of series `look` (for
 * instance a fitted line with the points it fits); GMOE_EINVAL when
 * either does not exist. */
int gmoe_plot_set_look(gmoe_plot *p, int series, int look);

/* Add a horizontal reference line at y, drawn in the colour of series
 * `series` (or -1 for none) underneath the data; name (copied) goes to
 * the legend, NULL keeps it out.  Returns GMOE_OK or GMOE_ENOMEM. */
int gmoe_plot_add_hline(gmoe_plot *p, const char *name, double y, int series);

/* Number of series added so far. */
size_t gmoe_plot_nseries(const gmoe_plot *p);

/* Render the plot on a new w x h canvas (*out, freed by the caller).
 * Returns GMOE_OK, GMOE_EINVAL with a message when w x h is too small
 * for axes and labels (see gmoe_plot_min_size), or GMOE_ENOMEM. */
int gmoe_plot_render(const gmoe_plot *p, size_t w, size_t h, gmoe_plot_charset cs,
                     gmoe_canvas **out);

/* Smallest canvas width and height gmoe_plot_render accepts. */
#define GMOE_PLOT_MIN_W 20
#define GMOE_PLOT_MIN_H 5

/* The glyph of series i in either charset (a printable ASCII character). */
uint32_t gmoe_plot_glyph(int i);

/* Format v as a short tick label given the tick spacing step (0 for an
 * isolated value) into buf; returns the length. */
size_t gmoe_plot_format(double v, double step, char *buf, size_t len);

#endif
