import logging
import threading
import time
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, mute_logger

from .card_catalogue import GROUP_FIELDS, INPUTS, METRICS, RULE_RESULTS
from .card_rules import examine
from .dates import first_moment_after
from .groups import MANAGER_GROUP

_logger = logging.getLogger(__name__)

# cards examined and written per step of the night (each step commits) and per UPDATE statement: bounds the memory
# of a run, statement size and lock time on very large databases
NIGHT_BATCH = 20000
# how long one call of the nightly cron works before it returns with its progress (Odoo kills a cron worker after
# ``limit_time_real``, 120 s by default): the step running at that moment ends first (the longest, the facts of
# 1,000,000 customers, takes about a minute)
CRON_CALL_SECONDS = 30
# the parts of the night's end, in this order, once the cards are written
FINISH_STEPS = ("pool", "reminders", "playbooks")
# every step of a night, in this order (``_retention_night_step``)
NIGHT_STEPS = ("start", "cards", *FINISH_STEPS, "record")
# the last run, recorded for the managers' today board
RUN_FIELDS = (
    "retention_last_run_start",
    "retention_last_run_seconds",
    "retention_last_run_customers",
    "retention_last_run_changes",
    "retention_last_run_error",
)
# class, stage and risk changes in one run from which the partner table's statistics are refreshed at once
ANALYZE_AFTER = 10000
# how long a refresh of a few cards (a done action check, a confirmed order) waits for a running recompute of its
# company (the nightly run takes about 10 s at 100,000 customers)
REFRESH_LOCK_WAIT = "60s"
# the nightly run waits for another run of the same company (Recompute now, a script): attempts × pause
NIGHT_LOCK_ATTEMPTS = 20
NIGHT_LOCK_PAUSE = 30


