"""Tooling checks of `scripts/dev.sh`: where Odoo 18.0 comes from. A local git repository made from the Odoo tree
on this machine stands in for GitHub (`ODOO_GIT_URL=file://…`), so the fetch path runs offline.

Run by `make test` (or: python -m unittest discover -s scripts/tests)."""

import os
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEV = REPO / "scripts" / "dev.sh"
SYSTEM_ODOO = Path(os.environ.get("CR_SYSTEM_ODOO_SRC", "/opt/odoo/src"))
# what the tools need of a tree to call it Odoo 18.0 (and to build the virtualenv)
TREE_FILES = ("odoo/release.py", "addons/sale/__manifest__.py", "requirements.txt")


def git(cwd, *args):
    subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True, text=True)


class TestOdooSource(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not (SYSTEM_ODOO / "odoo" / "release.py").is_file():
            raise unittest.SkipTest(f"no Odoo tree at {SYSTEM_ODOO} to make the stand-in remote from")
        cls.tmp = Path(tempfile.mkdtemp(prefix="cr-odoo-source-"))
        # the stand-in for github.com/odoo/odoo: branch 18.0 from the tree on this machine, and a 17.0 branch
        cls.remote = cls.tmp / "odoo-remote"
        for name in TREE_FILES:
            (cls.remote / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(SYSTEM_ODOO / name, cls.remote / name)
        git(cls.remote, "init", "-q", "-b", "18.0")
        git(cls.remote, "add", ".")
        git(cls.remote, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "Odoo 18.0")
        cls.commit = subprocess.run(
            ["git", "-C", str(cls.remote), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
        ).stdout.strip()
        git(cls.remote, "checkout", "-q", "-b", "17.0")
        release = cls.remote / "odoo" / "release.py"
        release.write_text(release.read_text().replace("version_info = (18, 0,", "version_info = (17, 0,"))
        git(cls.remote, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-am", "Odoo 17.0")
        git(cls.remote, "checkout", "-q", "18.0")
        cls.url = f"file://{cls.remote}"

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.cache = Path(tempfile.mkdtemp(dir=self.tmp, prefix="cache-"))

    def run_dev(self, **env):
        """`scripts/dev.sh odoo-src` with ODOO_SRC unset and no tree at the system place, unless given."""
        environ = {k: v for k, v in os.environ.items() if k not in ("ODOO_SRC", "ODOO_GIT_URL", "ODOO_GIT_REF")}
        environ.update(CR_CACHE=str(self.cache), CR_SYSTEM_ODOO_SRC=str(self.tmp / "no-odoo-here"))
        environ.update(env)
        return subprocess.run(
            [str(DEV), "odoo-src"], check=False, env=environ, capture_output=True, text=True, timeout=300
        )

    def clones(self):
        return sorted(path.name for path in self.cache.glob("odoo-*"))

    def test_system_tree_is_used_when_odoo_src_is_unset(self):
        result = self.run_dev(CR_SYSTEM_ODOO_SRC=str(SYSTEM_ODOO))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.splitlines()[0], str(SYSTEM_ODOO))
        self.assertEqual(self.clones(), [])

    def test_a_set_odoo_src_is_used_as_it_is_or_refused(self):
        result = self.run_dev(ODOO_SRC=str(self.remote), ODOO_GIT_URL="file:///nowhere")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.splitlines()[0], str(self.remote))
        self.assertIn(f"commit {self.commit}", result.stdout)
        empty = self.tmp / "empty"
        empty.mkdir(exist_ok=True)
        result = self.run_dev(ODOO_SRC=str(empty), ODOO_GIT_URL=self.url)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(f"ODOO_SRC={empty} is not an Odoo 18.0 source tree", result.stderr)
        self.assertEqual(list(empty.iterdir()), [])  # never modified, nothing fetched instead
        self.assertEqual(self.clones(), [])

    def test_fetched_once_verified_and_reused(self):
        first = self.run_dev(ODOO_GIT_URL=self.url)
        self.assertEqual(first.returncode, 0, first.stderr)
        tree = Path(first.stdout.splitlines()[0])
        self.assertEqual(tree.parent, self.cache)
        self.assertIn("fetching Odoo 18.0 from", first.stderr)
        self.assertTrue((tree / ".customer_retention-complete").is_file())
        self.assertTrue((tree / "odoo" / "release.py").is_file())
        self.assertIn(f"commit {self.commit}", first.stdout)
        second = self.run_dev(ODOO_GIT_URL=self.url)
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertEqual(second.stdout, first.stdout)
        self.assertNotIn("fetching", second.stderr)  # reused
        self.assertEqual(self.clones(), [tree.name])

    def test_git_ref_chooses_the_revision(self):
        result = self.run_dev(ODOO_GIT_URL=self.url, ODOO_GIT_REF=self.commit)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"commit {self.commit}", result.stdout)
        # another series is refused, and nothing is kept
        result = self.run_dev(ODOO_GIT_URL=self.url, ODOO_GIT_REF="17.0")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("is not Odoo 18.0", result.stderr)
        self.assertEqual(len(self.clones()), 1)  # the first one only
        self.assertFalse(list(self.cache.glob("odoo-*.partial")))

    def test_offline_says_what_was_tried_and_the_ways_out(self):
        result = self.run_dev(ODOO_GIT_URL="file:///nowhere/odoo.git")
        self.assertNotEqual(result.returncode, 0)
        message = result.stderr
        self.assertIn("could not fetch Odoo 18.0 from file:///nowhere/odoo.git", message)
        self.assertIn("ODOO_SRC", message)
        self.assertIn("ODOO_GIT_URL", message)
        self.assertEqual(self.clones(), [])  # nothing half-written

    def test_a_half_finished_clone_is_not_taken_for_a_good_one(self):
        first = self.run_dev(ODOO_GIT_URL=self.url)
        tree = Path(first.stdout.splitlines()[0])
        # a fetch killed half way: the tree is there without its completion mark, and a .partial lies beside it
        (tree / ".customer_retention-complete").unlink()
        (tree / "odoo" / "release.py").write_text("broken")
        partial = tree.with_name(tree.name + ".partial")
        partial.mkdir()
        (partial / "junk").write_text("half")
        again = self.run_dev(ODOO_GIT_URL=self.url)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("fetching Odoo", again.stderr)
        self.assertIn("version_info = (18, 0,", (tree / "odoo" / "release.py").read_text())
        self.assertFalse(partial.exists())

    def test_the_test_log_names_the_odoo_it_ran_on(self):
        log = REPO / ".build" / "test.log"
        if not log.is_file():
            self.skipTest("no test log yet (make test writes it before these checks)")
        self.assertRegex(log.read_text(errors="replace").splitlines()[0], r"^\[customer_retention\] Odoo 18\.0 ")


if __name__ == "__main__":
    unittest.main()
