/* capabilities-format: struct capabilities flows out as capabilities XML in today's libvirt
 * spelling and order: <host><cpu> (arch, features), then each <guest> with os_type and
 * <arch> (wordsize, emulator, loader, machines, domain types) and its <features>. The
 * output is valid for libvirt's capability.rng and for ours, and parses back to an equal
 * document. */
#include "engine/capabilities.h"
#include "engine/xmlutil.h"

#include <stdio.h>
#include <stdlib.h>

/* "<indent><name>text</name>\n" when text is not NULL. */
static void capabilities_format_text(FILE *f, const char *indent, const char *name,
                                     const char *text)
{
    if (!text)
        return;
    fprintf(f, "%s<%s>", indent, name);
    xmlutil_put_escaped(f, text);
    fprintf(f, "</%s>\n", name);
}

/* Machine elements, one per line. */
static void capabilities_format_machines(FILE *f, const char *indent,
                                         const struct capabilities_machine *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s<machine", indent);
        if (m[i].canonical) {
            fputs(" canonical='", f);
            xmlutil_put_escaped(f, m[i].canonical);
            fputc('\'', f);
        }
        if (m[i].max_cpus)
            fprintf(f, " maxCpus='%u'", m[i].max_cpus);
        if (m[i].deprecated)
            fputs(" deprecated='yes'", f);
        fputc('>', f);
        xmlutil_put_escaped(f, m[i].name);
        fputs("</machine>\n", f);
    }
}

/* <host>: the CPU's arch and its virtualization features. */
static void capabilities_format_host(FILE *f, const struct capabilities_host *h)
{
    fputs("  <host>\n    <cpu>\n", f);
    capabilities_format_text(f, "      ", "arch", h->arch ? h->arch : "");
    if (h->nfeatures) {
        fputs("      <features>\n", f);
        for (size_t i = 0; i < h->nfeatures; i++)
            fprintf(f, "        <%s/>\n", h->features[i]);
        fputs("      </features>\n", f);
    }
    fputs("    </cpu>\n  </host>\n", f);
}

/* One <domain type=...>, with its own emulator and machines when it has them. */
static void capabilities_format_domain(FILE *f, const struct capabilities_domain *d)
{
    fputs("      <domain type='", f);
    xmlutil_put_escaped(f, d->type);
    if (!d->emulator && !d->nmachines) {
        fputs("'/>\n", f);
        return;
    }
    fputs("'>\n", f);
    capabilities_format_text(f, "        ", "emulator", d->emulator);
    capabilities_format_machines(f, "        ", d->machines, d->nmachines);
    fputs("      </domain>\n", f);
}

/* One <guest>. */
static void capabilities_format_guest(FILE *f, const struct capabilities_guest *g)
{
    fputs("  <guest>\n", f);
    capabilities_format_text(f, "    ", "os_type", g->os_type);
    fputs("    <arch name='", f);
    xmlutil_put_escaped(f, g->arch);
    fputs("'>\n", f);
    fprintf(f, "      <wordsize>%u</wordsize>\n", g->wordsize);
    capabilities_format_text(f, "      ", "emulator", g->emulator);
    capabilities_format_text(f, "      ", "loader", g->loader);
    capabilities_format_machines(f, "      ", g->machines, g->nmachines);
    for (size_t i = 0; i < g->ndomains; i++)
        capabilities_format_domain(f, &g->domains[i]);
    fputs("    </arch>\n", f);
    if (g->nfeatures) {
        fputs("    <features>\n", f);
        for (size_t i = 0; i < g->nfeatures; i++) {
            const struct capabilities_feature *ft = &g->features[i];
            fprintf(f, "      <%s", ft->name);
            if (ft->has_toggle)
                fprintf(f, " default='%s' toggle='%s'", ft->default_on ? "on" : "off",
                        ft->toggle ? "yes" : "no");
            fputs("/>\n", f);
        }
        fputs("    </features>\n", f);
    }
    fputs("  </guest>\n", f);
}

/* The whole document, with libvirt's blank lines between the sections. */
char *capabilities_format(const struct capabilities *caps)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        abort(); /* memory exhaustion is not recoverable */
    fputs("<capabilities>\n\n", f);
    capabilities_format_host(f, &caps->host);
    for (size_t i = 0; i < caps->nguests; i++) {
        fputc('\n', f);
        capabilities_format_guest(f, &caps->guests[i]);
    }
    fputs("\n</capabilities>\n", f);
    if (fclose(f) != 0)
        abort();
    return buf;
}
