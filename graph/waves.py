"""A query run in waves (issue 16, bench/notes.md): every field whose resolver answers at once
is completed at once, depth first; every awaitable a resolver returns is held, and when the pass
over what is ready ends, what is held starts, one Task each. A value is completed when it lands
(its Task's done callback), depth first again, and what that holds starts at once. A wave is
what lands on one turn of the event loop: its loads reach the DataLoaders together, and no
field waits for an unrelated one.

graphql-core awaits each object's fields with a `gather` of its own, and each list's items with
another: at a page of 20 users, about 140 Tasks, 22 gathers and a wrapping coroutine per async
field a request. In waves the same page makes one Task per async resolver and none else.

The answer is graphql-core's, errors included: an error is located where it happened, a null or
an error in a non-null position nulls the nearest nullable position above it (its `_Position`
chain) and is reported once, and an error under a position already nulled is not reported
(`CollectedErrors`). Which of several errors under one nulled position come first depends, in
graphql-core, on the order its Tasks happen to finish in; in waves, on the wave and the order
of the fields (tests/graph/test_waves.py compares the two on generated queries).

Values this module does not complete itself (a type resolver or an `is_type_of` that awaits,
async iterables, what is not a list) go to graphql-core's own `complete_value` for that
position, whose result joins the wave as a completed value.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import FunctionType, GeneratorType
from typing import TYPE_CHECKING, Any, TypeGuard

from graphql import (
    GraphQLAbstractType,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLFieldResolver,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    located_error,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import invalid_return_type_error
from graphql.language import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    SelectionSetNode,
)
from graphql.pyutils import AwaitableOrValue, Path, Undefined, is_iterable
from graphql.pyutils import is_awaitable as default_is_awaitable
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE
from strawberry.types.info import Info

from graph.kept import Kept
from resolvers.futures import Shaped

if TYPE_CHECKING:
    from graph.execution import Call, Executor, Leaf


# The qualified name of the `is_type_of` Strawberry gives an object type with interfaces.
_STRAWBERRY_TYPE_CHECK = "GraphQLCoreConverter.from_object.<locals>._get_is_type_of"
# Strawberry keeps the type a GraphQL type was made from under this extensions key.
_DEFINITION = "strawberry-definition"


@dataclass(frozen=True, slots=True)
class _Selection:
    """A field of a selection set on one object type, looked up once per request."""

    name: str  # the response name (an alias or the field's name)
    details: FieldDetailsList
    nodes: list[FieldNode]
    field: GraphQLField
    resolve: GraphQLFieldResolver
    attribute: str | None
    leaf: Leaf | None
    call: Call | None
    shape: _Shape  # of the field's type
    # When the field is a list: its items' type, and their shape.
    item_type: GraphQLOutputType | None
    item_shape: _Shape | None
    # Per object type its values (or list items) have: that object's selections and check.
    objects: dict[GraphQLObjectType, _ObjectPlan]


class _Position:
    """Where a value goes (`container[key]`), the type it must have (and its shape), and the
    position of the object or list holding it: a non-null error nulls the nearest nullable
    position upward.

    A field's position has a parent type; a list item's does not, and shares its list's
    selection and info.
    The path and the resolve info are built when first asked for: most values never need
    them (only errors, resolvers that take an info, and graphql-core's own completion do)."""

    __slots__ = (
        "_info",  # unset until asked for (`info`)
        "_path",  # unset until asked for (`path`)
        "container",
        "key",
        "parent",
        "parent_type",
        "selection",
        "shape",
        "type",
    )

    def __init__(  # noqa: PLR0917 (positional: one is made per field and list item)
        self,
        container: dict[str, Any] | list[Any],
        key: Any,
        type: GraphQLOutputType,
        shape: _Shape,
        parent: _Position | None,
        selection: _Selection,
        parent_type: GraphQLObjectType | None,
    ) -> None:
        self.container = container
        self.key = key
        self.type = type
        self.shape = shape
        self.parent = parent
        self.parent_type = parent_type
        self.selection = selection

    @property
    def details(self) -> FieldDetailsList:
        """The field's details (a list item's, its list field's)."""
        return self.selection.details

    @property
    def path(self) -> Path:
        path: Path | None = getattr(self, "_path", None)
        if path is None:
            parent = self.parent
            if self.parent_type is not None:  # a field
                prev = parent.path if parent is not None else None
                path = Path(prev, self.key, self.parent_type.name)
            else:  # a list item
                assert parent is not None
                path = parent.path.add_key(self.key)
            self._path = path
        return path

    def info(self, executor: Executor) -> GraphQLResolveInfo[Any]:
        """The field's resolve info (a list item's is its list field's, as in graphql-core)."""
        info: GraphQLResolveInfo[Any] | None = getattr(self, "_info", None)
        if info is None:
            selection, parent_type = self.selection, self.parent_type
            if parent_type is not None:
                info = executor.build_resolve_info(
                    selection.field, selection.nodes, parent_type, self.path
                )
            else:
                assert self.parent is not None
                info = self.parent.info(executor)
            self._info = info
        return info


class _FieldInfo(Info):
    """Strawberry's `Info` for a resolver called in waves, with graphql-core's resolve info
    (the field's path and nodes) built only when the resolver reads more than its context:
    most (a linked person, a profile) read nothing else."""

    context: Any = None  # an attribute, not Strawberry's property: read by most resolvers

    def __init__(self, position: _Position, executor: Executor, call: Call) -> None:
        # Strawberry's own __init__ would set `_raw_info`, which is built on demand here.
        self._position = position
        self._executor = executor
        self._field = call.field
        self.context = executor.context_value

    @property
    def _raw_info(self) -> GraphQLResolveInfo[Any]:  # type: ignore[override]
        return self._position.info(self._executor)


def field_nodes(info: Info) -> tuple[Sequence[FieldNode], dict[str, FragmentDefinitionNode]]:
    """A resolver's field nodes and the operation's fragments, from its info; in waves
    without building graphql-core's resolve info."""
    if isinstance(info, _FieldInfo):
        return info._position.selection.nodes, info._executor.fragment_definitions
    raw = info._raw_info
    return raw.field_nodes, raw.fragments


class _Nulled(Exception):
    """A position that cannot be null failed, and so did every one above it: the operation's
    data is null. Carried past the positions in between, which must not handle it again."""

    def __init__(self, error: GraphQLError) -> None:
        super().__init__(error.message)
        self.error = error


class _TypeCheck(enum.Enum):
    STRAWBERRY = "Strawberry's own isinstance check, which ignores its info"
    AWAITS = "a coroutine function: graphql-core completes the object"
    OTHER = "any other, called with the field's info"


# An object type's check, and for Strawberry's own, the class whose instances (not cast to
# another type with `strawberry.cast`) it always accepts: its check need not be called.
_Check = tuple[_TypeCheck, type | None]
# An object type's sub-selections under a selection, its `is_type_of` (None: no check), the
# check's kind and the class whose instances it always accepts.
_ObjectPlan = tuple[list["_Selection"], Callable[..., Any] | None, "_TypeCheck | None", type | None]


def _type_check_of(type_: GraphQLObjectType, check: Callable[..., Any]) -> _Check:
    if asyncio.iscoroutinefunction(check):
        return _TypeCheck.AWAITS, None
    if getattr(check, "__qualname__", "").startswith(_STRAWBERRY_TYPE_CHECK):
        definition = (type_.extensions or {}).get(_DEFINITION)
        origin = getattr(definition, "origin", None)
        return _TypeCheck.STRAWBERRY, origin if isinstance(origin, type) else None
    return _TypeCheck.OTHER, None


class _Kind(enum.Enum):
    LEAF = "a scalar or an enum"
    LIST = "a list"
    OBJECT = "an object type"
    ABSTRACT = "an interface or a union"


# Whether non-null, the kind, and the nullable type itself (of the class its kind says).
_Shape = tuple[bool, _Kind, Any]

# An enum's member read through its class (`_Kind.OBJECT`) costs about five plain attribute
# reads (its metaclass is asked each time): completing a value compares with these instead.
_LEAF, _LIST, _OBJECT, _ABSTRACT = _Kind.LEAF, _Kind.LIST, _Kind.OBJECT, _Kind.ABSTRACT


def _shape_of(type_: GraphQLOutputType) -> _Shape:
    """Whether a type is non-null, what kind its nullable type is, and that type."""
    non_null = isinstance(type_, GraphQLNonNull)
    named = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return non_null, _Kind.LEAF, named
    if isinstance(named, GraphQLList):
        return non_null, _Kind.LIST, named
    if isinstance(named, GraphQLObjectType):
        return non_null, _Kind.OBJECT, named
    return non_null, _Kind.ABSTRACT, named


# Per type of value (bounded; types are few): whether its values are awaitable. `await`
# itself looks `__await__` up on the type; a generator may be a coroutine or not, and a type
# with its own attribute hook may answer per value: those are asked each time.
_awaitable_types: dict[type, bool] = {}
_MAX_AWAITABLE_TYPES = 1_000


def _awaitable(value: Any) -> TypeGuard[Awaitable[Any]]:
    """graphql-core's `is_awaitable`, answered per type of value once."""
    kind = type(value)
    known = _awaitable_types.get(kind)
    if known is not None:
        return known
    awaitable = default_is_awaitable(value)
    if (
        kind is not GeneratorType
        and not hasattr(kind, "__getattr__")
        and not isinstance(getattr(kind, "__getattribute__", None), FunctionType)
        and len(_awaitable_types) < _MAX_AWAITABLE_TYPES
    ):
        _awaitable_types[kind] = awaitable
    return awaitable


# What an attribute read gives when the attribute is missing (graphql-core's path reports it).
_MISSING = object()


# An awaitable held for the next wave: its position, and whether its value is already
# completed (graphql-core completed it) or is a resolver's result still to complete.
_Held = tuple[Awaitable[Any], _Position, bool]


# Operations whose selections are kept, per schema (least recently used dropped past this).
_MAX_KEPT_OPERATIONS = 256


def _plain(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    seen: set[str],
) -> bool:
    """Whether no selection under `selection_set` has a directive (@include, @skip, @defer)
    or fragment arguments: what it collects then depends on the document alone."""
    for selection in selection_set.selections if selection_set else ():
        if selection.directives:
            return False
        if isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if selection.arguments:
                return False
            if name in seen:
                continue
            seen.add(name)
            fragment = fragments.get(name)
            if fragment is None or fragment.directives:
                return False
            if not _plain(fragment.selection_set, fragments, seen):
                return False
        elif not _plain(getattr(selection, "selection_set", None), fragments, seen):
            return False
    return True


# Per schema (tests build many): its types' shapes, its object types' checks, and per
# operation without directives its root selections (graph/kept.py). The sub-selections fill
# in as objects are completed, so a repeated query collects no field and plans no selection;
# without directives what a selection collects depends on the document and the schema alone.
_kept: weakref.WeakKeyDictionary[
    GraphQLSchema, tuple[dict[int, _Shape], dict[str, _Check], Kept[list[_Selection]]]
] = weakref.WeakKeyDictionary()


class Waves:
    """One operation's fields, run in waves (see the module's docstring)."""

    def __init__(self, executor: Executor) -> None:
        self._executor = executor
        # Resolvers get Strawberry's own Info class (not a schema's own): built on demand.
        self._lazy_info = executor.info_class is Info
        self._held: list[_Held] = []
        # Tasks running, by a number of their own (a future a resolver gives may be given to
        # several positions: a DataLoader's for one key): the Task, its position, whether its
        # value is completed already, whether the Task was made here from a coroutine, and
        # the shape its value takes first (a `Shaped` load's; resolvers/futures.py).
        self._in_flight: dict[
            int, tuple[asyncio.Future[Any], _Position, bool, bool, Callable[[Any], Any] | None]
        ] = {}
        self._started = 0
        self._all_landed: asyncio.Future[None]
        kept = _kept.get(executor.schema)
        if kept is None:
            kept = _kept[executor.schema] = ({}, {}, Kept(_MAX_KEPT_OPERATIONS))
        # Per output type (by identity; types live as long as the schema): its shape; per
        # object type with an `is_type_of`, which kind of check it is; and kept operations.
        self._shapes, self._type_checks, self._operations = kept

    def run(
        self, root_type: GraphQLObjectType, root_value: Any, grouped_field_set: GroupedFieldSet
    ) -> AwaitableOrValue[dict[str, Any]]:
        """The operation's data, or an awaitable of it; a GraphQLError when a root field that
        cannot be null fails (graphql-core then answers with null data and that error)."""
        data: dict[str, Any] = {}
        operation = self._executor.operation
        try:
            selections = self._operations.get(operation)
            if selections is None:
                selections = self._selection(root_type, grouped_field_set)
                if _plain(operation.selection_set, self._executor.fragment_definitions, set()):
                    self._operations.put(operation, selections)
            self._run_selections(selections, root_type, root_value, None, data)
        except _Nulled as nulled:
            self._settle([held[0] for held in self._held])
            raise nulled.error from None
        if not self._held:
            return data
        return self._landings(data)

    async def _landings(self, data: dict[str, Any]) -> dict[str, Any]:
        """Await what the resolvers hold. Each value is completed as it lands (its Task's done
        callback), and what that completion holds starts at once: no field waits for
        unrelated ones. Values landing on the same turn of the loop are completed on that
        turn, so the loads they make still reach a DataLoader together."""
        self._all_landed = asyncio.get_running_loop().create_future()
        self._start()
        try:
            await self._all_landed
        except asyncio.CancelledError:
            # The Tasks made here stop too; resolvers not yet started never do.
            for task, _, _, ours, _ in self._in_flight.values():
                if ours:
                    task.cancel()
            self._in_flight.clear()
            for waiting, _, _ in self._held:
                if asyncio.iscoroutine(waiting):
                    waiting.close()
            self._held.clear()
            raise
        return data

    def _start(self) -> None:
        held, self._held = self._held, []
        in_flight, landed = self._in_flight, self._landed
        for awaitable, position, completed in held:
            # A future (a loader's, resolvers/futures.py) is awaited as it is, and may be
            # shared: never cancelled here; a `Shaped` load too, shaped when it lands.
            # Anything else gets a Task of its own.
            shape = None
            if type(awaitable) is Shaped:
                task: asyncio.Future[Any] = awaitable.load
                shape, ours = awaitable.shape, False
            elif isinstance(awaitable, asyncio.Future):
                task, ours = awaitable, False
            else:
                task, ours = asyncio.ensure_future(awaitable), True
            self._started += 1
            in_flight[self._started] = (task, position, completed, ours, shape)
            task.add_done_callback(functools.partial(landed, self._started))

    def _landed(self, number: int, task: asyncio.Future[Any]) -> None:
        entry = self._in_flight.pop(number, None)
        all_landed = self._all_landed
        if entry is None or all_landed.done():
            return  # settling in the background after the operation ended
        _, position, completed, _, shape = entry
        if task.cancelled():
            all_landed.cancel()  # as graphql-core's gather would be
            return
        try:
            error = task.exception()
            if error is None:
                if completed:
                    position.container[position.key] = task.result()
                elif shape is None:
                    self._complete(position, task.result())
                else:
                    value = task.result()
                    try:
                        shaped = shape(value)
                    except Exception as failed:  # the field's error, as a resolver's own
                        self._fail(position, failed)
                    else:
                        self._complete(position, shaped)
            elif isinstance(error, Exception):
                self._fail(position, error)
            else:
                raise error
            if self._held:
                self._start()
        except _Nulled as nulled:
            # What is still running settles in the background, as graphql-core's does.
            self._settle(
                [
                    *(entry[0] for entry in self._in_flight.values()),
                    *(held[0] for held in self._held),
                ]
            )
            self._in_flight.clear()
            self._held.clear()
            all_landed.set_exception(nulled.error)
            return
        except BaseException as error:
            all_landed.set_exception(error)
            return
        if not self._in_flight:
            all_landed.set_result(None)

    def _settle(self, awaitables: list[Awaitable[Any]]) -> None:
        if awaitables:
            self._executor.settle_in_background(awaitables)

    def _selection(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> list[_Selection]:
        """A grouped field set's fields on `parent_type`, with their plans (`_object` keeps
        them per object type and field details, so a list's items look them up once)."""
        executor = self._executor
        selections = []
        for name, details in grouped_field_set.items():
            field = executor.schema.get_field(parent_type, details[0].node.name.value)
            if field is None:
                continue  # graphql-core leaves an unknown field out of the answer too
            plan = executor.plan_of(field)
            shape = self._shape(field.type)
            item_type = shape[2].of_type if shape[1] is _Kind.LIST else None
            selections.append(
                _Selection(
                    name=name,
                    details=details,
                    nodes=[d.node for d in details],
                    field=field,
                    resolve=field.resolve or executor.field_resolver,
                    attribute=plan.attribute,
                    leaf=plan.leaf,
                    call=plan.call,
                    shape=shape,
                    item_type=item_type,
                    item_shape=self._shape(item_type) if item_type is not None else None,
                    objects={},
                )
            )
        return selections

    def _shape(self, type_: GraphQLOutputType) -> _Shape:
        shape = self._shapes.get(id(type_))
        if shape is None:
            shape = self._shapes[id(type_)] = _shape_of(type_)
        return shape

    def _run_selections(
        self,
        selections: list[_Selection],
        parent_type: GraphQLObjectType,
        source: Any,
        parent: _Position | None,
        data: dict[str, Any],
    ) -> None:
        """An object's (or the root's) fields into `data`: leaves read at once, the rest as
        fields. Runs once per object of the answer."""
        # Methods are called as `self.m(...)`, which makes no bound method object (a
        # `m = self.m` would, for every object of the answer).
        for selection in selections:
            leaf = selection.leaf
            if leaf is not None:
                if leaf.text:  # a string passes through String and ID as it is
                    value = getattr(source, leaf.attribute, None)
                    if type(value) is str:
                        data[selection.name] = value
                        continue
                value = self._executor.read_leaf(leaf, source)
                if value is not Undefined:
                    data[selection.name] = value
                    continue
            self._field(selection, parent_type, source, parent, data)

    def _field(
        self,
        selection: _Selection,
        parent_type: GraphQLObjectType,
        source: Any,
        parent: _Position | None,
        data: dict[str, Any],
    ) -> None:
        executor = self._executor
        field = selection.field
        position = _Position(
            data,
            selection.name,
            field.type,
            selection.shape,
            parent,
            selection,
            parent_type,
        )
        data[selection.name] = None
        result: Any
        if selection.attribute is not None:
            # A plain attribute (Strawberry's resolver would only read it): no info needed.
            result = getattr(source, selection.attribute, _MISSING)
            if result is not _MISSING:
                if _awaitable(result):
                    self._held.append((result, position, False))
                else:
                    self._complete(position, result)
                return
        try:
            call = selection.call
            if call is not None:
                info: Info | None = None  # a resolver without arguments may take none
                if call.info is not None or call.takes_arguments:
                    info = (
                        _FieldInfo(position, executor, call)
                        if self._lazy_info
                        else executor.info_class(
                            _raw_info=position.info(executor), _field=call.field
                        )
                    )
                result = executor.call(call, source, info, field, selection.details[0])
            else:
                arguments = executor.arguments_of(field, selection.details[0])
                result = selection.resolve(source, position.info(executor), **arguments)
        except Exception as error:
            self._fail(position, error)
            return
        if _awaitable(result):
            self._held.append((result, position, False))
            return
        self._complete(position, result)

    def _complete(self, position: _Position, result: Any) -> None:
        """Complete `result` into its position (graphql-core's `complete_value`), placing an
        object or a list before its contents, so that an error inside can null it."""
        try:
            if isinstance(result, Exception):
                raise result
            non_null, kind, named = position.shape
            if result is None or result is Undefined:
                if non_null:
                    info = position.info(self._executor)
                    msg = (
                        "Cannot return null for non-nullable field"
                        f" {info.parent_type}.{info.field_name}."
                    )
                    raise TypeError(msg)
                position.container[position.key] = None
                return
            executor = self._executor
            if kind is _OBJECT:  # the most common: leaves are mostly read inline
                if self._object(position, named, result):
                    return
            elif kind is _LEAF:
                position.container[position.key] = executor.complete_leaf_value(named, result)
                return
            elif kind is _ABSTRACT:
                if self._abstract(position, named, result):
                    return
            elif kind is _LIST and (
                type(result) is list
                or (is_iterable(result) and not executor.is_async_iterable(result))
            ):
                self._list(position, named.of_type, result)
                return
            # An awaited type, an awaited `is_type_of`, async iterables, a list that is not one.
            completed = executor.complete_value(
                position.type,
                position.details,
                position.info(executor),
                position.path,
                result,
                None,
            )
            if _awaitable(completed):
                position.container[position.key] = None
                self._held.append((completed, position, True))
            else:
                position.container[position.key] = completed
        except _Nulled:
            raise
        except Exception as error:
            self._fail(position, error)

    def _list(self, position: _Position, item_type: GraphQLOutputType, result: Any) -> None:
        items: list[Any] = []
        position.container[position.key] = items
        selection = position.selection
        shape = selection.item_shape
        if shape is None or item_type is not selection.item_type:  # in a list of lists
            shape = self._shape(item_type)
        items_left = iter(result)
        try:
            for index, item in enumerate(items_left):
                items.append(None)
                at = _Position(items, index, item_type, shape, position, selection, None)
                if _awaitable(item):
                    self._held.append((item, at, False))
                else:
                    self._complete(at, item)
        except _Nulled:
            # As graphql-core does: the items not reached still settle, in the background.
            self._settle([item for item in items_left if _awaitable(item)])
            raise

    def _abstract(self, position: _Position, type_: GraphQLAbstractType, result: Any) -> bool:
        """Complete an interface's or a union's object here (graphql-core's
        `complete_abstract_value`); False when its type resolver awaits, and graphql-core
        must ask it again (Strawberry's never awaits)."""
        executor = self._executor
        info = position.info(executor)
        resolve_type = type_.resolve_type or executor.type_resolver
        runtime_type = resolve_type(result, info, type_)
        if _awaitable(runtime_type):
            if asyncio.iscoroutine(runtime_type):
                runtime_type.close()
            return False
        object_type = executor.ensure_valid_runtime_type(
            runtime_type, type_, position.details, info, result
        )
        return self._object(position, object_type, result)

    def _object(self, position: _Position, type_: GraphQLObjectType, result: Any) -> bool:
        """Complete an object here; False when graphql-core must (its `is_type_of` awaits,
        or its selection defers)."""
        # A field's details are its selection's (a list item's, its list's): its plan per
        # object type is kept on the selection.
        objects = position.selection.objects
        plan = objects.get(type_)
        if plan is None:
            plan = self._object_plan(position, type_)
            if plan is None:
                return False
            objects[type_] = plan
        selections, check, kind, origin = plan
        if check is not None and (
            type(result) is not origin or getattr(result, TYPE_CAST_ATTRIBUTE, None)
        ):
            # Strawberry's own check ignores its info; another's gets the field's.
            info = None if kind is _TypeCheck.STRAWBERRY else position.info(self._executor)
            if not check(result, info):
                raise invalid_return_type_error(type_, result, position.details)
        data: dict[str, Any] = {}
        position.container[position.key] = data
        self._run_selections(selections, type_, result, position, data)
        return True

    def _object_plan(self, position: _Position, type_: GraphQLObjectType) -> _ObjectPlan | None:
        """An object type's sub-selections under a selection, and its type check; None when
        graphql-core must complete it (an awaited `is_type_of`, a deferred selection)."""
        check = type_.is_type_of
        kind = origin = None
        if check is not None:
            known = self._type_checks.get(type_.name)
            if known is None:
                known = self._type_checks[type_.name] = _type_check_of(type_, check)
            kind, origin = known
            if kind is _TypeCheck.AWAITS:
                return None
        grouped_field_set, deferred, _ = self._executor.collect_subfields(type_, position.details)
        if deferred:
            return None
        return self._selection(type_, grouped_field_set), check, kind, origin

    def _fail(self, position: _Position, raw_error: Exception) -> None:
        """graphql-core's `handle_field_error`, with the propagation its exceptions do: up to
        the nearest position that may be null, or out of the operation."""
        error = located_error(
            raw_error, [d.node for d in position.details], position.path.as_list()
        )
        at = position
        while self._executor.error_propagation and isinstance(at.type, GraphQLNonNull):
            if at.parent is None:
                raise _Nulled(error)
            at = at.parent
        self._executor.collected_errors.add(error, at.path)
        at.container[at.key] = None
