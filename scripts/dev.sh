#!/usr/bin/env bash
# Development helper behind `make serve` / `make test` / `make bench` for the customer_retention addon.
# Prepares (and reuses) an Odoo 18.0 source tree, a virtualenv, Debian packages (when root) and a PostgreSQL
# server, then runs Odoo with this repository as an addon. Odoo comes from $ODOO_SRC when it is set (used as it
# is), else /opt/odoo/src when it holds a tree, else a shallow clone of $ODOO_GIT_URL at $ODOO_GIT_REF (default:
# Odoo's 18.0 branch on GitHub) kept in the cache folder.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"  # runuser, pg tools

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ODOO_SRC=${ODOO_SRC:-}
SYSTEM_ODOO_SRC=${CR_SYSTEM_ODOO_SRC:-/opt/odoo/src}
ODOO_GIT_URL=${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}
ODOO_GIT_REF=${ODOO_GIT_REF:-18.0}
CACHE=${CR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/customer_retention}
DEMO_DB=${CR_DEMO_DB:-retention_demo}
HTTP_PORT=${CR_HTTP_PORT:-8069}
DEBS="libldap2-dev libsasl2-dev libpq-dev wkhtmltopdf postgresql fonts-noto-cjk chromium"

log() { printf '\033[1m[customer_retention]\033[0m %s\n' "$*" >&2; }
die() { printf '[customer_retention] ERROR: %s\n' "$*" >&2; exit 1; }

# --- Odoo 18.0 source tree ------------------------------------------------------------------------
is_odoo18() {
    [ -f "$1/odoo/release.py" ] && [ -d "$1/addons/sale" ] && grep -q "^version_info = (18, 0," "$1/odoo/release.py"
}

resolve_odoo_src() {
    # Sets ODOO_SRC to the tree to run: the one the user set (never modified), /opt/odoo/src, or the cached clone.
    if [ -n "$ODOO_SRC" ]; then
        is_odoo18 "$ODOO_SRC" || die "ODOO_SRC=$ODOO_SRC is not an Odoo 18.0 source tree (odoo/release.py of \
version 18.0 and addons/sale). Point ODOO_SRC at one, or unset it: the tools then fetch Odoo 18.0 themselves."
        return 0
    fi
    if is_odoo18 "$SYSTEM_ODOO_SRC"; then
        ODOO_SRC=$SYSTEM_ODOO_SRC
        return 0
    fi
    local dest
    dest=$CACHE/odoo-$(printf '%s#%s' "$ODOO_GIT_URL" "$ODOO_GIT_REF" | sha1sum | cut -c1-10)
    if [ -f "$dest/.customer_retention-complete" ] && is_odoo18 "$dest"; then
        ODOO_SRC=$dest
        return 0
    fi
    fetch_odoo "$dest"
    ODOO_SRC=$dest
}

fetch_odoo() {
    # A shallow clone into DEST.partial, checked, then renamed: an interrupted or failed fetch never leaves a
    # tree that the next run would take for a good one (DEST exists only once complete).
    local dest=$1 tmp=$1.partial
    command -v git >/dev/null || die "git is needed to fetch Odoo 18.0 (apt-get install git), or set ODOO_SRC to an \
Odoo 18.0 tree."
    rm -rf "$tmp" "$dest"
    mkdir -p "$tmp"
    log "fetching Odoo $ODOO_GIT_REF from $ODOO_GIT_URL into $dest (shallow clone: a few hundred MB to \
download, about 1.5 GB on disk; once)"
    if ! { git -C "$tmp" init -q &&
        git -C "$tmp" fetch --depth 1 --progress "$ODOO_GIT_URL" "$ODOO_GIT_REF" &&
        git -C "$tmp" -c advice.detachedHead=false checkout -q FETCH_HEAD; }; then
        rm -rf "$tmp"
        die "could not fetch Odoo $ODOO_GIT_REF from $ODOO_GIT_URL (offline, or the address or revision is wrong). \
Either set ODOO_SRC to an Odoo 18.0 source tree you already have, or set ODOO_GIT_URL to a reachable mirror of \
https://github.com/odoo/odoo (and ODOO_GIT_REF to its 18.0 branch or a revision of it). Nothing was kept."
    fi
    if ! is_odoo18 "$tmp"; then
        rm -rf "$tmp"
        die "$ODOO_GIT_URL at $ODOO_GIT_REF is not Odoo 18.0 (odoo/release.py says otherwise): set ODOO_GIT_REF to \
its 18.0 branch or a revision of it. Nothing was kept."
    fi
    touch "$tmp/.customer_retention-complete"
    mv "$tmp" "$dest"
    log "Odoo $(odoo_revision "$dest") ready in $dest"
}

