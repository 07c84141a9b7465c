"""API evaluations on the shapes real backends write: server-fixed page sizes, server-rendered HTML routes,
error middleware in another module, commented-out error responses."""
from pathlib import Path

from auditor.checks.api.docs import evaluate_docs
from auditor.checks.api.error_format import error_shapes
from auditor.checks.api.pagination import evaluate_pagination, page_size_origin
from auditor.checks.api.rest_semantics import rest_problems
from auditor.checks.api.versioning import evaluate_versioning
from auditor.endpoints.handlers import _js_named_handler
from auditor.endpoints.responses import response_kind
from auditor.model import Endpoint
from auditor.repo import Repository

NO_TEXT = lambda e: ""  # noqa: E731


def ep(method, path, handler="h", line=1, framework="flask", **kw):
    return Endpoint(method, path, handler, "app/routes.py", line, framework, **kw)


BLOG_INDEX = '''@bp.route('/explore')
@login_required
def explore():
    page = request.args.get('page', 1, type=int)
    posts = db.paginate(sa.select(Post).order_by(Post.created.desc()), page=page,
                        per_page=current_app.config['POSTS_PER_PAGE'], error_out=False)
    return render_template('index.html', posts=posts.items)
'''
API_ARTICLES = '''@bp.route('/api/v1/articles')
def list_articles():
    page = request.args.get('page', 1, type=int)
    per_page = request.args.get('per_page', 20, type=int)
    rows = db.paginate(sa.select(Article), page=page, per_page=per_page)
    return jsonify([a.to_dict() for a in rows.items])
'''
API_ARTICLES_BOUNDED = API_ARTICLES.replace("per_page = request.args.get('per_page', 20, type=int)",
                                            "per_page = min(request.args.get('per_page', 20, type=int), 100)")
API_CONFIG_SIZE = '''@bp.route('/api/v1/tags')
def list_tags():
    page = request.args.get('page', 1, type=int)
    rows = db.paginate(sa.select(Tag), page=page, per_page=current_app.config['TAGS_PER_PAGE'])
    return {'items': [t.name for t in rows.items]}
'''


def test_page_size_from_config_is_a_server_bound_not_a_client_size():
    assert page_size_origin(API_CONFIG_SIZE)[0] == "server"
    assert page_size_origin(API_ARTICLES) == ("client", "request.args.get('per_page'")
    assert page_size_origin("async def read_items(skip: int = 0, limit: int = 100):\n    return []\n")[0] == "client"
    assert page_size_origin("def tags():\n    return Tag.query.limit(50).all()\n")[0] == "none"
    assert page_size_origin("def tags():\n    args = request.args\n    limit = args.get('limit')\n")[0] == "unknown"


def test_pagination_counts_client_sizes_only_and_judges_html_list_pages_too():
    eps = [ep("GET", "/api/v1/tags", "list_tags", 1, paginated=True, protections={"paginated": ["page"]}),
           ep("GET", "/api/v1/articles", "list_articles", 2, paginated=True, protections={"paginated": ["page"]}),
           ep("GET", "/explore", "explore", 3, paginated=True, protections={"paginated": ["page"]})]
    sources = {1: API_CONFIG_SIZE, 2: API_ARTICLES, 3: BLOG_INDEX}
    result = evaluate_pagination("API-PAGINATION", eps, lambda e: sources[e.line], NO_TEXT, [])
    assert result.verdict == "partial" and result.details["html_list_pages"] == ["GET /explore"]
    rows = {e.line: e.rule_id for e in result.evidence}
    # a page of HTML that lists rows is a list like a JSON one (issue 21): the blog index pages by the server
    assert rows == {1: "paginated-list", 2: "unbounded-page-size", 3: "paginated-list"}
    sources[2] = API_ARTICLES_BOUNDED
    assert evaluate_pagination("API-PAGINATION", eps, lambda e: sources[e.line], NO_TEXT, []).verdict == "pass"


