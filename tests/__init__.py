from odoo import http

from . import (
    test_abc,
    test_abc_invoice,
    test_access,
    test_action_check,
    test_adoption,
    test_borrowing,
    test_card_completeness,
    test_card_rules,
    test_care_plan,
    test_click_everywhere,
    test_database_rules,
    test_demo,
    test_duplicate_check,
    test_forged_writes,
    test_group_customers,
    test_input,
    test_lifecycle,
    test_override,
    test_performance,
    test_playbooks,
    test_playbooks_demo,
    test_pool,
    test_profile_access,
    test_reliability,
    test_reports,
    test_risk,
    test_scoring,
    test_screens_small,
    test_settings,
    test_today,
    test_tours,
    test_translations,
    test_trend,
)

# The test HTTP server reads every module's manifest on its first request for a static file. The browser's first
# requests come at once, in several server threads, and CPython 3.11 may then fail to parse a manifest ("SystemError:
# AST constructor recursion depth mismatch", a race of its parser between threads): they are read here once, in the
# main thread, before any test server answers.
_statics = http.root.statics
