"""The static cost model (graph/server/cost.py): weights, multiplication through nesting,
variables, defaults, fragments and aliases; every resolver-backed field has a weight."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema, parse
from hypothesis import given
from hypothesis import strategies as st
from strawberry.types.base import StrawberryObjectDefinition

from graph.schema import build_schema
from graph.server.cost import FIELDS, KeptCosts, Weights, operation_cost
from services.platform.settings import Settings

SCHEMA = build_schema(Settings(_env_file=None))  # type: ignore[call-arg]
GRAPHQL: GraphQLSchema = SCHEMA._schema
WEIGHTS = Weights(key=1, list=2, write=10, page_max=100)

NESTED = """
query Nested($users: Int!, $subs: Int!) {
  users(first: $users) { edges { node {
    profile { manager { email } }
    submissions(first: $subs) { edges { node { id media(first: 3) { edges { node { id } } } } } }
  } } }
}
"""
FRONTEND = """
query Home { me { id email profile { firstName manager { email } }
  submissions { edges { node { id title status } } } } }
"""
FRAGMENTS = """
fragment Mine on User { submissions(first: 5) { edges { node { id } } } }
query Twice {
  a: me { ...Mine }
  b: me { ...Mine ... on User { team(first: 2) { edges { node { user { ...Mine } } } } } }
}
"""
MUTATIONS = """
mutation Two { a: createSubmission(input: {title: "a"}) { id owner { email } }
               b: createSubmission(input: {title: "b"}) { id } }
"""


def cost(document: str, variables: dict[str, Any] | None = None) -> int:
    return operation_cost(GRAPHQL, parse(document), variables=variables, weights=WEIGHTS)


def resolver_fields() -> set[str]:
    found = set()
    for name, graphql_type in SCHEMA.schema_converter.type_map.items():
        definition = graphql_type.definition
        if isinstance(definition, StrawberryObjectDefinition):
            for field in definition.fields:
                if field.base_resolver is not None:
                    found.add(f"{name}.{SCHEMA.config.name_converter.get_graphql_name(field)}")
    return found


def test_every_field_with_a_resolver_has_a_weight() -> None:
    # given the fields that run code (and may call AWS)
    fields = resolver_fields()
    # then each is in the weight table, except mutations (all weighed as writes)
    missing = {f for f in fields if f not in FIELDS and not f.startswith("Mutation.")}
    assert not missing, missing
    # and the table names no field that does not exist
    assert set(FIELDS) <= fields


def test_a_frontend_query_is_cheap() -> None:
    # me (1) + profile (1) + manager (1) + submissions (2, default first 20, scalars free)
    assert cost(FRONTEND) == 5


def test_nested_connections_multiply_their_page_sizes() -> None:
    # users (2) + 10 x [profile (1) + manager (1) + submissions (2) + 5 x media (2)]
    assert cost(NESTED, {"users": 10, "subs": 5}) == 2 + 10 * (1 + 1 + 2 + 5 * 2)


def test_fragments_and_aliases_count_every_time_they_appear() -> None:
    # a: me 1 + Mine 2; b: me 1 + Mine 2 + team 2 + 2 x (user 1 + Mine 2)
    assert cost(FRAGMENTS) == (1 + 2) + (1 + 2 + 2 + 2 * (1 + 2))


NODES = """
query Refetch($ids: [ID!]!) {
  nodes(ids: $ids) { id ... on User { submissions(first: 5) { totalCount edges { node { id } } } } }
}
"""


def test_nodes_cost_their_batch_reads_and_multiply_by_the_ids() -> None:
    # given 3 ids (15 keys: one BatchGetItem) and 40 ids (200 keys: two), each + 1 for the
    # access checks' reads; then each id x [submissions (2) + totalCount (1)]
    assert cost(NODES, {"ids": ["a", "b", "c"]}) == (1 + 1) + 3 * (2 + 1)
    assert cost(NODES, {"ids": [str(i) for i in range(40)]}) == (2 + 1) + 40 * (2 + 1)
    # a literal list counts the same; an unknown length counts as the most allowed (100)
    assert cost('{ nodes(ids: ["a", "b"]) { id } }') == 1 + 1
    assert cost(NODES) == (5 + 1) + 100 * (2 + 1)
    assert cost('{ node(id: "a") { id } }') == 2


def test_search_and_totals_are_weighed() -> None:
    # a search page is a list; a total is a read by key
    assert cost('{ searchPeople(query: "jo", first: 5) { totalCount edges { node { id } } } }') == (
        2 + 1
    )


def test_mutations_cost_a_write_each_plus_their_selection() -> None:
    assert cost(MUTATIONS) == 10 + 1 + 10


def test_the_page_size_defaults_and_is_capped() -> None:
    # no variable given: the operation's default, else the argument's default (20)
    with_default = (
        "query Q($n: Int! = 7) { users(first: $n) { edges { node { profile { id } } } } }"
    )
    assert cost(with_default) == 2 + 7
    assert cost("{ users { edges { node { profile { id } } } } }") == 2 + 20
    # larger than PAGE_SIZE_MAX is refused by the resolver; it never multiplies by more
    assert cost("{ users(first: 100000) { edges { node { profile { id } } } } }") == 2 + 100


def test_introspection_and_typename_are_free() -> None:
    assert cost("{ __typename __schema { types { name fields { name } } } }") == 0


@given(st.integers(1, 100), st.integers(1, 100), st.integers(1, 100))
def test_cost_is_exactly_the_weights_times_the_pages(users: int, subs: int, media: int) -> None:
    document = NESTED.replace("first: 3", f"first: {media}")
    expected = 2 + users * (1 + 1 + 2 + subs * 2)
    assert cost(document, {"users": users, "subs": subs}) == expected


def test_kept_costs_answer_as_computed_per_document_and_variables() -> None:
    # given a cache of two costs and one parsed document
    kept = KeptCosts(2)
    document = parse(NESTED)

    def kept_cost(doc: Any, variables: dict[str, Any]) -> int:
        return kept.cost(GRAPHQL, doc, operation_name=None, variables=variables, weights=WEIGHTS)

    small, large = {"users": 2, "subs": 3}, {"users": 20, "subs": 5}
    # when the same document is costed with other variables, again, and parsed anew
    answers = [kept_cost(document, small), kept_cost(document, large), kept_cost(document, small)]
    again = kept_cost(parse(NESTED), large)
    # then each answer is the computed one, never another variables' or document's
    assert answers == [cost(NESTED, small), cost(NESTED, large), cost(NESTED, small)]
    assert answers[0] != answers[1]
    assert again == cost(NESTED, large)
    # and the cache holds no more than its size
    assert len(kept._kept) == 2