odoo_revision() {
    # What a failure report needs to run the same Odoo: the commit of a git checkout, else a fingerprint of the
    # tree's Python files (name and size).
    local src=${1:-$ODOO_SRC} sum
    if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        echo "18.0 commit $(git -C "$src" rev-parse HEAD) at $src"
    else
        sum=$(cd "$src" && find odoo addons -name '*.py' -printf '%p %s\n' 2>/dev/null | LC_ALL=C sort | sha1sum |
            cut -c1-12)
        echo "18.0 tree at $src (not a git checkout; files fingerprint $sum)"
    fi
}

# --- Debian packages -------------------------------------------------------------------------------
ensure_debs() {
    local missing=() pkg
    for pkg in $DEBS "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        log "missing Debian packages (install them as root): ${missing[*]}"
        return 0
    fi
    log "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- Python virtualenv -----------------------------------------------------------------------------
# pip constraints of the virtualenv, part of its key (a change builds a new one):
# - setuptools >= 75.8.2: with --workers, Odoo's websocket process runs gevent, which loads its plugins through
#   pkg_resources; before 75.8.2 pkg_resources does not find a distribution whose metadata folder has a
#   normalized name (zope_interface-8.7.dist-info), the process dies at start ("DistributionNotFound: The
#   'zope.interface' distribution was not found") and Odoo restarts it in a loop. venv bundles setuptools 65.
#   < 80.9: from 80.9 pkg_resources warns with a UserWarning, which Odoo logs (it silences the DeprecationWarning
#   of the versions before); 81 drops pkg_resources. pip < 25 (the one venv bundles) also applies PIP_CONSTRAINT
#   to build environments: cbor2's build needs setuptools < 81 too.
# - zope.event 5.1 installs without its metadata: the same DistributionNotFound (zopefoundation/zope.event#30).
VENV_CONSTRAINTS='setuptools>=75.8.2,<80.9
zope.event!=5.1'
# Odoo's launcher, as odoo-bin: with --workers, Odoo starts its websocket (gevent) process by running sys.argv[0]
# again, and `python -m odoo` makes that odoo/__main__.py, which cannot run as a script ("attempted relative
# import with no known parent package"). Odoo comes from PYTHONPATH (see odoo()).
ODOO_LAUNCHER='import os

os.environ["TZ"] = "UTC"  # as odoo-bin: the server runs in UTC
import odoo  # noqa: E402

odoo.cli.main()'

ensure_venv() {
    local py=${PYTHON:-python3} key
    key=$( { "$py" --version; printf '%s\n' "$VENV_CONSTRAINTS"; cat "$ODOO_SRC/requirements.txt" \
        "$REPO/requirements.txt" "$REPO/requirements-dev.txt"; } | sha1sum | cut -c1-12)
    VENV=$CACHE/venv-$key
    if [ ! -f "$VENV/.complete" ]; then
        log "creating virtualenv $VENV"
        rm -rf "$VENV"
        mkdir -p "$CACHE"
        "$py" -m venv "$VENV"
        printf '%s\n' "$VENV_CONSTRAINTS" >"$VENV/constraints.txt"
        PIP_CONSTRAINT="$VENV/constraints.txt" "$VENV/bin/pip" install -q wheel setuptools
        PIP_CONSTRAINT="$VENV/constraints.txt" "$VENV/bin/pip" install -q \
            -r "$ODOO_SRC/requirements.txt" -r "$REPO/requirements.txt" -r "$REPO/requirements-dev.txt"
        # what the websocket process does first: gevent's plugins, resolved through pkg_resources
        "$VENV/bin/python" -W ignore::DeprecationWarning -c 'import pkg_resources
for plugin in pkg_resources.iter_entry_points("gevent.plugins.monkey.will_patch_all"):
    plugin.load()' || die "gevent cannot load its plugins in $VENV (see above): Odoo's websocket process would not start"
        touch "$VENV/.complete"
    fi
    PY=$VENV/bin/python
    if [ "$(cat "$VENV/bin/odoo" 2>/dev/null)" != "$ODOO_LAUNCHER" ]; then
        printf '%s\n' "$ODOO_LAUNCHER" >"$VENV/bin/odoo.$$" && mv "$VENV/bin/odoo.$$" "$VENV/bin/odoo"
    fi
    export PATH=$VENV/bin:$PATH
}

# --- PostgreSQL ------------------------------------------------------------------------------------
pg_bin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && { echo "$d"; return; }; done
    dirname "$(command -v pg_ctl)"
}

