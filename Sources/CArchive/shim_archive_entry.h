#include <archive_entry.h>
