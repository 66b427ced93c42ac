"""The seed-003 admin table API. No other capability in services/ uses it, and none may
reach into its modules (an import-linter contract); graph/ (GraphQL fields and the
`/endpoint` adapter) uses them."""

__all__: list[str] = []
