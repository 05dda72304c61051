// Opens every screen of the Customer Retention app as the logged-in user, the way they would click it: every menu
// of the navbar (the wizard menus' dialogs included), every view type of each action, every filter and group-by of
// each search view, each alone (a date filter with its first option, a date group-by with every interval), once
// per search view and the view it reloads (list when the action has one), and the form of the first record of a
// list or kanban once per form view, with every notebook page. Fails (console.error, which fails the HttpCase) on an
// error dialog, a failed RPC, a danger notification or a screen still loading after 30 s; uncaught errors and
// console errors of the web client fail the HttpCase by themselves. The light mode (the repeat in the user's other
// language) opens no record form and tries a date group-by by its first interval only. Odoo's clickbot
// (web/static/src/webclient/clickbot) covers less: it switches every view type but clicks the filters piling them up
// (never one alone, a date filter by its first option), no group-by, no record, nothing inside a dialog, and only
// the menus it finds in the navbar.
// Started by tests/test_click_everywhere.py, which gives the menus the user must find.
import { App } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { rpcBus } from "@web/core/network/rpc";
import { session } from "@web/session";
import { user } from "@web/core/user";

export const SUCCESS_SIGNAL = "retention crawl succeeded";
const TIMEOUT = 30000;

const pendingRPC = new Map();
const failedRPC = [];
let uiUpdates = 0;
let stats;

function log(message) {
    browser.console.log(`[retention crawl] ${message}`);
}

function onRPCRequest({ detail }) {
    pendingRPC.set(detail.data.id, detail.url);
}

function onRPCResponse({ detail }) {
    pendingRPC.delete(detail.data.id);
    if (detail.error) {
        const { error } = detail;
        const what = `${detail.data.params?.model || ""}.${detail.data.params?.method || ""}`;
        failedRPC.push(`${what}: ${error.message}\n${error.data?.debug || error.stack || ""}`);
    }
}

function onUIUpdated() {
    uiUpdates++;
}

async function nextFrame() {
    await new Promise((resolve) => browser.setTimeout(resolve));
    await new Promise((resolve) => requestAnimationFrame(resolve));
}

function checkErrors(where) {
    if (failedRPC.length) {
        throw new Error(`${where}: RPC error ${failedRPC.join("\n")}`);
    }
    const dialog = document.querySelector(".o_error_dialog");
    if (dialog) {
        throw new Error(`${where}: error dialog ${dialog.innerText}`);
    }
    const danger = document.querySelector(".o_notification:has(.o_notification_bar.bg-danger)");
    if (danger) {
        throw new Error(`${where}: danger notification ${danger.innerText}`);
    }
}

function busy() {
    if (pendingRPC.size) {
        return true;
    }
    for (const app of App.apps) {
        if (app.scheduler.tasks.size) {
            return true;
        }
    }
    return false;
}

/** Wait until `condition` holds and the client is idle: no RPC under way, nothing left to render. */
async function settle(where, condition = () => true) {
    const start = Date.now();
    do {
        await nextFrame();
        checkErrors(where);
        if (Date.now() - start > TIMEOUT) {
            const waiting = [...pendingRPC.values()].join(", ");
            throw new Error(`${where}: still loading after ${TIMEOUT / 1000} s (RPC: ${waiting || "none"})`);
        }
    } while (busy() || !condition());
}

/** A click, without waiting: several in a row act as one batch (one reload). */
function fire(element) {
    element.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true, view: window }));
}

async function click(element, where) {
    if (!element) {
        throw new Error(`${where}: nothing to click`);
    }
    fire(element);
    await nextFrame();
}

function controller() {
    return odoo.__WOWL_DEBUG__.root.env.services.action.currentController;
}

function viewType() {
    return controller()?.view?.type;
}

// --- search: filters and group-bys -------------------------------------------------------------------------

const SEARCH_ITEMS = {
    filter: ".o_search_bar_menu .o_filter_menu > .o_menu_item:not(.o_add_custom_filter)",
    "date filter": ".o_search_bar_menu .o_filter_menu > .o_accordion",
    "group-by": ".o_search_bar_menu .o_group_by_menu > .o_menu_item:not(.o_add_custom_group_menu)",
    "date group-by": ".o_search_bar_menu .o_group_by_menu > .o_accordion",
};

function facetRemovers() {
    return document.querySelectorAll(".o_control_panel .o_searchview_facet .o_facet_remove");
}

