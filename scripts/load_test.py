"""Load test of a running server (`make load-test`): N clients for T seconds, each logged in over JSON-RPC as a
user of the demo company (password = login) and calling, again and again, what the web client calls: the
Customers list (`web_search_read` on res.partner with the fields of the retention list view and the domain the
Customers menu opens on for that user: the action's domain and its default filters), the form of a customer of
that list (`web_read` with the fields of the form view), and the today board (`retention.today.get_board`).
Prints requests per second, the p50 and p95 latency of each call and overall, and the errors (exit 1 on any).

Only 127.0.0.1: it refuses any other host. Clients and duration are bounded (at most 50 clients, 600 s).

Usage: python scripts/load_test.py --port 8283 --db retention_demo --clients 10 --seconds 60
       make load-test ARGS="--clients 10 --seconds 60"   (port and database of `make serve`: CR_HTTP_PORT, CR_DEMO_DB)
"""

import argparse
import ast
import itertools
import os
import re
import statistics
import sys
import threading
import time
import xml.etree.ElementTree as ET

import requests

HOSTS = ("127.0.0.1",)
MAX_CLIENTS = 50
MAX_SECONDS = 600
DEMO_USERS = "lina,wanglei,liuyang,zhangwei,zhaoqiang,sunli"
CUSTOMERS_MENU = "customer_retention.res_partner_action_retention_open"
LIST_LIMIT = 80  # the web client's page


class RpcError(Exception):
    pass


class Client:
    """One user's browser session: JSON-RPC over one HTTP connection, as the web client makes its calls."""

    def __init__(self, base, db, login, timeout):
        self.base, self.db, self.login, self.timeout = base, db, login, timeout
        self.http = requests.Session()
        self.ids = itertools.count(1)
        self.context = {}

    def rpc(self, path, params):
        response = self.http.post(
            self.base + path,
            json={"jsonrpc": "2.0", "method": "call", "id": next(self.ids), "params": params},
            timeout=self.timeout,
        )
        if response.status_code != 200:
            raise RpcError(f"HTTP {response.status_code} on {path}")
        body = response.json()
        if body.get("error"):
            error = body["error"]
            raise RpcError(f"{path}: {error.get('data', {}).get('message') or error.get('message')}")
        return body["result"]

    def call(self, model, method, *args, **kwargs):
        kwargs.setdefault("context", self.context)
        return self.rpc(
            f"/web/dataset/call_kw/{model}/{method}", {"model": model, "method": method, "args": args, "kwargs": kwargs}
        )

    def log_in(self):
        """Logs in and opens the Customers menu as the web client does: the menu's server action gives the list's
        action (domain, default filters, views); its views give the fields the list and the form read."""
        info = self.rpc("/web/session/authenticate", {"db": self.db, "login": self.login, "password": self.login})
        self.uid = info["uid"]
        company = info["user_companies"]["current_company"]
        self.context = {**info["user_context"], "allowed_company_ids": [company]}
        menu = self.rpc("/web/action/load", {"action_id": CUSTOMERS_MENU, "context": self.context})
        action = self.rpc("/web/action/run", {"action_id": menu["id"], "context": self.context})
        views = {mode: view_id for view_id, mode in action["views"]}
        context = {**self.context, **literal(action.get("context") or {}, self.uid)}
        loaded = self.call(
            "res.partner",
            "get_views",
            views=[
                [views["list"], "list"],
                [views["form"], "form"],
                [action.get("search_view_id") and action["search_view_id"][0], "search"],
            ],
            options={"action_id": action["id"], "load_filters": True, "toolbar": True},
            context=context,
        )
        fields = loaded["models"]["res.partner"]["fields"]
        self.list_spec = specification(ET.fromstring(loaded["views"]["list"]["arch"]), fields, loaded["models"])
        self.form_spec = specification(ET.fromstring(loaded["views"]["form"]["arch"]), fields, loaded["models"])
        # the default filters of the search view, as the search panel applies them (each in its own group: AND)
        search = ET.fromstring(loaded["views"]["search"]["arch"])
        domain = list(literal(action.get("domain") or [], self.uid))
        for node in search.iter("filter"):
            if context.get(f"search_default_{node.get('name')}") and node.get("domain"):
                domain = (
                    ["&", *domain, *literal(node.get("domain"), self.uid)]
                    if domain
                    else literal(node.get("domain"), self.uid)
                )
        self.domain = domain
        self.order = ET.fromstring(loaded["views"]["list"]["arch"]).get("default_order") or ""
        self.customer_ids = []

    def customers_list(self):
        result = self.call(
            "res.partner",
            "web_search_read",
            domain=self.domain,
            specification=self.list_spec,
            offset=0,
            limit=LIST_LIMIT,
            order=self.order,
            count_limit=10001,
        )
        self.customer_ids = [record["id"] for record in result["records"]] or self.customer_ids

    def customer_form(self, n):
        if self.customer_ids:
            self.call(
                "res.partner", "web_read", [self.customer_ids[n % len(self.customer_ids)]], specification=self.form_spec
            )

    def today_board(self):
        self.call("retention.today", "get_board")


