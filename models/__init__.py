from . import res_company, res_config_settings, res_partner, retention_class_history, retention_recompute, scoring