class RetentionRecompute(models.AbstractModel):
    """Set-based recompute of the customer data card (客户资料卡) for one company at a time.

    1. one query: the facts of every customer from one grouped scan of the revenue source (orders or invoices,
       with parallel workers) and its ABC rank, joined with the customers; it returns the cards to examine,
       those whose inputs changed (a hash of what the rules read) or whose recheck date came, with what they
       hold;
    2. the pure rules of ``scoring`` in Python on those cards, and one UPDATE of what changed, metrics and
       classes together (each partner's row written once, 20,000 partners per statement);
    3. group customers (集团客户): each company of a group linked to its head, and the head's roll-up over its
       subsidiaries from the cards just written (revenue, best class, worst risk), in one statement;
    4. history and chatter for class, stage and risk changes in one INSERT each.
    The number of queries does not depend on the number of partners.
    """

    _name = "retention.recompute"
    _description = "Customer Data Card Recompute"

    @api.model
    def action_recompute_now(self):
        """ "Recompute now" button: managers only, for the companies selected in the company switcher."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only retention managers may recompute the customer data cards."))
        started = time.monotonic()
        stats = self._recompute(self.env.companies, examine_all=True)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Customer data cards recomputed"),
                "message": self.env._(
                    "%(customers)s customers classified, %(changes)s class or stage changes, in %(seconds)s s.",
                    customers=stats["customers"],
                    changes=stats["changes"],
                    seconds=round(time.monotonic() - started, 2),
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _cron_recompute(self):
        """Daily cron, in steps that each commit: every company's night (``_retention_night_step``), one company
        after the other. Each call works for at most ``CRON_CALL_SECONDS`` (well below a cron worker's time limit),
        then tells Odoo's cron how many steps and cards it did and how many are left (``_notify_progress``): the
        cron calls it again at once, up to 10 times, then reschedules it as soon as possible. A killed worker
        loses only the step it was on: the next call goes on from there. Tests, which may not commit, run the
        whole night in one call, each step in its savepoint."""
        auto_commit = self._retention_commits()
        deadline = time.monotonic() + CRON_CALL_SECONDS
        companies = self.env["res.company"].sudo().search([], order="id")  # pylint: disable=no-search-all
        if not any(company.retention_night for company in companies):
            # a new night: every company has its own to run
            for company in companies:
                company.retention_night = {"step": "start"}
        done = 0
        while pending := companies.filtered("retention_night"):
            company = pending[0]
            # what the night writes for everyone (chatter lines, history reasons) in the company's language
            night = self.with_context(lang=company.partner_id.lang or self.env.lang)
            done += night._retention_night_step(company, auto_commit)
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
                if time.monotonic() > deadline:
                    break
        remaining = sum(self._retention_night_left(company) for company in companies)
        # at least 1 done: Odoo's cron reads "nothing done, some left" as a job that does not report progress
        self.env["ir.cron"]._notify_progress(done=max(done, 1), remaining=remaining)
        if remaining:
            # run manually (not by the cron runner, which calls again by itself): the rest comes at once
            self.env.ref("customer_retention.ir_cron_retention_recompute").sudo()._trigger()

    @api.model
    def _retention_night_left(self, company):
        """What the company's night in progress has left: the cards not yet examined and the steps to come."""
        night = company.sudo().retention_night
        if not night:
            return 0
        return night.get("left", 0) + len(NIGHT_STEPS) - NIGHT_STEPS.index(night["step"])

    @api.model
    def _retention_commits(self):
        """Whether the night commits after each step: always, but in tests (which may not commit)."""
        return not getattr(threading.current_thread(), "testing", False)

    @api.model
    def _retention_night(self, company, auto_commit):
        """One company's whole night, step after step (committed after each step with ``auto_commit``): returns
        the run recorded for the managers' today board."""
        company = company.sudo()
        company.retention_night = {"step": "start"}
        while company.retention_night:
            self._retention_night_step(company, auto_commit)
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return {fname: company[fname] for fname in RUN_FIELDS}

    @api.model
    def _retention_night_step(self, company, auto_commit):
        """One step of a company's night, as its state (``res.company.retention_night``) says; returns what it
        did (cards examined, else 1). The steps:

        - ``start``: the facts of every customer in one set-based query, and the cards to examine, kept in the
          night's table (``_retention_stage``);
        - ``cards``: the next ``NIGHT_BATCH`` cards of the table examined and written with their history
          (``_retention_examine_batch``), until none is left; then the groups rolled up (``_retention_close``);
        - ``pool``, ``reminders``, ``playbooks`` (``FINISH_STEPS``): the pool's release and escalation (from the
          protection ends just computed), the day's reminders (in batches), the playbooks (应对预案) launched
          once the day's changes are in; then the run recorded.

        Each step takes the company's cards lock (waiting, outside tests, for another run of the company to end)
        and runs in a savepoint: a failing step is recorded and the night goes on from the cards as they are; a
        failure is sent to the company's retention managers."""
        company = company.sudo()
        today = company._retention_today()
        night = dict(company.retention_night or {"step": "start"})
        if night["step"] == "start" or night.get("day") != fields.Date.to_string(today):
            # a night left unfinished on an earlier day is started again (its facts are those of that day): the
            # staging replaces its table
            night = {
                "step": "start",
                "day": fields.Date.to_string(today),
                "start": fields.Datetime.to_string(fields.Datetime.now()),
                "seconds": 0.0,
                "customers": 0,
                "left": 0,
                "changes": 0,
                "errors": [],
            }
        started, done = time.monotonic(), 1
        error = self._retention_wait_for_cards(company, auto_commit)
        if error:
            # nothing of the night without the lock: the failure recorded and sent
            night["errors"].append(error)
            night["step"] = "record"
        if night["step"] in ("start", "cards"):
            label = self.env._("Recompute")
            try:
                with self.env.cr.savepoint():
                    settings = company._retention_card_settings()
                    if night["step"] == "start":
                        night["customers"], night["left"] = self.with_company(company)._retention_stage(
                            company, today, settings.key
                        )
                        night["step"] = "cards"
                    else:
                        # no table: a *Recompute now* between two steps examined every card (and dropped it)
                        batch = (
                            night["left"]
                            and self._retention_stage_exists(company)
                            and self.with_company(company)._retention_examine_batch(company, today, settings)
                        )
                        if not batch:
                            self._retention_close(company, today, night["changes"])
                            night["step"] = FINISH_STEPS[0]
                        else:
                            done = max(batch["examined"], 1)
                            night["left"] = max(night["left"] - batch["taken"], 0)
                            night["changes"] += batch["changes"]
            except Exception as error:  # pylint: disable=broad-exception-caught
                _logger.exception("customer_retention: the nightly %s of %s failed", label, company.name)
                self.env.invalidate_all()
                night["errors"].append(f"{label}: {error}")
                self._retention_drop_stage(company)
                night["step"] = FINISH_STEPS[0]
        elif night["step"] in FINISH_STEPS:
            done, more = self._retention_night_part(company, today, night)
            if not more:
                following = FINISH_STEPS.index(night["step"]) + 1
                night["step"] = FINISH_STEPS[following] if following < len(FINISH_STEPS) else "record"
        if night["step"] == "record":
            self._retention_drop_stage(company)  # none left, but after a failure
            night["seconds"] += time.monotonic() - started
            errors = "\n".join(night["errors"]) or False
            company.write(
                {
                    "retention_last_run_start": fields.Datetime.to_datetime(night["start"]),
                    "retention_last_run_seconds": night["seconds"],
                    "retention_last_run_customers": night["customers"],
                    "retention_last_run_changes": night["changes"],
                    "retention_last_run_error": errors,
                    "retention_night": False,
                }
            )
            if errors:
                self._retention_notify_failure(company, errors)
            return done
        night["seconds"] += time.monotonic() - started
        company.retention_night = night
        return done

    @api.model
    def _retention_night_part(self, company, today, night):
        """One part of the night's end (``FINISH_STEPS``) once the cards are written, in its savepoint, a
        failure added to the night's: (what it did, whether it has more to do). Each goes in batches of
        ``NIGHT_BATCH``: the first night of a large database reminds of every overdue customer and launches a
        playbook for the new class of every customer, and the first night of the pool may release most of the
        customers received on the day it was switched on."""
        part = night["step"]
        label = {
            "pool": self.env._("Public pool"),
            "reminders": self.env._("Reminders"),
            "playbooks": self.env._("Playbooks"),
        }[part]
        try:
            with self.env.cr.savepoint():
                if part == "pool":
                    # the pool's release and escalation, from the protection ends just computed
                    counts = self.env["retention.pool"]._nightly(
                        company, today, limit=NIGHT_BATCH, after=night.get("pool_after", 0)
                    )
                    night["pool_after"] = counts["last"]
                    return max(counts["warned"] + counts["escalated"] + counts["released"], 1), counts["more"]
                if part == "reminders":
                    reminded = self._daily_reminders(company, today, limit=NIGHT_BATCH)
                    return max(reminded, 1), reminded >= NIGHT_BATCH
                # --- playbooks (应对预案): the plans of the trigger occurrences, once the day's changes are in ---
                launched, more = self.env["retention.playbook"]._retention_launch_batch(company, NIGHT_BATCH)
                return max(launched, 1), more
        except Exception as error:  # pylint: disable=broad-exception-caught
            _logger.exception("customer_retention: the nightly %s (%s) of %s failed", label, part, company.name)
            self.env.invalidate_all()
            night["errors"].append(f"{label}: {error}")
        return 1, False

    @api.model
    def _retention_wait_for_cards(self, company, auto_commit):
        """The company's cards lock for a step of the night, waiting (outside tests) for another run of the
        company to end: None, or why it could not be taken."""
        for attempt in range(1, NIGHT_LOCK_ATTEMPTS + 1):
            try:
                self._retention_lock_cards(company)
                return None
            except (UserError, pg_errors.SerializationFailure) as error:
                if not auto_commit or attempt == NIGHT_LOCK_ATTEMPTS:
                    return str(error)
                # a fresh transaction: REPEATABLE READ would keep the snapshot from before the other run
                self.env.cr.rollback()
                _logger.info("customer_retention: %s busy, the nightly run waits (%s)", company.name, attempt)
                time.sleep(NIGHT_LOCK_PAUSE)
        return None

    @api.model
    def _retention_notify_failure(self, company, error):
        """A failed night is never silent: the company's retention managers get it in their inbox (and by
        e-mail if they chose so), each in their language, with the error."""
        group = self.env.ref(MANAGER_GROUP)
        managers = (
            self.env["res.users"]
            .sudo()
            .search([("groups_id", "in", group.id), ("company_ids", "in", company.id), ("share", "=", False)])
        )
        for lang in set(managers.mapped("lang")):
            readers = managers.filtered(lambda user, lang=lang: user.lang == lang)
            env = self.with_context(lang=lang).env
            self.env["mail.thread"].sudo().message_notify(
                model="res.company",
                res_id=company.id,
                partner_ids=readers.partner_id.ids,
                author_id=self.env.ref("base.partner_root").id,
                subject=env._("Customer retention: the nightly run of %(company)s failed", company=company.name),
                body=Markup("<p>%s</p><pre>%s</pre><p>%s</p>")
                % (
                    env._(
                        "The nightly run of the customer data cards of %(company)s failed on %(date)s.",
                        company=company.name,
                        date=company._retention_today(),
                    ),
                    error,
                    env._(
                        "The other companies were not affected. Steps that did not fail (the day's reminders "
                        "from the cards as they were) were kept. The run is tried again next night; "
                        "Recompute now, in the settings, runs it at once."
                    ),
                ),
            )

    @api.model
    def _retention_lock_cards(self, company, exclusive=True):
        """One run at a time writes a company's cards and reminders, whoever starts it (the nightly job,
        Recompute now, a script or a server action). ``exclusive`` (a recompute, the reminders): the company's
        row locked and stamped, refused at once with a clear message while another run holds it. Otherwise (a
        refresh of a few cards): a shared lock, waiting for a running recompute; refreshes do not wait for each
        other. Odoo's transactions are REPEATABLE READ: a run whose snapshot predates another run's commit
        would work on cards it cannot see; the stamp makes PostgreSQL refuse its lock with a serialization
        failure, which Odoo's RPC layer (and the nightly job) retry in a fresh transaction."""
        cr = self.env.cr
        company_name = company.sudo().name  # read now: the message is built after the refusal
        try:
            # a refused lock is an expected answer, not a bad query to log
            with mute_logger("odoo.sql_db"):
                if exclusive:
                    with cr.savepoint(flush=False):
                        cr.execute(SQL("SELECT id FROM res_company WHERE id = %s FOR NO KEY UPDATE NOWAIT", company.id))
                        cr.execute(
                            SQL(
                                "UPDATE res_company SET retention_cards_locked_at = NOW() AT TIME ZONE 'UTC'"
                                " WHERE id = %s",
                                company.id,
                            )
                        )
                else:
                    # no savepoint: a refresh that cannot lock fails its whole transaction (a done action check,
                    # a batch of the refresh queue), which is what the caller wants
                    cr.execute(
                        "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
                        [REFRESH_LOCK_WAIT],
                    )
                    previous = cr.fetchone()[0]
                    cr.execute(SQL("SELECT id FROM res_company WHERE id = %s FOR SHARE", company.id))
                    cr.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
        except pg_errors.LockNotAvailable:
            raise UserError(
                self.env._(
                    "The customer data cards of %(company)s are being recomputed (the nightly run, Recompute now "
                    "or another task). Try again in a few minutes.",
                    company=company_name,
                )
            ) from None
        company.invalidate_recordset(["retention_cards_locked_at"])

    @api.model
    def _daily_reminders(self, company, today, limit=None):
        """The day's reminders, once the cards are up to date: *Contact Due* for customers whose next contact
        date passed (the first ``limit`` of them), then, once they are all reminded, the key dates (birthdays,
        anniversaries) coming up. Once per occurrence, and never two runs at once (each takes the company's cards
        lock). Returns the number of *Contact Due* reminders made."""
        reminded = self.env["retention.warning"]._remind_contact_due(company, today, limit)
        if limit is None or reminded < limit:
            self.env["retention.key.date"]._remind(company, today)
        return reminded

    @api.model
    def _recompute(self, companies, today=None, examine_all=False):
        """Recompute the cards of ``companies``: every card whose facts or inputs changed or whose recheck date
        came, or every card with ``examine_all`` (the "Recompute now" button)."""
        totals = {"customers": 0, "examined": 0, "updated": 0, "changes": 0}
        for company in companies:
            stats = self.with_company(company)._recompute_company(
                company, today or company._retention_today(), examine_all
            )
            for key, value in stats.items():
                totals[key] += value
        return totals

    @api.model
    def _refresh_customers(self, company, partners):
        """Refresh the cards of a few customers at once (a done action check, a confirmed order, a posted
        invoice): metrics, stage, time class, risk and next contact, with their history and warnings, and the
        roll-up of their groups (集团客户). Their ABC class stays until the nightly recompute, which ranks every
        customer. A fixed number of queries, whatever the number of customers and orders of the company. Runs as
        the system: callers decide who may cause it."""
        partner_ids = sorted(set(partners.commercial_partner_id.ids))
        if not partner_ids:
            return {"customers": 0, "examined": 0, "updated": 0, "changes": 0}
        return (
            self.sudo()
            .with_company(company)
            ._recompute_company(company, company._retention_today(), partner_ids=partner_ids)
        )

    # --- step 1: facts, as subqueries of the population query ------------------------------------------
    def _retention_source_query(self, company, partner_ids=None, per_commercial_partner=True):
        """Revenue lines of the company's customers: (commercial partner, moment, amount in company currency,
        whether the line is an order), and the time zone whose calendar days the moments fall on. Amounts are
        converted at the document date (order rate / signed invoice amount), as double precision: summing a
        million numerics costs a third of the scan, and the sums are rounded to the currency's digits (on the
        100,000-customer benchmark, every total, window revenue and class equals the numeric computation).
        Orders keep their UTC timestamp: the facts compare it with day boundaries computed once, instead of
        converting a million timestamps. Without ``per_commercial_partner``, an order's line is its own
        customer's (a contact's order, its contact's: see ``_retention_source_sums_query``); ``partner_ids``
        are commercial partners either way."""
        if company.retention_revenue_source == "invoice":
            return "UTC", SQL(
                """SELECT am.commercial_partner_id AS partner_id, am.invoice_date::timestamp AS moment,
                          am.amount_untaxed_signed::float8 AS amount, am.move_type = 'out_invoice' AS is_order
                     FROM account_move am
                    WHERE am.company_id = %(company)s AND am.state = 'posted'
                      AND am.move_type IN ('out_invoice', 'out_refund') AND am.commercial_partner_id IS NOT NULL
                      AND am.invoice_date IS NOT NULL %(only)s""",
                company=company.id,
                only=self._retention_only(SQL("am.commercial_partner_id"), partner_ids),
            )
        lines = SQL(
            """SELECT so.partner_id, so.date_order AS moment,
                      so.amount_untaxed::float8 / COALESCE(NULLIF(so.currency_rate, 0), 1)::float8 AS amount,
                      TRUE AS is_order
                 FROM sale_order so
                WHERE so.company_id = %(company)s AND so.state = 'sale' %(only)s""",
            company=company.id,
            only=SQL()
            if partner_ids is None
            else SQL(
                "AND so.partner_id IN (SELECT id FROM res_partner WHERE commercial_partner_id = ANY(%s))",
                list(partner_ids),
            ),
        )
        if per_commercial_partner:
            lines = SQL(
                """SELECT p.commercial_partner_id AS partner_id, l.moment, l.amount, l.is_order
                     FROM (%s) l JOIN res_partner p ON p.id = l.partner_id""",
                lines,
            )
        return company.partner_id.tz or "UTC", lines

    def _retention_source_sums_query(self, company, today, partner_ids=None):
        """The revenue lines (``_retention_source_query``) summed per customer of the documents, then given their
        commercial partner: rows of (commercial partner, first and last moment of an order, orders, amount,
        amount of the last 12 months, of the 12 before and of the ABC window up to ``today``), several for a
        company whose contacts ordered themselves; and the time zone of the moments. Summing the orders before
        looking up their commercial partner joins some 100,000 sums to the partners instead of 800,000 orders:
        1.6–2.1 s instead of 2.5–3.2 s at 100,000 customers."""
        by_commercial = company.retention_revenue_source == "invoice"
        tz, lines = self._retention_source_query(company, partner_ids, per_commercial_partner=by_commercial)

        def after(day):
            return first_moment_after(day, tz)

        cuts = {
            "d12": after(today - relativedelta(months=12)),
            "d24": after(today - relativedelta(months=24)),
            "dwin": after(today - relativedelta(months=company.retention_window_months)),
        }
        # only invoices have lines that are no order (credit notes): no filter to evaluate for orders
        orders = SQL("FILTER (WHERE is_order)") if by_commercial else SQL()
        sums = SQL(
            """SELECT partner_id, MIN(moment) %(orders)s AS first_moment, MAX(moment) %(orders)s AS last_moment,
                      COUNT(*) %(orders)s AS orders, SUM(amount) AS amount,
                      SUM(amount) FILTER (WHERE moment >= %(d12)s) AS amount_12m,
                      SUM(amount) FILTER (WHERE moment >= %(d24)s AND moment < %(d12)s) AS amount_prev_12m,
                      SUM(amount) FILTER (WHERE moment >= %(dwin)s) AS amount_window
                 FROM (%(lines)s) l
                GROUP BY partner_id""",
            orders=orders,
            lines=lines,
            **cuts,
        )
        if by_commercial:
            return tz, sums
        return tz, SQL(
            """SELECT p.commercial_partner_id AS partner_id, s.first_moment, s.last_moment, s.orders, s.amount,
                      s.amount_12m, s.amount_prev_12m, s.amount_window
                 FROM (%s) s JOIN res_partner p ON p.id = s.partner_id""",
            sums,
        )

    def _retention_quote_query(self, company, partner_ids=None):
        """Commercial partners with an open quotation (or an open opportunity when CRM is installed)."""
        query = SQL(
            """SELECT p.commercial_partner_id AS partner_id
                 FROM sale_order so JOIN res_partner p ON p.id = so.partner_id
                WHERE so.company_id = %s AND so.state IN ('draft', 'sent') %s""",
            company.id,
            self._retention_only(SQL("p.commercial_partner_id"), partner_ids),
        )
        if "crm.lead" in self.env:
            query = SQL(
                """%s UNION
                   SELECT p.commercial_partner_id FROM crm_lead l JOIN res_partner p ON p.id = l.partner_id
                    WHERE l.active AND l.type = 'opportunity' AND COALESCE(l.probability, 0) < 100
                      AND (l.company_id IS NULL OR l.company_id = %s) %s""",
                query,
                company.id,
                self._retention_only(SQL("p.commercial_partner_id"), partner_ids),
            )
        return query

    def _retention_facts_query(self, company, today, partner_ids=None):
        """The facts of every customer with revenue lines, in one grouped scan: first and last order, count,
        revenue totals of the windows, usual interval and the automatic ABC class. A plain SELECT, so that
        PostgreSQL scans the orders with parallel workers (a temporary table would be filled by one process).

        ABC ranks the customers by revenue in the window: a customer is A while the revenue of the
        customers ranked strictly above it is below the A cut-off share of the total (so the customer that
        reaches the cut-off is the last A), likewise B, else C; ties share a rank and a class; no class without
        positive revenue. Exact numeric comparison: no rounding at a cut-off. With *ABC by group* (a setting),
        each group of companies (集团客户) is ranked as one customer by the revenue of its companies together, and
        every company of the group takes the group's class, with or without revenue lines of its own
        (``_retention_group_facts_query``).

        With ``partner_ids`` (the refresh of a few cards), only their lines are scanned and the ABC class is
        left out (NULL): it ranks the whole population, which only the full recompute reads."""
        tz, source = self._retention_source_sums_query(company, today, partner_ids)
        # one level: the window functions run over the grouped rows, without materializing them first
        window = SQL(
            "ROUND(COALESCE(SUM(amount_window)::numeric, 0), %(digits)s)", digits=company.currency_id.decimal_places
        )
        columns = SQL(
            """(MIN(first_moment) AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS first_order,
               (MAX(last_moment) AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS last_order,
               SUM(orders)::bigint AS order_count,
               ROUND(SUM(amount)::numeric, %(digits)s) AS revenue_total,
               ROUND(COALESCE(SUM(amount_12m)::numeric, 0), %(digits)s) AS revenue_12m,
               ROUND(COALESCE(SUM(amount_prev_12m)::numeric, 0), %(digits)s) AS revenue_prev_12m,
               %(window)s AS revenue_window""",
            tz=tz,
            window=window,
            digits=company.currency_id.decimal_places,
        )
        cut_offs = {
            "a_cut": Decimal(str(company.retention_abc_a_cut)),
            "b_cut": Decimal(str(company.retention_abc_b_cut)),
        }
        if company.retention_abc_by_group and partner_ids is None:
            return self._retention_group_facts_query(source, columns, cut_offs)
        return SQL(
            """
            SELECT partner_id, first_order, last_order, order_count, revenue_total, revenue_12m, revenue_prev_12m,
                   revenue_window,
                   CASE WHEN order_count > 1
                        THEN ROUND((last_order - first_order)::numeric / (order_count - 1), 1) END AS avg_interval,
                   CASE WHEN %(partial)s OR revenue_window <= 0 OR total <= 0 THEN NULL
                        WHEN cum_before * 100 < %(a_cut)s * total THEN 'a'
                        WHEN cum_before * 100 < %(b_cut)s * total THEN 'b'
                        ELSE 'c' END AS abc_class
              FROM (
                SELECT partner_id, %(columns)s,
                       -- revenue of the customers strictly above (positive revenue only): the running sum
                       -- includes the ties (default RANGE frame: the rows ranked up to the current revenue), minus
                       -- the ties themselves, revenue × (rows up to it - rows strictly above it = rank - 1). One
                       -- sort for all (EXCLUDE GROUP would be O(n²), PARTITION BY revenue a second sort).
                       SUM(GREATEST(%(window)s, 0)) OVER ranking
                         - GREATEST(%(window)s, 0) * (COUNT(*) OVER ranking - RANK() OVER ranking + 1) AS cum_before,
                       SUM(GREATEST(%(window)s, 0)) OVER () AS total
                  FROM (%(source)s) src
                 GROUP BY partner_id
                WINDOW ranking AS (ORDER BY %(window)s DESC)
              ) facts
            """,
            source=source,
            columns=columns,
            window=window,
            partial=partner_ids is not None,
            **cut_offs,
        )

    def _retention_group_facts_query(self, source, columns, cut_offs):
        """The facts with *ABC by group*: the customers' facts grouped first, then ranked by unit, a group of
        companies (its head and all its subsidiaries, ``_retention_group_ctes``) or a customer of its own, with
        the revenue of the unit's customers together; the same cut-offs, ties and exact comparison as a ranking
        of customers. Every company of a group is a row, with the group's class (and NULL facts without revenue
        lines of its own). Still one query."""
        return SQL(
            """
            WITH RECURSIVE %(groups)s,
            facts AS (
                SELECT partner_id, %(columns)s FROM (%(source)s) src GROUP BY partner_id
            ),
            units AS (
                SELECT COALESCE(f.partner_id, g.id) AS partner_id, COALESCE(g.head, f.partner_id) AS unit,
                       f.first_order, f.last_order, f.order_count, f.revenue_total, f.revenue_12m,
                       f.revenue_prev_12m, f.revenue_window
                  FROM facts f
                  FULL JOIN group_members g ON g.id = f.partner_id
            ),
            ranked AS (
                -- as for customers (see ``_retention_facts_query``): the revenue of the units strictly above
                SELECT unit, revenue,
                       SUM(GREATEST(revenue, 0)) OVER ranking
                         - GREATEST(revenue, 0) * (COUNT(*) OVER ranking - RANK() OVER ranking + 1) AS cum_before,
                       SUM(GREATEST(revenue, 0)) OVER () AS total
                  FROM (SELECT unit, SUM(COALESCE(revenue_window, 0)) AS revenue FROM units GROUP BY unit) u
                WINDOW ranking AS (ORDER BY revenue DESC)
            )
            SELECT u.partner_id, u.first_order, u.last_order, u.order_count, u.revenue_total, u.revenue_12m,
                   u.revenue_prev_12m, u.revenue_window,
                   CASE WHEN u.order_count > 1
                        THEN ROUND((u.last_order - u.first_order)::numeric / (u.order_count - 1), 1) END
                       AS avg_interval,
                   CASE WHEN r.revenue <= 0 OR r.total <= 0 THEN NULL
                        WHEN r.cum_before * 100 < %(a_cut)s * r.total THEN 'a'
                        WHEN r.cum_before * 100 < %(b_cut)s * r.total THEN 'b'
                        ELSE 'c' END AS abc_class
              FROM units u
              JOIN ranked r ON r.unit = u.unit
            """,
            groups=self._retention_group_ctes(),
            source=source,
            columns=columns,
            **cut_offs,
        )

    # --- step 1: the cards to examine (one query with the facts) ---------------------------------------
    def _retention_population_query(self, company, today, rules_key, examine_all=False, partner_ids=None):
        """SQL of every commercial partner the classes concern, with its facts, in one query: the size of the
        population and the cards to examine (none: one row of NULLs). A card is examined again when what its
        rules read changed (``inputs_key``: facts, inputs people set, ``rules_key`` of the settings), or on its
        recheck date (``scoring.recheck_date``): on other days the rules would give the same result.
        ``examine_all`` examines every card. ``partner_ids`` limits the population to these commercial partners
        (examined whatever their fingerprint), keeping the ABC class they hold: the cost no longer depends on the
        number of customers. JIT compiling this one big query costs more than it saves (1.7 s of 5 s at 100,000
        customers): the caller turns it off."""
        key = str(company.id)
        only = self._retention_only(SQL("p.id"), partner_ids)
        # the ABC rank needs the whole population: a partial refresh keeps the class the card holds
        abc = SQL("f.abc_class") if partner_ids is None else SQL("p.retention_abc_class_auto ->> %s", key)
        inputs = SQL(", ").join(SQL("p.%s ->> %s", SQL.identifier(field.name), key) for field in INPUTS)
        return SQL(
            """
                WITH quotes AS (SELECT DISTINCT partner_id FROM (%(quotes)s) q),
                referrals AS (
                    SELECT ref.commercial_partner_id AS partner_id, COUNT(*) AS referral_count
                      FROM res_partner c JOIN res_partner ref ON ref.id = c.retention_referred_by_id
                     WHERE c.id = c.commercial_partner_id AND c.active %(only_ref)s
                     GROUP BY ref.commercial_partner_id
                ),
                feedback AS (
                    SELECT partner_id, COUNT(*) FILTER (WHERE complaint) AS complaints,
                           COUNT(*) FILTER (WHERE feedback_satisfaction IN ('1', '2')) AS low_satisfaction
                      FROM retention_action_check
                     WHERE company_id = %(company)s AND state = 'done' AND action_datetime >= %(d12)s
                           %(only_feedback)s
                     GROUP BY partner_id
                ),
                receivables AS (%(receivables)s),
                population AS MATERIALIZED (
                    SELECT p.id, f.order_count, f.first_order, f.last_order, f.avg_interval, f.revenue_total,
                           f.revenue_12m, f.revenue_prev_12m, f.revenue_window, %(abc)s AS abc_class,
                           q.partner_id IS NOT NULL AS has_quote,
                           COALESCE(r.referral_count, 0) AS referral_count,
                           COALESCE(fb.complaints, 0) AS complaints,
                           COALESCE(fb.low_satisfaction, 0) AS low_satisfaction,
                           COALESCE(rv.overdue_amount, 0) AS overdue_amount, rv.overdue_since,
                           %(fingerprint)s AS inputs_key,
                           p.retention_inputs_key ->> %(key)s AS stored_key,
                           (p.retention_recheck_date ->> %(key)s)::date AS recheck,
                           hu.id IS NOT NULL AS held,
                           COALESCE(p.retention_held_since, p.create_date::date) AS held_since,
                           COALESCE(p.retention_locked, FALSE) AS locked
                      FROM res_partner p
                      LEFT JOIN res_users hu ON hu.id = p.user_id AND hu.active
                      LEFT JOIN (%(facts)s) f ON f.partner_id = p.id
                      LEFT JOIN quotes q ON q.partner_id = p.id
                      LEFT JOIN referrals r ON r.partner_id = p.id
                      LEFT JOIN feedback fb ON fb.partner_id = p.id
                      LEFT JOIN receivables rv ON rv.partner_id = p.id
                     WHERE p.id = p.commercial_partner_id %(only)s
                       AND (f.partner_id IS NOT NULL
                            OR q.partner_id IS NOT NULL
                            OR p.retention_time_class ? %(key)s
                            OR (p.active AND (p.company_id IS NULL OR p.company_id = %(company)s)
                                AND NOT EXISTS (SELECT 1 FROM res_company rc WHERE rc.partner_id = p.id)
                                AND NOT EXISTS (SELECT 1 FROM res_users u
                                                 WHERE u.partner_id = p.id AND u.share IS NOT TRUE)))
                ),
                examined AS (
                    SELECT * FROM population
                     WHERE %(examine_all)s OR inputs_key IS DISTINCT FROM stored_key OR recheck <= %(today)s
                )
                SELECT n.population, e.*
                  FROM (SELECT COUNT(*) AS population FROM population) n
                  LEFT JOIN examined e ON TRUE
                """,
            facts=self._retention_facts_query(company, today, partner_ids),
            fingerprint=self._retention_fingerprint(
                SQL(
                    """ROW(f.order_count, f.first_order, f.last_order, f.avg_interval, f.revenue_total,
                               f.revenue_12m, f.revenue_prev_12m, f.revenue_window, %s,
                               q.partner_id IS NOT NULL, r.referral_count, fb.complaints, fb.low_satisfaction,
                               rv.overdue_amount, rv.overdue_since, %s, %s::text,
                               hu.id IS NOT NULL, COALESCE(p.retention_held_since, p.create_date::date),
                               COALESCE(p.retention_locked, FALSE))""",
                    abc,
                    inputs,
                    rules_key,
                )
            ),
            quotes=self._retention_quote_query(company, partner_ids),
            receivables=self._retention_receivables_query(company, today, partner_ids),
            abc=abc,
            only=only,
            only_ref=self._retention_only(SQL("ref.commercial_partner_id"), partner_ids),
            only_feedback=self._retention_only(SQL("partner_id"), partner_ids),
            key=key,
            company=company.id,
            d12=today - relativedelta(months=12),
            examine_all=bool(examine_all) or partner_ids is not None,
            today=today,
        )

    def _retention_card_columns(self, company):
        """SQL of what the card of ``p`` holds in ``company`` (the ``old_…`` values of the rules)."""
        key = str(company.id)
        return SQL(", ").join(
            SQL("p.%s ->> %s AS %s", SQL.identifier(field.name), key, SQL.identifier("old_" + field.key))
            for field in (*METRICS, *RULE_RESULTS, *INPUTS)
        )

    def _retention_read_population(self, company, today, rules_key, partner_ids):
        """The population of ``partner_ids`` (a refresh of a few cards) with what their cards hold, in one query:
        (size of the population, rows to examine)."""
        rows = self.env.execute_query_dict(
            SQL(
                "SET LOCAL jit = off; SELECT q.*, %s FROM (%s) q LEFT JOIN res_partner p ON p.id = q.id",
                self._retention_card_columns(company),
                self._retention_population_query(company, today, rules_key, partner_ids=partner_ids),
            )
        )
        return rows[0]["population"], [row for row in rows if row["id"] is not None]

    # --- the night's table: the cards to examine, kept between the steps of the night ----------------------
    @staticmethod
    def _retention_stage_name(company):
        """Name of the company's night table (the uninstall hook drops every ``retention_night_card_…``)."""
        return f"retention_night_card_{company.id}"

    def _retention_stage_table(self, company):
        return SQL.identifier(self._retention_stage_name(company))

    def _retention_stage(self, company, today, rules_key, examine_all=False):
        """The facts of every customer in one set-based query, and the cards to examine kept in the company's
        night table, for the steps that examine them (``_retention_examine_batch``): (size of the population,
        cards to examine). The table is UNLOGGED (not written twice, nor replicated): should PostgreSQL crash,
        it comes back empty and the cards not yet written wait for the next night, whose fingerprints still
        differ from theirs. ``CREATE TABLE … AS`` scans the orders with parallel workers, as a plain SELECT."""
        table = self._retention_stage_table(company)
        self.env.flush_all()
        # one statement after the other in one round trip; JIT off (see ``_retention_population_query``) until the
        # groups are rolled up. With nothing to examine, the table holds one row of NULLs with the population's size
        [(population, todo)] = self.env.execute_query(
            SQL(
                """SET LOCAL jit = off;
                   DROP TABLE IF EXISTS %(table)s;
                   CREATE UNLOGGED TABLE %(table)s AS %(population)s;
                   CREATE INDEX ON %(table)s (id);
                   SELECT MAX(population), COUNT(id) FROM %(table)s""",
                table=table,
                population=self._retention_population_query(company, today, rules_key, examine_all),
            )
        )
        return population or 0, todo

    def _retention_stage_exists(self, company):
        return bool(self.env.execute_query(SQL("SELECT to_regclass(%s)", self._retention_stage_name(company)))[0][0])

    def _retention_drop_stage(self, company):
        self.env.execute_query(SQL("DROP TABLE IF EXISTS %s", self._retention_stage_table(company)))

    def _retention_examine_batch(self, company, today, settings, limit=None):
        """Take the next ``limit`` cards (by id) of the company's night table, examine and write them with their
        history (``_retention_apply``): their stats, with the cards ``taken`` from the table; None once the
        table is empty. A card that a refresh wrote since the night read the facts (its stored fingerprint
        changed: a confirmed order, a done action check) is left as that refresh wrote it. Rolled back with its
        transaction, the batch stays in the table."""
        table = self._retention_stage_table(company)
        rows = self.env.execute_query_dict(
            SQL(
                """
                SET LOCAL jit = off;
                WITH batch AS (
                    DELETE FROM %(table)s
                     WHERE id = ANY(ARRAY(SELECT id FROM %(table)s WHERE id IS NOT NULL ORDER BY id LIMIT %(limit)s))
                    RETURNING *
                )
                SELECT b.*, p.id IS NOT NULL AS unchanged, %(card)s
                  FROM batch b
                  LEFT JOIN res_partner p
                         ON p.id = b.id AND (p.retention_inputs_key ->> %(key)s) IS NOT DISTINCT FROM b.stored_key
                """,
                table=table,
                limit=limit or NIGHT_BATCH,
                card=self._retention_card_columns(company),
                key=str(company.id),
            )
        )
        if not rows:
            return None
        rows.sort(key=lambda row: row["id"])
        stats = self._retention_apply(company, today, settings, [row for row in rows if row["unchanged"]])
        return dict(stats, taken=len(rows))

    def _retention_close(self, company, today, changes):
        """The end of a recompute, once every card is written: the groups rolled up, the table's statistics
        refreshed after many changes, the night's table dropped."""
        # the month's first run records the point of every card with a risk level (the batches only update a month
        # that has its points)
        self.env["retention.card.trend"]._retention_snapshot(company, today, [])
        self._retention_roll_up_groups(company)
        if changes >= ANALYZE_AFTER:
            # the lists filter on the classes: give the planner today's distribution, not last night's (a night
            # that only moves recheck dates and risk points does not need it)
            self.env.execute_query(SQL("ANALYZE res_partner"))
        self._retention_drop_stage(company)

    @staticmethod
    def _retention_only(column, partner_ids):
        """SQL condition "and ``column`` is one of ``partner_ids``", or nothing when they are None (every one)."""
        return SQL() if partner_ids is None else SQL("AND %s = ANY(%s)", column, list(partner_ids))

    def _retention_fingerprint(self, row):
        """SQL of a text fingerprint of a row of typed values. PostgreSQL 14+ hashes the values themselves in 64
        bits (30 ms for 100,000 rows); older servers, which Odoo 18 still supports, take the md5 of their text
        (370 ms). A server upgrade changes every fingerprint once: the next recompute examines every card."""
        if self._retention_server_hashes_records():
            return SQL("hash_record_extended(%s, 0)::text", row)
        return SQL("md5(%s::text)", row)

    def _retention_server_hashes_records(self):
        return self.env.cr._cnx.server_version >= 140000

    def _retention_receivables_query(self, company, today, partner_ids=None):
        """Posted customer invoices past due and not (fully) paid: amount in company currency, oldest due date."""
        if "account.move" not in self.env:
            return SQL("SELECT NULL::int AS partner_id, 0 AS overdue_amount, NULL::date AS overdue_since WHERE FALSE")
        return SQL(
            """SELECT am.commercial_partner_id AS partner_id, SUM(am.amount_residual_signed) AS overdue_amount,
                      MIN(am.invoice_date_due) AS overdue_since
                 FROM account_move am
                WHERE am.company_id = %(company)s AND am.state = 'posted' AND am.move_type = 'out_invoice'
                  AND am.payment_state IN ('not_paid', 'partial') AND am.invoice_date_due < %(today)s %(only)s
                GROUP BY am.commercial_partner_id""",
            company=company.id,
            today=today,
            only=self._retention_only(SQL("am.commercial_partner_id"), partner_ids),
        )

    # --- group customers (集团客户): the groups of companies and their roll-up ------------------------
    # A group is a head (an active company without an active parent company) and every active company under it,
    # at any depth. Odoo refuses cycles of parents (and a cycle has no head). PostgreSQL cannot tell how few of the
    # partners are companies with a parent (it multiplies the shares of companies and of partners with a parent),
    # nor how large a group is: the statements reach partners by the index of the subsidiaries, by a parent's id
    # or by their own ids (``= ANY(ARRAY(…))``, the primary key), and combine groups with hashes and windows, never
    # with a join of two sets whose size the planner guesses.
    @staticmethod
    def _retention_group_ctes(heads=None, key=None):
        """SQL of the CTEs (of a ``WITH RECURSIVE``) ``group_heads`` and ``group_members(id, head, …)``: each head
        and every company of its group, walking down the subsidiaries. The heads of every group: the parents of
        the subsidiaries (from their index, a few of all partners) that are no subsidiary themselves; or those of
        ``heads`` (a query of partner ids, heads or not). With the ``key`` of a company, each member comes with
        what its card holds there (read with its row): ``revenue_12m``, ``revenue_total``, ``abc``,
        ``risk_level``."""
        if key is None:
            columns, head_card, member_card = SQL(), SQL(), SQL()
        else:
            columns = SQL(", revenue_12m, revenue_total, abc, risk_level")
            head_card, member_card = (
                SQL(
                    """, (%(p)s.retention_revenue_12m ->> %(key)s)::numeric,
                       (%(p)s.retention_revenue_total ->> %(key)s)::numeric,
                       %(p)s.retention_abc_class ->> %(key)s, %(p)s.retention_risk_level ->> %(key)s""",
                    p=SQL.identifier(alias),
                    key=key,
                )
                for alias in ("h", "c")
            )
        if heads is None:
            # a parent with an active parent company is itself a subsidiary: no other look-up
            group_heads = SQL(
                """subsidiaries AS MATERIALIZED (
                    SELECT id, parent_id FROM res_partner WHERE is_company AND parent_id IS NOT NULL AND active
                ),
                parents AS MATERIALIZED (
                    SELECT h.id %(head_card)s
                      FROM res_partner h
                     WHERE h.id = ANY(ARRAY(SELECT parent_id FROM subsidiaries)) AND h.is_company AND h.active
                ),
                group_heads(id %(columns)s) AS (
                    SELECT * FROM parents
                     WHERE id NOT IN (SELECT s.id FROM subsidiaries s JOIN parents p ON p.id = s.parent_id)
                )""",
                head_card=head_card,
                columns=columns,
            )
        else:
            group_heads = SQL(
                """group_heads(id %(columns)s) AS (
                    SELECT h.id %(head_card)s FROM res_partner h
                     WHERE h.id = ANY(ARRAY(%(heads)s)) AND h.is_company AND h.active
                       AND NOT EXISTS (SELECT 1 FROM res_partner g
                                        WHERE g.id = h.parent_id AND g.is_company AND g.active)
                )""",
                heads=heads,
                head_card=head_card,
                columns=columns,
            )
        return SQL(
            """%(group_heads)s,
            group_members(id, head %(columns)s) AS (
                SELECT id, id %(columns)s FROM group_heads
                UNION ALL
                SELECT c.id, m.head %(member_card)s
                  FROM group_members m
                  JOIN res_partner c ON c.parent_id = m.id AND c.is_company AND c.active
            )""",
            group_heads=group_heads,
            columns=columns,
            member_card=member_card,
        )

    def _retention_roll_up_groups(self, company, partner_ids=None):
        """Group customers (集团客户), in one statement from the cards just written: every company of a group gets
        its head (``retention_group_id``, the same in every company); the head gets the roll-up over itself and
        all its subsidiaries in ``company``: revenue of the last 12 months and lifetime revenue (sums), best ABC
        class, worst risk level, number of subsidiaries. A company that is no head holds no roll-up, in any
        company; one that left every group no head either. The walk down the groups reads the members' cards;
        only the partners whose values change are written.

        With ``partner_ids`` (the refresh of a few cards), only the groups these companies belong to now (walking
        up their parents) or belonged to at the last roll-up: the cost depends on the size of those groups, not on
        the number of customers."""
        key = str(company.id)
        if partner_ids is None:
            scope, heads = SQL(), None
            held = SQL("p.retention_group_id IS NOT NULL")
        else:
            scope = SQL(
                """refreshed AS (
                    SELECT unnest(%(ids)s::int[]) AS id
                    UNION
                    SELECT retention_group_id FROM res_partner
                     WHERE id = ANY(%(ids)s) AND retention_group_id IS NOT NULL
                ),
                up(id) AS (
                    SELECT id FROM refreshed
                    UNION
                    SELECT h.id
                      FROM up
                      JOIN res_partner c ON c.id = up.id
                      JOIN res_partner h ON h.id = c.parent_id
                     WHERE c.is_company AND c.active AND h.is_company AND h.active
                ),""",
                ids=list(partner_ids),
            )
            heads = SQL("SELECT id FROM up")
            held = SQL("p.retention_group_id = ANY(ARRAY(SELECT id FROM up)) OR p.id = ANY(ARRAY(SELECT id FROM up))")
        digits = company.currency_id.decimal_places
        roll_up = {
            "retention_group_subsidiary_count": SQL("COUNT(*) OVER heads - 1"),
            "retention_group_revenue_12m": SQL("ROUND(SUM(m.revenue_12m) OVER heads, %s)", digits),
            "retention_group_revenue_total": SQL("ROUND(SUM(m.revenue_total) OVER heads, %s)", digits),
            # 'a' is the best class
            "retention_group_abc_class": SQL("MIN(m.abc) OVER heads"),
            "retention_group_risk_level": SQL(
                "(ARRAY['low', 'medium', 'high'])[MAX(array_position(ARRAY['low', 'medium', 'high'], m.risk_level))"
                " OVER heads]"
            ),
        }
        # PostgreSQL overestimates the subsidiaries tenfold: JIT would compile this statement for seconds
        self.env.execute_query(
            SQL(
                """
                SET LOCAL jit = off;
                WITH RECURSIVE %(scope)s %(groups)s,
                -- every company of a group with the roll-up of its group (a window per group: one sort)
                grouped AS (
                    SELECT * FROM (
                        SELECT m.id, m.head AS group_id, m.id = m.head AS is_head, %(roll_up)s
                          FROM group_members m
                        WINDOW heads AS (PARTITION BY m.head)
                    ) g
                     WHERE retention_group_subsidiary_count > 0
                ),
                -- what the partners that hold a group hold
                held AS (
                    SELECT p.id, p.retention_group_id AS group_id, %(held_values)s FROM res_partner p WHERE %(held)s
                ),
                changes AS (
                    SELECT COALESCE(n.id, c.id) AS id, n.group_id, COALESCE(n.is_head, FALSE) AS is_head,
                           %(new_values)s
                      FROM grouped n
                      FULL JOIN held c ON c.id = n.id
                     WHERE c.group_id IS DISTINCT FROM n.group_id OR %(differs)s
                )
                UPDATE res_partner p
                   SET retention_group_id = c.group_id, %(assignments)s
                  FROM changes c
                 WHERE p.id = c.id AND p.id = ANY(ARRAY(SELECT id FROM changes));
                SET LOCAL jit = DEFAULT
                """,
                scope=scope,
                groups=self._retention_group_ctes(heads, key),
                held=held,
                held_values=SQL(", ").join(
                    SQL("p.%s AS %s", SQL.identifier(fname), SQL.identifier("held_" + fname)) for fname in roll_up
                ),
                roll_up=SQL(", ").join(SQL("%s AS %s", expr, SQL.identifier(fname)) for fname, expr in roll_up.items()),
                new_values=SQL(", ").join(SQL("n.%s", SQL.identifier(fname)) for fname in roll_up),
                # a head: this company's value changed; no head: it holds a value in some company
                differs=SQL(" OR ").join(
                    SQL(
                        """CASE WHEN n.is_head
                                THEN NULLIF(c.%(held)s -> %(key)s::text, 'null'::jsonb)
                                     IS DISTINCT FROM to_jsonb(n.%(col)s)
                                ELSE c.%(held)s IS NOT NULL END""",
                        held=SQL.identifier("held_" + fname),
                        col=SQL.identifier(fname),
                        key=key,
                    )
                    for fname in roll_up
                ),
                # a head: this company's value (none: the key removed); no head: no value in any company
                assignments=SQL(", ").join(
                    SQL(
                        """%(col)s = CASE WHEN NOT c.is_head THEN NULL
                                          WHEN c.%(col)s IS NULL THEN p.%(col)s - %(key)s::text
                                          ELSE COALESCE(p.%(col)s, '{}'::jsonb)
                                               || jsonb_build_object(%(key)s::text, c.%(col)s) END""",
                        col=SQL.identifier(fname),
                        key=key,
                    )
                    for fname in roll_up
                ),
            )
        )
        self.env["res.partner"].invalidate_model([field.name for field in GROUP_FIELDS])

    # --- step 2: the rules on each examined card (``card_rules``), one UPDATE per batch --------------
    def _recompute_company(self, company, today, examine_all=False, partner_ids=None):
        """Recompute the cards of ``company`` in this transaction: every card (the facts staged, then examined
        batch after batch, as the night does step after step), or the cards of ``partner_ids`` (a refresh)."""
        started = time.monotonic()
        self._retention_lock_cards(company, exclusive=partner_ids is None)
        self.env.flush_all()
        settings = company._retention_card_settings()
        if partner_ids is not None:
            population, rows = self._retention_read_population(company, today, settings.key, partner_ids)
            stats = self._retention_apply(company, today, settings, rows)
            # their groups' roll-up over the cards just written
            self._retention_roll_up_groups(company, partner_ids)
        else:
            population, todo = self._retention_stage(company, today, settings.key, examine_all)
            stats = {"examined": 0, "updated": 0, "changes": 0}
            while todo > 0 and (batch := self._retention_examine_batch(company, today, settings)):
                todo -= batch["taken"]
                for name in stats:
                    stats[name] += batch[name]
            self._retention_close(company, today, stats["changes"])
        _logger.info(
            "customer_retention: recomputed %s customers of %s (%s examined, %s updated, %s changes) in %.2fs",
            population,
            company.name,
            stats["examined"],
            stats["updated"],
            stats["changes"],
            time.monotonic() - started,
        )
        return dict(stats, customers=population)

    def _retention_apply(self, company, today, settings, rows):
        """The rules (``card_rules.examine``) on each row, what changed written in one UPDATE, the month's point
        of the risk trend, the history of class, stage and risk changes and the warnings of customers whose risk
        became high: {examined, updated, changes}."""
        partner_model = self.env["res.partner"]
        patches = {}  # partner id -> {field: new value}, only what changed
        changes = []
        rising = []  # partners whose risk became high
        for row in rows:
            found = examine(row, settings, today)
            if found.patch:
                patches[row["id"]] = found.patch
            changes.extend(found.changes)
            if found.risk_became_high:
                rising.append(row["id"])
        partner_model._retention_sql_patch(company, patches)
        partner_model.invalidate_model()
        # the month's point of each card's risk trend, from the cards just written
        self.env["retention.card.trend"]._retention_snapshot(company, today, [row["id"] for row in rows], partial=True)
        self.env["retention.class.history"]._log_changes(company, changes)
        self.env["retention.warning"]._warn_high_risk(partner_model.browse(rising), company)
        return {"examined": len(rows), "updated": len(patches), "changes": len(changes)}
