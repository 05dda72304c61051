import { registry } from "@web/core/registry";

// The account manager opens the confidential profile: the key-date reminder is in its chatter and is marked
// done there, with a feedback kept in the profile's chatter.
registry.category("web_tour.tours").add("customer_retention_profile_key_date_done", {
    steps: () => [
        {
            trigger: ".o-mail-Chatter .o-mail-Activity:contains('Key date: Chairman') .o-mail-Activity-markDone",
            run: "click",
        },
        {
            trigger: ".o-mail-ActivityMarkAsDone textarea",
            run: "edit Flowers and a card sent",
        },
        {
            trigger: ".o-mail-ActivityMarkAsDone button[aria-label='Done']",
            run: "click",
        },
        {
            trigger: ".o-mail-Chatter .o-mail-Message:contains('Flowers and a card sent')",
        },
        {
            trigger: ".o-mail-Chatter:not(:has(.o-mail-Activity))",
        },
    ],
});

// A borrower reads the five items of the profile, read-only; its chatter (notes, files, reminders) is not shown.
registry.category("web_tour.tours").add("customer_retention_profile_no_chatter", {
    steps: () => [
        {
            trigger: ".o_form_view .o_field_widget.o_readonly_modifier[name='taboos']:contains('Never give a clock')",
        },
        {
            trigger: ".o_form_view:not(:has(.o-mail-Chatter))",
        },
        {
            trigger: ".o_form_view:not(:has(.o_field_widget[name='taboos'] textarea))",
        },
    ],
});

// On a phone the header buttons sit in the gear menu: Mark as Done is still one tap away in the sheet.
registry.category("web_tour.tours").add("customer_retention_action_check_phone_done", {
    steps: () => [
        {
            trigger: ".o_form_sheet button[name='action_done']",
            run: "click",
        },
        {
            trigger: ".o_form_view:not(:has(.o_form_sheet button[name='action_done']))",
        },
        {
            trigger: ".o_field_widget[name='state'] .o_arrow_button_current:contains('Done')",
        },
    ],
});
