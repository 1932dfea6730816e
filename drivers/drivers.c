/* drivers: the table of drivers compiled in; the engine picks one by URI scheme. */
#include "drivers/driver.h"

#include <stddef.h>

/* Every driver, NULL-terminated. */
const struct driver *const driver_table[] = {
    &qemu_driver,
    &test_driver,
    NULL,
};
