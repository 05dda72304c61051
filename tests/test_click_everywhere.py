import json

from odoo.tests import HttpCase, tagged

CRAWLER = "@customer_retention/../tests/crawler/retention_crawler"


@tagged("retention_demo", "-standard", "-at_install", "post_install")
class TestClickEverywhere(HttpCase):
    """Every screen of the app opens for every role, in Chinese and in English: a crawler
    (static/tests/crawler/retention_crawler.js) clicks every menu of Customer Retention, every view type of each
    action, every filter and group-by of each search view and the form of the first record of each list, and fails
    on an error dialog, a failed RPC, a console error or a danger notification. Runs on the demo company of ``make
    serve`` (tag retention_demo: ``make test`` runs it in the database installed with demo data), whose records
    fill the lists, forms and reports that an empty database leaves blank."""

    allow_end_on_form = True

    # bundles the web client loads on demand (calendar, charts, the backend's lazy part, the bus worker); Odoo
    # builds them inside each test, whose transaction drops them: built once here, they serve the 8 crawls
    LAZY_BUNDLES = (
        ("bus.websocket_worker_assets", False),
        ("web.fullcalendar_lib", False),
        ("web.chartjs_lib", False),
        ("web.assets_backend_lazy", True),
    )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        qweb = cls.env["ir.qweb"]
        for bundle, with_css in cls.LAZY_BUNDLES:
            qweb._get_asset_bundle(bundle, css=False, js=True).js()
            if with_css:
                qweb._get_asset_bundle(bundle, css=True, js=False).css()

    def _menus(self, user, lang):
        """The menus of the app that the user has, in navbar order: what the crawler must click, no more, no less."""
        menus = self.env["ir.ui.menu"].with_user(user).with_context(lang=lang).load_menus(False)
        root = self.env.ref("customer_retention.customer_retention_menu_root")
        leaves = []

        def walk(menu_id, parents):
            menu = menus[menu_id]
            if menu["children"]:
                for child in menu["children"]:
                    walk(child, [*parents, menu["xmlid"]])
            elif menu["action"]:
                leaves.append({"xmlid": menu["xmlid"], "name": menu["name"], "parents": parents[1:]})

        walk(root.id, [])
        return leaves

    def _crawl(self, login, lang):
        user = self.env["res.users"].search([("login", "=", login)])
        # in the user's own language everything; in the other one a light crawl: every menu, view type, filter
        # and group-by still, the forms not again (they are opened in both languages by the managers' runs)
        light = lang != user.lang
        user.write({"lang": lang, "tour_enabled": False})
        menus = self._menus(user, lang)
        self.assertGreaterEqual(len(menus), 5, f"{login} sees the app")
        params = {
            "app": "customer_retention.customer_retention_menu_root",
            "menus": menus,
            "lang": lang,
            "light": light,
        }
        self.browser_js(
            "/odoo",
            f"odoo.loader.modules.get({CRAWLER!r}).startCrawl({json.dumps(params)})",
            f"odoo.isReady === true && !!odoo.loader.modules.get({CRAWLER!r})",
            login=login,
            timeout=600,
            success_signal="retention crawl succeeded",
        )

    def test_salesperson_zh_cn(self):
        self._crawl("lina", "zh_CN")

    def test_salesperson_en_us(self):
        self._crawl("lina", "en_US")

    def test_supervisor_zh_cn(self):
        self._crawl("zhangwei", "zh_CN")

    def test_supervisor_en_us(self):
        self._crawl("zhangwei", "en_US")

    def test_manager_zh_cn(self):
        self._crawl("sunli", "zh_CN")

    def test_manager_en_us(self):
        self._crawl("sunli", "en_US")

    def test_admin_zh_cn(self):
        self._crawl("admin", "zh_CN")

    def test_admin_en_us(self):
        self._crawl("admin", "en_US")
