# The analyses are SQL views over the tables of models/ (imported before reports/), created in this order: a view
# that reads another one comes after it (the scorecard and the review status read the customer analysis).
from . import (
    retention_analysis_mixin,
    retention_report_care_plan,
    retention_report_customer,
    retention_report_documents,
    retention_report_lifecycle,
    retention_report_scorecard,
    retention_review_status,
)
