"""Benchmark of the customer data card recompute at scale (run it with `make bench`).

In a throwaway database it installs customer_retention without demo data, inserts a realistic dataset with a
fixed seed set-based (INSERT ... SELECT generate_series, no per-record ORM create): N customers with a
long-tailed revenue distribution, 5 % of them subsidiaries of others (group customers 集团客户, two and three
levels), M sales orders with one line each (confirmed, cancelled, quotations and returns), two companies and two
currencies, sales teams and salespeople. It then measures side by side:

1. the bare SQL aggregate any recompute must at least do (one grouped scan of the orders);
2. our recompute (metrics, ABC, lifecycle, risk): first run (every card written), steady state (nothing
   changed since the last run), the next day (what the nightly cron does), and a recompute that examines
   every card (the "Recompute now" button);
3. the naive per-partner ORM loop a typical module would write, on a 1 % sample, extrapolated;
4. the server time of the customers list (filtered by ABC class, grouped by stage) and of the partner form
   with the Retention tab, for a salesperson;
5. the refresh of one customer's card (a done action check, a confirmed order), and the today board of a
   salesperson, a supervisor and a retention manager;
6. the Public Pool list (one customer in 21 is in the pool) as a supervisor opens it, and the pool's night a
   protection period after the install (the mass release), rolled back;
6b. a supervisor's review status and scorecard, and side by side Odoo's Sales Analysis grouped by customer over 12
   months against our customers list filtered by class.
7. the duplicate check 客户查重: the screen's search as a supervisor (a name, a phone and a credit code typed;
   a short name prefix), and the check a creation runs, once every customer has a phone and a credit code.

With --scale, only 1 and 2 with the peak memory of each, then the nightly cron in its committed steps, as Odoo's
cron runner calls it, killed once its first batch is committed and started again (a point of the scale curve).

Usage: make bench ARGS="--customers 100000 --orders 1000000 --subsidiaries 5 --db retention_bench"
(scripts/dev.sh sets ODOO_* and PG* variables)
"""

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import timedelta

import odoo
from odoo import api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.service import db as odoo_db
from odoo.tools import config
from odoo.tools.safe_eval import safe_eval

DB = os.environ.get("CR_BENCH_DB", "retention_bench")
SEED = 20261123


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument(
        "--subsidiaries",
        type=int,
        default=5,
        help="percentage of the customers that are subsidiaries of others (group customers 集团客户), 0 for none",
    )
    parser.add_argument("--db", default=DB, help=f"the throwaway database (default {DB})")
    parser.add_argument("--keep", action="store_true", help="reuse the database and its data if present")
    parser.add_argument(
        "--scale",
        action="store_true",
        help="only the recompute modes, the nightly cron in steps and their memory (a point of the scale curve)",
    )
    return parser.parse_args()


def odoo_args():
    return [
        f"--addons-path={os.environ['ODOO_ADDONS_PATH']}",
        f"--db_host={os.environ.get('PGHOST', 'localhost')}",
        f"--db_port={os.environ.get('PGPORT', '5432')}",
        f"--db_user={os.environ.get('PGUSER', 'odoo')}",
        f"--db_password={os.environ.get('PGPASSWORD', '')}",
    ]


def timed(func, repeat=1):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def install(db, upgrade=False):
    """A fresh database with the addon, or (``upgrade``, for --keep) the kept one with the addon upgraded to
    this checkout, so that a changed schema does not break the measure."""
    if not upgrade:
        subprocess.run(["dropdb", "--if-exists", db], check=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            *odoo_args(),
            "-d",
            db,
            "-u" if upgrade else "-i",
            "customer_retention",
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
        ],
        check=True,
        cwd=os.environ["ODOO_SRC"],
    )


