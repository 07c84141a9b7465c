"""GraphQL operations judged as list and object endpoints (API-PAGINATION, SEC-AUTHZ), read from the schema and
the resolvers (tests/fixtures/stacks/graphql-records*)."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.endpoints import graphql
from auditor.endpoints.classify import is_object_endpoint
from auditor.model import Endpoint
from auditor.repo import Repository

STACKS = Path(__file__).parent / "fixtures" / "stacks"


def by_handler(fixture: str) -> dict[str, Endpoint]:
    return {ep.handler: ep for ep in graphql.endpoints(Repository.scan(STACKS / fixture))}


@pytest.fixture(scope="module")
def graphene_ops() -> dict[str, Endpoint]:
    return by_handler("graphql-records")


@pytest.fixture(scope="module")
def apollo_ops() -> dict[str, Endpoint]:
    return by_handler("graphql-records-js")


def test_list_fields_without_a_page_argument_are_unpaginated(graphene_ops, apollo_ops):
    # the query fields come from a `PostsQuery` mixin the root `Query` is assembled from
    assert graphene_ops["Query.posts"].paginated is False
    assert apollo_ops["Query.orders"].paginated is False
    assert "returns a list of Order" in " ".join(apollo_ops["Query.orders"].notes)


def test_list_fields_with_a_page_argument_and_scalar_lists(graphene_ops, apollo_ops):
    assert graphene_ops["Query.feed"].paginated is True
    assert apollo_ops["Query.recentOrders"].paginated is True
    assert graphene_ops["Query.tags"].paginated is None          # a list of strings is not a list of rows
    assert apollo_ops["Query.currencies"].paginated is None
    assert graphene_ops["Query.post"].paginated is None          # one record


def test_record_by_id_without_owner_check_is_an_unauthorized_object_endpoint(graphene_ops, apollo_ops):
    for ep in (graphene_ops["Mutation.remove_comment"], graphene_ops["Query.post"], apollo_ops["Query.order"]):
        assert is_object_endpoint(ep), ep.handler
        assert ep.authorized is False, ep.handler
    # the mutation class is defined in another module than the root Mutation that mounts it
    assert "delete_comment" in " ".join(graphene_ops["Mutation.remove_comment"].notes)


def test_acting_user_id_taken_from_the_arguments(graphene_ops):
    ep = graphene_ops["Mutation.add_comment"]
    assert is_object_endpoint(ep) and ep.authorized is False
    assert "author_id" in " ".join(ep.notes)


def test_owner_check_in_the_resolver_authorizes(graphene_ops, apollo_ops):
    for ep in (graphene_ops["Mutation.remove_own_comment"], apollo_ops["Query.myOrder"]):
        assert is_object_endpoint(ep) and ep.authorized is True, ep.handler
    # no id argument: not an object endpoint
    assert not is_object_endpoint(graphene_ops["Query.posts"])


def test_lazy_relationships_of_listed_sqlalchemy_types_are_per_row_fetches():
    fields = {(r.type_name, r.field): r for r in graphql.field_resolvers(Repository.scan(STACKS / "graphql-orm"))}
    # Story is listed by `stories`, and its reporter relationship loads lazily: one query per story
    story = fields[("StoryObject", "reporter")]
    assert story.fetch and "Story.reporter" in story.fetch and story.loader is None
    assert ("StoryObject", "labels") not in fields                         # lazy="selectin": loaded up front
    assert fields[("NoteObject", "reporter")].loader                        # the type batches
    assert not any(type_name == "LabelObject" for type_name, _ in fields)   # only fetched one at a time