ensure_postgres() {
    if [ -n "${PGHOST:-}${PGPORT:-}" ] && pg_isready -q -h "${PGHOST:-localhost}" -p "${PGPORT:-5432}"; then
        DB_ARGS=(--db_host="${PGHOST:-localhost}" --db_port="${PGPORT:-5432}")
        [ -n "${PGUSER:-}" ] && DB_ARGS+=(--db_user="$PGUSER")
        [ -n "${PGPASSWORD:-}" ] && DB_ARGS+=(--db_password="$PGPASSWORD")
        log "using the PostgreSQL server at ${PGHOST:-localhost}:${PGPORT:-5432}"
        return 0
    fi
    local bin port=${CR_PG_PORT:-54329} data run=() owner
    bin=$(pg_bin)
    if [ "$(id -u)" = 0 ]; then
        # initdb refuses root: the private cluster belongs to the postgres user, in a cache folder it can reach.
        data=/var/cache/customer_retention/postgresql
        owner=postgres
        run=(runuser -u postgres --)
    else
        data=$CACHE/postgresql
        owner=$(id -un)
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
        log "initialising a private PostgreSQL cluster in $data"
        mkdir -p "$data"
        chown "$owner" "$data"
        chmod 700 "$data"
        "${run[@]}" "$bin/initdb" -D "$data" -U "$owner" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! pg_isready -q -h 127.0.0.1 -p "$port"; then
        log "starting PostgreSQL on 127.0.0.1:$port"
        "${run[@]}" "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off -c full_page_writes=off \
-c synchronous_commit=off -c shared_buffers=1GB -c work_mem=64MB -c maintenance_work_mem=512MB \
-c max_connections=200" start >/dev/null
    fi
    # Odoo refuses to connect as the superuser "postgres": it gets a role of its own.
    "${run[@]}" psql -q -h 127.0.0.1 -p "$port" -U "$owner" -d postgres -v ON_ERROR_STOP=1 -c \
        "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'odoo') THEN
         CREATE ROLE odoo LOGIN CREATEDB PASSWORD 'odoo'; END IF; END \$\$;" >/dev/null
    export PGHOST=127.0.0.1 PGPORT=$port PGUSER=odoo PGPASSWORD=odoo
    DB_ARGS=(--db_host=127.0.0.1 --db_port="$port" --db_user=odoo --db_password=odoo)
}

# --- Odoo ------------------------------------------------------------------------------------------
addons_path() {
    # Odoo finds an addon by its folder name: expose this checkout as "customer_retention".
    # (outside the checkout: a link to itself inside it would make Odoo's file walks loop)
    local dir
    dir=$CACHE/addons-$(printf '%s' "$REPO" | sha1sum | cut -c1-10)
    mkdir -p "$dir"
    ln -sfn "$REPO" "$dir/customer_retention"
    echo "$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$dir"
}

odoo() {
    # odoo [command] [options…]: the server, or a command of Odoo's (shell…)
    local command=()
    case "${1:-}" in -* | "") ;; *) command=("$1") && shift ;; esac
    (cd "$ODOO_SRC" && PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}" "$PY" "$VENV/bin/odoo" "${command[@]}" \
        --addons-path="$(addons_path)" "${DB_ARGS[@]}" "$@")
}

prepare() {
    resolve_odoo_src
    ensure_debs "$@"
    ensure_venv
    ensure_postgres
}

db_exists() { psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1; }

