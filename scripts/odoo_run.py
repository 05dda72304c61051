"""Running Odoo from the tooling scripts (`scripts/upgrade_check.py`, `scripts/tests/test_uninstall.py`): an addons
path exposing a given copy of the addon, `odoo -i/-u`, `odoo shell` with a script, psql, and the log lines that
tell of a problem. The Odoo tree is $ODOO_SRC (scripts/dev.sh sets it), else /opt/odoo/src; the database server is
the one of the PG* variables (scripts/dev.sh sets them); Odoo runs with the Python running this module (the
project's virtualenv)."""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ADDON = "customer_retention"
# a log line of level ERROR or CRITICAL, or a traceback
PROBLEM = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) |^Traceback \(most recent call last\)", re.MULTILINE)
RESULT = "RESULT-JSON "


def odoo_src():
    return Path(os.environ.get("ODOO_SRC") or os.environ.get("CR_SYSTEM_ODOO_SRC") or "/opt/odoo/src")


def db_args():
    return [
        f"--db_host={os.environ.get('PGHOST', '127.0.0.1')}",
        f"--db_port={os.environ.get('PGPORT', '54329')}",
        f"--db_user={os.environ.get('PGUSER', 'odoo')}",
        f"--db_password={os.environ.get('PGPASSWORD', 'odoo')}",
    ]


def pg_env():
    env = dict(os.environ)
    env.setdefault("PGHOST", "127.0.0.1")
    env.setdefault("PGPORT", "54329")
    env.setdefault("PGUSER", "odoo")
    env.setdefault("PGPASSWORD", "odoo")
    return env


def addons_path(addon_dir, parent=None):
    """Odoo's addons plus a folder holding only ``customer_retention`` -> ``addon_dir`` (Odoo finds an addon by
    its folder name; the link lives outside the checkout, or Odoo's file walks would loop)."""
    folder = Path(tempfile.mkdtemp(prefix="cr-addons-", dir=parent))
    (folder / ADDON).symlink_to(Path(addon_dir).resolve())
    src = odoo_src()
    return f"{src}/addons,{src}/odoo/addons,{folder}"


def odoo(addons, *args, command=(), stdin=None, timeout=1800):
    """``python -m odoo [command] <args>`` (from the Odoo tree: no odoo-bin needed); returns (code, output)."""
    result = subprocess.run(
        [sys.executable, "-m", "odoo", *command, f"--addons-path={addons}", *db_args(), *args],
        cwd=odoo_src(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=pg_env(),
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def install(addons, db, *extra):
    """Installs the addon in a new database ``db`` (dropped first); returns the log."""
    dropdb(db)
    code, log = odoo(addons, "-d", db, "-i", ADDON, "--stop-after-init", *extra)
    if code or "Modules loaded." not in log:
        raise RuntimeError(f"installing {ADDON} in {db} failed:\n{log[-5000:]}")
    return log


def shell(addons, db, code):
    """Runs ``code`` in ``odoo shell`` on ``db`` (``env`` is the superuser's; nothing is committed unless the code
    commits). What the code passes to ``result(value)`` comes back with the log: (value, log)."""
    prelude = f"import json as _json\ndef result(value):\n    print({RESULT!r} + _json.dumps(value), flush=True)\n"
    _code, log = odoo(addons, "-d", db, command=["shell"], stdin=prelude + code)
    values = [json.loads(line[len(RESULT) :]) for line in log.splitlines() if line.startswith(RESULT)]
    return (values[-1] if values else None), log


def psql(db, sql):
    """Rows of ``sql`` (tuples of text)."""
    out = subprocess.run(
        ["psql", "-X", "-q", "-tA", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
        capture_output=True,
        text=True,
        check=True,
        env=pg_env(),
    ).stdout
    return [tuple(line.split("\t")) for line in out.splitlines() if line]


def check_name(db):
    if not re.fullmatch(r"[a-z][a-z0-9_]*", db):
        raise ValueError(f"not a database name of these tools: {db!r}")
    return db


def createdb(db, template=None):
    dropdb(db)
    args = ["createdb", *(["-T", template] if template else []), db]
    subprocess.run(args, check=True, capture_output=True, env=pg_env())


def dropdb(db):
    subprocess.run(["dropdb", "--if-exists", db], check=True, capture_output=True, env=pg_env())


def db_exists(db):
    return bool(psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{check_name(db)}'"))


def problems(log):
    """The ERROR / CRITICAL lines and tracebacks of an Odoo log."""
    return [line for line in log.splitlines() if PROBLEM.match(line)]
