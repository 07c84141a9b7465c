"""Pure tests of the N+1 probe on hand-written modules (no engines)."""
import ast

from auditor.probes.nplusone import Relations, collect_relations, eager_loading_uses, query_loops

DJANGO_MODELS = '''
from django.db import models
class Author(models.Model):
    name = models.CharField(max_length=10)
class Post(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="posts")
    tags = models.ManyToManyField("Tag")
    created = models.DateTimeField()
'''
SA_MODELS = '''
class User(Base):
    addresses = relationship("Address", backref="user")
    roles = relationship("Role", lazy="selectin")
'''


def _relations():
    rel = collect_relations("models.py", ast.parse(DJANGO_MODELS))
    return collect_relations("sa.py", ast.parse(SA_MODELS), rel)


def _loops(code):
    return query_loops("views.py", ast.parse(code), _relations())


def test_relations_from_django_and_sqlalchemy_declarations():
    rel = _relations()
    assert {"author", "posts", "tags", "addresses", "user"} <= rel.lazy
    assert rel.eager == {"roles"} and "roles" not in rel.lazy
    assert rel.declared_at["author"] == "models.py:6"
    assert "created" not in rel.lazy  # a plain column is not a relationship


def test_lazy_foreign_key_in_loop_is_n_plus_one():
    loops = _loops("def v(request):\n"
                   "    for post in Post.objects.filter(published=True):\n"
                   "        print(post.author.name, post.created.isoformat())\n")
    assert len(loops) == 1 and loops[0].source == "django"
    assert [(a.line, a.what) for a in loops[0].n_plus_one] == [(3, "post.author")]


def test_select_related_covers_the_named_relation_only():
    loops = _loops("def v(request):\n"
                   "    qs = Post.objects.select_related('author')\n"
                   "    return [(p.author.name, list(p.tags.all())) for p in qs]\n")
    assert loops[0].eager
    assert [a.what for a in loops[0].n_plus_one] == ["p.tags.all()"]


def test_prefetch_everything_used_is_clean():
    loops = _loops("def v(request):\n"
                   "    qs = Post.objects.select_related('author').prefetch_related('tags')\n"
                   "    return [(p.author.name, list(p.tags.all())) for p in qs]\n")
    assert loops[0].accesses and loops[0].n_plus_one == []


def test_query_inside_loop_over_results_counts_even_when_eager():
    loops = _loops("def v(request):\n"
                   "    for a in Author.objects.all():\n"
                   "        n = Post.objects.filter(author=a).count()\n")
    assert [a.what for a in loops[0].n_plus_one] == ["query in loop: Post.objects.filter(author=a).count"]


def test_sqlalchemy_query_and_selectinload():
    loops = _loops("def r(session):\n"
                   "    for u in session.query(User).all():\n"
                   "        print(u.addresses, u.roles)\n"
                   "    for u in session.scalars(select(User).options(selectinload(User.addresses))):\n"
                   "        print(u.addresses)\n")
    assert [lp.source for lp in loops] == ["sqlalchemy", "sqlalchemy"]
    assert [a.what for a in loops[0].n_plus_one] == ["u.addresses"]  # roles is lazy="selectin"
    assert loops[1].eager_paths == ("addresses",) and loops[1].n_plus_one == []


def test_dbapi_rows_with_query_per_row():
    loops = _loops("def r(db):\n"
                   "    rows = db.execute('SELECT id FROM users').fetchall()\n"
                   "    for row in rows:\n"
                   "        db.execute('SELECT * FROM orders WHERE user_id = ?', (row[0],))\n")
    assert loops[0].source == "dbapi" and [a.line for a in loops[0].n_plus_one] == [4]


def test_loops_over_plain_lists_and_single_objects_are_ignored():
    loops = _loops("def v(request, items):\n"
                   "    for item in items:\n"
                   "        print(item.author.name)\n"
                   "    post = Post.objects.get(pk=1)\n"
                   "    for tag in [post]:\n"
                   "        print(tag.author)\n")
    assert loops == []


def test_eager_loading_uses_are_positive_evidence():
    tree = ast.parse("qs = Post.objects.select_related('author')\nq = select(U).options(joinedload(U.a))\n")
    assert eager_loading_uses(tree) == [(1, "select_related"), (2, "joinedload")]


def test_relations_default_empty():
    assert Relations().lazy == set()
