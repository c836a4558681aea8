"""Where pages find their static files: whitenoise's hashed, compressed copies, named by the manifest.

The same storage whatever DEBUG is, so that `collectstatic` always writes the manifest (`make setup`
runs it in development mode, and production serves that tree).
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """whitenoise's storage; where nothing was ever collected (no manifest at all), the apps' own names.

    Only a process that serves no one meets that: the tests, which collect nothing (as Django advises),
    and commands run before collectstatic. A server with DEBUG off does not start without a manifest
    that holds every static file (directory/checks.py); a manifest that is there is read strictly.
    """

    def stored_name(self, name: str) -> str:
        if not self.hashed_files and not self.manifest_hash:
            return name
        return super().stored_name(name)
