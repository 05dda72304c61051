from . import models, reports, wizard
from .hooks import uninstall_hook
