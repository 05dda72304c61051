import { registry } from "@web/core/registry";

// Duplicate check 客户查重: a salesperson types the name of a customer another team holds on a new card; the form
// warns (holder masked) and its button opens the duplicate check over the form, filled in, without saving.
registry.category("web_tour.tours").add("customer_retention_duplicate_warning", {
    steps: () => [
        {
            trigger: ".o_form_view .o_field_widget[name='name'] input",
            run: "edit 华为技术股份有限公司",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='phone'] input",
            run: "click",
        },
        {
            trigger: ".o_retention_duplicate_warning:contains('华为技术有限公司 (same name) is held by r** (another sales team).')",
        },
        {
            trigger: ".o_retention_duplicate_warning .o_retention_duplicate_check",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='name'] input:value(华为技术股份有限公司)",
        },
        {
            trigger: ".modal .o_data_row:contains('华为技术有限公司'):contains('r** (another sales team)')",
        },
        {
            trigger: ".modal .o_data_row:not(:has(button[name='action_retention_duplicate_claim']))",
        },
        {
            trigger: ".modal .modal-footer button:contains('Dismiss')",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            // the card typed so far is still there, unsaved; discarded, it is gone (back to the list)
            trigger: ".o_form_view .o_field_widget[name='name'] input:value(华为技术股份有限公司)",
        },
        {
            trigger: ".o_form_view .o_form_button_cancel",
            run: "click",
        },
        {
            trigger: ".o_action_manager:not(:has(.o_form_view)):not(:has(.o_retention_duplicate_warning))",
        },
    ],
});
