"""The addon's three chained groups (``security/customer_retention_groups.xml``) by XML id: a retention user
keeps their own customers, a supervisor their sales teams', a manager every customer and the settings."""

USER_GROUP = "customer_retention.group_retention_user"
SUPERVISOR_GROUP = "customer_retention.group_retention_supervisor"
MANAGER_GROUP = "customer_retention.group_retention_manager"
