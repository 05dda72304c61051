from . import (
    test_abc,
    test_abc_invoice,
    test_access,
    test_adoption,
    test_borrowing,
    test_lifecycle,
    test_override,
    test_performance,
    test_profile_access,
    test_scoring,
    test_settings,
    test_translations,
)
