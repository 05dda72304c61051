from . import retention_adoption_wizard
