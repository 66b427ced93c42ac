"""Media: uploads, the upload pipeline, imaging, the worker and image collections. No other
capability in services/ uses media, and none may reach into its modules (an import-linter
contract); graph/ and resolvers/ may use them."""

__all__: list[str] = []
