/* wrap_fileio.c - being written */
#include "wrap.h"
