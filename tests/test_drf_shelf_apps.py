"""PERF-N-PLUS-1 on Django REST Framework list endpoints: the serializer runs once per listed row, so each
relation it follows (a nested serializer, a dotted source, a related field over a many relation, a
SerializerMethodField reading a relation or calling a model method that queries with the row) is a query per
row unless the view loads it up front. shelf-lazy lists without loading; shelf-eager is its safe twin
(select_related/prefetch_related in queryset, get_queryset and the query the rows come from, an annotation
instead of the querying method). The same twins carry the DRF rules of API-FILTERING (filters read in
get_queryset, lists of the caller's own rows) and API-ERROR-FORMAT (the EXCEPTION_HANDLER's own shapes)."""
from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from auditor.orm.django_relations import read_relations
from auditor.probes.drf_serializers import list_endpoints
from helpers import item, line_of

FIXTURES = Path(__file__).parent / "fixtures" / "drf"
LAZY, EAGER = FIXTURES / "shelf-lazy", FIXTURES / "shelf-eager"
SERIALIZERS = "readinglist/serializers.py"


def _drf(report):
    return [e for e in item(report, "PERF-N-PLUS-1")["evidence"] if e["rule_id"] == "n-plus-one/drf-serializer"]


def test_list_endpoints_whose_serializer_follows_unloaded_relations(audited):
    report = audited(LAZY)
    row = item(report, "PERF-N-PLUS-1")
    assert row["verdict"] == "fail"
    found = {(e["line"], e["message"].split(" ")[2]) for e in _drf(report)}
    at = lambda text: line_of(LAZY, SERIALIZERS, text)  # noqa: E731
    assert found == {
        (at('source="user.username"'), "BookViewSet.list"),         # nested ReaderSerializer, owner__user not loaded
        (at("labels = serializers.SlugRelatedField"), "BookViewSet.list"),
        (at("obj.notes.count()"), "BookViewSet.list"),
        (at("request.user.reader.likes(obj)"), "BookViewSet.list"),  # a query per row whatever is loaded
        (at('source="book.title"'), "NoteList.list"),
        (at('source="book.title"'), "MyNotes.get"),                  # rows from a query written in the view
        (at('source="book.title"'), "RecentNotes.list"),             # get_queryset loads nothing
    }
    # the owner is select_related; a single PrimaryKeyRelatedField reads the foreign key column
    assert not any(e["line"] in (at("owner = ReaderSerializer"), at("PrimaryKeyRelatedField")) for e in _drf(report))
    evidence = next(e for e in _drf(report) if "NoteList" in e["message"])
    assert [(s["file"], s["line"]) for s in evidence["flow"]] == [
        ("readinglist/views.py", line_of(LAZY, "readinglist/views.py", "class NoteList")), (SERIALIZERS, at('source="book.title"'))]
    assert len(row["details"]["n_plus_one_in_serializers"]) == 4


def test_safe_twin_loads_every_relation_its_serializers_follow(audited):
    row = item(audited(EAGER), "PERF-N-PLUS-1")
    assert row["verdict"] == "pass", row["rationale"]
    assert not _drf(audited(EAGER))
    assert len(row["details"]["serializer_lists_eager"]) == 4
    assert "4 DRF list endpoint(s) load every relation" in row["rationale"]


def _endpoints(models: str, serializers: str, views: str, querying: set[str] = frozenset()):
    modules = [(f"app/{name}.py", ast.parse(textwrap.dedent(text)))
               for name, text in (("models", models), ("serializers", serializers), ("views", views))]
    return list_endpoints(modules, read_relations(modules), set(querying))


MODELS = '''
    from django.db import models

    class Team(models.Model):
        name = models.CharField(max_length=40)

    class Player(models.Model):
        team = models.ForeignKey(Team, on_delete=models.CASCADE)
        rivals = models.ManyToManyField("self", symmetrical=False)
'''


def test_many_relations_listed_in_meta_fields_and_default_reverse_names():
    serializers = '''
        from rest_framework import serializers

        class PlayerSerializer(serializers.ModelSerializer):
            class Meta:
                model = Player
                fields = ("id", "team", "rivals")

        class TeamSerializer(serializers.ModelSerializer):
            players = PlayerSerializer(many=True, source="player_set")

            class Meta:
                model = Team
                fields = ("id", "players")
    '''
    views = '''
        from rest_framework import generics

        class Players(generics.ListAPIView):
            queryset = Player.objects.all()
            serializer_class = PlayerSerializer

        class Teams(generics.ListAPIView):
            queryset = Team.objects.prefetch_related(Prefetch("player_set"), "player_set__rivals")
            serializer_class = TeamSerializer
    '''
    players, teams = _endpoints(MODELS, serializers, views)
    assert [t.path for t in players.per_row] == ["rivals"]        # the FK's id is a column; the M2M's ids a query
    assert [t.path for t in teams.traversals] == ["player_set", "player_set__rivals"] and not teams.per_row


