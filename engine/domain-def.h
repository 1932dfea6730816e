/* domain-def: the in-memory model of a domain's XML definition. XML text flows in through
 * domain_def_parse_*, is checked, and flows out through domain_def_format in today's libvirt
 * spelling. Drivers read this struct (the QEMU argv builder, the test driver) and never
 * touch XML themselves. Parsing is split by element family across domain-def*.c files. */
#ifndef VMDECK_DOMAIN_DEF_H
#define VMDECK_DOMAIN_DEF_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/vmerr.h"

#define DOMAIN_MAX_BOOT 4

enum domain_virt_type {
    DOMAIN_VIRT_QEMU,
    DOMAIN_VIRT_KVM,
    DOMAIN_VIRT_KQEMU,
    DOMAIN_VIRT_XEN,
};

enum domain_lifecycle {
    DOMAIN_LIFECYCLE_DESTROY,
    DOMAIN_LIFECYCLE_RESTART,
    DOMAIN_LIFECYCLE_PRESERVE,
    DOMAIN_LIFECYCLE_RENAME_RESTART,
};

enum domain_boot_dev {
    DOMAIN_BOOT_FD,
    DOMAIN_BOOT_HD,
    DOMAIN_BOOT_CDROM,
    DOMAIN_BOOT_NETWORK,
};

enum domain_clock_offset {
    DOMAIN_CLOCK_UTC,
    DOMAIN_CLOCK_LOCALTIME,
};

enum domain_disk_type {
    DOMAIN_DISK_TYPE_FILE,
    DOMAIN_DISK_TYPE_BLOCK,
};

enum domain_disk_device {
    DOMAIN_DISK_DEVICE_DISK,
    DOMAIN_DISK_DEVICE_CDROM,
    DOMAIN_DISK_DEVICE_FLOPPY,
};

enum domain_net_type {
    DOMAIN_NET_USER,
    DOMAIN_NET_NETWORK,
    DOMAIN_NET_BRIDGE,
    DOMAIN_NET_ETHERNET,
    DOMAIN_NET_MCAST,
    DOMAIN_NET_SERVER,
    DOMAIN_NET_CLIENT,
};

enum domain_chr_type {
    DOMAIN_CHR_PTY,
};

enum domain_graphics_type {
    DOMAIN_GRAPHICS_VNC,
    DOMAIN_GRAPHICS_SDL,
};

struct domain_disk {
    enum domain_disk_type type;
    enum domain_disk_device device;
    char *source;     /* file path or block device; NULL = empty (cdrom/floppy) */
    char *target_dev; /* hda, sdb, vda, fda ... (required) */
    char *target_bus; /* ide, scsi, virtio, fdc, sata, usb, xen; the parser derives it
                       * from dev (hd* ide, sd* scsi, vd* virtio, xvd* xen, fd* fdc) */
    bool readonly;
    bool shareable;
    char *driver_name;  /* <driver name=...>: "qemu" or NULL */
    char *driver_type;  /* <driver type=...>: "raw", "qcow2" or NULL (= raw) */
    char *driver_cache; /* <driver cache=...>: default, none, writethrough, ... or NULL */
    char *alias;        /* <alias name=...> as written, NULL when absent */
    char *address;      /* <address .../> kept as written (serialized XML), NULL when absent */
    int line;           /* line of <disk> in the source XML, for messages */
};

struct domain_net {
    enum domain_net_type type;
    bool has_mac;
    unsigned char mac[6];
    char *source_network; /* type network */
    char *source_bridge;  /* type bridge */
    char *source_dev;     /* type ethernet (host device), direct */
    char *source_address; /* mcast / server / client */
    int source_port;      /* mcast / server / client, 0 = unset */
    char *script;         /* <script path=...> */
    char *target_dev;     /* <target dev=...> */
    char *model;          /* <model type=...> */
    char *ip;             /* <ip address=...> */
    char *alias;          /* <alias name=...> as written, NULL when absent */
    char *address;        /* <address .../> kept as written (serialized XML), NULL when absent */
    int line;
};

