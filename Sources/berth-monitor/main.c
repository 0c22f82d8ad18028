/* berth-monitor: the per-container monitor and its zygote, a static
 * executable of its own (build.sh) that berth carries inside its binary
 * (BerthEngine's MonitorImage) and runs from a sealed memfd. */
#include "monitor.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "__monitor") == 0) return berth_monitor_main(argc, argv);
    if (argc > 1 && strcmp(argv[1], "__monitor-zygote") == 0) return berth_monitor_zygote_main(argc, argv);
    fprintf(stderr, "berth-monitor: started by berth's daemon only (`berth __monitor …` runs it by hand)\n");
    return 2;
}
