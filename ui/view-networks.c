/* view-networks: the network list's columns. engine_network_info rows (name, state,
 * bridge, forward mode, address range, autostart) flow through this table into the list
 * view's generic drawing, sorting and filtering (view-list.c, columns.c). */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

/* Name. */
static void networks_name_text(const struct tui *tui, const void *row, char *buf, size_t len,
                               enum draw_colour *colour)
{
    (void)tui;
    (void)colour;
    snprintf(buf, len, "%s", ((const struct engine_network_info *)row)->name);
}

/* State: symbol + word in a colour, so it reads without colour too. */
static void networks_state_text(const struct tui *tui, const void *row, char *buf, size_t len,
                                enum draw_colour *colour)
{
    const struct engine_network_info *n = row;
    if (n->active)
        snprintf(buf, len, "%s active", tui->utf8 ? "\u25b6" : ">");
    else
        snprintf(buf, len, "%s inactive", tui->utf8 ? "\u25a0" : "#");
    *colour = n->active ? DRAW_RUNNING : DRAW_SHUTOFF;
}

/* Bridge device. */
static void networks_bridge_text(const struct tui *tui, const void *row, char *buf, size_t len,
                                 enum draw_colour *colour)
{
    (void)tui;
    (void)colour;
    const struct engine_network_info *n = row;
    snprintf(buf, len, "%s", n->bridge[0] ? n->bridge : "-");
}

/* Forward mode ("isolated" for none, as the word users know). */
static void networks_forward_text(const struct tui *tui, const void *row, char *buf, size_t len,
                                  enum draw_colour *colour)
{
    (void)tui;
    (void)colour;
    const struct engine_network_info *n = row;
    snprintf(buf, len, "%s",
             !n->forward[0] || !strcmp(n->forward, "none") ? "isolated" : n->forward);
}

/* Address range: the subnet. */
static void networks_address_text(const struct tui *tui, const void *row, char *buf, size_t len,
                                  enum draw_colour *colour)
{
    (void)tui;
    (void)colour;
    const struct engine_network_info *n = row;
    snprintf(buf, len, "%s", n->subnet[0] ? n->subnet : "-");
}

/* Autostart. */
static void networks_autostart_text(const struct tui *tui, const void *row, char *buf, size_t len,
                                    enum draw_colour *colour)
{
    (void)tui;
    (void)colour;
    snprintf(buf, len, "%s", ((const struct engine_network_info *)row)->autostart ? "yes" : "no");
}

/* Compare two strings of the rows at offset off. */
static int networks_str_cmp(const void *a, const void *b, size_t off)
{
    return strcmp((const char *)a + off, (const char *)b + off);
}

/* By name. */
static int networks_name_cmp(const struct tui *tui, const void *a, const void *b)
{
    (void)tui;
    return networks_str_cmp(a, b, offsetof(struct engine_network_info, name));
}

/* Active first. */
static int networks_state_cmp(const struct tui *tui, const void *a, const void *b)
{
    (void)tui;
    return (int)((const struct engine_network_info *)b)->active -
           (int)((const struct engine_network_info *)a)->active;
}

/* By bridge. */
static int networks_bridge_cmp(const struct tui *tui, const void *a, const void *b)
{
    (void)tui;
    return networks_str_cmp(a, b, offsetof(struct engine_network_info, bridge));
}

/* By forward mode. */
static int networks_forward_cmp(const struct tui *tui, const void *a, const void *b)
{
    (void)tui;
    return networks_str_cmp(a, b, offsetof(struct engine_network_info, forward));
}

/* By subnet text. */
static int networks_address_cmp(const struct tui *tui, const void *a, const void *b)
{
    (void)tui;
    return networks_str_cmp(a, b, offsetof(struct engine_network_info, subnet));
}

/* Autostart ones first. */
static int networks_autostart_cmp(const struct tui *tui, const void *a, const void *b)
{
    (void)tui;
    return (int)((const struct engine_network_info *)b)->autostart -
           (int)((const struct engine_network_info *)a)->autostart;
}

/* The network columns, left to right. */
static const struct column networks_cols[] = {
    {"name", "Name", 8, true, false, 0, false, networks_name_text, networks_name_cmp},
    {"state", "State", 10, false, false, 0, false, networks_state_text, networks_state_cmp},
    {"bridge", "Bridge", 10, false, false, 3, false, networks_bridge_text, networks_bridge_cmp},
    {"forward", "Forward", 8, false, false, 2, false, networks_forward_text, networks_forward_cmp},
    {"address", "Address range", 18, false, false, 4, false, networks_address_text,
     networks_address_cmp},
    {"autostart", "Autostart", 9, false, false, 1, false, networks_autostart_text,
     networks_autostart_cmp},
};

const struct column_table view_networks_table = {
    networks_cols, sizeof(networks_cols) / sizeof(networks_cols[0]), 0};
