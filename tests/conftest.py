import pytest


@pytest.fixture(autouse=True)
def fresh_cache():
    """The active policy and rate limits live in the cache: no test sees another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
