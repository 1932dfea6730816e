/* test-ui-lists: the list logic of the TUI library without a terminal. Column layout drops
 * columns in the table's priority order down to 40 columns; sorting by every domain column
 * (and reversed) orders rows as the column says with ties broken by name; the filter
 * matches any column's text case-insensitively; sparklines scale, average, right-align and
 * fall back to ASCII; and against the real test driver (test:///default): the list refresh,
 * the live filter keys, sort keys, tab switching, the selection kept on the same name, and
 * the sampler (no timer while no stats are shown, one sample a second while they are, CPU %
 * from two samples, light samples for list rows and full ones for the details). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "ui/ui.h"

/* A domain row as the engine would list it. */
static struct engine_domain_info dom(const char *name, int id, enum engine_domain_state state,
                                     unsigned vcpus, unsigned long long mem_mib, long long started,
                                     int vnc, bool console)
{
    struct engine_domain_info d;
    memset(&d, 0, sizeof(d));
    snprintf(d.name, sizeof(d.name), "%s", name);
    d.id = id;
    d.state = state;
    d.vcpus = vcpus;
    d.memory_kib = mem_mib * 1024;
    d.start_time = started;
    d.vnc_port = vnc;
    d.has_console = console;
    return d;
}

/* Names of rows in order, joined by spaces. */
static void order_names(const struct engine_domain_info *rows, const size_t *order, size_t n,
                        char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? " " : "", rows[order[i]].name);
}

/* Index of the column titled title in t (and the same through its id). */
static size_t col_index(const struct column_table *t, const char *title)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (!strcmp(t->cols[i].title, title)) {
            assert_int_equal(columns_find(t, t->cols[i].id), i);
            return i;
        }
    fail_msg("no column %s", title);
    return 0;
}

/* Wide terminals show every column; narrow ones drop Console/VNC, Uptime, Id, Memory, vCPUs,
 * CPU in that order, never Name or State; widths never overlap or overflow. */
static void test_layout_drops_in_order(void **state)
{
    (void)state;
    const struct column_table *t = &view_list_domain_table;
    int xs[16], ws[16];
    columns_layout(t, 120, xs, ws);
    for (size_t i = 0; i < t->ncols; i++)
        assert_true(ws[i] > 0);
    const char *drop_order[] = {"Console/VNC", "Uptime", "Id", "Memory", "vCPUs", "CPU"};
    int prev_shown = (int)t->ncols;
    for (int width = 120; width >= 40; width--) {
        columns_layout(t, width, xs, ws);
        int shown = 0, end = 0;
        for (size_t i = 0; i < t->ncols; i++) {
            if (ws[i] == 0)
                continue;
            shown++;
            assert_true(xs[i] >= end);
            end = xs[i] + ws[i];
        }
        assert_true(end <= width);
        assert_true(ws[col_index(t, "Name")] >= 8);
        assert_true(ws[col_index(t, "State")] > 0);
        assert_true(shown <= prev_shown);
        /* the columns gone are exactly the first (ncols - shown) of drop_order */
        for (size_t k = 0; k < sizeof(drop_order) / sizeof(drop_order[0]); k++) {
            bool gone = ws[col_index(t, drop_order[k])] == 0;
            assert_int_equal(gone, (int)k < (int)t->ncols - shown);
        }
        prev_shown = shown;
    }
    columns_layout(t, 40, xs, ws);
    assert_int_equal(ws[col_index(t, "Uptime")], 0);
    assert_true(ws[col_index(t, "Name")] > 0);
    /* The network table keeps name and state at 40 columns too. */
    const struct column_table *nt = &view_networks_table;
    columns_layout(nt, 40, xs, ws);
    assert_true(ws[col_index(nt, "Name")] >= 8);
    assert_true(ws[col_index(nt, "State")] > 0);
    columns_layout(nt, 100, xs, ws);
    for (size_t i = 0; i < nt->ncols; i++)
        assert_true(ws[i] > 0);
}

