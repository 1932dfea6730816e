/* qemu-summary: what a domain list needs from each persistent definition (uuid, vcpus,
 * memory), kept in CONFIG/.summary/NAME so listing 1,000 domains reads 1,000 tiny files
 * instead of parsing 1,000 XML files. A summary is a cache: it records the identity of the
 * XML file it was made from (inode, size, mtime in ns) and is rebuilt whenever that no
 * longer matches (define's atomic rename changes the identity; define writes the new one
 * right away). A current summary also proves the file passed a full parse with the schema,
 * which lets start skip the RelaxNG pass. */
#ifndef VMDECK_QEMU_SUMMARY_H
#define VMDECK_QEMU_SUMMARY_H

#include <stdbool.h>

#include "engine/domain-def.h"
#include "engine/vmerr.h"

/* The definition of name in config_dir for a list row: from its summary when that is
 * current (a def with only name, uuid, vcpus and memory filled), else the full parse of
 * CONFIG/NAME.xml (whose summary is then rewritten). VMERR_NO_DOMAIN if there is no XML.
 * Caller frees with domain_def_free. */
struct domain_def *qemu_summary_load(const char *config_dir, const char *name, struct vmerr *err);
/* Whether name's summary matches CONFIG/NAME.xml as it is now. */
bool qemu_summary_current(const char *config_dir, const char *name);
/* Write the summary of def, which was fully parsed and just stored as CONFIG/NAME.xml. */
void qemu_summary_update(const char *config_dir, const struct domain_def *def);
/* Forget name's summary (undefine). */
void qemu_summary_remove(const char *config_dir, const char *name);

#endif