def generate(env, customers, orders, subsidiaries=5):
    """The dataset, inserted set-based with a fixed seed."""
    rnd = random.Random(SEED)
    cr = env.cr
    cr.execute("SELECT setseed(%s)", [0.42])
    company_1 = env.ref("base.main_company")
    eur = env.ref("base.EUR")
    eur.active = True
    company_2 = env["res.company"].create({"name": "Bench Company 2", "currency_id": eur.id})
    product = env["product.product"].create({"name": "Bench service", "type": "service"})
    # sales teams: 5 teams of 8 salespeople + a leader each
    salespeople = env["res.users"]
    for team_no in range(5):
        leader = env["res.users"].create(
            {
                "name": f"Leader {team_no}",
                "login": f"bench_leader_{team_no}",
                "groups_id": [
                    (4, env.ref("customer_retention.group_retention_supervisor").id),
                    (4, env.ref("sales_team.group_sale_salesman").id),
                ],
                "company_ids": [(6, 0, (company_1 | company_2).ids)],
            }
        )
        members = env["res.users"].create(
            [
                {
                    "name": f"Salesperson {team_no}.{i}",
                    "login": f"bench_sales_{team_no}_{i}",
                    "groups_id": [(4, env.ref("sales_team.group_sale_salesman").id)],
                    "company_ids": [(6, 0, (company_1 | company_2).ids)],
                }
                for i in range(8)
            ]
        )
        env["crm.team"].create({"name": f"Team {team_no}", "user_id": leader.id, "member_ids": [(6, 0, members.ids)]})
        salespeople |= members
    user_ids = salespeople.ids
    env.flush_all()
    # customers: companies, each with one contact
    cr.execute(
        """INSERT INTO res_partner (name, complete_name, is_company, active, type, user_id, autopost_bills, lang,
                                    create_date, write_date)
           SELECT 'Customer ' || i, 'Customer ' || i, TRUE, TRUE, 'contact',
                  -- one customer in 21 is in the public pool (nobody holds it); 21 shares no factor with the
                  -- 40 salespeople, so each of them keeps 20 customers in 21 (one in 20 left salesperson 0 none)
                  CASE WHEN i %% 21 = 0 THEN NULL ELSE (%s::int[])[1 + i %% %s] END, 'ask',
                  'en_US', now(), now()
             FROM generate_series(1, %s) i
        RETURNING id""",
        [user_ids, len(user_ids), customers],
    )
    partner_ids = [row[0] for row in cr.fetchall()]
    # one INSERT gives consecutive ids: ranges, not 100,000-element arrays (= ANY(array) rescans the array)
    id_range = [partner_ids[0], partner_ids[-1]]
    assert id_range[1] - id_range[0] + 1 == len(partner_ids)
    # fresh statistics, or each foreign-key check of the next statements scans the whole table
    cr.execute("ANALYZE res_partner")
    cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE id BETWEEN %s AND %s", id_range)
    add_groups(cr, id_range, subsidiaries)
    cr.execute(
        """INSERT INTO res_partner (name, complete_name, parent_id, commercial_partner_id, is_company, active, type,
                                    user_id, autopost_bills, lang, create_date, write_date)
           SELECT 'Buyer of ' || p.name, p.name || ', Buyer', p.id, p.id, FALSE, TRUE, 'contact', p.user_id, 'ask',
                  'en_US', now(), now()
             FROM res_partner p WHERE p.id BETWEEN %s AND %s""",
        id_range,
    )
    # orders: long tail (a few customers buy a lot: index = N * u^3), dates over three years,
    # 94 % confirmed, 3 % cancelled, 2 % quotations, 1 % returns (negative), 15 % in the second company
    # and 10 % of the first company's orders in EUR.
    first_id = partner_ids[0]
    cr.execute(
        """INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id, company_id,
                                   currency_id, currency_rate, date_order, state, amount_untaxed, amount_tax,
                                   amount_total, user_id, invoice_status, create_date, write_date)
           SELECT 'SO' || i, pid, pid, pid, company, currency, rate, ts, state, amount, 0, amount, NULL, 'no',
                  now(), now()
             FROM (
                SELECT i,
                       %(first)s + floor(%(n)s * power(random(), 3))::int AS pid,
                       CASE WHEN r2 < 0.15 THEN %(c2)s ELSE %(c1)s END AS company,
                       CASE WHEN r2 < 0.15 OR r2 > 0.90 THEN %(eur)s ELSE %(usd)s END AS currency,
                       CASE WHEN r2 < 0.15 THEN 1.0 WHEN r2 > 0.90 THEN 0.92 ELSE 1.0 END AS rate,
                       now() - (random() * 1095) * interval '1 day' AS ts,
                       CASE WHEN r3 < 0.03 THEN 'cancel' WHEN r3 < 0.05 THEN 'draft' ELSE 'sale' END AS state,
                       round((CASE WHEN r3 > 0.99 THEN -1 ELSE 1 END * exp(random() * 6) * 50)::numeric, 2) AS amount
                  FROM (SELECT i, random() AS r2, random() AS r3 FROM generate_series(1, %(m)s) i) g
             ) o""",
        {
            "first": first_id,
            "n": customers,
            "c1": company_1.id,
            "c2": company_2.id,
            "eur": eur.id,
            "usd": company_1.currency_id.id,
            "m": orders,
        },
    )
    cr.execute(
        """INSERT INTO sale_order_line (order_id, name, sequence, product_id, product_uom_qty, product_uom, price_unit,
                                        price_subtotal, price_total, customer_lead, currency_id, company_id, state,
                                        create_date, write_date)
           SELECT so.id, 'Bench service', 10, %s, 1, %s, so.amount_untaxed, so.amount_untaxed, so.amount_untaxed, 0,
                  so.currency_id, so.company_id, so.state, now(), now()
             FROM sale_order so""",
        [product.id, product.uom_id.id],
    )
    cr.execute("ANALYZE res_partner; ANALYZE sale_order; ANALYZE sale_order_line")
    env.invalidate_all()
    rnd.shuffle(user_ids)
    return company_1, company_2, salespeople


