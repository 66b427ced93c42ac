"""How an operation executes: Strawberry's graphql-core executor, minus the work that a page of
N items repeats N times with the same answer (issue 16, bench/notes.md). A query's fields run
in waves (graph/waves.py), which use the plans below; mutations, subscription events and
traced operations run through graphql-core's `execute_field`, with the same plans.

- A leaf field without a resolver (`email`, `status`) reads the attribute and coerces it
  without building a resolve info or going through Strawberry's resolver chain. Anything
  unusual (null, a value the scalar refuses, an exception) takes graphql-core's own path,
  which reports it as before.
- A field with a plain Strawberry resolver (no field extensions, no exception handlers) is
  called directly, its arguments coerced and converted to Python values once per selection,
  not once per item: the `submissions(first: 5, orderBy: …)` of 20 users is one selection.
  Each call gets its own dict and its own copy of a flat input object (`orderBy`), so no call
  sees another's changes; a mutable value (a JSON argument) is converted afresh per call.
  Strawberry's own wrapper converted them and built two coroutines more on every call.
- An awaited field result is awaited directly when the operation has no abort signal.
- Strawberry camel-cases every argument and input field name on every call of a field; the
  names are memoised (`FieldNames`).

graphql-core is pinned in pyproject.toml: `execute_field` below is its own, plus the cache.
"""

from __future__ import annotations

import datetime
import enum
import inspect
import weakref
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLID,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLResolveInfoHelpers,
    GraphQLSchema,
    GraphQLString,
    ListValueNode,
    ObjectValueNode,
    OperationType,
    ValueNode,
    VariableNode,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import to_nodes
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path, Undefined
from strawberry.schema.name_converter import NameConverter
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments
from strawberry.types.base import has_object_definition
from strawberry.types.field import StrawberryField
from strawberry.types.fields.resolver import StrawberryResolver
from strawberry.types.info import Info
from strawberry.types.unset import UnsetType
from typing_extensions import override

from graph.kept import Kept
from graph.waves import Waves

# Strawberry keeps the field a GraphQL field was made from under this extensions key.
_DEFINITION = "strawberry-definition"
# Names come from the schema's own fields and arguments; the bound only guards the memo.
_MAX_NAMES = 10_000


class FieldNames(NameConverter):
    """Strawberry's name converter with camel-casing memoised (a pure function of the name)."""

    def __init__(self) -> None:
        super().__init__(auto_camel_case=True)
        self._converted: dict[str, str] = {}

    def apply_naming_config(self, name: str) -> str:
        converted = self._converted.get(name)
        if converted is None:
            converted = super().apply_naming_config(name)
            if len(self._converted) < _MAX_NAMES:
                self._converted[name] = converted
        return converted


@dataclass(frozen=True, slots=True)
class Leaf:
    """How to read a leaf field that has no resolver of its own."""

    attribute: str
    type: GraphQLLeafType
    # The scalar passes a `str` through unchanged (String, ID): no coercion call needed.
    text: bool


def _attribute_of(field: GraphQLField) -> str | None:
    """The attribute a field without a resolver of its own reads, if Strawberry's resolver
    would only read it (`_get_basic_result`, which ignores its info)."""
    definition = (field.extensions or {}).get(_DEFINITION)
    resolve = field.resolve
    if not (
        isinstance(definition, StrawberryField)
        and definition.is_basic_field
        and not definition.extensions
        and resolve is not None
        and getattr(resolve, "_is_default", False)
        and definition.default_resolver is getattr  # StrawberryConfig's default
        and not field.args
    ):
        return None
    return definition.python_name


def _leaf_of(field: GraphQLField, attribute: str | None) -> Leaf | None:
    named = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    if attribute is None or not is_leaf_type(named):
        return None
    return Leaf(attribute=attribute, type=named, text=named in (GraphQLString, GraphQLID))


