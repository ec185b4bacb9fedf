"""p95kit's test suite: a package, so its modules have one name each (``tests.support.dataset``,
never also ``dataset``); shared helpers live in :mod:`tests.support`, fixtures in conftest.py."""
