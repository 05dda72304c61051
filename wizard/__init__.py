from . import (
    base_partner_merge_automatic_wizard,
    retention_adoption_wizard,
    retention_care_plan_reject,
    retention_duplicate_check,
    retention_pool_return,
    retention_report_wizard,
)
