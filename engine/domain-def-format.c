/* domain-def-format: struct domain_def flows out as domain XML text in today's libvirt
 * spelling: 2-space indent, libvirt's element and attribute order, <memory unit='KiB'>,
 * <clock offset=...>, <source network=...>, uuids with dashes. XML kept as written
 * (<metadata> children, foreign-namespace elements, device <address>es) is written back as
 * it came, each with its namespace declarations. Live-only data (the domain
 * id, pty paths) is written unless DOMAIN_DEF_FORMAT_INACTIVE is given. Parsing the output
 * gives back an equal definition. */
#include "engine/domain-def.h"
#include "engine/xmlutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* " name='value'" when value is not NULL. */
static void put_attr(FILE *f, const char *name, const char *value)
{
    if (!value)
        return;
    fprintf(f, " %s='", name);
    xmlutil_put_escaped(f, value);
    fputc('\'', f);
}

/* "<indent><name>text</name>" when text is not NULL. */
static void put_text_element(FILE *f, const char *indent, const char *name, const char *text)
{
    if (!text)
        return;
    fprintf(f, "%s<%s>", indent, name);
    xmlutil_put_escaped(f, text);
    fprintf(f, "</%s>\n", name);
}

/* <os> with its type, loader, kernel, initrd, cmdline, root and boot order. */
static void format_os(FILE *f, const struct domain_def *def)
{
    const struct domain_os *os = &def->os;
    fputs("  <os>\n    <type", f);
    put_attr(f, "arch", os->arch);
    put_attr(f, "machine", os->machine);
    /* "linux" is the seed's name for Xen paravirt; libvirt writes it as "xen" today */
    fprintf(f, ">%s</type>\n", os->type && !strcmp(os->type, "linux") ? "xen" : "hvm");
    put_text_element(f, "    ", "loader", os->loader);
    put_text_element(f, "    ", "kernel", os->kernel);
    put_text_element(f, "    ", "initrd", os->initrd);
    put_text_element(f, "    ", "cmdline", os->cmdline);
    put_text_element(f, "    ", "root", os->root);
    for (size_t i = 0; i < os->nboot && i < DOMAIN_MAX_BOOT; i++)
        fprintf(f, "    <boot dev='%s'/>\n", domain_boot_dev_to_string(os->boot[i]));
    fputs("  </os>\n", f);
}

/* <features> (in libvirt's order acpi, apic, pae), <clock> and the lifecycle actions. */
static void format_platform(FILE *f, const struct domain_def *def)
{
    if (def->feature_acpi || def->feature_apic || def->feature_pae) {
        fputs("  <features>\n", f);
        if (def->feature_acpi)
            fputs("    <acpi/>\n", f);
        if (def->feature_apic)
            fputs("    <apic/>\n", f);
        if (def->feature_pae)
            fputs("    <pae/>\n", f);
        fputs("  </features>\n", f);
    }
    if (def->has_clock)
        fprintf(f, "  <clock offset='%s'/>\n", domain_clock_offset_to_string(def->clock));
    fprintf(f, "  <on_poweroff>%s</on_poweroff>\n", domain_lifecycle_to_string(def->on_poweroff));
    fprintf(f, "  <on_reboot>%s</on_reboot>\n", domain_lifecycle_to_string(def->on_reboot));
    fprintf(f, "  <on_crash>%s</on_crash>\n", domain_lifecycle_to_string(def->on_crash));
}

/* A device's <alias> and kept-as-written <address>, last in the device as libvirt writes. */
static void format_decorations(FILE *f, const char *alias, const char *address)
{
    if (alias) {
        fputs("      <alias", f);
        put_attr(f, "name", alias);
        fputs("/>\n", f);
    }
    if (address)
        fprintf(f, "      %s\n", address);
}

/* One <disk>. */
static void format_disk(FILE *f, const struct domain_disk *d)
{
    fprintf(f, "    <disk type='%s' device='%s'>\n", domain_disk_type_to_string(d->type),
            domain_disk_device_to_string(d->device));
    if (d->driver_name || d->driver_type || d->driver_cache) {
        fputs("      <driver", f);
        put_attr(f, "name", d->driver_name);
        put_attr(f, "type", d->driver_type);
        put_attr(f, "cache", d->driver_cache);
        fputs("/>\n", f);
    }
    if (d->source) {
        fputs("      <source", f);
        put_attr(f, d->type == DOMAIN_DISK_TYPE_FILE ? "file" : "dev", d->source);
        fputs("/>\n", f);
    }
    fputs("      <target", f);
    put_attr(f, "dev", d->target_dev);
    put_attr(f, "bus", d->target_bus);
    fputs("/>\n", f);
    if (d->readonly)
        fputs("      <readonly/>\n", f);
    if (d->shareable)
        fputs("      <shareable/>\n", f);
    format_decorations(f, d->alias, d->address);
    fputs("    </disk>\n", f);
}

/* "<indent><name attr='value'/>" when value is not NULL. */
static void put_leaf(FILE *f, const char *name, const char *attr, const char *value)
{
    if (!value)
        return;
    fprintf(f, "      <%s", name);
    put_attr(f, attr, value);
    fputs("/>\n", f);
}

