"""pytest plugin of `make pytest` (`scripts/dev.sh pytest`), loaded beside pytest-odoo (``-p pytest_retention``,
with scripts/ on PYTHONPATH). pytest then runs the tests that Odoo's own runner runs, the way it runs them, so
that both runners report the same count:

- ``--test-tags=SPEC``: the selection of Odoo's runner. From each test module, Odoo runs the TestCase classes
  defined in it (not those it imports) and the test methods defined in each class (not inherited ones, unless
  ``allow_inherited_tests_method``), filtered by its ``--test-tags`` (same syntax, Odoo's TagsSelector); pytest
  would take every TestCase class a module holds and inherited methods too. Tests that are not Odoo test cases
  (the tooling checks of scripts/tests) are kept, unless ``--odoo-only``.
- the running test: Odoo 18's suite sets ``odoo.modules.module.current_test`` to the test it runs (mail servers
  do not connect, the test cursors of HTTP requests are checked against it); pytest-odoo does it from 19.0 on.
- the addon's folder: a checkout is seldom named ``customer_retention``; its test modules are imported as
  ``odoo.addons.customer_retention.…`` (the modules Odoo loads), whatever the folder is called.
- ``--odoo-http-port=PORT``: the HTTP server of pytest-odoo's ``--odoo-http`` listens on PORT (else a free port).
- ``--counts-file=FILE``: per kind of test (``odoo``, ``plain``), how many ran and how many failed, once done.
- ``--count-tags=SPEC --count-tags-file=FILE``: how many of the tests collected (and kept by -k and -m) the tags
  SPEC would select, for a pass on another database that need not start when there are none.

Odoo is imported only where needed: with ``-p no:odoo`` (no pytest-odoo) the plugin serves plain tests."""

import sys
from pathlib import Path

import pytest

ADDON = "customer_retention"
REPO = Path(__file__).resolve().parents[1]


def pytest_addoption(parser):
    group = parser.getgroup("customer_retention", "customer_retention: as Odoo's test runner")
    group.addoption("--test-tags", help="keep the Odoo tests that Odoo's runner selects with these --test-tags")
    group.addoption("--odoo-only", action="store_true", help="with --test-tags: leave out tests that are not Odoo's")
    group.addoption("--odoo-http-port", type=int, help="port of the HTTP server of --odoo-http (default: a free one)")
    group.addoption("--counts-file", help="write how many tests ran and failed, per kind, to this file")
    group.addoption("--count-tags", help="also count the collected tests that these --test-tags would select…")
    group.addoption("--count-tags-file", help="…into this file (for another pass: none there, no need to run it)")


def _odoo_loaded(config):
    return config.pluginmanager.has_plugin("odoo") and "odoo" in sys.modules


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_cmdline_main(config):
    # pytest-odoo imports Odoo's test framework before any test mode, and Odoo logs that as an ERROR ("avoid
    # importing from business modules"): imported here first, in test mode, as Odoo's runner imports it
    if config.pluginmanager.has_plugin("odoo") and config.getoption("--odoo-database"):
        from odoo.tools import config as odoo_config  # noqa: PLC0415

        odoo_config["test_enable"] = True
        import odoo.tests  # noqa: F401, PLC0415

        odoo_config["test_enable"] = False
    yield


def pytest_configure(config):
    config._retention_counts = Counts(config.getoption("--counts-file"))
    if config._retention_counts.path and not config.option.collectonly:
        config.pluginmanager.register(config._retention_counts, "retention_counts")
    if not _odoo_loaded(config):
        return
    import _pytest.pathlib  # noqa: PLC0415 (pytest internals, patched as pytest-odoo patches them)
    import pytest_odoo  # noqa: PLC0415

    port = config.getoption("--odoo-http-port")
    if port:
        pytest_odoo._get_available_random_port = lambda: port
    resolve = _pytest.pathlib.resolve_pkg_root_and_module_name  # pytest-odoo's, already patched

    def resolve_pkg_root_and_module_name(path, *, consider_namespace_packages=False):
        # a module of this checkout's packages (tests/…), whatever the checkout's folder is called (pytest would
        # stop at a folder whose name is not an identifier, pytest-odoo would take the folder's name for the
        # addon's): odoo.addons.customer_retention.tests.…, the module Odoo loads
        real = Path(path).resolve()
        folders = [folder for folder in (real.parent, *real.parent.parents) if folder.is_relative_to(REPO)]
        if folders and all((folder / "__init__.py").is_file() for folder in folders):
            parts = real.relative_to(REPO).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            return REPO.parent, ".".join(("odoo", "addons", ADDON, *parts))
        return resolve(path, consider_namespace_packages=consider_namespace_packages)

    _pytest.pathlib.resolve_pkg_root_and_module_name = resolve_pkg_root_and_module_name


