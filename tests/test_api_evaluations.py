"""Pure API evaluations on hand-built endpoint lists and findings (no engine runs)."""
import ast
import textwrap

from auditor.checks.api.docs import evaluate_docs, read_openapi
from auditor.checks.api.error_format import ErrorShapes, evaluate_error_format
from auditor.checks.api.filtering import evaluate_filtering, query_parameters
from auditor.checks.api.pagination import evaluate_pagination
from auditor.checks.api.rate_limit import evaluate_rate_limit
from auditor.checks.api.rest_semantics import evaluate_rest_semantics, rest_problems
from auditor.checks.api.versioning import evaluate_versioning
from auditor.model import Endpoint, Evidence, Finding

NO_TEXT = lambda e: ""  # noqa: E731


def ep(method, path, handler="h", line=1, **kw):
    return Endpoint(method, path, handler, "app.py", line, kw.pop("framework", "flask"), **kw)


def test_rest_problems():
    assert "verb in the path" in rest_problems(ep("GET", "/getUser"), "")[0]
    assert rest_problems(ep("GET", "/settings"), "") == []
    assert "GET must be safe" in rest_problems(ep("GET", "/users"), "db.execute('DELETE FROM users')")[0]
    assert "answers 200" in rest_problems(ep("POST", "/users", "create_user"), "db.execute('INSERT INTO users')")[0]
    assert rest_problems(ep("POST", "/users", "create_user"), "INSERT INTO users ...\nreturn x, 201") == []
    nest = ep("POST", "/users", "UsersController.create", framework="nestjs")
    assert rest_problems(nest, "@Post()\ncreate(@Body() dto) { return this.users.create(dto); }") == []   # 201 by default
    assert "answers 200" in rest_problems(nest, "@HttpCode(200)\n@Post()\ncreate(@Body() dto) { return this.users.create(dto); }")[0]
    one = Endpoint("GET", "/articles/{slug}", "ArticlesController.get", "a.ts", 1, "nestjs")
    assert "missing record is answered 200" in rest_problems(one, "", "const a = await repo.findOne({slug});\nreturn {a};")[0]
    assert rest_problems(one, "", "const a = await repo.findOne({slug});\nif (!a) throw new NotFoundException();") == []
    assert "PUT or PATCH" in rest_problems(ep("POST", "/users/{id}"), "UPDATE users SET a = 1")[0]


def test_created_status_named_by_a_constant():
    # the npm http-status package and http-status-codes name 201 instead of writing it
    express = "const user = await User.create(req.body);\n  res.status(httpStatus.CREATED).send(user);"
    assert rest_problems(ep("POST", "/v1/users", "createUser", framework="express"), express) == []
    codes = "const note = await Note.create(req.body);\n  res.status(StatusCodes.CREATED).json(note);"
    assert rest_problems(ep("POST", "/v1/notes", "createNote", framework="express"), codes) == []
    ok_only = "const user = await User.create(req.body);\n  res.status(httpStatus.OK).send(user);"
    assert "answers 200" in rest_problems(ep("POST", "/v1/users", "createUser", framework="express"), ok_only)[0]


def test_rest_semantics_counts_endpoints_and_status_violations():
    eps = [ep("GET", "/getUser", line=3), ep("GET", "/users", line=9)]
    status = [Finding("API-REST-SEMANTICS", Evidence("app.py", 20, rule_id="error-answered-with-200-python"))]
    result = evaluate_rest_semantics("API-REST-SEMANTICS", eps, NO_TEXT, NO_TEXT, status)
    assert result.verdict == "partial"
    assert [e.line for e in result.evidence] == [3, 20]


def test_versioning():
    eps = [ep("GET", "/api/v1/items"), ep("GET", "/api/items"), ep("GET", "/health"), ep("POST", "/auth/token")]
    result = evaluate_versioning("API-VERSIONING", eps, [], NO_TEXT)
    assert result.verdict == "partial" and result.details["unversioned"] == ["GET /api/items"]
    header = [Finding("API-VERSIONING", Evidence("settings.py", 4, kind="practice"))]
    assert evaluate_versioning("API-VERSIONING", eps, header, NO_TEXT).verdict == "pass"


def test_versioning_leaves_out_preflight_and_the_site_beside_an_api_mount():
    # an OPTIONS route is the CORS preflight, not an API operation
    eps = [ep("GET", "/v1/users"), ep("POST", "/v1/users"), ep("OPTIONS", "/*")]
    assert evaluate_versioning("API-VERSIONING", eps, [], NO_TEXT).verdict == "pass"
    # the API lives under /api/v1: the share page and the badge beside it are the web site
    site = [ep("GET", "/api/v1/checks"), ep("POST", "/api/v1/checks"), ep("GET", "/share/{kind}"),
            ep("ANY", "/badge/{key}.{fmt}")]
    result = evaluate_versioning("API-VERSIONING", site, [], NO_TEXT)
    assert result.verdict == "pass" and "GET /share/{kind}" in result.details["html_routes"]
    # without an /api mount every route is the API
    bare = [ep("GET", "/v1/checks"), ep("GET", "/checks")]
    assert evaluate_versioning("API-VERSIONING", bare, [], NO_TEXT).verdict == "partial"
    assert evaluate_versioning("API-VERSIONING", eps[2:], [], NO_TEXT).verdict == "not_applicable"


