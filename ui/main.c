/* main: the vmdeck entry point. The command line flows straight into cmd_main, which picks
 * a CLI verb or the TUI (which sets the locale itself: CLI verbs need none, and loading it
 * costs every short-lived verb a few milliseconds). */
#include "ui/ui.h"

/* Run the command line. */
int main(int argc, char **argv)
{
    return cmd_main(argc, argv);
}
