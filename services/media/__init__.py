"""Media: uploads, the upload pipeline, imaging, the worker and image collections. Other
capabilities in services/ use media only through what this module declares (an import-linter
contract; only `local` sits above it); graph/ and resolvers/ may use its modules."""

from services.media.records import ImageCollection, Media

__all__ = ["ImageCollection", "Media"]
