/* wrap_dl.c - being written */
#include "wrap.h"