def test_html_only_site_is_not_applicable_for_versioning_and_docs_but_its_lists_are_judged():
    login = "def login():\n    form = LoginForm()\n    if form.validate_on_submit():\n        return redirect(url_for('index'))\n    return render_template('login.html', form=form)\n"
    eps = [ep("GET", "/explore", "explore", 1, paginated=True), ep("GET", "/login", "login", 2),
           ep("POST", "/login", "login", 2)]
    sources = {1: BLOG_INDEX, 2: login}
    versioning = evaluate_versioning("API-VERSIONING", eps, [], NO_TEXT, lambda e: sources[e.line])
    assert versioning.verdict == "not_applicable" and "server-rendered HTML" in versioning.rationale
    pages = evaluate_pagination("API-PAGINATION", eps, lambda e: sources[e.line], NO_TEXT, [])
    assert pages.verdict == "pass" and pages.details["html_list_pages"] == ["GET /explore"]
    assert pages.details["html_routes"] == ["GET /login", "POST /login"]   # the form routes, listed apart
    assert evaluate_docs("API-DOCS", [], [], eps).verdict == "not_applicable"
    assert evaluate_docs("API-DOCS", [], []).verdict == "fail"   # no routes known: documentation is still asked for


def test_response_kind():
    assert response_kind(ep("GET", "/explore"), BLOG_INDEX) == "html"
    assert response_kind(ep("GET", "/api/v1/tags"), API_CONFIG_SIZE) == "json"
    assert response_kind(ep("GET", "/users/{id}"), "def get_user(id):\n    return User.query.get_or_404(id).to_dict()\n") == "unknown"
    assert response_kind(ep("GET", "/items", framework="fastapi"), "def items():\n    return []\n") == "json"
    assert response_kind(ep("GET", "/memos", framework="express"),
                         "app.get('/memos', memos.list)\nthis.list = (req, res) => { res.render('memos', {memos}); }") == "html"


def test_versioning_counts_json_routes_next_to_html_pages():
    eps = [ep("GET", "/explore", "explore", 1), ep("GET", "/api/v1/tags", "list_tags", 2), ep("GET", "/api/tags", "t", 3)]
    sources = {1: BLOG_INDEX, 2: API_CONFIG_SIZE, 3: API_CONFIG_SIZE}
    result = evaluate_versioning("API-VERSIONING", eps, [], NO_TEXT, lambda e: sources[e.line])
    assert result.verdict == "partial" and result.details["unversioned"] == ["GET /api/tags"]
    assert "1 server-rendered HTML route(s) (GET /explore) are judged by the web items" in result.rationale
    assert result.details["html_routes"] == ["GET /explore"]


def test_commented_out_error_responses_are_not_error_shapes():
    py = ("def users(request):\n"
          "    # return JsonResponse({'error': 'not allowed'}, status=403)\n"
          "    return JsonResponse({'detail': 'not allowed'}, status=403)\n")
    assert error_shapes("views.py", py) == [("detail", 3)]
    js = ("app.get('/a', (req, res) => {\n"
          "  // res.status(404).json({ message: 'gone' })\n"
          "  /* res.status(500).json({ msg: 'x' })\n"
          "     res.status(500).json({ msg: 'y' }) */\n"
          "  res.status(404).json({ error: 'not found' })\n"
          "})\n")
    assert error_shapes("routes.js", js) == [("error", 5)]


def test_express_handler_named_in_a_route_is_read_from_its_module(tmp_path: Path):
    (tmp_path / "routes").mkdir()
    (tmp_path / "routes" / "index.js").write_text(
        "const Memos = require('./memos');\nmodule.exports = (app, db) => {\n  const memos = new Memos(db);\n"
        "  app.get('/memos', isLoggedIn, memos.displayMemos);\n};\n")
    (tmp_path / "routes" / "memos.js").write_text(
        "function Memos(db) {\n  this.displayMemos = (req, res, next) => {\n    db.find({}).toArray((err, memos) => {\n"
        "      res.render('memos', { memos });\n    });\n  };\n}\nmodule.exports = Memos;\n")
    repo = Repository.scan(tmp_path)
    text = _js_named_handler(repo, "  app.get('/memos', isLoggedIn, memos.displayMemos);")
    assert "res.render('memos'" in text and text.rstrip().endswith("};")


