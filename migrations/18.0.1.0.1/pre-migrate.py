"""18.0.1.0.1: a borrowing keeps when it was requested (PostgreSQL holds one pending or open borrowing per borrower
and profile from that moment on); the requests made before take their creation date. Filled before the models
load, so that the constraint added by ``retention.borrowing``'s ``init()`` sees every request's moment."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("ALTER TABLE retention_borrowing ADD COLUMN IF NOT EXISTS date_requested timestamp")
    cr.execute("UPDATE retention_borrowing SET date_requested = create_date WHERE date_requested IS NULL")
