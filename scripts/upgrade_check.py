"""Upgrade check (`make upgrade-check`): installs customer_retention as it was at an earlier git revision, with
the demo company, in a throwaway database; counts the records of every model of the addon, the partners with
card values, the activities of its types, the messages on its records and the members of its groups, and
fingerprints the card's values; upgrades the addon to this checkout (`-u`, migrations/ included); counts again
and compares. It prints a table and exits non-zero on any loss or change, on an ERROR (or traceback) in either
log or a WARNING about the addon in the upgrade's, and on what an upgrade must not leave behind: a column of
the addon that no stored field backs, or an index Odoo no longer expects on one.

The earlier revision (--from) defaults to the previous release: the parent of the commit that set the manifest's
current version (HEAD when the version is changed in the working tree and not yet committed).

Usage: make upgrade-check ARGS="--from <rev> --db <name>"   (scripts/dev.sh sets ODOO_SRC and PG*)"""

import argparse
import ast
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

import odoo_run

REPO = Path(__file__).resolve().parents[1]

# card columns of earlier versions that migrations/ drops on purpose (fields no longer stored)
DROPPED = ("retention_risk_reasons",)
# what a snapshot counts, run in `odoo shell` on the code installed at the time (old or new)
SNAPSHOT = (
    f"DROPPED = {DROPPED!r}\n"
    + r"""
import hashlib
from odoo.tools import SQL

def count(query):
    return env.execute_query(query)[0][0]

module = "customer_retention"
rows = {}
models = sorted(
    name for name, model in env.registry.items()
    if model._original_module == module and not model._abstract and not model._transient
)
for name in models:
    model = env[name]
    kind = "table" if model._auto else "SQL view"
    rows[name] = [kind, count(SQL("SELECT count(*) FROM %s", SQL.identifier(model._table)))]
own = tuple(models)
card_columns = [c for (c,) in env.execute_query(SQL(
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'res_partner'"
    " AND column_name LIKE 'retention\\_%%' AND data_type = 'jsonb' ORDER BY column_name"))]
# columns that the migrations drop on purpose: counted apart
dropped = {c: count(SQL("SELECT count(*) FROM res_partner, jsonb_each(%s)", SQL.identifier(c)))
           for c in card_columns if c in DROPPED}
card_columns = [c for c in card_columns if c not in DROPPED]
any_value = SQL(" OR ").join(SQL("%s IS NOT NULL", SQL.identifier(c)) for c in card_columns)
rows["res.partner with card values"] = ["partners", count(SQL("SELECT count(*) FROM res_partner WHERE %s", any_value))]
rows["card values (partner, company, field)"] = ["partners", sum(
    count(SQL("SELECT count(*) FROM res_partner, jsonb_each(%s)", SQL.identifier(c))) for c in card_columns)]
rows["mail.activity of the addon's types"] = ["activities", count(SQL(
    "SELECT count(*) FROM mail_activity a JOIN ir_model_data d ON d.res_id = a.activity_type_id"
    " AND d.model = 'mail.activity.type' AND d.module = %s", module))]
rows["mail.message on the addon's records"] = ["messages", count(SQL(
    "SELECT count(*) FROM mail_message WHERE model IN %s", own))]
rows["res.users in the addon's groups"] = ["users", count(SQL(
    "SELECT count(DISTINCT r.uid) FROM res_groups_users_rel r JOIN ir_model_data d ON d.res_id = r.gid"
    " AND d.model = 'res.groups' AND d.module = %s", module))]
fingerprints = {}
for c in card_columns:
    text = env.execute_query(SQL(
        "SELECT string_agg(id || '=' || %s::text, ';' ORDER BY id) FROM res_partner WHERE %s IS NOT NULL",
        SQL.identifier(c), SQL.identifier(c)))[0][0] or ""
    fingerprints[c] = hashlib.md5(text.encode()).hexdigest()

# what an upgrade must not leave behind: columns of the addon's fields that no stored field backs (a field that
# stopped being stored keeps its column), and single-column indexes that Odoo no longer expects
stale = []
for name, model in env.registry.items():
    if model._abstract or not model._auto:
        continue
    ours = model._original_module == module
    columns = {c for (c,) in env.execute_query(SQL(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s",
        model._table))}
    stored = {fname for fname, field in model._fields.items() if field.store and field.column_type}
    for column in sorted(columns - stored):
        if ours or column.startswith("retention_"):
            stale.append(f"column {model._table}.{column} (no stored field)")
    for fname, field in model._fields.items():
        if (ours or fname.startswith("retention_")) and field.store and field.column_type and not field.index:
            index = f"{model._table}__{fname}_index"
            if env.execute_query(SQL("SELECT 1 FROM pg_indexes WHERE indexname = %s", index)):
                stale.append(f"index {index} (the field has index=False)")
version = env["ir.module.module"].search([("name", "=", module)]).latest_version
result({"rows": rows, "fingerprints": fingerprints, "dropped": dropped, "stale": stale, "version": version})
"""
)


