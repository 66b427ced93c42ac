"""Strawberry's extension hooks, looked up once per extension class (issue 16).

For every stage of every operation (operation, parsing, validation, execution) Strawberry
asks each extension whether it has the stage's hook, what kind of function that is (two
`inspect` checks), and wraps it with `contextlib.contextmanager` anew (`functools.wraps`):
sixteen lookups and six wrappings a request for our four extensions. Here the answer and the
wrapped function are kept per class and hook name; the stages enter and exit their hooks with
Strawberry's own exit stacks, so what a hook sees (and suppresses) is unchanged."""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
    WrappedHook,
)
from strawberry.extensions.runner import SchemaExtensionsRunner

# A class's hook: a factory of its context manager given the extension, and whether async.
_Hook = tuple[Callable[[SchemaExtension], Any], bool]
_hooks: dict[tuple[type[SchemaExtension], str], _Hook | None] = {}


def _hook_of(cls: type[SchemaExtension], name: str) -> _Hook | None:
    """Strawberry's `get_hook`, per class: None when the class keeps the default hook."""
    hook_fn = getattr(cls, name)
    if hook_fn is getattr(SchemaExtension, name):
        return None
    if inspect.isgeneratorfunction(hook_fn):
        return contextlib.contextmanager(hook_fn), False
    if inspect.isasyncgenfunction(hook_fn):
        return contextlib.asynccontextmanager(hook_fn), True
    if inspect.iscoroutinefunction(hook_fn):

        @contextlib.asynccontextmanager
        async def awaited(extension: SchemaExtension) -> AsyncIterator[None]:
            await hook_fn(extension)
            yield

        return awaited, True
    if callable(hook_fn):

        @contextlib.contextmanager
        def called(extension: SchemaExtension) -> Iterator[None]:
            hook_fn(extension)
            yield

        return called, False
    msg = f"Hook {name} on {cls} must be callable, received {hook_fn!r}"
    raise ValueError(msg)


def _hook(cls: type[SchemaExtension], name: str) -> _Hook | None:
    key = (cls, name)
    try:
        return _hooks[key]
    except KeyError:
        hook = _hooks[key] = _hook_of(cls, name)
        return hook


class _KeptStage(ExtensionContextManagerBase):
    """A stage whose hooks come from the per-class table."""

    __slots__ = ()

    def __init__(self, extensions: list[SchemaExtension]) -> None:
        name = self.HOOK_NAME
        hooks = []
        for extension in extensions:
            hook = _hook(type(extension), name)
            if hook is not None:
                factory, is_async = hook
                hooks.append(
                    WrappedHook(
                        extension=extension,
                        hook=functools.partial(factory, extension),
                        is_async=is_async,
                    )
                )
        self.hooks = hooks


class _Operation(_KeptStage, OperationContextManager):
    __slots__ = ()


class _Parsing(_KeptStage, ParsingContextManager):
    __slots__ = ()


class _Validation(_KeptStage, ValidationContextManager):
    __slots__ = ()


class _Executing(_KeptStage, ExecutingContextManager):
    __slots__ = ()


class KeptHooksRunner(SchemaExtensionsRunner):
    """Strawberry's runner with its four stages' hooks from the per-class table (stream
    results, rarer, keep Strawberry's own lookup)."""

    def operation(self) -> OperationContextManager:
        return _Operation(self.extensions)

    def validation(self) -> ValidationContextManager:
        return _Validation(self.extensions)

    def parsing(self) -> ParsingContextManager:
        return _Parsing(self.extensions)

    def executing(self) -> ExecutingContextManager:
        return _Executing(self.extensions)
