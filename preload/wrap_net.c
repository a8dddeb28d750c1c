/* wrap_net.c - being written */
#include "wrap.h"
