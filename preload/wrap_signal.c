/* wrap_signal.c - being written */
#include "wrap.h"
