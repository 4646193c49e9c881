#include "../../kstub.h"
