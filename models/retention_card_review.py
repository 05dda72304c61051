from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .database_rules import ensure_constraint, refuse_conflicts
from .dates import week_start
from .groups import MANAGER_GROUP

# one review per salesperson, week and company, held by PostgreSQL (the Python check is _check_one_per_week)
ONE_PER_WEEK_CONSTRAINT = "one_per_week"
ONE_PER_WEEK_DEFINITION = "UNIQUE (salesperson_id, week, company_id)"


class RetentionCardReview(models.Model):
    """Weekly review of a salesperson's customer data cards by their supervisor."""

    _name = "retention.card.review"
    _description = "Weekly Card Review"
    _inherit = ["retention.input.mixin", "retention.server.fields.mixin", "mail.thread"]
    _order = "week desc, id desc"
    _rec_names_search = ["salesperson_id", "supervisor_id"]
    # a review is of one salesperson, by its supervisor, in the week it is recorded: none is back-dated
    _fixed_fields = ("supervisor_id", "salesperson_id", "company_id", "week")

    supervisor_id = fields.Many2one(
        "res.users",
        string="Reviewed By",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.user,
    )
    salesperson_id = fields.Many2one(
        "res.users",
        string="Account Manager",
        required=True,
        index=True,
        tracking=True,
        domain=[("share", "=", False)],
    )
    team_id = fields.Many2one(related="salesperson_id.sale_team_id", string="Sales Team")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    week = fields.Date(
        required=True,
        default=lambda self: week_start(fields.Date.context_today(self)),
        help="Any day of the week reviewed; kept as its Monday.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers Reviewed",
        domain="[('user_id', '=', salesperson_id), '|', ('parent_id', '=', False), ('is_company', '=', True)]",
    )
    customer_count = fields.Integer(string="Customers", compute="_compute_customer_count", store=True)
    comment = fields.Text(tracking=True)

    def init(self):
        ensure_constraint(self, ONE_PER_WEEK_CONSTRAINT, ONE_PER_WEEK_DEFINITION)

    @api.depends("partner_ids")
    def _compute_customer_count(self):
        for review in self:
            review.customer_count = len(review.partner_ids)

    def _compute_display_name(self):
        for review in self:
            review.display_name = self.env._(
                "%(salesperson)s, week of %(week)s",
                salesperson=review.salesperson_id.name or "",
                week=(review.week and fields.Date.to_string(review.week)) or "",
            )

    @api.onchange("salesperson_id")
    def _onchange_salesperson_id(self):
        self.partner_ids = (
            self.env["res.partner"].search(self.env["res.partner"]._retention_customers_domain(self.salesperson_id))
            if self.salesperson_id
            else False
        )

    @api.constrains("supervisor_id", "salesperson_id", "partner_ids")
    def _check_review(self):
        for review in self:
            if review.supervisor_id == review.salesperson_id:
                raise ValidationError(self.env._("Nobody reviews their own customer cards."))
            review._check_reviewer(review.supervisor_id, review.salesperson_id)
            foreign = review.partner_ids.filtered(lambda partner, owner=review.salesperson_id: partner.user_id != owner)
            if foreign:
                raise ValidationError(
                    self.env._(
                        "%(customers)s are not customers of %(salesperson)s.",
                        customers=", ".join(foreign.mapped("display_name")),
                        salesperson=review.salesperson_id.name,
                    )
                )

    @api.model
    def _check_reviewer(self, supervisor, salesperson):
        if salesperson.sale_team_id.user_id != supervisor and not supervisor.has_group(MANAGER_GROUP):
            raise ValidationError(
                self.env._(
                    "%(supervisor)s does not lead the sales team of %(salesperson)s: only their supervisor or a "
                    "retention manager reviews their cards.",
                    supervisor=supervisor.name,
                    salesperson=salesperson.name,
                )
            )

    @api.constrains("salesperson_id", "week", "company_id")
    def _check_one_per_week(self):
        for review in self:
            duplicate = self.sudo().search_count(
                [
                    ("id", "!=", review.id),
                    ("salesperson_id", "=", review.salesperson_id.id),
                    ("week", "=", review.week),
                    ("company_id", "=", review.company_id.id),
                ],
                limit=1,
            )
            if duplicate:
                raise self._duplicate_error(review.salesperson_id, review.week)

    @api.model_create_multi
    def create(self, vals_list):
        this_week = week_start(fields.Date.context_today(self))
        vals_list = self._server_create_vals(vals_list)
        for vals in vals_list:
            if not self.env.su:
                vals["supervisor_id"] = self.env.uid  # the reviewer is whoever records the review
                vals.setdefault("week", this_week)  # not from a default in the context
                if vals.get("week") and week_start(fields.Date.to_date(vals["week"])) != this_week:
                    raise UserError(
                        self.env._(
                            "A card review is recorded in the week it is made (week of %(week)s).",
                            week=fields.Date.to_string(this_week),
                        )
                    )
                # whose cards first: the one-per-week rule would otherwise tell anyone who was reviewed
                self._check_reviewer(self.env.user, self.env["res.users"].sudo().browse(vals.get("salesperson_id")))
            if vals.get("week"):
                vals["week"] = week_start(fields.Date.to_date(vals["week"]))
        reviews = refuse_conflicts(
            self.env.cr,
            super().create,
            vals_list,
            {f"{self._table}_{ONE_PER_WEEK_CONSTRAINT}": self._duplicate_refusal},
        )
        for review in reviews:
            review.message_subscribe(partner_ids=review.salesperson_id.partner_id.ids)
            review.message_post(
                body=self.env._(
                    "%(supervisor)s reviewed %(count)s customer cards: %(comment)s",
                    supervisor=review.supervisor_id.name,
                    count=review.customer_count,
                    comment=review.comment or "-",
                ),
                partner_ids=review.salesperson_id.partner_id.ids,
                subtype_xmlid="mail.mt_comment",
            )
        return reviews

    def _duplicate_error(self, salesperson, week):
        return ValidationError(
            self.env._(
                "The cards of %(salesperson)s have already been reviewed in the week of %(week)s: open that review.",
                salesperson=salesperson.name,
                week=fields.Date.to_string(week),
            )
        )

    def _duplicate_refusal(self, vals_list):
        """The same error when PostgreSQL refuses the review (another one committed a moment before)."""
        vals = vals_list[0]
        week = fields.Date.to_date(vals.get("week")) or week_start(fields.Date.context_today(self))
        return self._duplicate_error(self.env["res.users"].browse(vals["salesperson_id"]), week)

    def write(self, vals):
        if not self.env.su and self.env.user in self.salesperson_id:
            raise AccessError(self.env._("Nobody changes the review of their own customer cards."))
        self._server_check_write(vals)
        if vals.get("week"):
            vals = {**vals, "week": week_start(fields.Date.to_date(vals["week"]))}
        return super().write(vals)
