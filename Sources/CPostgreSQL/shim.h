#ifndef WEBKASSE_CPOSTGRESQL_SHIM_H
#define WEBKASSE_CPOSTGRESQL_SHIM_H
// Debian's libpq-dev installs the header under /usr/include/postgresql (not on the default path).
#if __has_include(<postgresql/libpq-fe.h>)
#include <postgresql/libpq-fe.h>
#else
#include <libpq-fe.h>
#endif
#endif
