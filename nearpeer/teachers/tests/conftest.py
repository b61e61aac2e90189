import pytest


@pytest.fixture(autouse=True)
def _certificate_keys(settings, tmp_path):
    """Each test signs with a key of its own, in a temporary key file."""
    settings.NEARPEER_CERTIFICATE_KEYS = ""
    settings.NEARPEER_CERTIFICATE_KEYS_FILE = str(tmp_path / "certificate-keys.json")
    from nearpeer.teachers.keys import rotate_key_file

    rotate_key_file()


@pytest.fixture(autouse=True)
def _thresholds(settings):
    settings.NEARPEER_MIN_GROUP_SIZE = 5
    settings.NEARPEER_ANONYMITY_BATCH_SIZE = 0
    settings.NEARPEER_FEEDBACK_MIN_ANSWERS = 5


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters live in the cache, which outlives a test in one process."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