@pytest.hookimpl(tryfirst=True)
def pytest_collect_directory(path, parent):
    # without pytest-odoo (the tooling checks), the addon's folder is a folder, not a package to import: its
    # __init__.py imports the addon, which needs Odoo
    if Path(path).resolve() == REPO and not parent.config.pluginmanager.has_plugin("odoo"):
        return pytest.Dir.from_parent(parent, path=Path(path))
    return None


def _odoo_case(item):
    """The Odoo TestCase class of ``item``, or None."""
    cls = getattr(item, "cls", None)
    if cls is None or "odoo.tests" not in sys.modules:
        return None
    from odoo.tests.case import TestCase  # noqa: PLC0415

    return cls if issubclass(cls, TestCase) else None


def _odoo_runs(item, cls, selector):
    """Whether Odoo's runner runs ``item`` (odoo/tests/loader.py get_module_test_cases, then make_suite)."""
    if cls.__module__ != item.module.__name__:
        return False  # imported into this module: Odoo runs it from the module that defines it
    name = item.originalname or item.name
    if name not in vars(cls) and not getattr(cls, "allow_inherited_tests_method", False):
        return False
    test = cls.__new__(cls)  # what the selector reads, without running a TestCase's __init__
    test._testMethodName = name
    return selector.check(test)


@pytest.hookimpl(trylast=True)  # after -k and -m
def pytest_collection_modifyitems(config, items):
    spec = config.getoption("--test-tags")
    selector = None
    if spec:
        from odoo.tests.tag_selector import TagsSelector  # noqa: PLC0415

        selector = TagsSelector(spec)
        other, path = config.getoption("--count-tags"), config.getoption("--count-tags-file")
        if other and path:
            other = TagsSelector(other)
            count = sum(1 for item in items if (cls := _odoo_case(item)) and _odoo_runs(item, cls, other))
            Path(path).write_text(f"{count}\n")
    kept, deselected = [], []
    for item in items:
        cls = _odoo_case(item)
        if cls is not None and selector is not None:
            keep = _odoo_runs(item, cls, selector)
        else:
            keep = cls is not None or not (selector and config.getoption("--odoo-only"))
        (kept if keep else deselected).append(item)
        config._retention_counts.kinds[item.nodeid] = "odoo" if cls is not None else "plain"
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if _odoo_case(item) is not None:
        import odoo.modules.module  # noqa: PLC0415

        odoo.modules.module.current_test = item.instance  # as odoo/tests/suite.py, before setUpClass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    if _odoo_case(item) is not None:
        import odoo.modules.module  # noqa: PLC0415

        odoo.modules.module.current_test = False


class Counts:
    """One outcome per test (failed when any phase, a subtest among them, failed), written to --counts-file."""

    def __init__(self, path):
        self.path = path
        self.kinds = {}
        self.outcomes = {}

    def pytest_runtest_logreport(self, report):
        if report.failed:
            self.outcomes[report.nodeid] = "failed"
        else:
            self.outcomes.setdefault(report.nodeid, report.outcome)

    def pytest_sessionfinish(self, session):
        counts = {"odoo": [0, 0], "plain": [0, 0]}
        for nodeid, outcome in self.outcomes.items():
            kind = counts[self.kinds.get(nodeid, "plain")]
            kind[0] += 1
            kind[1] += outcome == "failed"
        Path(self.path).write_text("".join(f"{kind} {ran} {failed}\n" for kind, (ran, failed) in counts.items()))