@dataclass(frozen=True, slots=True)
class Call:
    """How to call a field's own resolver the way Strawberry's wrapper would."""

    field: StrawberryField
    resolver: StrawberryResolver[Any]
    # The resolver's function itself (StrawberryResolver.__call__ only checks that it is one).
    function: Callable[..., Any]
    wants_self: bool
    parent: str | None
    root: str | None
    info: str | None
    takes_arguments: bool  # GraphQL arguments (validation refuses any a field does not take)
    # How many leading positional parameters the function takes when they are all it takes:
    # 1 for `(self)`, 2 for `(self, info)`; 0 when it is called with keywords (a call with
    # keywords builds a dict: a few in a page's every object).
    positional: int = 0


def _call_of(field: GraphQLField, converter: GraphQLCoreConverter) -> Call | None:
    definition = (field.extensions or {}).get(_DEFINITION)
    resolve = field.resolve
    # Only Strawberry's own wrappers (`_resolver`, `_async_resolver`) are bypassed: they do
    # nothing else when the field has no extensions (permissions are extensions too) and no
    # exception handler applies to it.
    if not (
        isinstance(definition, StrawberryField)
        and definition.base_resolver is not None
        and not definition.extensions
        and not definition.is_subscription
        and resolve is not None
        and getattr(resolve, "__name__", "") in ("_resolver", "_async_resolver")
        and not converter._get_field_exception_handlers(definition)
    ):
        return None
    resolver = definition.base_resolver
    parent, root, info = resolver.parent_parameter, resolver.root_parameter, resolver.info_parameter
    function = resolver.wrapped_func if callable(resolver.wrapped_func) else resolver
    wants_self = resolver.self_parameter is not None
    takes_arguments = bool(definition.arguments)
    info_name = info.name if info else None
    return Call(
        field=definition,
        resolver=resolver,
        function=function,
        wants_self=wants_self,
        parent=parent.name if parent else None,
        root=root.name if root else None,
        info=info_name,
        takes_arguments=takes_arguments,
        positional=_positional(function, info_name)
        if wants_self and not (parent or root or takes_arguments)
        else 0,
    )


def _positional(function: Callable[..., Any], info: str | None) -> int:
    """1 when `function` takes `(self)` alone, 2 when `(self, info)`, else 0."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return 0
    expected = 1 if info is None else 2
    if len(parameters) != expected or any(
        p.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD for p in parameters
    ):
        return 0
    if info is not None and parameters[1].name != info:
        return 0
    return expected


# Values a call may share with the other calls of the same field node: immutable ones.
_SHARED = (str, int, float, bool, type(None), enum.Enum, datetime.datetime, UnsetType)


def _input_copies(converted: dict[str, Any]) -> tuple[str, ...] | None:
    """The arguments to copy per call (flat input objects of immutable values), or None when
    some value could be changed by a call and so must be converted afresh for each."""
    copies = []
    for name, value in converted.items():
        if isinstance(value, _SHARED):
            continue
        if (
            has_object_definition(value)
            and value.__strawberry_definition__.from_input is None  # may depend on the info
            and hasattr(value, "__dict__")
            and not hasattr(type(value), "__slots__")
            and all(isinstance(v, _SHARED) for v in vars(value).values())
        ):
            copies.append(name)
            continue
        return None
    return tuple(copies)


def _own(shared: dict[str, Any], copies: tuple[str, ...]) -> dict[str, Any]:
    """A call's own arguments: a new dict, and a new object for each flat input."""
    kwargs = dict(shared)
    for name in copies:
        value = kwargs[name]
        clone = object.__new__(type(value))
        clone.__dict__.update(value.__dict__)  # copy.copy, without its reduce protocol
        kwargs[name] = clone
    return kwargs


@dataclass(frozen=True, slots=True)
class Plan:
    """How a field runs: an attribute read directly (a leaf's, coerced at once), its resolver
    called directly, or neither."""

    attribute: str | None
    leaf: Leaf | None
    call: Call | None


# Per schema (tests build many): each field's plan, keyed by the field's identity.
_plans: weakref.WeakKeyDictionary[GraphQLSchema, dict[int, Plan]] = weakref.WeakKeyDictionary()

