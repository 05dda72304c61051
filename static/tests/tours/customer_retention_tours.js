import { registry } from "@web/core/registry";

// A salesperson of another team opens a customer with a confidential profile: the Retention tab says who keeps
// it and offers a borrowing request, and none of the profile's content reaches the page.
registry.category("web_tour.tours").add("customer_retention_profile_locked", {
    steps: () => [
        {
            trigger: ".o_form_view .o_notebook a[name='customer_retention']",
            run: "click",
        },
        {
            trigger: "div[name='retention_profile'] .alert-secondary:contains('confidential profile')",
        },
        {
            trigger: "div[name='retention_profile'] button[name='action_retention_request_borrowing']",
        },
        {
            trigger: "body:not(:contains('Never give a clock'))",
        },
    ],
});

// A supervisor opens the salesperson scorecard: the team's salespeople, not another team's.
registry.category("web_tour.tours").add("customer_retention_scorecard", {
    steps: () => [
        {
            trigger: ".o_pivot .o_pivot_header_cell_closed:contains('ret_sales_a')",
        },
        {
            trigger: "body:not(:has(.o_pivot_header_cell_closed:contains('ret_sales_b')))",
        },
    ],
});

// A supervisor records this week's review of a salesperson's cards from "Cards to Review This Week": the row
// turns from red to done.
registry.category("web_tour.tours").add("customer_retention_weekly_review", {
    steps: () => [
        {
            trigger: ".o_data_row.text-danger:contains('ret_sales_a (') button[name='action_review']",
            run: "click",
        },
        {
            trigger: ".modal div[name='comment'] textarea",
            run: "edit Cards checked: call Confidential Trading this week",
        },
        {
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            trigger: ".o_data_row.text-muted:contains('ret_sales_a (')",
        },
    ],
});

// A salesperson records a visit on their customer and marks it done.
registry.category("web_tour.tours").add("customer_retention_action_check", {
    steps: () => [
        {
            trigger: ".o_field_widget[name='partner_id'] input",
            run: "edit Confidential Trading",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Confidential Trading Co')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='content'] textarea",
            run: "edit Renewal confirmed with the chairman",
        },
        {
            trigger: ".o_notebook a[name='expenses']",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='expense_travel'] input",
            run: "edit 320",
        },
        {
            trigger: "button[name='action_done']",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Done')",
        },
    ],
});

// A salesperson writes a care plan for their customer, with one relationship action, and submits it.
registry.category("web_tour.tours").add("customer_retention_care_plan_submit", {
    steps: () => [
        {
            trigger: ".o_field_widget[name='partner_id'] input",
            run: "edit Confidential Trading",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Confidential Trading Co')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='date_start'] input",
            run: "edit 12/01/2026",
        },
        {
            trigger: ".o_field_widget[name='date_end'] input",
            run: "edit 05/31/2027",
        },
        {
            trigger: ".o_notebook a[name='actions']",
            run: "click",
        },
        {
            trigger: "div[name='action_ids'] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: "div[name='action_ids'] .o_data_row [name='name'] input",
            run: "edit Visit the chairman",
        },
        {
            trigger: "div[name='action_ids'] .o_data_row [name='date'] input",
            run: "edit 12/15/2026",
        },
        {
            trigger: "button[name='action_submit']",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Submitted')",
        },
    ],
});

// The supervisor approves it.
registry.category("web_tour.tours").add("customer_retention_care_plan_approve", {
    steps: () => [
        {
            trigger: "button[name='action_approve']",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Approved')",
        },
    ],
});

// A salesperson creates the confidential profile of their customer from its Retention tab and fills it in.
registry.category("web_tour.tours").add("customer_retention_profile_fill", {
    steps: () => [
        {
            trigger: ".o_form_view .o_notebook a[name='customer_retention']",
            run: "click",
        },
        {
            trigger: "div[name='retention_profile'] button[name='action_retention_open_profile']",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='basic_traits'] textarea",
            run: "edit General manager, 45, keen angler",
        },
        {
            trigger: ".o_field_widget[name='taboos'] textarea",
            run: "edit Never seat him facing the door",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
    ],
});

// A salesperson lands on the today board, sees her overdue contact and opens it from the figure.
registry.category("web_tour.tours").add("customer_retention_today_board", {
    steps: () => [
        {
            trigger: ".o_retention_today [data-section='mine'] [data-figure='contact_overdue'] .o_retention_figure_count:contains('1')",
        },
        {
            trigger: "body:not(:has(.o_retention_today [data-section='team']))",
        },
        {
            trigger: ".o_retention_today [data-figure='contact_overdue']",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Key Account Co')",
        },
        {
            trigger: "body:not(:has(.o_data_row:contains('Other Team Co')))",
        },
    ],
});

// She opens Customers: her own customers (the My Customers facet), combined with the other filters by AND.
registry.category("web_tour.tours").add("customer_retention_my_customers", {
    steps: () => [
        {
            trigger: ".o_searchview .o_facet_value:contains('My Customers')",
        },
        {
            trigger: ".o_kanban_record:contains('Key Account Co')",
        },
        {
            trigger: "body:not(:has(.o_kanban_record:contains('Other Team Co')))",
        },
    ],
});

// She marks a planned phone call done: she is told what changed, and the card (summary line) shows the new
// next contact at once.
registry.category("web_tour.tours").add("customer_retention_check_done_refresh", {
    steps: () => [
        {
            trigger: ".o_form_view button[name='action_done']:visible",
            run: "click",
        },
        {
            trigger: ".o_notification:contains('customer card updated')",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Done')",
        },
    ],
});

// The customer's form: the summary line above the tabs and the Retention tab first.
registry.category("web_tour.tours").add("customer_retention_customer_summary", {
    steps: () => [
        {
            trigger: ".o_form_view div[name='retention_summary'] .o_field_widget[name='retention_lifecycle_stage']",
        },
        {
            trigger: ".o_form_view .o_notebook .nav-link.active[name='customer_retention']",
        },
        {
            trigger: ".o_form_view div[name='retention_summary'] .o_field_widget[name='retention_next_contact_date']",
        },
    ],
});
