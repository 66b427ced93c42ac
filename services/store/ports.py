"""What the store needs from the process-wide runtime.

`services.runtime.wiring.Runtime` satisfies `StoreRuntime` structurally; the store names
only this protocol, so it never imports the runtime (which is wired on top of it).
"""

from __future__ import annotations

from typing import Protocol

from services.platform.aws import Aws
from services.platform.settings import Settings
from services.store.cursors import Cursors
from services.store.tables import TableNames


class StoreRuntime(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def aws(self) -> Aws: ...

    @property
    def tables(self) -> TableNames: ...

    @property
    def cursors(self) -> Cursors: ...