struct domain_chr {
    enum domain_chr_type type;
    int port;              /* <target port=...>, default 0 */
    char *tty;             /* live only: /dev/pts/N */
    bool isa_serial;       /* serial <target type='isa-serial'> as today's libvirt writes it */
    bool isa_serial_model; /* ... with <model name='isa-serial'/> inside */
    char *alias;           /* <alias name=...> as written, NULL when absent */
    int line;
};

struct domain_graphics {
    enum domain_graphics_type type;
    int port;      /* VNC display port (5900 + N); -1 = autoport */
    bool autoport; /* port == -1 or autoport='yes' */
    char *listen;  /* listen address, NULL = default */
    int line;
};

struct domain_os {
    char *type;    /* "hvm" or "linux" (Xen PV; also read as and written as "xen") */
    char *arch;    /* i686, x86_64, ... NULL = host arch */
    char *machine; /* pc, q35, ... NULL = default */
    char *loader;
    char *kernel;
    char *initrd;
    char *cmdline;
    char *root;
    enum domain_boot_dev boot[DOMAIN_MAX_BOOT];
    size_t nboot;
};

struct domain_def {
    enum domain_virt_type type;
    int id; /* live only: -1 when not running */
    char *name;
    unsigned char uuid[16];
    unsigned long long memory_kib;         /* <memory>: maximum */
    unsigned long long current_memory_kib; /* <currentMemory>: = memory_kib when absent */
    unsigned vcpus;
    struct domain_os os;
    bool feature_pae, feature_acpi, feature_apic;
    bool has_clock;
    enum domain_clock_offset clock;
    enum domain_lifecycle on_poweroff, on_reboot, on_crash;
    char *emulator;
    int emulator_line; /* line of <emulator> in the source XML, for messages; 0 = unknown */
    struct domain_disk *disks;
    size_t ndisks;
    struct domain_net *nets;
    size_t nnets;
    struct domain_chr *serials;
    size_t nserials;
    struct domain_chr *consoles; /* HVM: consoles[0] is serials[0] seen as a console (the
                                  * parser pairs them, as libvirt does); keep their ttys equal */
    size_t nconsoles;
    struct domain_graphics *graphics;
    size_t ngraphics;
    /* Elements in a foreign namespace, kept as written (each serialized with the namespace
     * declarations it needs) and written back: children of <domain> (e.g.
     * <qemu:commandline>), and the children of <metadata>. */
    char **foreign;
    size_t nforeign;
    bool has_metadata;
    char **metadata;
    size_t nmetadata;
};

/* Flags for domain_def_format. */
enum {
    DOMAIN_DEF_FORMAT_INACTIVE = 1 << 0, /* omit live-only data (id, tty paths) */
};

/* Parse domain XML from a string; source names it in error messages (file name or NULL). */
struct domain_def *domain_def_parse_string(const char *xml, const char *source, struct vmerr *err);
/* Parse domain XML from a file (errors name the file). */
struct domain_def *domain_def_parse_file(const char *path, struct vmerr *err);
/* The same without the RelaxNG pass (the model's own checks still run), for a file the
 * caller knows passed the schema and is unchanged since (a driver's stored definition whose
 * identity it recorded): saves compiling the schema on every start. */
struct domain_def *domain_def_parse_file_validated(const char *path, struct vmerr *err);
struct _xmlDoc;
struct xmlutil_ctx;
/* Flags for domain_def_parse_doc. */
enum {
    /* the model's checks only, not the RelaxNG second net (libxml2's validator recompiles
     * each pattern facet's regexp for every value it checks: ~30 us a domain) */
    DOMAIN_DEF_PARSE_NO_SCHEMA = 1 << 0,
};
/* Parse a document that xmlutil_read already accepted, whose root is <domain> (the test
 * driver copies each <domain> of its node file into one): the model's checks, then the
 * schema; errors go to x->err with x->source and the document's own line numbers. */
struct domain_def *domain_def_parse_doc(const struct xmlutil_ctx *x, struct _xmlDoc *doc,
                                        unsigned flags);
/* Format def as XML in today's libvirt spelling; caller frees. */
char *domain_def_format(const struct domain_def *def, unsigned flags);
/* Deep copy of def (NULL on allocation failure). */
struct domain_def *domain_def_copy(const struct domain_def *def);
/* Free def and everything it owns. NULL is fine. */
void domain_def_free(struct domain_def *def);

