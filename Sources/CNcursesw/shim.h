#ifndef WEBKASSE_CNCURSESW_SHIM_H
#define WEBKASSE_CNCURSESW_SHIM_H
/* Wide-character API (add_wch, get_wch, cchar_t) needs this before curses.h. */
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <ncursesw/curses.h>

/* Swift 6 rejects reading the global `stdscr`; macros are not imported. Wrap them. */
static inline WINDOW *webkasse_stdscr(void) { return stdscr; }
static inline int webkasse_lines(void) { return LINES; }
static inline int webkasse_cols(void) { return COLS; }
static inline int webkasse_key_f(int n) { return KEY_F(n); }
static inline int webkasse_color_pair(int n) { return COLOR_PAIR(n); }
static inline attr_t webkasse_a_bold(void) { return A_BOLD; }
static inline attr_t webkasse_a_reverse(void) { return A_REVERSE; }
static inline attr_t webkasse_a_underline(void) { return A_UNDERLINE; }
static inline attr_t webkasse_a_normal(void) { return A_NORMAL; }
static inline int webkasse_setlocale_all(void) { return setlocale(LC_ALL, "") != 0; }
static inline attr_t webkasse_a_dim(void) { return A_DIM; }
static inline attr_t webkasse_a_standout(void) { return A_STANDOUT; }
static inline int webkasse_colors(void) { return COLORS; }
static inline int webkasse_key_code_yes(void) { return KEY_CODE_YES; }
static inline int webkasse_key_resize(void) { return KEY_RESIZE; }
static inline int webkasse_err(void) { return ERR; }
#endif
