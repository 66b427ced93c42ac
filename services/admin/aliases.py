"""Table aliases of the admin API: the real table behind each, its key names, and the
checked keys (`id`/`sortId`, a client's `LastEvaluatedKey`) a request may give.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from services.admin.values import Item, Wire, wire_item
from services.platform.errors import BadInput
from services.platform.settings import Settings

MAX_ID_LENGTH = 1024


@dataclass(frozen=True)
class AdminTable:
    """An alias and the real table behind it."""

    alias: str
    table: str
    key: str
    sort_key: str | None = None

    @property
    def key_names(self) -> tuple[str, ...]:
        return (self.key, self.sort_key) if self.sort_key else (self.key,)


def tables(*, settings: Settings) -> list[AdminTable]:
    """Every alias the admin API knows, defaults first, in configuration order."""
    return [
        AdminTable(alias=name, table=a.table, key=a.key, sort_key=a.sort_key)
        for name, a in settings.table_aliases.items()
    ]


def resolve(*, settings: Settings, alias: str) -> AdminTable:
    """The table behind `alias` (case-sensitive, as the seed's `Workers`), or BadInput."""
    found = settings.table_aliases.get(alias)
    if found is None:
        raise BadInput(f"Unknown table alias '{alias}'.", field="table")
    return AdminTable(alias=alias, table=found.table, key=found.key, sort_key=found.sort_key)


def item_key(target: AdminTable, item_id: str | None, sort_id: str | None) -> Item:
    """The primary key for `id` (and `sortId` on a composite-key table)."""
    _check_id(item_id, "id")
    key: Item = {target.key: item_id}
    if target.sort_key is None:
        if sort_id is not None:
            raise BadInput(f"{target.alias} has no sort key; leave out sortId", field="sortId")
        return key
    if sort_id is None:
        raise BadInput(
            f"{target.alias} has a composite key ({target.key} + {target.sort_key}): "
            f"give sortId (the {target.sort_key}) as well as id (the {target.key})",
            field="sortId",
        )
    _check_id(sort_id, "sortId")
    key[target.sort_key] = sort_id
    return key


def _check_id(value: str | None, name: str) -> None:
    if value is None or value == "":
        raise BadInput(f"{name} is required", field=name)
    if len(value) > MAX_ID_LENGTH:
        raise BadInput(f"{name} must be at most {MAX_ID_LENGTH} characters", field=name)


def start_key(target: AdminTable, raw: object) -> Wire | None:
    """A client's `LastEvaluatedKey` checked against the table's key, in wire form."""
    if raw is None:
        return None
    names = " + ".join(target.key_names)
    if not isinstance(raw, Mapping) or set(raw) != set(target.key_names):
        raise BadInput(
            f"LastEvaluatedKey must be an object with exactly the key attributes {names}",
            field="LastEvaluatedKey",
        )
    for value in raw.values():
        valid_number = isinstance(value, int | Decimal) and not isinstance(value, bool)
        if not (isinstance(value, str) and value) and not valid_number:
            raise BadInput(
                "LastEvaluatedKey values must be non-empty strings or numbers",
                field="LastEvaluatedKey",
            )
    return wire_item(raw)