# A selection's converted arguments, shared by its calls: the arguments and the flat inputs
# each call copies.
_Shared = tuple[dict[str, Any], tuple[str, ...]]
# A selection not yet called in this request (None: its arguments are converted per call).
_UNSEEN: Any = object()
# Selections whose converted arguments are kept across requests, per schema (least recently
# used dropped past this).
_MAX_KEPT_ARGUMENTS = 1_024


def _variables_in(value: ValueNode, names: list[str]) -> None:
    """The variables an argument's value names, added to `names`."""
    if isinstance(value, VariableNode):
        names.append(value.name.value)
    elif isinstance(value, ListValueNode):
        for item in value.values:
            _variables_in(item, names)
    elif isinstance(value, ObjectValueNode):
        for field in value.fields:
            _variables_in(field.value, names)


# Variable values an argument may be kept for: immutable, and equal only to values of their
# own type (the key holds the type too: True == 1). Not floats: a fraction keeps its digits in
# a float subclass (services/platform/exactjson.py), and equal floats may differ in them.
_KEYED = (str, int, bool, type(None))
# Longer texts (a search) are converted per request: a kept key holds its values.
_MAX_KEYED_TEXT = 256
# A variable the request leaves out (the argument's default applies), as a key.
_ABSENT = object()


def _kept_key(
    node: FieldNode, field_def: GraphQLField, variables: dict[str, Any]
) -> Hashable | None:
    """What a selection's converted arguments depend on besides its node: its field, and the
    values of the variables it names; None when some value cannot key them (a list, an input
    object, a float, a long text): those are converted per request."""
    names: list[str] = []
    for argument in node.arguments or ():
        _variables_in(argument.value, names)
    if not names:
        return id(field_def)
    values: list[Any] = [id(field_def)]
    for name in names:
        value = variables.get(name, _ABSENT)
        kind = type(value)
        if value is not _ABSENT and kind not in _KEYED and not isinstance(value, enum.Enum):
            return None
        if kind is str and len(value) > _MAX_KEYED_TEXT:
            return None
        values += (kind, value)
    return tuple(values)


def _kept_arguments(schema: GraphQLSchema) -> Kept[_Shared]:
    """Per field node, its field and the values of the variables its arguments name (none for
    `submissions(first: 5, orderBy: …)`, `$n` for `users(first: $n)`): the shared converted
    arguments, so a repeated query converts them once, not per request (graph/kept.py)."""
    kept = _arguments.get(schema)
    if kept is None:
        kept = _arguments[schema] = Kept(_MAX_KEPT_ARGUMENTS)
    return kept


_arguments: weakref.WeakKeyDictionary[GraphQLSchema, Kept[_Shared]] = weakref.WeakKeyDictionary()


def _runs_in_waves(schema: GraphQLSchema) -> bool:
    """Whether the schema lets an operation defer or stream part of its answer, which waves
    do not do."""
    return schema.get_directive("defer") is None and schema.get_directive("stream") is None