/* One <interface>: mac, source, ip, script, target, model (libvirt's order). */
static void format_net(FILE *f, const struct domain_net *n)
{
    fprintf(f, "    <interface type='%s'>\n", domain_net_type_to_string(n->type));
    if (n->has_mac)
        fprintf(f, "      <mac address='%02x:%02x:%02x:%02x:%02x:%02x'/>\n", n->mac[0], n->mac[1],
                n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
    switch (n->type) {
    case DOMAIN_NET_USER:
        break;
    case DOMAIN_NET_NETWORK:
        put_leaf(f, "source", "network", n->source_network);
        break;
    case DOMAIN_NET_BRIDGE:
        put_leaf(f, "source", "bridge", n->source_bridge);
        break;
    case DOMAIN_NET_ETHERNET:
        put_leaf(f, "source", "dev", n->source_dev);
        break;
    case DOMAIN_NET_MCAST:
    case DOMAIN_NET_SERVER:
    case DOMAIN_NET_CLIENT:
        if (n->source_address || n->source_port) {
            fputs("      <source", f);
            put_attr(f, "address", n->source_address);
            if (n->source_port)
                fprintf(f, " port='%d'", n->source_port);
            fputs("/>\n", f);
        }
        break;
    }
    put_leaf(f, "ip", "address", n->ip);
    put_leaf(f, "script", "path", n->script);
    put_leaf(f, "target", "dev", n->target_dev);
    put_leaf(f, "model", "type", n->model);
    format_decorations(f, n->alias, n->address);
    fputs("    </interface>\n", f);
}

/* One <serial> or <console>; the tty (live) as libvirt writes it: tty= on consoles only,
 * <source path=...> on both. */
static void format_chr(FILE *f, const struct domain_chr *c, bool console, const char *target_type,
                       bool live)
{
    const char *name = console ? "console" : "serial";
    const char *tty = live ? c->tty : NULL;
    fprintf(f, "    <%s type='%s'", name, domain_chr_type_to_string(c->type));
    if (console)
        put_attr(f, "tty", tty);
    fputs(">\n", f);
    if (tty) {
        fputs("      <source", f);
        put_attr(f, "path", tty);
        fputs("/>\n", f);
    }
    fputs("      <target", f);
    put_attr(f, "type", console ? target_type : c->isa_serial ? "isa-serial" : NULL);
    fprintf(f, " port='%d'", c->port);
    if (!console && c->isa_serial_model)
        fputs(">\n        <model name='isa-serial'/>\n      </target>\n", f);
    else
        fputs("/>\n", f);
    format_decorations(f, c->alias, NULL);
    fprintf(f, "    </%s>\n", name);
}

/* One <graphics>: VNC port (or -1 with autoport), autoport, listen (attribute and child). */
static void format_graphics(FILE *f, const struct domain_graphics *g, bool live)
{
    fprintf(f, "    <graphics type='%s'", domain_graphics_type_to_string(g->type));
    if (g->type != DOMAIN_GRAPHICS_VNC) {
        fputs("/>\n", f);
        return;
    }
    int port = g->autoport && (!live || g->port <= 0) ? -1 : g->port;
    fprintf(f, " port='%d' autoport='%s'", port, g->autoport ? "yes" : "no");
    put_attr(f, "listen", g->listen);
    if (!g->listen) {
        fputs("/>\n", f);
        return;
    }
    fputs(">\n      <listen type='address'", f);
    put_attr(f, "address", g->listen);
    fputs("/>\n    </graphics>\n", f);
}

/* <devices> in libvirt's order: emulator, disks, interfaces, serials, consoles, graphics. */
static void format_devices(FILE *f, const struct domain_def *def, bool live)
{
    fputs("  <devices>\n", f);
    put_text_element(f, "    ", "emulator", def->emulator);
    for (size_t i = 0; i < def->ndisks; i++)
        format_disk(f, &def->disks[i]);
    for (size_t i = 0; i < def->nnets; i++)
        format_net(f, &def->nets[i]);
    for (size_t i = 0; i < def->nserials; i++)
        format_chr(f, &def->serials[i], false, NULL, live);
    bool pv = def->os.type && !strcmp(def->os.type, "linux");
    for (size_t i = 0; i < def->nconsoles; i++)
        format_chr(f, &def->consoles[i], true, pv ? "xen" : "serial", live);
    for (size_t i = 0; i < def->ngraphics; i++)
        format_graphics(f, &def->graphics[i], live);
    fputs("  </devices>\n", f);
}

/* Format def as domain XML; NULL only when out of memory. */
char *domain_def_format(const struct domain_def *def, unsigned flags)
{
    bool live = !(flags & DOMAIN_DEF_FORMAT_INACTIVE);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fprintf(f, "<domain type='%s'", domain_virt_type_to_string(def->type));
    if (live && def->id >= 0)
        fprintf(f, " id='%d'", def->id);
    fputs(">\n", f);
    put_text_element(f, "  ", "name", def->name);
    char uuid[37];
    domain_uuid_format(def->uuid, uuid);
    fprintf(f, "  <uuid>%s</uuid>\n", uuid);
    if (def->has_metadata && def->nmetadata == 0)
        fputs("  <metadata/>\n", f);
    if (def->has_metadata && def->nmetadata > 0) {
        fputs("  <metadata>\n", f);
        for (size_t i = 0; i < def->nmetadata; i++)
            fprintf(f, "    %s\n", def->metadata[i]);
        fputs("  </metadata>\n", f);
    }
    fprintf(f, "  <memory unit='KiB'>%llu</memory>\n", def->memory_kib);
    fprintf(f, "  <currentMemory unit='KiB'>%llu</currentMemory>\n", def->current_memory_kib);
    fprintf(f, "  <vcpu placement='static'>%u</vcpu>\n", def->vcpus);
    format_os(f, def);
    format_platform(f, def);
    format_devices(f, def, live);
    for (size_t i = 0; i < def->nforeign; i++)
        fprintf(f, "  %s\n", def->foreign[i]);
    fputs("</domain>\n", f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
