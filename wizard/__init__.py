from . import retention_adoption_wizard, retention_care_plan_reject