def test_openapi_reading_and_docs_verdicts():
    good = read_openapi("openapi.yaml", "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      responses:\n"
                                        "        '200': {description: ok}\n        '404': {description: no}\n")
    assert good.error is None and good.operations == 1 and good.with_error_responses == 1
    broken = read_openapi("swagger.json", '{"swagger": "2.0", "paths": {')
    assert broken.error and broken.error.startswith("does not parse")
    assert evaluate_docs("API-DOCS", [good], []).verdict == "pass"
    assert evaluate_docs("API-DOCS", [broken], []).verdict == "fail"
    assert "looked for an OpenAPI" in evaluate_docs("API-DOCS", [], []).rationale
    generated = [Finding("API-DOCS", Evidence("main.py", 5, kind="practice"))]
    assert evaluate_docs("API-DOCS", [], generated).verdict == "pass"


def test_pagination_and_upper_bound():
    eps = [ep("GET", "/a", line=1, paginated=True, protections={"paginated": ["limit/offset"]}),
           ep("GET", "/b", line=2, paginated=True, protections={"paginated": ["limit/offset"]}),
           ep("GET", "/c", line=3, paginated=False), ep("GET", "/c/{id}", line=4)]
    sources = {1: "limit: int = Query(20, le=100)", 2: "limit = request.args.get('limit')"}
    result = evaluate_pagination("API-PAGINATION", eps, lambda e: sources.get(e.line, ""), NO_TEXT, [])
    assert result.verdict == "partial"
    kinds = {(e.line, e.rule_id) for e in result.evidence}
    assert kinds == {(1, "paginated-list"), (2, "unbounded-page-size"), (3, "unpaginated-list")}
    assert evaluate_pagination("API-PAGINATION", eps[3:], NO_TEXT, NO_TEXT, []).verdict == "not_applicable"


def test_a_list_bounded_only_by_a_client_set_page_size_is_unbounded():
    # the query builder reads every row unless the client passes `limit`, and nothing caps it
    service = ("async findAll(query) {\n  const qb = repo.createQueryBuilder('a');\n"
               "  if ('limit' in query) { qb.limit(query.limit); }\n  return qb.getMany();\n}")
    capped = service.replace("qb.limit(query.limit)", "qb.limit(Math.min(query.limit, 100))")
    lists = [ep("GET", "/articles", line=1, framework="nestjs"), ep("GET", "/tags", line=2, framework="nestjs")]
    texts = {1: service, 2: capped}
    result = evaluate_pagination("API-PAGINATION", lists, NO_TEXT, NO_TEXT, [], lambda e: texts[e.line])
    assert {(e.line, e.rule_id) for e in result.evidence} == {(1, "unbounded-page-size"), (2, "paginated-list")}


def test_nest_query_object_parameters_are_filters():
    assert query_parameters("if ('tag' in query) { qb.andWhere('t', {tag: query.tag}); }\nqb.limit(query.limit)") == {
        "tag", "limit"}
    assert query_parameters("find(@Query('status') status: string)") == {"status"}
    assert query_parameters("const rows = query.all()") == set()


def test_filtering_parameters():
    assert query_parameters("def f(limit: int = Query(20), status: str | None = None, db=Depends(x)):\n    pass") == {"limit", "status"}
    assert query_parameters("const { rows } = await db.query('SELECT 1'); const s = req.query.sort;") == {"sort"}
    eps = [ep("GET", "/a", paginated=True), ep("GET", "/b", line=2, paginated=False)]
    sources = {1: "request.args.get('category')"}
    result = evaluate_filtering("API-FILTERING", eps, lambda e: sources.get(e.line, ""), NO_TEXT, [])
    assert result.verdict == "partial"


def test_filtering_leaves_out_sub_collections_and_lookup_lists():
    # gin: the articles list filters by tag and author; an article's comments are scoped by the article and
    # the tag list is a vocabulary listed whole
    eps = [ep("GET", "/api/articles/", line=1, paginated=True, framework="gin"),
           ep("GET", "/api/articles/{slug}/comments", line=2, paginated=False, framework="gin"),
           ep("GET", "/api/tags/", line=3, paginated=False, framework="gin")]
    sources = {1: 'tag := c.Query("tag")\nauthor := c.Query("author")'}
    result = evaluate_filtering("API-FILTERING", eps, lambda e: sources.get(e.line, ""), NO_TEXT, [])
    assert result.verdict == "pass" and "GET /api/tags/" in result.rationale
    # a top-level collection without parameters is still asked for filters
    plain = [ep("GET", "/api/articles/", line=1, paginated=True), ep("GET", "/api/orders", line=2, paginated=True)]
    assert evaluate_filtering("API-FILTERING", plain, lambda e: sources.get(e.line, ""), NO_TEXT, []).verdict == "partial"