def test_a_filtered_relation_or_a_query_in_a_method_field_is_per_row_whatever_is_prefetched():
    serializers = '''
        from rest_framework import serializers

        class TeamSerializer(serializers.ModelSerializer):
            stars = serializers.SerializerMethodField()
            size = serializers.SerializerMethodField(method_name="count_players")
            label = serializers.SerializerMethodField()

            class Meta:
                model = Team
                fields = ("stars", "size", "label")

            def get_stars(self, team):
                return team.player_set.filter(rivals__isnull=False).count()

            def count_players(self, team):
                return Player.objects.filter(team=team).count()

            def get_label(self, team):
                return team.name.upper()
    '''
    views = '''
        from rest_framework.views import APIView

        class Teams(APIView):
            def get(self, request):
                return Response(TeamSerializer(Team.objects.prefetch_related("player_set"), many=True).data)

            def get_one(self, request, pk):
                return Response(TeamSerializer(Team.objects.get(pk=pk)).data)
    '''
    (teams,) = _endpoints(MODELS, serializers, views)
    assert teams.view == "Teams.get"
    assert sorted(t.always for t in teams.per_row) == [True, True]
    assert {t.path for t in teams.traversals if not t.always} == {"player_set"}   # prefetched


def test_serializers_with_no_relation_make_no_endpoint():
    serializers = '''
        from rest_framework import serializers

        class TeamSerializer(serializers.ModelSerializer):
            class Meta:
                model = Team
                fields = ("id", "name")
    '''
    views = '''
        from rest_framework import viewsets

        class Teams(viewsets.ModelViewSet):
            queryset = Team.objects.all()
            serializer_class = TeamSerializer
    '''
    assert _endpoints(MODELS, serializers, views) == []


def test_drf_list_filters_in_get_queryset_and_lists_of_the_callers_rows(audited):
    """API-FILTERING reads a DRF list's get_queryset (where DRF's list() takes its rows) and counts a list of
    the signed-in user's own rows as scoped; the lazy twin's book list, with neither, is asked for filters."""
    eager = {e["message"] for e in item(audited(EAGER), "API-FILTERING")["evidence"]}
    assert any("/api/books" in m and "filters/sorts by label" in m for m in eager), eager
    assert any("/api/my-notes/recent" in m and "signed-in user" in m for m in eager), eager
    lazy = {e["message"] for e in item(audited(LAZY), "API-FILTERING")["evidence"]}
    assert any("/api/books" in m and "offers no filter" in m for m in lazy), lazy


def test_a_drf_exception_handler_that_lets_some_errors_through_makes_two_error_shapes(audited):
    """API-ERROR-FORMAT reads the EXCEPTION_HANDLER the settings name: shelf-lazy's wraps validation errors
    as {"problems": ...} and returns DRF's {"detail": ...} for the rest; shelf-eager's wraps every error."""
    lazy = item(audited(LAZY), "API-ERROR-FORMAT")
    assert lazy["verdict"] == "partial" and lazy["details"]["error_shapes"] == ["detail", "problems"], lazy["rationale"]
    shapes = {(e["file"], e["line"]) for e in lazy["evidence"] if e["rule_id"] == "error-shape"}
    assert shapes == {("core/errors.py", line_of(LAZY, "core/errors.py", "    return response")),
                      ("core/errors.py", line_of(LAZY, "core/errors.py", '"problems"'))}
    eager = item(audited(EAGER), "API-ERROR-FORMAT")
    assert eager["verdict"] == "pass" and eager["details"]["error_shapes"] == ["problems"], eager["rationale"]


def test_the_django_admin_is_the_cookie_session_surface_of_a_token_api(audited):
    """SEC-CSRF: the APIs authenticate by token (CSRF does not apply to them) but the mounted Django admin
    signs in with a session cookie: protected by CsrfViewMiddleware in shelf-eager, unprotected in shelf-lazy."""
    admin = ("shelf/urls.py", line_of(EAGER, "shelf/urls.py", "admin.site.urls"))
    eager = item(audited(EAGER), "SEC-CSRF")
    assert eager["verdict"] == "pass", eager["rationale"]
    assert [(e["file"], e["line"], e["kind"]) for e in eager["evidence"]] == [(*admin, "practice")]
    lazy = item(audited(LAZY), "SEC-CSRF")
    assert lazy["verdict"] == "fail", lazy["rationale"]
    assert [(e["file"], e["line"], e["kind"]) for e in lazy["evidence"]] == [(*admin, "violation")]


def test_a_custom_field_that_takes_the_raw_value_into_the_database_is_not_validated(audited):
    """SEC-INPUT-VALIDATION: BookWriteSerializer validates title, but its LabelField.to_internal_value passes
    the raw request value to get_or_create (shelf-lazy); shelf-eager's checks type and length first."""
    def create(root):
        row = item(audited(root), "SEC-INPUT-VALIDATION")
        return next(e for e in row["evidence"] if "/api/books/new/" in e["message"])
    lazy = create(LAZY)
    assert lazy["kind"] == "violation" and "LabelField.to_internal_value" in lazy["message"], lazy
    assert f"readinglist/fields.py:{line_of(LAZY, 'readinglist/fields.py', 'def to_internal_value')}" in lazy["message"]
    assert create(EAGER)["kind"] == "practice"
