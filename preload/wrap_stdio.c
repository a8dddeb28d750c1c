/* wrap_stdio.c - being written */
#include "wrap.h"