function facetsText() {
    return [...document.querySelectorAll(".o_control_panel .o_searchview_facet")].map((f) => f.innerText).join("|");
}

async function openSearchMenu(where) {
    if (!document.querySelector(".o_search_bar_menu")) {
        await click(document.querySelector(".o_control_panel .o_searchview_dropdown_toggler"), where);
        await settle(where, () => document.querySelector(".o_search_bar_menu"));
    }
}

/** The element to click for a search item: the item, or one option of an accordion (unfolded first). */
async function searchItem(kind, index, option, where) {
    await openSearchMenu(where);
    const item = document.querySelectorAll(SEARCH_ITEMS[kind])[index];
    if (option === undefined) {
        return item;
    }
    if (!item.querySelector(".o_accordion_values")) {
        await click(item.querySelector(".o_accordion_toggle"), where);
        await settle(where, () => item.querySelector(".o_accordion_values"));
    }
    return item.querySelectorAll(".o_accordion_values > .o_item_option")[option];
}

/** Apply one search item alone (option: one option of a date item) and check the view reloads. The facets of
 * the previous one go in the same click batch: one reload per item. */
async function trySearchItem(kind, index, option, where) {
    const target = await searchItem(kind, index, option, where);
    const here = `${where}, ${kind} "${target.innerText.trim()}"`;
    const before = facetsText();
    for (const remover of facetRemovers()) {
        fire(remover);
    }
    fire(target);
    // its facet alone, in place of the previous one (a facet may keep its element: compare the text)
    await settle(here, () => facetRemovers().length === 1 && facetsText() !== before);
    stats.searchItems[kind] = (stats.searchItems[kind] || 0) + 1;
}

async function clearFacets(where) {
    if (facetRemovers().length) {
        for (const remover of facetRemovers()) {
            fire(remover);
        }
        await settle(where, () => !facetRemovers().length);
    }
}

/** Try every filter and group-by of the search view shown, each alone; return how many. */
async function crawlSearch(where, light) {
    if (!document.querySelector(".o_control_panel .o_searchview_dropdown_toggler")) {
        return 0;
    }
    let tried = 0;
    await openSearchMenu(where);
    const started = performance.now();
    const counts = Object.fromEntries(
        Object.entries(SEARCH_ITEMS).map(([kind, selector]) => [kind, document.querySelectorAll(selector).length])
    );
    for (const kind of ["filter", "group-by"]) {
        for (let index = 0; index < counts[kind]; index++) {
            await trySearchItem(kind, index, undefined, where);
            tried++;
        }
    }
    // a date filter: its first option (a month, with its year); the others build the same domain
    for (let index = 0; index < counts["date filter"]; index++) {
        await trySearchItem("date filter", index, 0, where);
        tried++;
    }
    // a date group-by: every interval (year, quarter, month, week, day), each formats its groups differently (the
    // light mode: its first)
    for (let index = 0; index < counts["date group-by"]; index++) {
        const options = light ? 1 : (await searchItem("date group-by", index, 0, where)).parentElement.children.length;
        for (let option = 0; option < options; option++) {
            await trySearchItem("date group-by", index, option, where);
            tried++;
        }
    }
    await clearFacets(where);
    stats.searchSeconds += (performance.now() - started) / 1000;
    if (document.querySelector(".o_search_bar_menu")) {
        await click(document.querySelector(".o_control_panel .o_searchview_dropdown_toggler"), where);
        await settle(where, () => !document.querySelector(".o_search_bar_menu"));
    }
    return tried;
}

// --- records -----------------------------------------------------------------------------------------------

async function crawlForm(where) {
    const tabs = document.querySelectorAll(".o_form_view .o_notebook_headers .nav-link");
    for (let index = 0; index < tabs.length; index++) {
        const tab = document.querySelectorAll(".o_form_view .o_notebook_headers .nav-link")[index];
        const here = `${where}, page "${tab.innerText.trim()}"`;
        await click(tab, here);
        await settle(here, () => tab.classList.contains("active"));
        stats.formPages++;
    }
}

