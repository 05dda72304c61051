from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    retention_parked_from_id = fields.Many2one(
        "res.users",
        string="Held For",
        readonly=True,
        help="The archived account manager this activity belonged to; it goes to whoever adopts the customer.",
    )
