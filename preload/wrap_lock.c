/* wrap_lock.c - being written */
#include "wrap.h"
