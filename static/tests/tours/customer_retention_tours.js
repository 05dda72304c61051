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
