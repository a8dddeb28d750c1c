/* wrap_meta.c - being written */
#include "wrap.h"
