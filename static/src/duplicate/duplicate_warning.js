import { Component } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * Duplicate check 客户查重 on the partner form: the existing customers the card being typed would duplicate (one
 * line each, with who holds it as the server tells this user), and a button opening the duplicate check filled in
 * with the card, in a dialog over the form. A button of the form would save the card first (and be refused, as a
 * duplicate): this one does not.
 */
export class DuplicateWarningField extends Component {
    static template = "customer_retention.DuplicateWarningField";
    static props = { ...standardFieldProps };

    setup() {
        this.action = useService("action");
    }

    get lines() {
        return (this.props.record.data[this.props.name] || "").split("\n").filter(Boolean);
    }

    async openCheck() {
        const data = this.props.record.data;
        const join = (...values) => values.filter(Boolean).join(", ");
        await this.action.doAction("customer_retention.retention_duplicate_check_action", {
            additionalContext: {
                default_name: data.name || "",
                default_phone: join(data.phone, data.mobile),
                default_code: join(data.vat, data.company_registry),
            },
        });
    }
}

export const duplicateWarningField = {
    component: DuplicateWarningField,
    supportedTypes: ["text"],
};

registry.category("fields").add("retention_duplicate_warning", duplicateWarningField);
