"""Upgrade to 18.0.1.2.0: the card completeness is stored on the card (``res.partner.retention_completeness``,
written whenever what it counts changes) instead of being evaluated for each row an analysis reads. The customers
already in the database get theirs here, once."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    api.Environment(cr, SUPERUSER_ID, {})["res.partner"]._retention_store_completeness_of()
