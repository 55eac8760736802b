#ifndef WEBKASSE_CQRENCODE_SHIM_H
#define WEBKASSE_CQRENCODE_SHIM_H
#include <qrencode.h>
#endif