cmd_serve() {
    prepare
    mkdir -p "$REPO/.build"
    local logf=$REPO/.build/serve-install.log
    if db_exists "$DEMO_DB"; then
        log "upgrading database $DEMO_DB"
        odoo -d "$DEMO_DB" -u customer_retention --load-language=en_US,zh_CN --stop-after-init --log-level=warn 2>&1 |
            tee "$logf"
    else
        log "creating database $DEMO_DB with demo data"
        # English stays the default language; Chinese (zh_CN) is loaded for every module: the demo users work in it.
        odoo -d "$DEMO_DB" -i customer_retention --load-language=en_US,zh_CN --stop-after-init --log-level=warn 2>&1 |
            tee "$logf"
    fi
    # Odoo logs a failed (demo) install and goes on: a half-installed demo is no demo.
    if grep -qE " (ERROR|CRITICAL) |failed to install" "$logf"; then
        die "installing customer_retention in $DEMO_DB failed (see above); drop it with: psql -d postgres -c 'DROP DATABASE $DEMO_DB'"
    fi
    psql -q -d "$DEMO_DB" -c "UPDATE res_users SET password = 'admin' WHERE login = 'admin'"
    log "serving Odoo on http://localhost:$HTTP_PORT (login admin / admin)"
    odoo -d "$DEMO_DB" --db-filter="^$DEMO_DB\$" --http-port="$HTTP_PORT" "$@"
}

cmd_lint() {
    local rc=0
    log "ruff"
    (cd "$REPO" && ruff check . && ruff format --check .) || rc=1
    log "pylint-odoo"
    (cd "$REPO" && pylint --rcfile=.pylintrc --valid-odoo-versions=18.0 --disable=missing-readme \
        $(git ls-files --cached --others --exclude-standard '*.py' | grep -v '^scripts/')) || rc=1
    return $rc
}

run_tests() {
    # run_tests DB LOG TAGS [odoo args…]: install the addon in a fresh database DB and run the tests TAGS
    local db=$1 logf=$2 tags=$3 rc
    shift 3
    psql -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null
    log "installing customer_retention in fresh database $db and running its tests ($tags)"
    # the Odoo the tests ran on, so that a failure can be reproduced on the same one
    echo "[customer_retention] Odoo $ODOO_REVISION" >"$logf"
    set +e
    odoo -d "$db" -i customer_retention --test-enable --test-tags="$tags" --stop-after-init --log-level=test \
        --http-port="${CR_TEST_HTTP_PORT:-8169}" "$@" \
        2>&1 | tee -a "$logf" | grep --line-buffered -E " (WARNING|ERROR|CRITICAL) |odoo.tests.result|: (FAIL|ERROR):"
    rc=${PIPESTATUS[0]}
    set -e
    return "$rc"
}