def test_error_format():
    shapes = ErrorShapes()
    shapes.add("error", Evidence("a.py", 3))
    handler = [Finding("API-ERROR-FORMAT", Evidence("a.py", 10, kind="practice"))]
    assert evaluate_error_format("API-ERROR-FORMAT", handler, [], shapes, 2).verdict == "pass"
    assert "looked for errorhandler" in evaluate_error_format("API-ERROR-FORMAT", [], [], shapes, 2).rationale
    shapes.add("detail", Evidence("b.py", 7))
    mixed = evaluate_error_format("API-ERROR-FORMAT", handler, [], shapes, 2)
    assert mixed.verdict == "partial" and mixed.details["error_shapes"] == ["detail", "error"]


def test_rate_limit():
    eps = [ep("POST", "/login", rate_limited=True), ep("GET", "/items", line=2, rate_limited=False)]
    assert evaluate_rate_limit("API-RATE-LIMIT", [], eps, NO_TEXT).verdict == "partial"
    glob = [Finding("API-RATE-LIMIT", Evidence("app.py", 5, kind="practice"))]
    assert evaluate_rate_limit("API-RATE-LIMIT", glob, None, NO_TEXT).verdict == "pass"


def test_get_handler_of_a_get_post_view_is_judged_without_its_post_branch():
    from auditor.model import Endpoint
    source = (
        "@bp.route('/edit_profile', methods=['GET', 'POST'])\n"
        "def edit_profile():\n"
        "    form = EditProfileForm()\n"
        "    if form.validate_on_submit():\n"
        "        current_user.about_me = form.about_me.data\n"
        "        db.session.commit()\n"
        "        return redirect(url_for('main.edit_profile'))\n"
        "    return render_template('edit_profile.html', form=form)\n"
    )
    get = Endpoint("GET", "/edit_profile", "edit_profile", "app/routes.py", 1, "flask")
    assert not [p for p in rest_problems(get, source) if "writes" in p]
    writes_on_get = source.replace("    if form.validate_on_submit():\n", "    if True:\n")
    assert any("writes" in p for p in rest_problems(get, writes_on_get))


def test_filtering_reads_drf_lists_their_query_methods_and_the_callers_own_rows():
    from auditor.checks.api.filtering import class_query_methods
    tree = ast.parse(textwrap.dedent('''
        class Articles(ViewSet):
            def get_queryset(self):
                qs = Article.objects.all()
                tag = self.request.query_params.get("tag")
                return qs.filter(tags__name=tag) if tag else qs

            def list(self, request):
                return self.get_paginated_response(self.serializer_class(self.get_queryset(), many=True).data)
    '''))
    text = class_query_methods(tree, "Articles.list")
    assert "query_params" in text and "def list" not in text
    assert class_query_methods(tree, "list_articles") == ""
    eps = [ep("GET", "/api/articles", line=1, paginated=True, framework="drf"),
           ep("GET", "/api/articles/feed/?", line=2, paginated=True, framework="drf"),
           ep("GET", "/api/tags/?", line=3, paginated=False, framework="drf")]
    sources = {1: text, 2: "return Article.objects.filter(\n    author__in=self.request.user.profile.follows.all()\n)"}
    result = evaluate_filtering("API-FILTERING", eps, lambda e: sources.get(e.line, ""), NO_TEXT, [])
    assert result.verdict == "pass" and "GET /api/tags/?" in result.rationale    # a regex route's `/?`
    # a list filtered by something other than the caller is still asked for filters
    sources[2] = "return Article.objects.filter(published=True).order_by(request.user.sort_key)"
    assert evaluate_filtering("API-FILTERING", eps, lambda e: sources.get(e.line, ""), NO_TEXT, []).verdict == "partial"


def test_creation_handed_to_a_helper_named_for_it():
    # the handler calls addComment(...), whose text (read with the handler's) creates the record
    route = Endpoint("POST", "/articles/{slug}/comments", "POST /articles/:slug/comments", "src/articles.ts", 9, "express")
    handler = "const comment = await addComment(req.body.comment.body, req.params.slug);\n  res.json({ comment });"
    helper = "export const addComment = async (body, slug) => prisma.comment.create({ data: { body, slug } });"
    assert "answers 200" in rest_problems(route, handler, handler + "\n" + helper)[0]
    # the safe twins: the same handler answering 201, and a login whose helper creates a token row in passing
    created = handler.replace("res.json(", "res.status(201).json(")
    assert rest_problems(route, created, created + "\n" + helper) == []
    login = Endpoint("POST", "/users/login", "POST /users/login", "src/auth.ts", 3, "express")
    signin = "const user = await login(req.body.user);\n  res.json({ user });"
    issue = "export const login = async (u) => { await prisma.token.create({ data: { u } }); return u; };"
    assert rest_problems(login, signin, signin + "\n" + issue) == []