def add_groups(cr, id_range, percent):
    """Group customers (集团客户): ``percent`` % of the customers (every k-th, k = 100 / percent) become subsidiaries
    of a customer that is none (spread over the customers, a few subsidiaries each), and every k-th of those a
    subsidiary of the subsidiary before it: groups of two and three levels. Companies stay their own commercial
    partners, as in Odoo."""
    if not percent:
        return
    every = max(2, round(100 / percent))
    first, last = id_range
    cr.execute(
        """UPDATE res_partner
              SET parent_id = CASE WHEN (id - %(first)s + 1) %% %(deep)s = 0 THEN id - %(every)s
                                   ELSE %(first)s - 1 + %(every)s * (((id - %(first)s + 1) * 37) %% (%(n)s / %(every)s))
                                        + 1 + ((id - %(first)s + 1) / %(every)s) %% (%(every)s - 1) END
            WHERE id BETWEEN %(first)s AND %(last)s AND (id - %(first)s + 1) %% %(every)s = 0""",
        {"first": first, "last": last, "every": every, "deep": every * every, "n": last - first + 1},
    )


def bare_sql(env, company):
    env.cr.execute(
        """SELECT p.commercial_partner_id, SUM(so.amount_untaxed / so.currency_rate), COUNT(*),
                  MIN(so.date_order), MAX(so.date_order)
             FROM sale_order so JOIN res_partner p ON p.id = so.partner_id
            WHERE so.company_id = %s AND so.state = 'sale'
            GROUP BY p.commercial_partner_id""",
        [company.id],
    )
    return len(env.cr.fetchall())


NIGHT_CHILD = """
import json, resource, time
from odoo import api, SUPERUSER_ID
from odoo.modules.registry import Registry
registry = Registry(env.cr.dbname)
env.cr.rollback()
cron_id = env.ref("customer_retention.ir_cron_retention_recompute").id
while True:
    # one call of the nightly cron as Odoo's cron runner makes it: its progress record, its own transaction
    with registry.cursor() as cr:
        cron_env = api.Environment(cr, SUPERUSER_ID, {})
        cron, progress = cron_env["ir.cron"].browse(cron_id)._add_progress()
        cr.commit()
        started = time.perf_counter()
        cron_env["retention.recompute"].with_context(ir_cron_progress_id=progress.id)._cron_recompute()
        cron_env.flush_all()
        cr.commit()
        print("CALL " + json.dumps({"seconds": time.perf_counter() - started, "done": progress.done,
                                    "remaining": progress.remaining,
                                    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)
        if not progress.remaining:
            break
"""


def night_in_steps(env, company):
    """The nightly cron in its committed steps, as Odoo's cron runner calls it, in a process of its own, on a
    night that examines every card of ``company`` (their fingerprints cleared; the cards stay as they are): killed
    (SIGKILL) once its first batch of cards is committed, then started again to the end. Returns what was
    measured: calls, seconds, the cards left at the kill and at the restart, peak memory of each process."""
    key = str(company.id)
    env.cr.execute("UPDATE res_partner SET retention_inputs_key = retention_inputs_key - %s", [key])
    # the other companies sit this night out (archived meanwhile): the calls are those of ``company`` alone
    env.cr.execute("UPDATE res_company SET active = FALSE WHERE id <> %s AND active RETURNING id", [company.id])
    others = [row[0] for row in env.cr.fetchall()]
    env.cr.commit()

    def night_state():
        env.cr.execute("SELECT retention_night FROM res_company WHERE id = %s", [company.id])
        state = env.cr.fetchone()[0]
        env.cr.commit()
        return state or {}

    command = [sys.executable, "-m", "odoo", "shell", *odoo_args(), "-d", env.cr.dbname, "--log-level=warn"]
    result = {"killed_left": None, "staged": None, "calls": [], "resumed_calls": []}
    started = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=os.environ["ODOO_SRC"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    child.stdin.write(NIGHT_CHILD)
    child.stdin.close()
    while child.poll() is None:
        state = night_state()
        if state.get("step") == "cards":
            result["staged"] = result["staged"] or state["left"]
            if state["left"] < result["staged"]:  # a batch is committed: kill the worker in the next one
                time.sleep(0.5)
                child.kill()
                break
        time.sleep(0.1)
    child.wait()
    result["calls"] = [line for line in child.stdout.read().splitlines() if line.startswith("CALL ")]
    result["killed_left"] = night_state().get("left")
    result["killed_after"] = time.perf_counter() - started
    resumed = subprocess.run(
        command, cwd=os.environ["ODOO_SRC"], input=NIGHT_CHILD, capture_output=True, text=True, check=True
    )
    result["seconds"] = time.perf_counter() - started
    result["resumed_calls"] = [json.loads(line[5:]) for line in resumed.stdout.splitlines() if line.startswith("CALL ")]
    env.cr.execute(
        "SELECT retention_last_run_seconds, retention_last_run_customers, retention_last_run_error, "
        "retention_night FROM res_company WHERE id = %s",
        [company.id],
    )
    result["run_seconds"], result["customers"], result["error"], result["night_after"] = env.cr.fetchone()
    env.cr.execute(
        "SELECT COUNT(*) FROM res_partner WHERE id = commercial_partner_id AND retention_inputs_key ? %s", [key]
    )
    result["fingerprinted"] = env.cr.fetchone()[0]
    env.cr.execute("UPDATE res_company SET active = TRUE WHERE id = ANY(%s)", [others])
    env.cr.commit()
    return result


def naive_loop(env, company, sample):
    """What a typical module does: per partner, search its orders, sum in Python, write through the ORM."""
    partners = env["res.partner"].with_company(company).browse(sample)
    for partner in partners:
        orders = env["sale.order"].search(
            [("partner_id", "child_of", partner.id), ("state", "=", "sale"), ("company_id", "=", company.id)]
        )
        amounts = [o.amount_untaxed / (o.currency_rate or 1) for o in orders]
        dates = [o.date_order.date() for o in orders]
        partner.write(
            {
                "retention_order_count": len(orders),
                "retention_revenue_total": sum(amounts),
                "retention_first_order_date": min(dates) if dates else False,
                "retention_last_order_date": max(dates) if dates else False,
            }
        )
    env.flush_all()


def vacuum(env, tables):
    """VACUUM ANALYZE of ``tables``, as autovacuum leaves them by the time people open their screens: the runs
    just measured rewrote every card, and a screen read right after them visits a table twice its size."""
    env.cr.commit()
    connection = env.cr._cnx
    connection.autocommit = True  # VACUUM cannot run in a transaction
    try:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"VACUUM ANALYZE {table}")
    finally:
        connection.autocommit = False


