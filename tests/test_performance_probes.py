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


def _project(files):
    import ast as _ast
    import textwrap as _tw

    from auditor.probes import slowwork
    mods = [slowwork.read_module(p, _ast.parse(_tw.dedent(src))) for p, src in files.items()]
    return slowwork, slowwork.Project(mods), {m.path: m for m in mods}


def test_slow_work_one_level_down_and_handoff_helpers():
    slowwork, project, mods = _project({
        "app/email.py": '''
            from threading import Thread
            from flask_mail import Message
            from app import mail

            def send_now(to, body):
                msg = Message("Hi", recipients=[to], body=body)
                mail.send(msg)

            def send_later(to, body):
                msg = Message("Hi", recipients=[to], body=body)
                Thread(target=mail.send, args=(msg,)).start()
        ''',
        "app/routes.py": '''
            import smtplib
            from app.email import send_later, send_now
            from . import email as outbox

            def signup():
                send_now("a@example.org", "welcome")
                send_later("a@example.org", "welcome")
                return "ok"

            def contact():
                outbox.send_now("b@example.org", "thanks")

            def ping():
                with smtplib.SMTP("mail") as s:
                    s.noop()
        ''',
    })
    routes = mods["app/routes.py"]
    signup, _ = slowwork.slow_work_in_handler(project, routes, routes.functions["signup"], "signup")
    assert [(w.line, w.via.split(" at ")[0]) for w in signup] == [(7, "send_now()")]
    assert "Flask-Mail" in signup[0].what and signup[0].via_file == "app/email.py"
    contact, _ = slowwork.slow_work_in_handler(project, routes, routes.functions["contact"], "contact")
    assert [w.line for w in contact] == [12]
    ping, _ = slowwork.slow_work_in_handler(project, routes, routes.functions["ping"], "ping")
    assert [(w.line, w.via) for w in ping] == [(15, "")]


def test_same_named_repo_class_is_not_a_mail_message():
    slowwork, project, mods = _project({
        "app/models.py": "class Message:\n    def send(self):\n        return None\n",
        "app/views.py": "from app.models import Message\n\ndef post():\n    Message().send()\n",
    })
    views = mods["app/views.py"]
    assert slowwork.slow_work_in_handler(project, views, views.functions["post"], "post")[0] == []
