/* main: the vmdeck entry point. The command line flows straight into cmd_main, which picks
 * a CLI verb or the TUI. */
#include <locale.h>

#include "ui/ui.h"

/* Set the locale (wide characters in the TUI) and run the command line. */
int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    return cmd_main(argc, argv);
}