def ui_timings(env, company, user):
    partner = env["res.partner"].with_user(user).with_company(company).with_context(lang="en_US")
    views = env.ref("customer_retention.res_partner_view_list_retention")
    list_spec = {
        name: {}
        for name in (
            "complete_name",
            "user_id",
            "retention_abc_class",
            "retention_lifecycle_stage",
            "retention_time_class",
            "retention_closeness",
            "retention_last_order_date",
            "retention_revenue_12m",
            "retention_revenue_prev_12m",
        )
    }
    domain = [("parent_id", "=", False), ("retention_abc_class", "=", "a")]

    def open_list():
        env.invalidate_all()
        groups = partner.web_read_group(domain, ["retention_revenue_12m:sum"], ["retention_lifecycle_stage"])
        partner.web_search_read(domain + [("retention_lifecycle_stage", "=", "maturity")], list_spec, limit=80)
        return groups

    target = partner.search(domain, limit=1)
    form = partner.get_views([(env.ref("base.view_partner_form").id, "form")])
    form_spec = {name: {} for name in form["models"]["res.partner"]["fields"]}
    form_spec.pop("id", None)

    def open_form():
        env.invalidate_all()
        return target.web_read(form_spec)

    assert views
    return timed(open_list, repeat=5)[0], timed(open_form, repeat=5)[0]


def today_timings(env, company, salesperson):
    """Server time of the refresh of one customer's card and of the today board per role (median of 5)."""
    supervisor = salesperson.sale_team_id.user_id
    manager = env["res.users"].search([("login", "=", "bench_manager")])
    if not manager:
        manager = env["res.users"].create(
            {
                "name": "Bench Manager",
                "login": "bench_manager",
                "groups_id": [
                    (4, env.ref("customer_retention.group_retention_manager").id),
                    (4, env.ref("sales_team.group_sale_salesman").id),
                ],
            }
        )
    customer = env["res.partner"].search([("user_id", "=", salesperson.id), ("parent_id", "=", False)], limit=1)
    if not customer:
        raise RuntimeError(f"{salesperson.login} holds no customer: the refresh and the boards would measure nothing")
    recompute = env["retention.recompute"]

    def refresh():
        env.invalidate_all()
        return recompute._refresh_customers(company, customer)

    with env.cr.savepoint() as savepoint:
        t_refresh = timed(refresh, repeat=5)[0]
        savepoint.rollback()
    boards = {}
    for role, user in (("salesperson", salesperson), ("supervisor", supervisor), ("manager", manager)):
        board = env["retention.today"].with_user(user).with_company(company).with_context(lang="en_US")

        def open_board(board=board):
            env.invalidate_all()
            return board.get_board()

        boards[role] = timed(open_board, repeat=5)[0]
    return t_refresh, boards


def supervisor_timings(env, company, supervisor, today):
    """Server time of a supervisor's screens (median of 5): the weekly review status (not reviewed this week),
    the scorecard grouped by account manager, and side by side what a sales director opens in Odoo today: the
    Sales Analysis (``sale.report``) grouped by customer over the last 12 months (the pivot reads every group),
    against our customers list filtered by class (grouped by stage, and the first 80 rows)."""

    def as_supervisor(model):
        return env[model].with_user(supervisor).with_company(company).with_context(lang="en_US")

    status = as_supervisor("retention.review.status")
    status_spec = {
        name: {}
        for name in (
            "salesperson_id",
            "team_id",
            "customer_count",
            "at_risk",
            "contact_overdue",
            "completeness",
            "last_review_week",
            "review_count",
            "reviewed_this_week",
        )
    }
    scorecard = as_supervisor("retention.report.scorecard")
    sales = as_supervisor("sale.report")
    partner = as_supervisor("res.partner")
    domain = [("parent_id", "=", False), ("retention_abc_class", "=", "a")]
    list_spec = {name: {} for name in ("complete_name", "user_id", "retention_abc_class", "retention_revenue_12m")}
    year_ago = today - timedelta(days=365)

    def measure(func):
        def run():
            env.invalidate_all()
            return func()

        return timed(run, repeat=5)

    screens = {
        "review status (not reviewed this week)": lambda: status.web_search_read(
            [("reviewed_this_week", "=", False)], status_spec
        )["length"],
        "scorecard grouped by account manager": lambda: scorecard.web_read_group(
            [], ["customer_count:sum", "checks_done:sum", "expense_total:sum", "completeness:avg"], ["salesperson_id"]
        )["length"],
        "Odoo Sales Analysis by customer, 12 months": lambda: len(
            sales.read_group(
                [("date", ">=", year_ago), ("state", "=", "sale")], ["price_subtotal:sum"], ["partner_id"], lazy=False
            )
        ),
        "our customers list, class A": lambda: (
            partner.web_read_group(domain, ["retention_revenue_12m:sum"], ["retention_lifecycle_stage"]),
            partner.web_search_read(domain, list_spec, limit=80)["length"],
        )[1],
    }
    return {name: measure(func) for name, func in screens.items()}