/** Open the first record of the list or kanban shown, check its form and its notebook pages, come back. */
async function openFirstRecord(where) {
    const type = viewType();
    const first =
        type === "list"
            ? document.querySelector(".o_list_renderer .o_data_row td.o_data_cell:not(.o_list_button)")
            : document.querySelector(".o_kanban_renderer .o_kanban_record:not(.o_kanban_ghost)");
    if (!first) {
        return false;
    }
    const model = controller().props.resModel;
    const here = `${where}, first record's form`;
    const started = performance.now();
    await click(first, here);
    await settle(here, () => viewType() === "form" && document.querySelector(".o_form_view .o_form_renderer"));
    await crawlForm(here);
    stats.forms.push(model);
    await click(document.querySelector(".o_control_panel .breadcrumb-item.o_back_button"), `${here}: back`);
    await settle(`${here}: back`, () => viewType() === type);
    stats.formSeconds += (performance.now() - started) / 1000;
    return true;
}

// --- actions and menus -------------------------------------------------------------------------------------

/** The ids of the views the window action shows (search included), as the web client loaded them. */
async function viewIds(action) {
    const { view } = odoo.__WOWL_DEBUG__.root.env.services;
    const params = { resModel: action.res_model, views: action.views, context: { ...user.context, ...action.context } };
    const options = { actionId: action.id, loadActionMenus: true, loadIrFilters: true };
    const { views } = await view.loadViews(params, options);
    return Object.fromEntries(Object.entries(views).map(([type, { id }]) => [type, id]));
}

/** Every view type of the window action shown; every search item in its list (the cheapest reload), else in its
 * first view; the form of the first record of its list or kanban. */
async function crawlWindowAction(where, light) {
    const action = controller().action;
    const ids = await viewIds(action);
    const types = action.views
        .map(([, type]) => type)
        .filter((type) => type !== "search" && session.view_info[type]?.multi_record);
    const first = viewType();
    const searchIn = types.includes("list") ? "list" : first;
    // a search view is tried once per view it reloads (several actions share one), a form view once
    const searchKey = `${action.res_model} search ${ids.search} in ${searchIn} ${ids[searchIn]}`;
    const formKey = `${action.res_model} form ${ids.form}`;
    // a list or kanban opens its records only when the action has a form view
    const hasForm = types.length && action.views.some(([, type]) => type === "form");
    const notes = [];
    let recordOpened =
        light || !hasForm || stats.seen.has(formKey) || (!types.includes("list") && !types.includes("kanban"));
    for (const type of [first, ...types.filter((type) => type !== first)]) {
        const here = `${where}, ${type} view`;
        if (type !== viewType()) {
            const button = document.querySelector(`.o_cp_switch_buttons .o_switch_view.o_${type}`);
            await click(button, `${here}: switch`);
            await settle(here, () => viewType() === type);
        }
        stats.views++;
        if (!recordOpened && ["list", "kanban"].includes(type)) {
            recordOpened = await openFirstRecord(here);
            notes.push(recordOpened ? `form opened from ${type}` : "");
        }
        if (type === searchIn) {
            if (!stats.seen.has(searchKey)) {
                stats.seen.add(searchKey);
                const tried = await crawlSearch(here, light);
                notes.push(tried ? `search tried in ${type} (${tried} items)` : "");
            } else {
                notes.push("search view already tried");
            }
            if (!recordOpened && ["list", "kanban"].includes(type)) {
                // nothing under the default filters: the same list without them
                await clearFacets(here);
                recordOpened = await openFirstRecord(here);
                notes.push(recordOpened ? `form opened from ${type} without filters` : "");
            }
        }
    }
    if (!recordOpened) {
        stats.empty[formKey] = where;
    } else if (hasForm && !light) {
        stats.seen.add(formKey);
    }
    const views = [first, ...types.filter((type) => type !== first)];
    log(`${where}: ${action.res_model}, views ${views.join(", ")}; ${notes.filter(Boolean).join("; ")}`);
}

/** The today board (a client action): every figure opens its list, crawled like a menu's, then back. */
async function crawlClientAction(where, light) {
    const action = controller().action;
    const figures = document.querySelectorAll(".o_action_manager .o_retention_figure").length;
    for (let index = 0; index < figures; index++) {
        const figure = document.querySelectorAll(".o_action_manager .o_retention_figure")[index];
        const here = `${where}, figure "${figure.querySelector(".o_retention_figure_title").innerText.trim()}"`;
        await click(figure, here);
        await settle(here, () => controller().action.type === "ir.actions.act_window");
        stats.figures++;
        await crawlWindowAction(here, light);
        await click(document.querySelector(".o_control_panel .breadcrumb-item.o_back_button"), `${here}: back`);
        await settle(`${here}: back`, () => controller().action.type === "ir.actions.client");
    }
    log(`${where}: client action ${action.tag}, ${figures} figures`);
}

