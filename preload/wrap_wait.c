/* wrap_wait.c - being written */
#include "wrap.h"
