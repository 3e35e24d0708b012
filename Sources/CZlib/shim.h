// zlib (Debian zlib1g-dev): gzip reading for the IDX datasets.
#ifndef SPARSESIM_CZLIB_SHIM_H
#define SPARSESIM_CZLIB_SHIM_H

#include <zlib.h>

#endif
