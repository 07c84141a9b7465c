"""DB-CONSTRAINTS: the fields Django's get_or_create/update_or_create look a row up by need a unique key, or two
concurrent requests create the row twice and every later call raises MultipleObjectsReturned. Twins: the same
lookup under unique_together / UniqueConstraint / unique=True, and a lookup in a management command."""
import pytest

from auditor.options import AuditOptions
from auditor.pipeline import run_audit
from helpers import item, line_of, write_files

MODELS = '''from django.conf import settings
from django.db import models


class Tag(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name = models.CharField(max_length=255{unique})
{meta}
'''
VIEWS = '''from rest_framework.decorators import api_view
from rest_framework.response import Response

from tags.models import Tag


@api_view(["POST"])
def add_tag(request):
    tag, created = Tag.objects.get_or_create(user=request.user, name=request.data["name"])
    return Response({"id": tag.id}, status=201 if created else 200)
'''
UNIQUE_TOGETHER = '''
    class Meta:
        unique_together = [("user", "name")]
'''
CONSTRAINT = '''
    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="one_tag_name_per_user")]
'''


def constraints(tmp_path, unique: str = "", meta: str = "", where: str = "tags/views.py") -> tuple:
    root = write_files(tmp_path / "proj", {
        "requirements.txt": "django\ndjangorestframework\n",
        "manage.py": "import os\n",
        "proj/settings.py": "INSTALLED_APPS = ['rest_framework', 'tags']\nSECRET_KEY = __import__('os').environ['K']\n",
        "tags/__init__.py": "",
        "tags/models.py": MODELS.replace("{unique}", unique).replace("{meta}", meta),
        where: VIEWS,
    })
    row = item(run_audit(root, AuditOptions(only=("DB-CONSTRAINTS",))), "DB-CONSTRAINTS")
    return root, [e for e in row["evidence"] if "looks up" in (e.get("message") or "")]


def test_a_lookup_no_unique_key_covers_is_a_violation(tmp_path):
    root, found = constraints(tmp_path)
    assert [(e["file"], e["line"], e["kind"]) for e in found] == \
        [("tags/views.py", line_of(root, "tags/views.py", "get_or_create"), "violation")]


@pytest.mark.parametrize("unique,meta", [("", UNIQUE_TOGETHER), ("", CONSTRAINT), (", unique=True", "")])
def test_a_unique_key_under_the_lookup_is_the_practice(tmp_path, unique, meta):
    _, found = constraints(tmp_path, unique, meta)
    assert [e["kind"] for e in found] == ["practice"], found


def test_a_management_command_races_no_one(tmp_path):
    _, found = constraints(tmp_path, where="tags/management/commands/seed_tags.py")
    assert found == []
