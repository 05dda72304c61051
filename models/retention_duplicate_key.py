from odoo import api, fields, models
from odoo.tools import SQL


class RetentionDuplicateKey(models.Model):
    """One row per duplicate-check key ever guarded (``name:华为技术``, ``phone:13800138000``…): the point where two
    creations of the same customer at the same moment meet.

    Odoo runs in REPEATABLE READ: a transaction that takes its snapshot before another commits a new customer never
    sees it, and an advisory lock taken later would only make it wait, then create the duplicate. Writing the key's
    row does see it: the second writer waits for the first transaction, and once that one commits PostgreSQL refuses
    the second with a serialization failure, which Odoo retries as a new transaction; the retry sees the customer
    and is refused with the duplicate check's message. Nobody reads or writes these rows but ``_lock``."""

    _name = "retention.duplicate.key"
    _description = "Duplicate Check Key"
    _log_access = False

    key = fields.Char(required=True, readonly=True)

    _sql_constraints = [("key_uniq", "UNIQUE (key)", "A duplicate-check key is stored once.")]

    @api.model
    def _lock(self, keys):
        """Write the rows of ``keys`` (inserted, or updated when they exist) until the end of the transaction, in
        one order for everyone (no deadlock between two creations sharing two keys). A concurrent creation of a
        customer with one of these keys raises a serialization failure here, which Odoo retries: expected, so the
        failed query is not logged as an error."""
        if not keys:
            return
        self.env.cr.execute(
            SQL(
                """INSERT INTO retention_duplicate_key (key)
                   SELECT k FROM unnest(%s::varchar[]) AS k
                   ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key""",
                sorted(keys),
            ),
            log_exceptions=False,
        )
