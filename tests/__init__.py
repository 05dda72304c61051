from . import (
    test_abc,
    test_abc_invoice,
    test_access,
    test_lifecycle,
    test_override,
    test_performance,
    test_scoring,
    test_settings,
    test_translations,
)