def git(*args):
    return subprocess.run(["git", "-C", str(REPO), *args], check=True, capture_output=True, text=True).stdout


def manifest_version(text):
    return ast.literal_eval(text)["version"]


def previous_release():
    """The last commit of the previous version: HEAD when the working tree changes the manifest's version, else
    the parent of the newest commit that changed the version line."""
    current = manifest_version((REPO / "__manifest__.py").read_text())
    if manifest_version(git("show", "HEAD:__manifest__.py")) != current:
        return git("rev-parse", "HEAD").strip()
    for commit in git("log", "--format=%H", "-G", '"version"', "--", "__manifest__.py").split():
        parents = git("log", "-1", "--format=%P", commit).split()
        if parents and manifest_version(git("show", f"{parents[0]}:__manifest__.py")) != current:
            return parents[0]
    sys.exit(f"no earlier version than {current} in the history of __manifest__.py: pass --from <revision>")


def export(revision, dest):
    """The addon (the repository's root) as it was at ``revision``, in ``dest``."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")


def cell(row):
    return "-" if row is None else str(row[1])


def snapshot(addons, db, label):
    data, log = odoo_run.shell(addons, db, SNAPSHOT)
    if data is None:
        sys.exit(f"counting the records {label} failed:\n{log[-5000:]}")
    return data, log


def timed_odoo(addons, *args):
    start = time.monotonic()
    code, log = odoo_run.odoo(addons, *args)
    return code, log, time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="revision", help="earlier git revision (default: the previous release)")
    parser.add_argument("--db", default=os.environ.get("CR_UPGRADE_DB", "retention_upgrade"))
    parser.add_argument("--keep", action="store_true", help="keep the database and the exported addon")
    parser.add_argument(
        "--without-demo",
        action="store_true",
        help="install without demo data (for development builds whose demo the current one cannot load over)",
    )
    parser.add_argument(
        "--installed",
        metavar="DB",
        help="copy this database, where --from is installed with demo, instead of installing",
    )
    args = parser.parse_args()
    db = odoo_run.check_name(args.db)
    revision = args.revision or previous_release()
    commit = git("rev-parse", "--verify", f"{revision}^{{commit}}").strip()
    old_version = manifest_version(git("show", f"{commit}:__manifest__.py"))
    new_version = manifest_version((REPO / "__manifest__.py").read_text())
    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no").strip() else ""
    head = git("log", "-1", "--format=%h %s", "HEAD").strip()[:100]
    print(f"from: {git('log', '-1', '--format=%h %ad %s', '--date=short', commit).strip()[:110]} ({old_version})")
    print(f"to:   this checkout, {head}{dirty} ({new_version})")
    data = "no demo data" if args.without_demo else "demo data, en_US and zh_CN"
    print(f"database: {db} ({data}); Odoo: {odoo_run.odoo_src()}", flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="cr-upgrade-"))
    failures = []
    try:
        export(commit, tmp / "old")
        old_addons = odoo_run.addons_path(tmp / "old", parent=tmp)
        new_addons = odoo_run.addons_path(REPO, parent=tmp)
        if args.installed:
            odoo_run.createdb(db, template=odoo_run.check_name(args.installed))
            print(f"copied {args.installed}, where {commit[:8]} is installed", flush=True)
        else:
            odoo_run.dropdb(db)
            extra = ["--without-demo=all"] if args.without_demo else ["--load-language=en_US,zh_CN"]
            code, log, took = timed_odoo(old_addons, "-d", db, "-i", odoo_run.ADDON, *extra, "--stop-after-init")
            print(
                f"installed {commit[:8]} {'without' if args.without_demo else 'with'} demo data in {took:.0f} s",
                flush=True,
            )
            if code or "Modules loaded." not in log:
                sys.exit(f"installing the earlier revision failed:\n{log[-5000:]}")
            failures += [f"install log: {line}" for line in odoo_run.problems(log)]
        before, _log = snapshot(old_addons, db, "before the upgrade")

        code, log, took = timed_odoo(new_addons, "-d", db, "-u", odoo_run.ADDON, "--stop-after-init")
        print(f"upgraded to this checkout in {took:.0f} s", flush=True)
        (REPO / ".build").mkdir(exist_ok=True)
        (REPO / ".build" / "upgrade-check.log").write_text(log)
        if code or "Modules loaded." not in log:
            failures.append(f"the upgrade failed (exit code {code}, see .build/upgrade-check.log)")
        failures += [f"upgrade log: {line}" for line in odoo_run.problems(log)]
        failures += [f"upgrade log: {line}" for line in log.splitlines() if " WARNING " in line and "retention" in line]
        after, _log = snapshot(new_addons, db, "after the upgrade")
    finally:
        if not args.keep:
            odoo_run.dropdb(db)
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept: database {db}, earlier addon in {tmp / 'old'}")

    if after["version"] != new_version:
        failures.append(f"installed version after the upgrade: {after['version']}, expected {new_version}")
    names = list(before["rows"]) + [name for name in after["rows"] if name not in before["rows"]]
    width = max(len(name) for name in names)
    print(f"\n{'model / what':<{width}}  {'kind':<10}  {'before':>7}  {'after':>7}  check")
    print(f"{'-' * width}  {'-' * 10}  {'-' * 7}  {'-' * 7}  -----")
    for name in names:
        old, new = before["rows"].get(name), after["rows"].get(name)
        kind = (new or old)[0]
        if old is None:
            status = "new model"
        elif new is None:
            status = "GONE"
            failures.append(f"{name}: the model is gone after the upgrade ({old[1]} records)")
        elif old[1] == new[1]:
            status = "ok"
        else:
            status = "LOST" if new[1] < old[1] else "CHANGED"
            failures.append(f"{name}: {old[1]} records before, {new[1]} after")
        print(f"{name:<{width}}  {kind:<10}  {cell(old):>7}  {cell(new):>7}  {status}")

    common = sorted(set(before["fingerprints"]) & set(after["fingerprints"]))
    changed = [c for c in common if before["fingerprints"][c] != after["fingerprints"][c]]
    gone = sorted(set(before["fingerprints"]) - set(after["fingerprints"]))
    print(f"\ncard values of {len(common)} card fields present before and after: {len(changed)} changed")
    failures += [f"card values of {c} changed by the upgrade" for c in changed]
    failures += [f"card column {c} gone by the upgrade" for c in gone]
    for column, values in before["dropped"].items():
        print(f"column {column} of the earlier revision ({values} values, no longer stored): dropped by migrations/")
    failures += [f"column {column} is still there after the upgrade" for column in after["dropped"]]
    print(f"left behind before the upgrade: {len(before['stale'])}; after: {len(after['stale'])}")
    for line in before["stale"]:
        print(f"  before: {line}")
    failures += [f"left behind after the upgrade: {line}" for line in after["stale"]]

    if failures:
        print("\nFAILED:", *failures, sep="\n  ")
        return 1
    print(f"\nOK: {old_version} ({commit[:8]}) -> {new_version}: nothing lost, no ERROR, nothing left behind")
    return 0


if __name__ == "__main__":
    sys.exit(main())
