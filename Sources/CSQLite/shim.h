#ifndef WEBKASSE_CSQLITE_SHIM_H
#define WEBKASSE_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro casting -1 to a function pointer; Swift cannot import it.
static inline sqlite3_destructor_type webkasse_sqlite_transient(void) { return SQLITE_TRANSIENT; }

/// sqlite3_config is variadic; wrap the one form we use.
static inline int webkasse_sqlite_config_single_thread(void) { return sqlite3_config(SQLITE_CONFIG_MULTITHREAD); }
#endif
