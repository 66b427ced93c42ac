"""Who may use the admin table API: admins only."""

from __future__ import annotations

from services.auth.identity import Identity
from services.platform.errors import Forbidden


def require_admin(actor: Identity) -> None:
    if not actor.is_admin:
        raise Forbidden("only an admin may use the admin table API")