class Executor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor with a selection's arguments converted once, plain resolvers
    called directly and a direct path for leaves."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Per selection (field, node, fragment variables): its converted arguments and the
        # inputs to copy per call, or None when some value is mutable and is converted per call.
        self._converted: dict[tuple[int, int, int], _Shared | None] = {}
        self._kept_arguments = _kept_arguments(self.schema)
        plans = _plans.get(self.schema)
        if plans is None:
            plans = _plans[self.schema] = {}
        self._plans = plans
        strawberry_schema = getattr(self.schema, "_strawberry_schema", None)
        self._converter: GraphQLCoreConverter | None = (
            strawberry_schema.schema_converter if strawberry_schema is not None else None
        )
        # Strawberry always passes a manager; it wraps resolvers only if an extension (tracing)
        # resolves fields, and then every field takes graphql-core's path.
        manager = self.middleware_manager
        self._wrapped = manager is not None and bool(manager.middlewares)
        # The Info class resolvers get (the schema's config may name its own).
        self.info_class: type[Info] = (
            self._converter.config.info_class if self._converter is not None else Info
        )

    # graphql-core keeps its helpers for resolvers (two of the executor's bound methods) on
    # the executor: a reference cycle, so the executor and all it reaches (the request's
    # context, loaders, futures and records: about 400 objects at N = 20) outlived every
    # request until the cyclic collector ran, which it then did every ~60 requests for
    # 6 ms. Built when read instead (an Info needs them; waves build Infos only if asked).
    @property
    def async_helpers(self) -> GraphQLResolveInfoHelpers:
        return GraphQLResolveInfoHelpers(gather=self.gather_async_work, track=self.track_async_work)

    @async_helpers.setter
    def async_helpers(self, _: GraphQLResolveInfoHelpers) -> None:
        """graphql-core's `__init__` sets them: not kept (see the getter)."""

    @override
    def execute_root_grouped_field_set(
        self,
        root_type: GraphQLObjectType,
        root_value: Any,
        grouped_field_set: GroupedFieldSet,
        serially: bool,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """A query runs in waves (graph/waves.py); a mutation's fields run one after another
        and a subscription's events, or anything deferred, streamed, aborted or traced take
        graphql-core's path."""
        if (
            not serially
            and position_context is None
            and self.operation.operation is OperationType.QUERY
            and self.abort_signal is None
            and not self._wrapped
            and _runs_in_waves(self.schema)
        ):
            return Waves(self).run(root_type, root_value, grouped_field_set)
        return super().execute_root_grouped_field_set(
            root_type, root_value, grouped_field_set, serially, position_context
        )

    def plan_of(self, field: GraphQLField) -> Plan:
        key = id(field)  # fields live as long as their schema, which keys the outer map
        plan = self._plans.get(key)
        if plan is None:
            call = _call_of(field, self._converter) if self._converter else None
            attribute = _attribute_of(field)
            plan = self._plans[key] = Plan(
                attribute=attribute, leaf=_leaf_of(field, attribute), call=call
            )
        return plan

    @override
    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        first_field_node = field_details_list[0].node
        field_def = self.schema.get_field(parent_type, first_field_node.name.value)
        if not field_def:
            return Undefined

        # With a resolving extension (tracing) every field takes graphql-core's path.
        call = None
        if not self._wrapped:
            plan = self.plan_of(field_def)
            leaf, call = plan.leaf, plan.call
            if leaf is not None:
                value = self.read_leaf(leaf, source)
                if value is not Undefined:
                    return value

        return self._execute_field(
            field_def,
            call,
            parent_type=parent_type,
            source=source,
            field_details_list=field_details_list,
            path=path,
            position_context=position_context,
        )

    def read_leaf(self, leaf: Leaf, source: Any) -> Any:
        """A leaf's attribute, coerced; Undefined when it is anything unusual (null, an
        exception, a value the scalar refuses), which the field's general path reports."""
        value = getattr(source, leaf.attribute, None)
        if value is None or isinstance(value, Exception):
            return Undefined
        if leaf.text and type(value) is str:
            return value
        try:
            return self.complete_leaf_value(leaf.type, value)
        except Exception:
            return Undefined

    def call(
        self,
        call: Call,
        source: Any,
        strawberry_info: Info | None,
        field_def: GraphQLField,
        field_details: Any,
    ) -> Any:
        """The resolver called as Strawberry's wrapper calls it (`get_arguments`), with the
        selection's converted arguments shared when no call could change them. The info is
        needed only by a resolver that takes it, or arguments."""
        positional = call.positional
        if positional:
            if positional == 2:
                return call.function(source, strawberry_info)
            return call.function(source)
        if not call.takes_arguments:
            kwargs: dict[str, Any] = {}
        else:
            kwargs = self._arguments(call, field_def, field_details, strawberry_info)
        if call.parent:
            kwargs[call.parent] = source
        if call.root:
            kwargs[call.root] = source
        if call.info:
            kwargs[call.info] = strawberry_info
        if call.wants_self:
            return call.function(source, **kwargs)
        return call.function(**kwargs)

    def _arguments(
        self,
        call: Call,
        field_def: GraphQLField,
        field_details: Any,
        strawberry_info: Info | None,
    ) -> dict[str, Any]:
        """A call's own converted arguments: the selection's shared ones copied (converted on
        its first call, or kept from an earlier request with the same values of the variables
        they name), or converted afresh when some value is mutable."""
        node, variables = field_details.node, field_details.fragment_variable_values
        key = (id(field_def), id(node), id(variables))
        shared = self._converted.get(key, _UNSEEN)
        if shared is _UNSEEN:  # the selection's first call in this request
            kept_key = None
            if variables is None:  # not in a fragment with arguments
                kept_key = _kept_key(node, field_def, self.variable_values.coerced)
            shared = self._kept_arguments.get(node, kept_key) if kept_key is not None else None
            if shared is None:
                kwargs = self._convert(call, field_def, field_details, strawberry_info)
                copies = _input_copies(kwargs)
                self._converted[key] = shared = (kwargs, copies) if copies is not None else None
                if shared is None:
                    return kwargs  # converted for this call already
                if kept_key is not None:
                    self._kept_arguments.put(node, shared, kept_key)
            else:
                self._converted[key] = shared
        if shared is None:
            return self._convert(call, field_def, field_details, strawberry_info)
        return _own(*shared)

    def _convert(
        self,
        call: Call,
        field_def: GraphQLField,
        field_details: Any,
        strawberry_info: Info | None,
    ) -> dict[str, Any]:
        assert self._converter is not None
        return convert_arguments(
            self.arguments_of(field_def, field_details),
            call.field.arguments,
            scalar_registry=self._converter.scalar_registry,
            config=self._converter.config,
            info=strawberry_info,
        )

    def arguments_of(self, field_def: GraphQLField, field_details: Any) -> dict[str, Any]:
        """The field's argument values, coerced afresh (as graphql-core does for each call)."""
        node = field_details.node
        if not (field_def.args or node.arguments):
            return {}
        return get_argument_values(
            field_def,
            node,
            self.variable_values,
            field_details.fragment_variable_values,
            self.hide_suggestions,
        )

    def _execute_field(
        self,
        field_def: GraphQLField,
        call: Call | None,
        *,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        """graphql-core's `execute_field` (3.3.2), the resolver called by `_resolve` when the
        field has a `call` plan (Strawberry's wrapper would add nothing)."""
        return_type = field_def.type
        resolve_fn = field_def.resolve or self.field_resolver

        if self._wrapped:
            assert self.middleware_manager is not None
            resolve_fn = self.middleware_manager.get_field_resolver(resolve_fn)

        info = self.build_resolve_info(field_def, to_nodes(field_details_list), parent_type, path)

        try:
            if call is not None:
                strawberry_info = self.info_class(_raw_info=info, _field=call.field)
                result = self.call(call, source, strawberry_info, field_def, field_details_list[0])
            else:
                args = self.arguments_of(field_def, field_details_list[0])
                result = resolve_fn(source, info, **args)

            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    return_type, field_details_list, info, path, result, position_context
                )

            completed = self.complete_value(
                return_type, field_details_list, info, path, result, position_context
            )
            if self.is_awaitable(completed):
                return self._await_completed(completed, return_type, field_details_list, path)

        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

        return completed

    @override
    async def complete_awaitable_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's (3.3.2), awaiting the resolver's result itself when the operation
        has no abort signal (ours never do): its `with_abort_signal` then only adds a
        coroutine per async field."""
        if self.abort_signal is not None:
            return await super().complete_awaitable_value(
                return_type, field_details_list, info, path, result, position_context
            )
        try:
            completed = self.complete_value(
                return_type, field_details_list, info, path, await result, position_context
            )
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            completed = None
        return completed

    async def _await_completed(
        self,
        completed: Awaitable[Any],
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
