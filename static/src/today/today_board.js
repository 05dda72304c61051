import { Component, onWillStart, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { _t } from "@web/core/l10n/translation";

/**
 * Today board 今日工作台: the landing page of the Customer Retention app. The server counts each figure with
 * the domain of the list the figure opens (retention.today), so a figure and its list always agree.
 */
export class TodayBoard extends Component {
    static template = "customer_retention.TodayBoard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ board: null });
        onWillStart(() => this.load());
    }

    async load() {
        this.state.board = await this.orm.call("retention.today", "get_board", []);
    }

    async open(figure) {
        const action = await this.orm.call("retention.today", "action_open", [figure.key]);
        await this.action.doAction(action);
    }

    get title() {
        return _t("Today");
    }
}

registry.category("actions").add("customer_retention.today_board", TodayBoard);