def test_handler_named_in_two_modules_is_read_from_the_required_one_and_its_delegate(tmp_path: Path):
    (tmp_path / "app" / "data").mkdir(parents=True)
    (tmp_path / "app" / "routes").mkdir(parents=True)
    (tmp_path / "app" / "routes" / "index.js").write_text(
        "const Notes = require('./notes');\nmodule.exports = (app, db) => {\n  const notes = new Notes(db);\n"
        "  app.post('/notes', notes.addNote);\n};\n")
    (tmp_path / "app" / "routes" / "notes.js").write_text(
        "const NotesDAO = require('../data/notes-dao');\nfunction Notes(db) {\n  const dao = new NotesDAO(db);\n"
        "  this.addNote = (req, res, next) => {\n    dao.addNote(req.body.text, (err) => {\n"
        "      if (err) return next(err);\n      this.showNotes(req, res, next);\n    });\n  };\n"
        "  this.showNotes = (req, res, next) => {\n    res.render('notes', { notes: [] });\n  };\n}\n"
        "module.exports = Notes;\n")
    (tmp_path / "app" / "data" / "notes-dao.js").write_text(
        "function NotesDAO(db) {\n  this.addNote = (text, callback) => {\n    db.collection('notes').insertOne({ text }, callback);\n  };\n}\n"
        "module.exports = NotesDAO;\n")
    repo = Repository.scan(tmp_path)
    text = _js_named_handler(repo, "  app.post('/notes', notes.addNote);", "app/routes/index.js")
    assert "dao.addNote(req.body.text" in text and "res.render('notes'" in text
    assert "insertOne" not in text


def test_handler_exported_with_exports_dot_name_is_found(tmp_path: Path):
    (tmp_path / "controllers").mkdir()
    (tmp_path / "controllers" / "users.controller.js").write_text(
        "exports.create = async (req, res, next) => {\n  const user = await User.create(req.body);\n"
        "  res.status(httpStatus.CREATED).json(user);\n};\n")
    repo = Repository.scan(tmp_path)
    text = _js_named_handler(repo, "  .post(validate(schema), controller.create);", "routes/users.js")
    assert "httpStatus.CREATED" in text


def test_expression_bodied_arrow_handler_ends_with_its_statement(tmp_path: Path):
    (tmp_path / "controllers").mkdir()
    (tmp_path / "controllers" / "users.controller.js").write_text(
        "exports.me = (req, res) => res.json(req.user.transform());\n\n"
        "exports.update = async (req, res) => {\n  const user = Object.assign(req.user, req.body);\n"
        "  res.json(await user.save());\n};\n")
    repo = Repository.scan(tmp_path)
    text = _js_named_handler(repo, "  .get(authorize(), controller.me);", "routes/users.js")
    assert "req.user.transform()" in text and ".save(" not in text


def test_handler_name_in_two_modules_is_read_from_the_one_the_route_names(tmp_path: Path):
    for folder in ("controllers", "validations", "routes"):
        (tmp_path / folder).mkdir()
    (tmp_path / "controllers" / "auth.controller.js").write_text(
        "const register = catchAsync(async (req, res) => {\n  const user = await userService.createUser(req.body);\n"
        "  res.status(httpStatus.CREATED).send({ user });\n});\nmodule.exports = { register };\n")
    (tmp_path / "validations" / "auth.validation.js").write_text(
        "const register = {\n  body: Joi.object().keys({ email: Joi.string().required() }),\n};\n"
        "module.exports = { register };\n")
    (tmp_path / "routes" / "auth.route.js").write_text(
        "const { authController } = require('../controllers');\nconst { authValidation } = require('../validations');\n"
        "router.post('/register', validate(authValidation.register), authController.register);\n")
    repo = Repository.scan(tmp_path)
    call = "router.post('/register', validate(authValidation.register), authController.register);"
    assert "httpStatus.CREATED" in _js_named_handler(repo, call, "routes/auth.route.js")


def test_a_form_post_that_renders_a_page_is_not_asked_for_201():
    form = "this.addNote = (req, res) => {\n  dao.insert(req.body.text);\n  res.render('notes', {});\n};"
    assert rest_problems(ep("POST", "/notes", "notes.addNote", framework="express"), form) == []
    api = "this.addNote = (req, res) => {\n  dao.insert(req.body.text);\n  res.json({ ok: true });\n};"
    assert "answers 200" in rest_problems(ep("POST", "/notes", "notes.addNote", framework="express"), api)[0]


def test_html_error_pages_are_a_shape_unless_the_handler_negotiates():
    import ast

    from auditor.checks.api.error_format import negotiating_lines
    py = ("def not_found(e):\n"
          "    return render_template('404.html'), 404\n"
          "def other(e):\n"
          "    if wants_json_response():\n"
          "        return api_error_response(500)\n"
          "    return render_template('500.html'), 500\n")
    assert error_shapes("errors.py", py) == [("HTML page", 2), ("HTML page", 6)]
    assert negotiating_lines(ast.parse(py)) == {3, 4, 5, 6}