/* Sorting by each domain column, ascending and reversed. */
static void test_sort_every_column(void **state)
{
    (void)state;
    struct tui tui;
    memset(&tui, 0, sizeof(tui));
    tui.utf8 = true;
    long long now = time(NULL);
    struct engine_domain_info rows[] = {
        dom("web", 3, ENGINE_DOMAIN_RUNNING, 4, 2048, now - 100, 5903, true),
        dom("db", 1, ENGINE_DOMAIN_PAUSED, 8, 8192, now - 5000, -1, false),
        dom("alpha", -1, ENGINE_DOMAIN_SHUTOFF, 1, 512, 0, -1, false),
        dom("mail", 2, ENGINE_DOMAIN_RUNNING, 2, 1024, now - 10, -1, true),
    };
    const size_t n = sizeof(rows) / sizeof(rows[0]);
    const struct column_table *t = &view_list_domain_table;
    const struct {
        const char *col;
        const char *asc;
    } cases[] = {
        {"Name", "alpha db mail web"},   {"Id", "db mail web alpha"},
        {"State", "mail web db alpha"},  {"vCPUs", "alpha mail web db"},
        {"Memory", "alpha mail web db"}, {"CPU", "alpha db mail web"},
        {"Uptime", "alpha mail web db"}, {"Console/VNC", "alpha db mail web"},
    };
    assert_int_equal(sizeof(cases) / sizeof(cases[0]), t->ncols);
    assert_int_equal(columns_find(t, "cpu"), col_index(t, "CPU"));
    assert_int_equal(columns_find(t, "nosuch"), t->ncols);
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        size_t order[4] = {0, 1, 2, 3};
        char got[128];
        columns_sort(&tui, t, rows, sizeof(rows[0]), order, n, col_index(t, cases[c].col), false);
        order_names(rows, order, n, got, sizeof(got));
        assert_string_equal(got, cases[c].asc);
        columns_sort(&tui, t, rows, sizeof(rows[0]), order, n, col_index(t, cases[c].col), true);
        char want[128] = "";
        /* reversed: the ascending names backwards */
        char copy[128];
        snprintf(copy, sizeof(copy), "%s", cases[c].asc);
        char *words[8];
        size_t nw = 0;
        for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " "))
            words[nw++] = tok;
        for (size_t i = nw; i-- > 0;)
            snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s",
                     i + 1 == nw ? "" : " ", words[i]);
        order_names(rows, order, n, got, sizeof(got));
        assert_string_equal(got, want);
    }
}

/* The filter matches any column's text, ignoring case; "" matches all. */
static void test_filter_match(void **state)
{
    (void)state;
    struct tui tui;
    memset(&tui, 0, sizeof(tui));
    tui.utf8 = true;
    struct engine_domain_info web = dom("Web-01", 3, ENGINE_DOMAIN_RUNNING, 4, 2048, 0, 5903, true);
    struct engine_domain_info off = dom("backup", -1, ENGINE_DOMAIN_SHUTOFF, 1, 512, 0, -1, false);
    const struct column_table *t = &view_list_domain_table;
    assert_true(columns_match(&tui, t, &web, ""));
    assert_true(columns_match(&tui, t, &web, "web"));
    assert_true(columns_match(&tui, t, &web, "EB-0"));
    assert_true(columns_match(&tui, t, &web, "running"));
    assert_true(columns_match(&tui, t, &web, "vnc:5903"));
    assert_true(columns_match(&tui, t, &web, "2.0 GiB"));
    assert_false(columns_match(&tui, t, &web, "shut off"));
    assert_true(columns_match(&tui, t, &off, "shut off"));
    assert_false(columns_match(&tui, t, &off, "web"));
    struct engine_network_info net;
    memset(&net, 0, sizeof(net));
    snprintf(net.name, sizeof(net.name), "default");
    snprintf(net.bridge, sizeof(net.bridge), "virbr0");
    snprintf(net.subnet, sizeof(net.subnet), "192.168.122.0/24");
    assert_true(columns_match(&tui, &view_networks_table, &net, "VIRBR"));
    assert_true(columns_match(&tui, &view_networks_table, &net, "122.0"));
    assert_true(columns_match(&tui, &view_networks_table, &net, "inactive"));
    assert_false(columns_match(&tui, &view_networks_table, &net, "nat"));
}