def pool_timing(env, company, supervisor):
    """Server time of the Public Pool list as a supervisor opens it: its count and its first page (median of 5)."""
    partner = env["res.partner"].with_user(supervisor).with_company(company).with_context(lang="en_US")
    action = partner._retention_pool_action()
    domain = safe_eval(action["domain"])
    spec = {
        name: {}
        for name in (
            "complete_name",
            "city",
            "industry_id",
            "retention_abc_class",
            "retention_lifecycle_stage",
            "retention_last_order_date",
            "retention_held_since",
            "retention_revenue_12m",
        )
    }

    def open_pool():
        env.invalidate_all()
        return partner.web_search_read(domain, spec, limit=80, count_limit=10001)

    seconds, result = timed(open_pool, repeat=5)
    return seconds, result["length"]


def pool_night_timing(env, company, today):
    """The pool's night a protection period after the install: every held customer was received on the day of
    install, so each class C customer (and each without a class) whose protection ended goes back to the pool at
    once, and class A ones are escalated. Measured, then rolled back."""
    day = today + timedelta(days=company.retention_protect_days_c or 30)
    with env.cr.savepoint() as savepoint:
        seconds, counts = timed(lambda: env["retention.pool"].with_company(company)._nightly(company, day))
        env.flush_all()
        savepoint.rollback()
    env.invalidate_all()
    return seconds, counts


def group_timings(env, company, today, salesperson):
    """Group customers (集团客户), median of 5 unless said: the roll-up statement alone (nothing to write: the
    steady state; without JIT, as in the recompute), the refresh of a subsidiary at the bottom of a group of three
    levels, the Group Customers list grouped by Group as a salesperson, and a recompute with ABC by group (every
    card examined, then steady; rolled back)."""
    recompute = env["retention.recompute"]
    # as the recompute runs it: without JIT (PostgreSQL would compile the statement for longer than it runs)
    env.cr.execute("SET LOCAL jit = off")
    t_roll_up = timed(lambda: recompute._retention_roll_up_groups(company), repeat=5)[0]
    env.cr.execute("SET LOCAL jit = DEFAULT")
    env.cr.execute(
        """SELECT s.id FROM res_partner s JOIN res_partner m ON m.id = s.parent_id
            WHERE s.is_company AND m.is_company AND m.parent_id IS NOT NULL ORDER BY s.id LIMIT 1"""
    )
    deep = env["res.partner"].browse(env.cr.fetchone()[0])

    def refresh():
        env.invalidate_all()
        return recompute._refresh_customers(company, deep)

    with env.cr.savepoint() as savepoint:
        t_refresh = timed(refresh, repeat=5)[0]
        savepoint.rollback()
    partner = env["res.partner"].with_user(salesperson).with_company(company).with_context(lang="en_US")
    domain = ["|", ("parent_id", "=", False), ("is_company", "=", True), ("retention_group_subsidiary_count", ">", 0)]

    def open_list():
        env.invalidate_all()
        groups = partner.web_read_group(domain, ["retention_group_revenue_12m:sum"], ["retention_group_id"], limit=80)
        partner.web_search_read(domain, {"display_name": {}, "retention_group_revenue_12m": {}}, limit=80)
        return groups

    t_list, groups = timed(open_list, repeat=5)
    with env.cr.savepoint() as savepoint:
        company.retention_abc_by_group = True
        t_first, first = timed(lambda: recompute._recompute(company, today))
        t_steady = timed(lambda: recompute._recompute(company, today), repeat=3)[0]
        savepoint.rollback()
    env.invalidate_all()
    return {
        "roll_up": t_roll_up,
        "refresh": t_refresh,
        "list": t_list,
        "heads": groups["length"],
        "by_group_first": t_first,
        "by_group_changes": first["changes"],
        "by_group_steady": t_steady,
    }