async function crawlDialog(menuWhere) {
    const where = `${menuWhere}, dialog`;
    await crawlForm(where);
    stats.dialogs++;
    await click(document.querySelector(".modal .modal-header .btn-close"), `${where}: close`);
    await settle(`${where}: close`, () => !document.querySelector(".modal"));
    log(`${where} opened and closed`);
}

async function clickMenu(menu) {
    const where = `menu "${menu.name}" (${menu.xmlid})`;
    let element = document.querySelector(`.o_menu_sections .o_nav_entry[data-menu-xmlid="${menu.xmlid}"]`);
    if (!element) {
        // under a section: open its dropdown
        const section = menu.parents.at(-1);
        const toggle = document.querySelector(`.o_menu_sections button[data-menu-xmlid="${section}"]`);
        if (!document.querySelector(`.o-dropdown--menu .dropdown-item[data-menu-xmlid="${menu.xmlid}"]`)) {
            await click(toggle, `${where}: section ${section}`);
        }
        element = document.querySelector(`.o-dropdown--menu .dropdown-item[data-menu-xmlid="${menu.xmlid}"]`);
    }
    const before = uiUpdates;
    await click(element, where);
    await settle(where, () => uiUpdates > before || document.querySelector(".modal .o_form_view"));
}

async function crawl({ app, menus, lang, light }) {
    const start = performance.now();
    stats = {
        menus: 0,
        views: 0,
        dialogs: 0,
        figures: 0,
        forms: [],
        formPages: 0,
        searchItems: {},
        empty: {},
        searchSeconds: 0,
        formSeconds: 0,
        seen: new Set(),
    };
    const env = odoo.__WOWL_DEBUG__.root.env;
    env.bus.addEventListener("ACTION_MANAGER:UI-UPDATED", onUIUpdated);
    rpcBus.addEventListener("RPC:REQUEST", onRPCRequest);
    rpcBus.addEventListener("RPC:RESPONSE", onRPCResponse);
    try {
        if (user.context.lang !== lang) {
            throw new Error(`the user works in ${user.context.lang}, not ${lang}`);
        }
        await click(document.querySelector(".o_navbar_apps_menu .dropdown-toggle"), "apps menu");
        const before = uiUpdates;
        await click(document.querySelector(`.o-dropdown--menu .o_app[data-menu-xmlid="${app}"]`), `app ${app}`);
        await settle(`app ${app}`, () => uiUpdates > before);
        for (const menu of menus) {
            await clickMenu(menu);
            stats.menus++;
            const where = `menu "${menu.name}" (${menu.xmlid})`;
            if (document.querySelector(".modal .o_form_view")) {
                await crawlDialog(where);
            } else if (controller().action.type === "ir.actions.act_window") {
                await crawlWindowAction(where, light);
            } else if (controller().action.type === "ir.actions.client") {
                await crawlClientAction(where, light);
            } else {
                throw new Error(`${where}: an action of type ${controller().action.type}`);
            }
        }
        const seconds = ((performance.now() - start) / 1000).toFixed(1);
        const empty = Object.entries(stats.empty)
            .filter(([key]) => !stats.seen.has(key))
            .map(([key, where]) => `${key} (${where})`);
        const items = Object.entries(stats.searchItems).map(([kind, count]) => `${count} ${kind}s`);
        log(
            `${user.login} (${lang}${light ? ", light" : ""}): ${stats.menus} menus, ${stats.views} views, ` +
                `${stats.dialogs} dialogs, ${stats.figures} board figures, ${items.join(", ")}, ` +
                `${stats.forms.length} forms ` +
                `(${stats.formPages} notebook pages) in ${seconds} s (search ${stats.searchSeconds.toFixed(1)} s, ` +
                `forms ${stats.formSeconds.toFixed(1)} s); form views with no record to open: ` +
                `${empty.join(", ") || "none"}`
        );
        browser.console.log(SUCCESS_SIGNAL);
    } catch (error) {
        browser.console.error(`[retention crawl] ${error.message}\n${error.stack}`);
    } finally {
        env.bus.removeEventListener("ACTION_MANAGER:UI-UPDATED", onUIUpdated);
        rpcBus.removeEventListener("RPC:REQUEST", onRPCRequest);
        rpcBus.removeEventListener("RPC:RESPONSE", onRPCResponse);
    }
}

export function startCrawl(params) {
    browser.setTimeout(() => crawl(params), 0);
}