def literal(text, uid):
    """A domain or context of a view or action: a Python literal once ``uid`` is replaced by the user's id (an
    action built by a server action carries them as JSON already)."""
    if not isinstance(text, str):
        return text
    try:
        return ast.literal_eval(re.sub(r"\buid\b", str(uid), text))
    except (ValueError, SyntaxError) as error:
        raise RpcError(f"cannot read {text!r} without a Python evaluator: {error}") from None


def specification(arch, fields, models):
    """What the web client asks ``web_read``/``web_search_read`` for a view: each field of the view, a relation
    with its display name, and an x2many with the fields of its inline list (or its display names)."""
    spec = {}

    def visit(node):
        for child in node:
            if child.tag == "field" and child.get("name") in fields:
                spec[child.get("name")] = field_spec(child, fields[child.get("name")], models)
            elif child.tag not in ("list", "kanban", "form"):
                visit(child)

    visit(arch)
    return spec


def field_spec(node, field, models):
    if field["type"] == "many2one":
        return {"fields": {"display_name": {}}}
    if field["type"] in ("one2many", "many2many"):
        sub = next((view for view in node if view.tag in ("list", "kanban")), None)
        comodel = models.get(field["relation"], {}).get("fields")
        if sub is not None and comodel:
            return {"fields": specification(sub, comodel, models), "limit": 40}
        return {"fields": {"display_name": {}}}
    return {}


def percentile(values, share):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_client(index, options, stop, stats, lock, ready):
    login = options.users[index % len(options.users)]
    client = Client(options.base, options.db, login, options.timeout)
    try:
        client.log_in()
    except Exception as error:  # reported, and the other clients go on
        with lock:
            stats["login errors"].append(f"{login}: {type(error).__name__}: {error}")
        ready.wait()
        return
    ready.wait()
    calls = (("customers list", client.customers_list), ("customer form", None), ("today board", client.today_board))
    n = index
    while not stop.is_set():
        for name, call in calls:
            if stop.is_set():
                break
            start = time.perf_counter()
            try:
                client.customer_form(n) if call is None else call()
                error = None
            except (RpcError, requests.RequestException) as exc:
                error = f"{login} {name}: {exc}"
            elapsed = time.perf_counter() - start
            with lock:
                stats[name].append(elapsed)
                if error:
                    stats["errors"].append(error)
        n += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CR_HTTP_PORT", "8069")))
    parser.add_argument("--db", default=os.environ.get("CR_DEMO_DB", "retention_demo"))
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", default=DEMO_USERS, help="comma-separated logins (password = login)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds one request may take")
    options = parser.parse_args()
    if options.host not in HOSTS:
        parser.error(f"refusing host {options.host!r}: this load test runs against 127.0.0.1 only")
    if not 1 <= options.clients <= MAX_CLIENTS or not 0 < options.seconds <= MAX_SECONDS:
        parser.error(f"clients 1-{MAX_CLIENTS}, seconds up to {MAX_SECONDS}")
    options.base = f"http://{options.host}:{options.port}"
    options.users = [user for user in options.users.split(",") if user]

    names = ("customers list", "customer form", "today board")
    stats = {name: [] for name in names}
    stats["errors"], stats["login errors"] = [], []
    lock, stop = threading.Lock(), threading.Event()
    ready = threading.Barrier(options.clients + 1)
    threads = [
        threading.Thread(target=run_client, args=(i, options, stop, stats, lock, ready), daemon=True)
        for i in range(options.clients)
    ]
    print(
        f"{options.clients} clients as {', '.join(options.users[: options.clients])} for {options.seconds:g} s "
        f"against {options.base}, database {options.db}; logging in…",
        flush=True,
    )
    setup = time.perf_counter()
    for thread in threads:
        thread.start()
    ready.wait()
    print(f"logged in and loaded the views in {time.perf_counter() - setup:.1f} s; running…", flush=True)
    start = time.perf_counter()
    time.sleep(options.seconds)
    stop.set()
    for thread in threads:
        thread.join(options.timeout + 5)
    elapsed = time.perf_counter() - start

    every = [value for name in names for value in stats[name]]
    print(f"\n{'call':<16} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    for name, values in [*((name, stats[name]) for name in names), ("all", every)]:
        print(
            f"{name:<16} {len(values):>8} {len(values) / elapsed:>7.1f} {percentile(values, 0.5) * 1000:>7.0f} "
            f"{percentile(values, 0.95) * 1000:>7.0f} {max(values, default=0) * 1000:>7.0f}"
        )
    errors = stats["errors"] + stats["login errors"]
    print(
        f"\n{len(every)} requests in {elapsed:.1f} s: {len(every) / elapsed:.1f} requests/s, "
        f"p50 {statistics.median(every) * 1000 if every else 0:.0f} ms, p95 {percentile(every, 0.95) * 1000:.0f} ms, "
        f"{len(errors)} errors ({len(stats['login errors'])} at login)"
    )
    for error in errors[:10]:
        print(f"  {error}")
    return 1 if errors or not every else 0


if __name__ == "__main__":
    sys.exit(main())
