"""The static files' storage: WhiteNoise's compressed manifest storage, with each file's
address remembered once asked for.

The manifest (name -> hashed name) is read once when the storage is made and does not change
while the process runs, so neither does a name's address; finding it again cost about 30 us
(unquoting, splitting and joining the address) for each `{% static %}` on every page. A
change of settings in tests makes a new storage, with nothing remembered."""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

REMEMBERED = 512  # names (they come from templates); past that, addresses are worked out


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._addresses: dict[str, str] = {}

    def url(self, name, force=False):
        if force or settings.DEBUG:  # with DEBUG the storage gives unhashed names
            return super().url(name, force)
        address = self._addresses.get(name)
        if address is None:
            address = super().url(name)
            if len(self._addresses) < REMEMBERED:
                self._addresses[name] = address
        return address