cmd_test() {
    prepare
    mkdir -p "$REPO/.build"
    ODOO_REVISION=$(odoo_revision)
    log "Odoo $ODOO_REVISION"
    local db=${CR_TEST_DB:-retention_test} tags=${CR_TEST_TAGS:-/customer_retention} rc=0 logf logs=() installed=
    local counts=$REPO/.build/test-counts passes=(addon) selections=("$tags") i
    rm -f "$counts"
    # 1. every test, in a database without demo data; 2. the demo company of `make serve` (tag retention_demo),
    #    in a database installed with demo data. CR_TEST_TAGS runs only the first.
    logs+=("$REPO/.build/test.log")
    run_tests "$db" "${logs[0]}" "$tags" --without-demo=all || rc=1
    grep -q "Modules loaded\." "${logs[0]}" && installed=$db
    if [ -z "${CR_TEST_TAGS:-}" ]; then
        logs+=("$REPO/.build/test-demo.log") passes+=(demo) selections+=(retention_demo)
        run_tests "${db}_demo" "${logs[1]}" retention_demo --load-language=en_US,zh_CN || rc=1
    fi
    local summary failed=0 errors=0 total=0 bad f e t
    for i in "${!logs[@]}"; do
        logf=${logs[$i]}
        summary=$(grep -oE '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$logf" | tail -1 || true)
        if [ -z "$summary" ]; then
            echo "0 passed, 1 failed (no test summary found in $logf)"
            return 1
        fi
        read -r f _ e _ _ t _ <<<"$summary"
        e=${e%%[^0-9]*}
        failed=$((failed + f)) errors=$((errors + e)) total=$((total + t))
        # per pass: what ran and failed, for `make pytest` to count the same (.ci/run compares them)
        echo "${passes[$i]} ${selections[$i]} $t $((f + e))" >>"$counts"
        # Any WARNING/ERROR/CRITICAL line caused by this addon fails the run (Odoo's own upstream noise does not).
        bad=$(grep -E " (WARNING|ERROR|CRITICAL) " "$logf" | grep -E "customer_retention|retention[._]" || true)
        [ -n "$bad" ] && { log "log lines caused by customer_retention in $logf:"; echo "$bad" >&2; rc=1; }
        grep -q "Modules loaded\." "$logf" || { log "the addon did not install (see $logf)"; rc=1; }
    done
    local lint_rc=0
    cmd_lint || lint_rc=$?
    [ "$lint_rc" = 0 ] || { log "lint failed"; rc=1; }
    # tooling checks (scripts/tests): where Odoo comes from (a local git repository standing in for GitHub); a
    # clean uninstall, in a copy of the database just installed without demo data (a production database: the
    # demo's company, chart of accounts and orders are not for uninstalling)
    local tools_log=$REPO/.build/test-tools.log ran tools_failed
    log "tooling checks (scripts/tests)"
    ODOO_SRC=$ODOO_SRC CR_TEST_DB=$db CR_INSTALLED_DB=$installed \
        "$PY" -m unittest discover -s "$REPO/scripts/tests" -t "$REPO/scripts/tests" -v >"$tools_log" 2>&1 || true
    ran=$({ grep -oE '^Ran [0-9]+ tests?' "$tools_log" || true; } | grep -oE '[0-9]+' || echo 0)
    tools_failed=$({ grep -oE '(failures|errors)=[0-9]+' "$tools_log" || true; } | awk -F= '{n += $2} END {print n + 0}')
    [ "$ran" -gt 0 ] || { log "no tooling check ran (see $tools_log)"; tools_failed=1; }
    [ "$tools_failed" = 0 ] || { grep -E "^(FAIL|ERROR):" "$tools_log" >&2 || true; rc=1; }
    total=$((total + ran)) failed=$((failed + tools_failed))
    echo "tooling scripts/tests $ran $tools_failed" >>"$counts"
    echo "$((total - failed - errors)) passed, $((failed + errors)) failed"
    [ "$((failed + errors))" = 0 ] && [ "$rc" = 0 ]
}

# --- pytest-odoo: `make pytest`, the fast loop --------------------------------------------------------
# The same tests as `make test`, under pytest (pytest-odoo and scripts/pytest_retention.py), in databases that keep
# the addon installed between runs: no install, no at-install pass, every Odoo test run as a post-install one.
addon_fingerprint() {
    # What a database made for the tests depends on: the Odoo it runs and the addon's files that Odoo loads (not
    # its tests, tooling or documents). Another fingerprint means upgrading the addon in that database.
    local others='^(tests|scripts|readme|\.ci|static/tests)/|\.md$|^(Makefile|requirements.*|ruff\.toml|\.pylintrc)$'
    { echo "$ODOO_REVISION"; (cd "$REPO" && git ls-files -z -co --exclude-standard | grep -zvE "$others" |
        xargs -0 -r sha1sum 2>/dev/null) || true; } | sha1sum | cut -c1-12
}

pytest_db_state() {
    # pytest_db_state DB STAMP: "ready" (the addon installed from these files: STAMP is the database's comment),
    # "stale" (installed from others), or "missing" (no database, or an install that did not finish)
    local db=$1 stamp=$2 state comment
    db_exists "$db" || { echo missing; return 0; }
    state=$(psql -d "$db" -tAc "SELECT state FROM ir_module_module WHERE name = 'customer_retention'" 2>/dev/null ||
        true)
    [ "$state" = installed ] || { echo missing; return 0; }
    comment=$(psql -d postgres -tAc "SELECT shobj_description(oid, 'pg_database') FROM pg_database
        WHERE datname = '$db'")
    if [ "$comment" = "$stamp" ]; then echo ready; else echo stale; fi
}

pytest_stamp() {
    # pytest_stamp demo|nodemo: what a ready database's comment says. The demo's dates are relative to the day
    # it was installed (its tests count on it): a demo database of another day is made again.
    local stamp
    stamp="customer_retention $(addon_fingerprint)"
    [ "$1" = demo ] && stamp="$stamp installed $(date -u +%F)"
    echo "$stamp"
}

ensure_pytest_db() {
    # ensure_pytest_db DB demo|nodemo: the addon installed in DB and up to date. Made when missing (or half
    # made); upgraded (-u) when the addon's files or Odoo changed; reused as it is otherwise. With demo data it is
    # made again instead of upgraded: Odoo does not replay demo data on an upgrade. As `make test` makes them:
    # without demo data, or with it and English and Chinese loaded.
    local db=$1 kind=$2 stamp state logf=$REPO/.build/pytest-install.log args
    stamp=$(pytest_stamp "$kind")
    state=$(pytest_db_state "$db" "$stamp")
    [ "$state" = ready ] && return 0
    if [ "$kind" = demo ]; then args=(--load-language=en_US,zh_CN); else args=(--without-demo=all); fi
    if [ "$state" = stale ] && [ "$kind" != demo ]; then
        log "upgrading customer_retention in database $db (the addon or Odoo changed since)"
        args=(-u customer_retention)
    else
        log "installing customer_retention in a new database $db${args[0]:+ ($kind)}"
        PGOPTIONS=--client-min-messages=warning psql -q -d postgres -c "DROP DATABASE IF EXISTS $db"
        args=(-i customer_retention "${args[@]}")
    fi
    odoo -d "$db" "${args[@]}" --stop-after-init --log-level=warn >"$logf" 2>&1 || true
    if [ "$(pytest_db_state "$db" "")" = missing ] || grep -qE " (ERROR|CRITICAL) |failed to install" "$logf"; then
        cat "$logf" >&2
        psql -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null
        die "installing customer_retention in $db failed (above, and in $logf); the database was dropped"
    fi
    psql -q -d postgres -c "COMMENT ON DATABASE $db IS '$stamp'"
}

run_pytest() {
    # run_pytest [pytest args…]: pytest in the virtualenv, from the repository, with scripts/pytest_retention.py
    # and Odoo importable; Python warnings go to Odoo's log, as under Odoo's runner (not pytest's summary)
    (cd "$REPO" && TZ=UTC PYTHONPATH="$REPO/scripts:$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/pytest" \
        -p pytest_retention -p no:warnings -o cache_dir="$REPO/.build/pytest-cache" --rootdir="$REPO" "$@")
}

pytest_odoo_pass() {
    # pytest_odoo_pass NAME DB demo|nodemo TAGS [pytest args…]: the Odoo tests that Odoo's runner selects with
    # TAGS, run by pytest-odoo in DB (with its HTTP server, for the tours). Counts to .build/pytest-NAME.counts.
    local name=$1 db=$2 kind=$3 tags=$4 rc=0 bad
    shift 4
    local odoo_log=$REPO/.build/pytest-$name-odoo.log counts=$REPO/.build/pytest-$name.counts
    local candidates=$REPO/.build/pytest-$name.candidates
    local args=(--odoo-config="$REPO/.build/pytest-odoo.conf" --odoo-database="$db" --odoo-log-level=warn --odoo-http
        --odoo-extra="logfile=$odoo_log" --test-tags="$tags" --odoo-only --counts-file="$counts")
    [ -n "${CR_TEST_HTTP_PORT:-}" ] && args+=(--odoo-http-port="$CR_TEST_HTTP_PORT")
    # the first pass counts the demo pass's tests among those it collects: none, and the demo pass does not start
    [ "$name" = addon ] && args+=(--count-tags=retention_demo --count-tags-file="$REPO/.build/pytest-demo.candidates")
    rm -f "$counts" "$odoo_log"
    if [ "$(cat "$candidates" 2>/dev/null)" = 0 ]; then
        log "pytest ($name, $db): no test selected"
        printf 'odoo 0 0\nplain 0 0\n' >"$counts"
        return 0
    fi
    if [ "$(pytest_db_state "$db" "$(pytest_stamp "$kind")")" != ready ]; then
        # a database is made or upgraded only for a pass that has a test to run (pytest: 5 is "none selected")
        run_pytest "${args[@]}" --collect-only -q "$@" >/dev/null 2>&1 || rc=$?
        if [ "$rc" = 5 ]; then
            log "pytest ($name, $db): no test selected"
            printf 'odoo 0 0\nplain 0 0\n' >"$counts"
            return 0
        fi
        ensure_pytest_db "$db" "$kind"
        rc=0
    fi
    log "pytest ($name): the tests of --test-tags=$tags, in database $db (Odoo's log: ${odoo_log#"$REPO"/})"
    run_pytest "${args[@]}" "$@" || rc=$?
    [ "$rc" = 5 ] && rc=0
    # as `make test`: a WARNING/ERROR/CRITICAL log line caused by this addon fails the pass
    bad=$(grep -E " (WARNING|ERROR|CRITICAL) " "$odoo_log" 2>/dev/null | grep -E "customer_retention|retention[._]" ||
        true)
    [ -n "$bad" ] && { log "log lines caused by customer_retention in $odoo_log:"; echo "$bad" >&2; rc=1; }
    return "$rc"
}

cmd_pytest() {
    # The fast loop: every test of `make test` (the addon's, without then with demo data, and the tooling checks)
    # under pytest, in databases kept from one run to the next; pytest options and paths (tests/… or
    # scripts/tests/…, ::Class::test) from ARGS. Writes .build/pytest-counts as `make test` writes
    # .build/test-counts (.ci/run compares them).
    prepare
    mkdir -p "$REPO/.build"
    ODOO_REVISION=$(odoo_revision)
    log "Odoo $ODOO_REVISION"
    local db=${CR_PYTEST_DB:-${CR_TEST_DB:-retention_test}_pytest} tags=${CR_TEST_TAGS:-/customer_retention}
    local opts=() odoo_paths=() tool_paths=() arg path rc=0 started=$SECONDS
    local repo_real scripts_rc=0
    repo_real=$(realpath "$REPO")
    # ARGS: paths choose the passes (tests/… the Odoo ones, scripts/tests/… the tooling one); the rest is options
    for arg in "$@"; do
        path=${arg%%::*}
        [[ $path = /* ]] || path=$REPO/$path
        if [[ $arg != -* ]] && [ -e "$path" ]; then
            case $(realpath "$path")/ in
                "$repo_real"/scripts/*) tool_paths+=("$arg") ;;
                *) odoo_paths+=("$arg") ;;
            esac
        else
            opts+=("$arg")
        fi
    done
    if [ ${#odoo_paths[@]} = 0 ] && [ ${#tool_paths[@]} = 0 ]; then
        odoo_paths=(tests) tool_paths=(scripts/tests)
    fi
    # Odoo's options for pytest-odoo: the addons path and the database server of the other commands
    printf '[options]\naddons_path = %s\n' "$(addons_path)" >"$REPO/.build/pytest-odoo.conf"
    for arg in "${DB_ARGS[@]}"; do
        arg=${arg#--}
        printf '%s = %s\n' "${arg%%=*}" "${arg#*=}" >>"$REPO/.build/pytest-odoo.conf"
    done
    local counts=$REPO/.build/pytest-counts
    rm -f "$counts" "$REPO"/.build/pytest-*.counts "$REPO"/.build/pytest-*.candidates
    # 1. every test, in a database without demo data; 2. the demo company's (tag retention_demo), in a database
    #    with demo data (not with CR_TEST_TAGS, as `make test`); 3. the tooling checks (no Odoo in the process; the
    #    uninstall copies the first database).
    if [ ${#odoo_paths[@]} -gt 0 ]; then
        pytest_odoo_pass addon "$db" nodemo "$tags" "${opts[@]}" "${odoo_paths[@]}" || rc=1
        if [ -z "${CR_TEST_TAGS:-}" ]; then
            pytest_odoo_pass demo "${db}_demo" demo retention_demo "${opts[@]}" "${odoo_paths[@]}" || rc=1
        fi
    fi
    if [ ${#tool_paths[@]} -gt 0 ]; then
        local installed=
        [ "$(pytest_db_state "$db" "$(pytest_stamp nodemo)")" != missing ] && installed=$db
        log "pytest (tooling): scripts/tests"
        ODOO_SRC=$ODOO_SRC CR_TEST_DB=$db CR_INSTALLED_DB=$installed run_pytest -p no:odoo \
            --counts-file="$REPO/.build/pytest-tooling.counts" "${opts[@]}" "${tool_paths[@]}" || scripts_rc=$?
        [ "$scripts_rc" = 0 ] || [ "$scripts_rc" = 5 ] || rc=1
    fi
    # per pass, as .build/test-counts: NAME SELECTION RAN FAILED
    local name selection kind ran failed total=0 failures=0
    for name in addon demo tooling; do
        [ -f "$REPO/.build/pytest-$name.counts" ] || continue
        case $name in addon) selection=$tags kind=odoo ;; demo) selection=retention_demo kind=odoo ;;
            tooling) selection=scripts/tests kind=plain ;; esac
        read -r _ ran failed < <(grep "^$kind " "$REPO/.build/pytest-$name.counts")
        echo "$name $selection $ran $failed" >>"$counts"
        total=$((total + ran)) failures=$((failures + failed))
    done
    log "pytest: $total tests in $((SECONDS - started)) s (counts per pass in ${counts#"$REPO"/})"
    [ "$failures" = 0 ] || rc=1
    echo "$((total - failures)) passed, $failures failed"
    return "$rc"
}

cmd_pot() {
    # Regenerate i18n/customer_retention.pot from the installed addon and merge it into i18n/zh_CN.po.
    prepare
    local db=retention_i18n
    psql -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null
    odoo -d "$db" -i customer_retention --without-demo=all --stop-after-init --log-level=warn
    odoo -d "$db" --i18n-export="$REPO/i18n/customer_retention.pot" --modules=customer_retention \
        --stop-after-init --log-level=warn
    "$PY" - "$REPO/i18n" <<'PY'
import sys, polib
pot = polib.pofile(f"{sys.argv[1]}/customer_retention.pot")
po = polib.pofile(f"{sys.argv[1]}/zh_CN.po")
po.merge(pot)
for entry in po.obsolete_entries():
    po.remove(entry)
po.save()
left = [e.msgid for e in po if not e.msgstr or "fuzzy" in e.flags]
print(f"zh_CN.po: {len(po)} terms, {len(left)} to translate", *left, sep="\n  ")
PY
}

cmd_bench() {
    prepare
    ODOO_SRC=$ODOO_SRC ODOO_ADDONS_PATH=$(addons_path) PYTHONPATH=$ODOO_SRC "$PY" "$REPO/scripts/benchmark.py" "$@"
}

cmd_upgrade_check() {
    prepare
    ODOO_SRC=$ODOO_SRC "$PY" "$REPO/scripts/upgrade_check.py" "$@"
}

cmd_client() {
    # cmd_client SCRIPT [args…]: a client of the server of `make serve` (its port and database), run in the
    # virtualenv (requests, websocket-client); no Odoo needed
    local script=$1
    shift
    resolve_odoo_src
    ensure_venv
    "$PY" "$REPO/scripts/$script" --port "$HTTP_PORT" --db "$DEMO_DB" "$@"
}

cmd_shell() {
    prepare
    odoo shell -d "${1:-$DEMO_DB}"
}

cmd_odoo_src() {
    # The tree the other commands would run (fetching it first when needed), and its revision.
    resolve_odoo_src
    echo "$ODOO_SRC"
    odoo_revision
}

case "${1:-}" in
    serve) shift; cmd_serve "$@" ;;
    test) shift; cmd_test "$@" ;;
    pytest) shift; cmd_pytest "$@" ;;
    lint) shift; prepare; cmd_lint ;;
    bench) shift; cmd_bench "$@" ;;
    upgrade-check) shift; cmd_upgrade_check "$@" ;;
    load-test) shift; cmd_client load_test.py "$@" ;;
    websocket-check) shift; cmd_client websocket_check.py "$@" ;;
    pot) shift; cmd_pot ;;
    shell) shift; cmd_shell "$@" ;;
    odoo-src) shift; cmd_odoo_src ;;
    *) die "usage: scripts/dev.sh serve|test|pytest|lint|pot|bench|upgrade-check|load-test|websocket-check|shell|odoo-src" ;;
esac