/* enum <-> string tables (libvirt's spellings). to_string never returns NULL. */
const char *domain_virt_type_to_string(enum domain_virt_type t);
int domain_virt_type_from_string(const char *s); /* -1 if unknown */
const char *domain_lifecycle_to_string(enum domain_lifecycle a);
int domain_lifecycle_from_string(const char *s);
const char *domain_boot_dev_to_string(enum domain_boot_dev d);
int domain_boot_dev_from_string(const char *s);
const char *domain_disk_device_to_string(enum domain_disk_device d);
const char *domain_net_type_to_string(enum domain_net_type t);
int domain_disk_device_from_string(const char *s);
int domain_net_type_from_string(const char *s);
const char *domain_disk_type_to_string(enum domain_disk_type t);
int domain_disk_type_from_string(const char *s);
const char *domain_clock_offset_to_string(enum domain_clock_offset c);
int domain_clock_offset_from_string(const char *s);
const char *domain_chr_type_to_string(enum domain_chr_type t);
int domain_chr_type_from_string(const char *s);
const char *domain_graphics_type_to_string(enum domain_graphics_type t);
int domain_graphics_type_from_string(const char *s);

/* Format uuid as 36-char text with dashes into buf (>= 37 bytes). */
void domain_uuid_format(const unsigned char uuid[16], char *buf);
/* Parse uuid text with or without dashes; 0 on success, -1 if malformed. */
int domain_uuid_parse(const char *text, unsigned char uuid[16]);
/* Fill uuid with a random version-4 UUID. */
void domain_uuid_generate(unsigned char uuid[16]);
/* Whether name is usable as a domain name. The rule (also in domain.rng): 1 to 255 bytes of
 * valid UTF-8; ASCII letters, digits and the five characters - _ . + : ; outside ASCII,
 * Unicode letters, marks and numbers (categories L, M, N by libxml2's tables); the first
 * character is not '.' or '-'. So no '/', blanks, quotes, shell or control characters, and
 * the name is always a safe file name and list cell. (The schema counts characters, so its
 * 255 limit is looser for non-ASCII names; the parser applies the byte limit.) */
bool domain_name_valid(const char *name);

/* ---- Internal to engine/domain-def*.c (the parser is split by element family) ---- */

struct _xmlNode;
struct xmlutil_ctx;

/* <os>, <features>, <clock>, on_* (domain-def-os.c). */
int domain_def_os_parse(const struct xmlutil_ctx *x, const struct _xmlNode *node,
                        struct domain_def *def);
int domain_def_os_parse_features(const struct xmlutil_ctx *x, const struct _xmlNode *node,
                                 struct domain_def *def);
int domain_def_os_parse_clock(const struct xmlutil_ctx *x, const struct _xmlNode *node,
                              struct domain_def *def);
int domain_def_os_parse_lifecycle(const struct xmlutil_ctx *x, const struct _xmlNode *node,
                                  enum domain_lifecycle *out);
/* Deep copy of src's os block into dst (0, or -1 on allocation failure). */
int domain_def_os_copy(struct domain_os *dst, const struct domain_os *src);
/* Free what os owns. */
void domain_def_os_clear(struct domain_os *os);

/* <metadata> and foreign-namespace elements (domain-def.c). */

/* Kept-as-written XML strings: copy an array (0, or -1 on allocation failure; *dst is then
 * freeable with domain_def_strings_free) and free one. */
int domain_def_strings_copy(char ***dst, char *const *src, size_t n);
void domain_def_strings_free(char **strings, size_t n);

/* <devices> (domain-def-devices.c). */
int domain_def_devices_parse(const struct xmlutil_ctx *x, const struct _xmlNode *node,
                             struct domain_def *def);
/* Checks across devices once the whole document is read (console/serial pairing...). */
int domain_def_devices_finish(const struct xmlutil_ctx *x, const struct _xmlNode *root,
                              struct domain_def *def);
/* Deep copy of src's devices into dst (0, or -1 on allocation failure). */
int domain_def_devices_copy(struct domain_def *dst, const struct domain_def *src);
/* Free every device def owns. */
void domain_def_devices_clear(struct domain_def *def);

#endif