/* Sparklines: levels, averaging, right alignment, missing samples and ASCII. */
static void test_sparkline(void **state)
{
    (void)state;
    char buf[256];
    const double ramp[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    sparkline_render(ramp, 8, 8, 7, true, buf, sizeof(buf));
    assert_string_equal(buf, "▁▂▃▄▅▆▇█");
    sparkline_render(ramp, 8, 8, 7, false, buf, sizeof(buf));
    assert_string_equal(buf, "_.-=+*#@");
    sparkline_render(ramp, 3, 5, 7, false, buf, sizeof(buf)); /* fewer values: right-aligned */
    assert_string_equal(buf, "  _.-");
    const double pairs[6] = {0, 0, 7, 7, 3.5, 3.5}; /* two values per cell, averaged */
    sparkline_render(pairs, 6, 3, 7, false, buf, sizeof(buf));
    assert_string_equal(buf, "_@+");
    const double gaps[3] = {7, -1, 0}; /* no sample: blank */
    sparkline_render(gaps, 3, 3, 7, false, buf, sizeof(buf));
    assert_string_equal(buf, "@ _");
    double minute[60];
    for (int i = 0; i < 60; i++)
        minute[i] = i < 30 ? 0 : 100;
    sparkline_render(minute, 60, 10, 100, true, buf, sizeof(buf));
    assert_string_equal(buf, "▁▁▁▁▁█████");
    const double over[2] = {500, -3};
    sparkline_render(over, 1, 1, 100, false, buf, sizeof(buf)); /* clamped to the top */
    assert_string_equal(buf, "@");
    sparkline_render(ramp, 8, 0, 7, true, buf, sizeof(buf));
    assert_string_equal(buf, "");
}

/* A TUI state on a real connection, without a terminal. */
static struct tui *lists_tui(struct engine_conn *conn)
{
    struct tui *tui = calloc(1, sizeof(*tui));
    assert_non_null(tui);
    tui->conn = conn;
    tui->utf8 = true;
    tui->view = TUI_VIEW_LIST;
    view_list_refresh(tui);
    return tui;
}

/* Free what lists_tui and the list code allocated. */
static void lists_tui_free(struct tui *tui)
{
    free(tui->domains);
    free(tui->networks);
    for (int t = 0; t < LIST_TAB_COUNT; t++)
        free(tui->lists[t].order);
    sampler_free(tui);
    free(tui);
}

/* Type a string into the filter. */
static void type(struct tui *tui, const char *s)
{
    for (; *s; s++)
        assert_true(view_list_filter_key(tui, (wint_t)(unsigned char)*s, false));
}

/* The list on test:///default: refresh, filter typed live, Esc, sort keys, tabs, selection
 * kept by name. */
static void test_list_on_test_driver(void **state)
{
    (void)state;
    char *dir = testutil_isolate("ui-lists");
    struct vmerr err = {0};
    struct engine_conn *conn = engine_open("test:///default", &err);
    assert_non_null(conn);
    struct tui *tui = lists_tui(conn);
    struct list_state *ls = &tui->lists[LIST_TAB_DOMAINS];
    assert_int_equal(tui->ndomains, 2);
    assert_int_equal(ls->norder, 2);
    assert_string_equal(view_list_selected(tui), "test");
    view_list_move(tui, 1);
    assert_string_equal(view_list_selected(tui), "test2");

    /* filter: typed live, Backspace, Enter keeps, Esc clears; the selection stays put */
    view_list_filter_start(tui);
    type(tui, "Shut");
    assert_int_equal(ls->norder, 1);
    assert_string_equal(view_list_selected(tui), "test2");
    assert_true(view_list_filter_key(tui, KEY_BACKSPACE, true));
    assert_string_equal(ls->filter, "Shu");
    assert_true(view_list_filter_key(tui, '\r', false));
    assert_false(ls->filter_editing);
    assert_false(view_list_filter_key(tui, 'x', false)); /* not typing any more */
    assert_int_equal(ls->norder, 1);
    view_list_filter_start(tui);
    type(tui, "zzz");
    assert_int_equal(ls->norder, 0);
    assert_null(view_list_selected(tui));
    assert_true(view_list_filter_key(tui, 0x1b, false));
    assert_string_equal(ls->filter, "");
    assert_int_equal(ls->norder, 2);
    assert_string_equal(view_list_selected(tui), "test2");

    /* sort: > to Id puts the running 'test' first, I reverses, < back to Name */
    view_list_sort_next(tui);
    assert_string_equal(view_list_domain_table.cols[ls->sort_col].title, "Id");
    assert_string_equal(tui->domains[ls->order[0]].name, "test");
    view_list_sort_reverse(tui);
    assert_string_equal(tui->domains[ls->order[0]].name, "test2");
    assert_string_equal(view_list_selected(tui), "test2"); /* selection followed the row */
    assert_int_equal(ls->sel, 0);
    view_list_sort_prev(tui);
    view_list_sort_reverse(tui);
    assert_string_equal(view_list_domain_table.cols[ls->sort_col].title, "Name");
    assert_string_equal(tui->domains[ls->order[0]].name, "test");
    assert_string_equal(tui->status_text, "Sorted by Name");

    /* a refresh after a state change keeps the selection on the same name */
    assert_int_equal(engine_domain_start(conn, "test2", &err), 0);
    view_list_refresh(tui);
    assert_string_equal(view_list_selected(tui), "test2");
    assert_true(tui->domains[ls->order[ls->sel]].id >= 0);
    assert_true(tui->domains[ls->order[ls->sel]].start_time > 0);

    /* tabs: Tab / ] / [ switch lists; domain selection is hidden on the network tab */
    view_list_next_tab(tui);
    assert_int_equal(tui->tab, LIST_TAB_NETWORKS);
    assert_null(view_list_selected(tui));
    assert_string_equal(view_list_selected_network(tui), "default");
    view_list_prev_tab(tui);
    assert_int_equal(tui->tab, LIST_TAB_DOMAINS);
    assert_string_equal(view_list_selected(tui), "test2");
    assert_int_equal(engine_domain_destroy(conn, "test2", &err), 0);

    lists_tui_free(tui);
    engine_close(conn);
    testutil_rm_rf(dir);
    free(dir);
}

/* The sampler: no timer while nothing shows stats; while the list shows them, running domains
 * on screen are sampled once a second and CPU % comes from two samples. */
static void test_sampler_on_test_driver(void **state)
{
    (void)state;
    char *dir = testutil_isolate("ui-sampler");
    struct vmerr err = {0};
    struct engine_conn *conn = engine_open("test:///default", &err);
    assert_non_null(conn);
    struct tui *tui = lists_tui(conn);
    tui->list_rows = 20;
    assert_int_equal(sampler_timeout_ms(tui), -1); /* nothing drawn with stats: no timer */
    sampler_tick(tui);
    assert_null(sampler_history(tui, "test"));
    tui->stats_shown = true;
    assert_int_equal(sampler_timeout_ms(tui), 0); /* first sample at once */
    sampler_tick(tui);
    int left = sampler_timeout_ms(tui);
    assert_true(left > 900 && left <= 1000);
    sampler_tick(tui); /* not due: nothing happens */
    const struct sampler_history *h = sampler_history(tui, "test");
    assert_non_null(h);
    assert_int_equal(h->n, 0); /* one raw sample, no interval yet */
    usleep(1000 * 1000);
    assert_int_equal(sampler_timeout_ms(tui), 0);
    sampler_tick(tui);
    h = sampler_history(tui, "test");
    assert_int_equal(h->n, 1);
    double cpu = h->v[SAMPLER_CPU][0];
    assert_true(cpu >= 9.0 && cpu <= 91.0); /* the test driver's load swings 10-90% */
    assert_true(h->v[SAMPLER_MEM][0] < 0);  /* list rows take light (CPU only) samples */
    assert_true(h->v[SAMPLER_BLOCK_RD][0] < 0);
    assert_null(sampler_history(tui, "test2")); /* shut off: never sampled */
    /* The split's details of 'test': full samples, rates once two full ones are in. */
    assert_int_equal(view_details_open(tui, "test", &err), 0);
    tui->split = true;
    usleep(1000 * 1000);
    sampler_tick(tui);
    h = sampler_history(tui, "test");
    assert_int_equal(h->n, 2);
    assert_true(h->v[SAMPLER_MEM][1] == 512.0 * 1024);
    assert_true(h->v[SAMPLER_BLOCK_RD][1] < 0); /* the previous sample was a light one */
    usleep(1000 * 1000);
    sampler_tick(tui);
    h = sampler_history(tui, "test");
    assert_int_equal(h->n, 3);
    assert_true(h->v[SAMPLER_BLOCK_RD][2] > 512 * 1024.0); /* the test driver reads 1 MiB/s */
    assert_true(h->v[SAMPLER_BLOCK_RD][2] < 2048 * 1024.0);
    assert_true(h->v[SAMPLER_NET_RX][2] > 32 * 1024.0);
    view_details_close(tui);
    tui->split = false;
    /* Help on screen: no timer even though the last list draw had stats. */
    tui->view = TUI_VIEW_HELP;
    assert_int_equal(sampler_timeout_ms(tui), -1);
    tui->view = TUI_VIEW_LIST;
    /* A stopped domain's history goes at the next refresh. */
    assert_int_equal(engine_domain_destroy(conn, "test", &err), 0);
    view_list_refresh(tui);
    assert_null(sampler_history(tui, "test"));
    assert_int_equal(engine_domain_start(conn, "test", &err), 0);
    lists_tui_free(tui);
    engine_close(conn);
    testutil_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_drops_in_order), cmocka_unit_test(test_sort_every_column),
        cmocka_unit_test(test_filter_match),          cmocka_unit_test(test_sparkline),
        cmocka_unit_test(test_list_on_test_driver),   cmocka_unit_test(test_sampler_on_test_driver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
