"""type-graphql resolver classes as GraphQL operations: `@Query`/`@Mutation` methods of `@Resolver` classes,
their `@Arg` parameters, the services they call, and `@Authorized()`, which authenticates only when buildSchema
is given an authChecker; express-graphql served under a default import of any spelling."""
from __future__ import annotations

from auditor.endpoints.graphql import endpoints, operations
from auditor.repo import Repository

RESOLVER = """import { Arg, Authorized, Mutation, Query, Resolver } from 'type-graphql';

import { ShelfService } from '../services/ShelfService';
import { Shelf, ShelfInput } from '../types/Shelf';

@Resolver(of => Shelf)
export class ShelfResolver {
    constructor(private shelfService: ShelfService) {}

    @Query(returns => [Shelf])
    shelves(): Promise<Shelf[]> {
        return this.shelfService.all();
    }

    @Authorized()
    @Mutation(returns => Shelf)
    addShelf(@Arg('shelf') shelf: ShelfInput): Promise<Shelf> {
        return this.shelfService.add(shelf);
    }
}
"""
SERVICE = """export class ShelfService {
    all() { return []; }
    add(shelf: any) { return shelf; }
}
"""


def server(auth_checker: bool) -> str:
    checker = "        authChecker: ({ context }) => Boolean(context.request.user),\n" if auth_checker else ""
    return ("import express from 'express';\nimport GraphQLHTTP from 'express-graphql';\n"
            "import { buildSchema } from 'type-graphql';\n\n"
            "import { ShelfResolver } from './resolvers/ShelfResolver';\n\n"
            "export async function mount(app: express.Application) {\n"
            "    const schema = await buildSchema({\n        resolvers: [ShelfResolver],\n" + checker + "    });\n"
            "    app.use('/graphql', GraphQLHTTP({ schema }));\n}\n")


def repo_with(tmp_path, auth_checker: bool) -> Repository:
    (tmp_path / "src" / "resolvers").mkdir(parents=True)
    (tmp_path / "src" / "services").mkdir()
    (tmp_path / "src" / "resolvers" / "ShelfResolver.ts").write_text(RESOLVER)
    (tmp_path / "src" / "services" / "ShelfService.ts").write_text(SERVICE)
    (tmp_path / "src" / "graphql.ts").write_text(server(auth_checker))
    return Repository.scan(tmp_path)


def test_resolver_methods_are_operations(tmp_path):
    repo = repo_with(tmp_path, auth_checker=True)
    ops = {(op.kind, op.name): op for op in operations(repo)}
    assert set(ops) == {("query", "shelves"), ("mutation", "addShelf")}
    assert ops[("query", "shelves")].returns == "[Shelf]"
    assert "shelf: ShelfInput" in ops[("mutation", "addShelf")].args
    assert "all()" in ops[("query", "shelves")].callees            # the service it calls, kept apart
    eps = {e.handler: e for e in endpoints(repo)}
    assert eps["Mutation.addShelf"].path == "/graphql"
    assert eps["Mutation.addShelf"].authenticated is True
    assert eps["Query.shelves"].authenticated is False
    assert eps["Query.shelves"].paginated is False


def test_authorized_without_an_auth_checker_does_not_authenticate(tmp_path):
    eps = {e.handler: e for e in endpoints(repo_with(tmp_path, auth_checker=False))}
    assert eps["Mutation.addShelf"].authenticated is False


def test_field_resolvers_query_per_parent_unless_a_loader_batches(tmp_path):
    repo_with(tmp_path, auth_checker=True)   # the server, resolver and service the new resolver joins
    (tmp_path / "src" / "resolvers" / "BookResolver.ts").write_text(
        "import DataLoader from 'dataloader';\nimport { FieldResolver, Resolver, Root } from 'type-graphql';\n\n"
        "import { ShelfService } from '../services/ShelfService';\nimport { Book } from '../types/Book';\n\n"
        "@Resolver(of => Book)\nexport class BookResolver {\n"
        "    constructor(private shelfService: ShelfService, private shelfLoader: DataLoader<string, any>) {}\n\n"
        "    @FieldResolver()\n    shelf(@Root() book: Book) {\n        return this.shelfLoader.load(book.shelfId);\n    }\n\n"
        "    @FieldResolver()\n    neighbours(@Root() book: Book) {\n        return this.shelfService.byShelf(book.shelfId);\n    }\n}\n")
    (tmp_path / "src" / "services" / "ShelfService.ts").write_text(
        SERVICE.replace("add(shelf: any)", "byShelf(id: string) { return this.books.find({ where: { shelfId: id } }); }\n"
                                           "    add(shelf: any)"))
    from auditor.endpoints.graphql import field_resolvers
    found = {(r.type_name, r.field): r for r in field_resolvers(Repository.scan(tmp_path))}
    assert found[("Book", "shelf")].loader
    assert found[("Book", "neighbours")].fetch == ".find(" and not found[("Book", "neighbours")].loader