def duplicate_check_timings(env, company, salesperson):
    """Server time of the duplicate check screen's search as a supervisor (the web client's onchange, as the
    screen calls it while typing) and of the check a creation runs (median of 5). Every bench customer first gets
    a mobile number and a credit code (set-based), and the keys of the partners inserted in SQL are computed."""
    from odoo.addons.customer_retention.models.duplicate_keys import Card  # noqa: PLC0415 (addons path set by now)

    cr = env.cr
    cr.execute(
        """UPDATE res_partner
              SET mobile = '+86 139 ' || lpad(id::text, 8, '0'), vat = '91310000' || lpad(id::text, 10, '0')
            WHERE parent_id IS NULL AND name LIKE 'Customer %' AND mobile IS NULL"""
    )
    t_fill, _ = timed(env["res.partner"]._retention_fill_duplicate_keys)
    env["res.partner"]._retention_store_completeness_of()  # (the credit code is an item of the completeness)
    cr.execute("ANALYZE res_partner")
    cr.commit()
    supervisor = salesperson.sale_team_id.user_id
    # a customer of another team: the supervisor sees its holder masked
    cr.execute(
        """SELECT p.id, p.name, p.mobile, p.vat FROM res_partner p JOIN res_users u ON u.id = p.user_id
            WHERE p.parent_id IS NULL AND p.name LIKE 'Customer %%' AND u.sale_team_id != %s
            ORDER BY p.id LIMIT 1 OFFSET 4217""",
        [salesperson.sale_team_id.id],
    )
    _pid, name, mobile, vat = cr.fetchone()
    screen = env["retention.duplicate.check"].with_user(supervisor).with_company(company).with_context(lang="en_US")
    spec = {
        "partner_ids": {"fields": {"name": {}, "retention_duplicate_state": {}, "retention_duplicate_holder": {}}},
        "result": {},
    }

    def search(values):
        def run():
            env.invalidate_all()
            return screen.onchange(values, ["name"], spec)

        return run

    typed = {"name": name, "phone": mobile.replace(" ", "-"), "code": vat.lower()}
    prefix = {"name": "Customer 1", "phone": False, "code": False}
    t_screen, _result = timed(search(typed), repeat=5)
    t_prefix, _result = timed(search(prefix), repeat=5)
    found, found_prefix = (len(screen.new(values).partner_ids) for values in (typed, prefix))
    Partner = env["res.partner"].with_user(salesperson).with_company(company)
    card = Card.of(f"{name} Co., Ltd.", [mobile], [vat])

    def creation_check():
        env.invalidate_all()
        try:
            Partner._retention_refuse_duplicates([(card, name)])
        except UserError:
            return True
        return False

    with cr.savepoint() as savepoint:
        t_create, refused = timed(creation_check, repeat=5)
        savepoint.rollback()
    assert refused
    return t_fill, (t_screen, found), (t_prefix, found_prefix), t_create


def print_scale(args, t_sql, first, steady, next_day, month_start, every, peaks, night):
    """The point of the scale curve: every recompute mode with its time, ratio to the bare aggregate and the peak
    memory of this process so far, then the nightly cron in steps, killed and resumed."""
    print()
    print(f"scale point: {args.customers} customers, {args.orders} orders")
    print(f"(1) bare SQL aggregate (median of 3)           {t_sql:8.2f} s")
    median = "median of 3" if args.customers < 1_000_000 else "one run"
    modes = [("first run", first, peaks["first"]), (f"steady ({median})", steady, peaks["steady"])]
    modes.append((f"every card ({median})", every, peaks["every"]))
    if month_start:
        modes.append(("month's first night", month_start, peaks["next"]))
    modes.append(("next day (a normal night)", next_day, peaks["next"]))
    for name, (seconds, stats), rss in modes:
        print(
            f"(2) {name:<40} {seconds:8.2f} s  {seconds / t_sql:6.2f} x bare  peak {rss:6.0f} MB  "
            f"({stats['examined']} examined, {stats['updated']} updated)"
        )
    calls, resumed = night["calls"], night["resumed_calls"]
    print(
        f"nightly cron in steps, every card examined: staged {night['staged']} cards; killed (SIGKILL) "
        f"{night['killed_after']:.1f} s in, after {len(calls)} complete call(s), {night['killed_left']} cards left"
    )
    print(
        f"  started again: {len(resumed)} call(s), {sum(call['done'] for call in resumed)} cards and steps done, "
        f"longest call {max(call['seconds'] for call in resumed):.1f} s, peak memory "
        f"{max(call['rss_mb'] for call in resumed):.0f} MB; whole night {night['seconds']:.1f} s; "
        f"{night['fingerprinted']} cards fingerprinted again of {night['customers']}; error: {night['error']}; "
        f"night left open: {night['night_after']}"
    )


def main():
    args = parse_args()
    config.parse_config(odoo_args())
    keep = args.keep and odoo_db.exp_db_exist(args.db)
    print(f"{'upgrading' if keep else 'installing'} customer_retention in {args.db} ...", flush=True)
    install(args.db, upgrade=keep)
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        if keep and env["res.company"].search_count([]) > 1:
            company_1 = env["res.company"].search([], order="id", limit=1)
            salespeople = env["res.users"].search([("login", "like", "bench_sales_%")])
        else:
            t, (company_1, _company_2, salespeople) = timed(
                lambda: generate(env, args.customers, args.orders, args.subsidiaries)
            )
            cr.commit()
            print(f"generated {args.customers} customers, {args.orders} orders with lines in {t:.1f} s", flush=True)
        env.cr.execute("SELECT COUNT(*) FROM sale_order WHERE company_id = %s AND state = 'sale'", [company_1.id])
        confirmed = env.cr.fetchone()[0]
        env.cr.execute(
            """SELECT COUNT(*), COUNT(DISTINCT s.parent_id) FROM res_partner s JOIN res_partner h ON h.id = s.parent_id
                WHERE s.is_company AND h.is_company"""
        )
        subsidiaries, parents = env.cr.fetchone()
        recompute = env["retention.recompute"]
        today = odoo.fields.Date.today()

        def peak():
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        # the data was inserted in SQL: the card completeness Odoo's writes keep is stored once, set-based
        t_completeness, _ = timed(env["res.partner"]._retention_store_completeness_of)
        cr.commit()
        print(f"card completeness of every customer stored in one statement: {t_completeness:.1f} s", flush=True)
        peaks = {}
        t_sql, groups = timed(lambda: bare_sql(env, company_1), repeat=3)
        rss_before = peaks["before"] = peak()
        t_first, stats = timed(lambda: recompute._recompute(company_1, today))
        cr.commit()
        peaks["first"] = peak()
        # a median of 3 (of 1 from 1,000,000 customers on: each run of every card takes minutes there)
        repeat = 3 if args.customers < 1_000_000 else 1
        t_steady, steady = timed(lambda: recompute._recompute(company_1, today), repeat=repeat)
        cr.commit()
        peaks["steady"] = peak()
        t_all, every = timed(lambda: recompute._recompute(company_1, today, examine_all=True), repeat=repeat)
        peaks["every"] = peak()
        # the next nights, each committed as the cron commits it, the partners' table vacuumed in between as
        # autovacuum does during the day (what a night rewrote is reclaimed: the next one writes its cards beside
        # their old versions). The night measured is a normal one, the day after tomorrow (or the one after, when
        # that is the first of a month); a month's first night (every card's point of the monthly risk trend) on
        # the way is measured apart. Then every card is examined again as of today (not measured), so that a kept
        # database and what is measured next stay at today.
        cr.commit()

        def committed_night(day):
            measured = timed(lambda: recompute._recompute(company_1, day))
            cr.commit()
            vacuum(env, ("res_partner",))
            return measured

        month_start = None

        def normal_night(day):
            """``day``, or the day after when ``day`` is a month's first night (run and measured apart)."""
            nonlocal month_start
            if day.day == 1:
                month_start = committed_night(day)
                day += timedelta(days=1)
            return day

        night = normal_night(today + timedelta(days=1))
        committed_night(night)  # the night before the one measured
        night = normal_night(night + timedelta(days=1))
        # the bare aggregate again, next to the night: on this shared machine it varies by half within an hour, so
        # the ratios are taken to the mean of both medians
        t_sql_start = t_sql
        t_sql_night, _ = timed(lambda: bare_sql(env, company_1), repeat=3)
        t_sql = (t_sql_start + t_sql_night) / 2
        t_next, next_day = timed(lambda: recompute._recompute(company_1, night))
        cr.commit()
        recompute._recompute(company_1, today, examine_all=True)
        cr.commit()
        vacuum(env, ("res_partner",))
        env.invalidate_all()
        rss_after = peaks["next"] = peak()
        if args.scale:
            print(f"modes measured; peak memory so far {peak():.0f} MB", flush=True)
            night = night_in_steps(env, company_1)
            print_scale(
                args,
                t_sql,
                (t_first, stats),
                (t_steady, steady),
                (t_next, next_day),
                month_start,
                (t_all, every),
                peaks,
                night,
            )
            return
        t_cron, _ = timed(lambda: env.ref("customer_retention.ir_cron_retention_recompute").method_direct_trigger())
        cr.commit()

        rnd = random.Random(SEED)
        env.cr.execute(
            "SELECT id FROM res_partner WHERE id = commercial_partner_id AND retention_order_count ? %s",
            [str(company_1.id)],
        )
        population = [row[0] for row in env.cr.fetchall()]
        sample = rnd.sample(population, max(1, len(population) // 100))
        with cr.savepoint():
            t_sample, _ = timed(lambda: naive_loop(env, company_1, sample))
        t_naive = t_sample * len(population) / len(sample)

        # the second salesperson of team 0: the first one's customers (every 40th) are all subsidiaries (every
        # 20th customer is one), so she holds no customer of her own to list, open or refresh
        salesperson = salespeople.sorted("id")[1]
        vacuum(env, ("res_partner", "sale_order"))
        t_list, t_form = ui_timings(env, company_1, salesperson)
        t_refresh, t_boards = today_timings(env, company_1, salesperson)
        t_pool, pool_size = pool_timing(env, company_1, salesperson.sale_team_id.user_id)
        t_pool_night, pool_night = pool_night_timing(env, company_1, today)
        t_supervisor = supervisor_timings(env, company_1, salesperson.sale_team_id.user_id, today)

        groups_t = group_timings(env, company_1, today, salesperson)
        t_fill, (t_dup, dup_found), (t_dup_prefix, dup_prefix_found), t_dup_create = duplicate_check_timings(
            env, company_1, salesperson
        )

        print()
        print(
            f"dataset: {args.customers} customers (+ a contact each), {args.orders} orders with lines, "
            f"{confirmed} confirmed in company 1, {groups} buying customers there; {subsidiaries} customers are "
            f"subsidiaries of {parents} others"
        )
        print(
            f"(1) bare SQL aggregate (one grouped scan)       {t_sql:8.2f} s  "
            f"(mean of {t_sql_start:.2f} s at the start and {t_sql_night:.2f} s next to the night, medians of 3)"
        )
        print(
            f"(2) recompute, first run (writes all)           {t_first:8.2f} s  "
            f"({stats['customers']} customers, {stats['changes']} class/stage changes)"
        )
        print(
            f"(2) recompute, steady state (median of 3)       {t_steady:8.2f} s  "
            f"({steady['examined']} cards examined, {steady['updated']} updated)"
        )
        print(
            f"(2) recompute, the next day (nightly cron)      {t_next:8.2f} s  "
            f"({next_day['examined']} cards examined, {next_day['updated']} updated)"
        )
        if month_start:
            print(
                f"(2) recompute, the month's first night          {month_start[0]:8.2f} s  "
                f"({month_start[1]['examined']} cards examined; every card's monthly trend point)"
            )
        print(
            f"(2) recompute, every card examined (median of 3) {t_all:8.2f} s  "
            f"({every['examined']} cards examined, {every['updated']} updated)"
        )
        print(f"    daily cron, both companies                  {t_cron:8.2f} s")
        print(
            f"(3) naive ORM loop, {len(sample)} partners = 1 %       {t_sample:8.2f} s  -> {t_naive:.0f} s extrapolated"
        )
        print(
            f"ratio (2)/(1): first {t_first / t_sql:.2f}, steady {t_steady / t_sql:.2f}, "
            f"next day {t_next / t_sql:.2f}, every card {t_all / t_sql:.2f}"
        )
        print(
            f"ratio (3)/(2): first {t_naive / t_first:.0f}x, steady {t_naive / t_steady:.0f}x, "
            f"next day {t_naive / t_next:.0f}x, every card {t_naive / t_all:.0f}x"
        )
        print(f"peak memory of this process: {rss_after:.0f} MB (before recompute {rss_before:.0f} MB)")
        print(f"customers list (class A, grouped by stage) as a salesperson: {t_list * 1000:.0f} ms (median of 5)")
        print(f"partner form with the Retention tab as a salesperson:      {t_form * 1000:.0f} ms (median of 5)")
        print(f"refresh of one customer's card (done check, order):        {t_refresh * 1000:.0f} ms (median of 5)")
        for role, seconds in t_boards.items():
            print(f"today board, {role + ':':<12}                              {seconds * 1000:.0f} ms (median of 5)")
        print(f"public pool list as a supervisor ({pool_size} customers):   {t_pool * 1000:.0f} ms (median of 5)")
        for name, (seconds, rows) in t_supervisor.items():
            print(f"as a supervisor, {name + ':':<45} {seconds * 1000:.0f} ms (median of 5), {rows} rows")
        print(
            f"pool night a protection period after install: {pool_night['released']} released, "
            f"{pool_night['escalated']} escalated, {pool_night['warned']} warned in {t_pool_night:.1f} s (rolled back)"
        )

        print(
            f"groups (集团客户): roll-up statement alone {groups_t['roll_up'] * 1000:.0f} ms (steady, median of 5) = "
            f"{groups_t['roll_up'] / t_steady * 100:.1f} % of the steady recompute, "
            f"{groups_t['roll_up'] / t_all * 100:.1f} % of every card examined"
        )
        print(
            f"refresh of a subsidiary two levels down (its group too):  {groups_t['refresh'] * 1000:.0f} ms "
            "(median of 5)"
        )
        print(
            f"Group Customers ({groups_t['heads']} heads) grouped by Group, as a salesperson: "
            f"{groups_t['list'] * 1000:.0f} ms (median of 5)"
        )
        print(
            f"ABC by group: switched on, every card examined {groups_t['by_group_first']:.2f} s "
            f"({groups_t['by_group_changes']} class, stage and risk changes); "
            f"then steady {groups_t['by_group_steady']:.2f} s (median of 3; rolled back)"
        )
        print(f"duplicate check keys of every partner computed in SQL batches: {t_fill:.1f} s")
        print(
            f"duplicate check screen (name, phone, code) as a supervisor:  {t_dup * 1000:.0f} ms (median of 5), "
            f"{dup_found} found"
        )
        print(
            f"duplicate check screen (name prefix 'Customer 1'):          {t_dup_prefix * 1000:.0f} ms (median of 5), "
            f"{dup_prefix_found} shown"
        )
        print(f"duplicate check of a creation (refused):                   {t_dup_create * 1000:.0f} ms (median of 5)")


if __name__ == "__main__":
    main()
