import jinja2
from django.http import HttpResponse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from flask import Flask, Markup, render_template, render_template_string, request

app = Flask(__name__)

PAGE = "<h1>{{ title }}</h1>"


def bio_html(user):
    # ruleid: python-markup-of-non-literal
    return Markup(user.bio)


def comment_html(comment):
    # ruleid: python-markup-of-non-literal
    return mark_safe("<p>%s</p>" % comment.text)


def badge():
    # ok: python-markup-of-non-literal
    return mark_safe("<span class='badge'>new</span>")


def link(url, label):
    # ok: python-markup-of-non-literal
    return mark_safe(format_html('<a href="{}">{}</a>', url, label))


# ruleid: jinja-autoescape-disabled
env = jinja2.Environment(loader=jinja2.FileSystemLoader("templates"), autoescape=False)
# ok: jinja-autoescape-disabled
safe_env = jinja2.Environment(loader=jinja2.FileSystemLoader("templates"), autoescape=jinja2.select_autoescape())

import aiohttp_jinja2
from aiohttp_jinja2 import setup as setup_jinja

# ruleid: jinja-autoescape-disabled
setup_jinja(app, loader=jinja2.PackageLoader("shop", "templates"), autoescape=False)
# ok: jinja-autoescape-disabled
aiohttp_jinja2.setup(app, loader=jinja2.PackageLoader("shop", "templates"))


@app.route("/hello")
def hello():
    name = request.args.get("name", "")
    # ruleid: python-template-from-user-data
    return render_template_string("<h1>Hello " + name + "</h1>")


@app.route("/greet")
def greet():
    # ruleid: python-route-returns-request-data
    return f"<p>Hi {request.args['name']}</p>"


@app.route("/results")
def results():
    term = request.args.get("q", "")
    # ruleid: python-route-returns-request-data
    return "<h1>Results for %s</h1>" % term


@app.route("/count")
def count():
    term = request.args.get("q", "")
    hits = 3
    # ok: python-route-returns-request-data
    return f"<p>{hits} results</p>"


@app.route("/escaped")
def escaped():
    # ok: python-route-returns-request-data
    return f"<p>Hi {markupsafe.escape(request.args['name'])}</p>"


@app.route("/page")
def page():
    # ok: python-template-from-user-data
    return render_template_string(PAGE, title=request.args.get("title"))


@app.route("/profile")
def profile():
    # ok: python-template-from-user-data
    return render_template("profile.html", name=request.args.get("name"))


def django_view(request):
    # ruleid: python-template-from-user-data
    return HttpResponse("<p>%s</p>" % request.GET["q"])


def notice(message):
    # ruleid: python-template-string-formatted
    return render_template_string(f"<div class='notice'>{message}</div>")


def notice_ok(message):
    # ok: python-template-string-formatted
    return render_template_string("<div class='notice'>{{ message }}</div>", message=message)


# ---- Jinja2 outside Flask/Django: a bare Environment or Template does not autoescape
import jinja2
from jinja2 import Environment, FileSystemLoader, Template, select_autoescape
from starlette.responses import HTMLResponse

# ruleid: jinja-environment-html-without-autoescape
pages = Environment(loader=FileSystemLoader("templates"))
# ok: jinja-environment-html-without-autoescape
safe_pages = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape(["html"]))
# ok: jinja-environment-html-without-autoescape
sql_templates = jinja2.Environment(loader=jinja2.PackageLoader("reports", "sql"))


def profile_page(user):
    return pages.get_template("profile.html").render(user=user)


def profile_page_safe(user):
    return safe_pages.get_template("profile.html").render(user=user)


def monthly_report_sql(month):
    return sql_templates.get_template("monthly.sql").render(month=month)


def welcome_email(template_path, context):
    source = open(template_path).read()
    # ruleid: jinja-template-html-without-autoescape
    html_body = Template(source).render(context)
    return html_body


def welcome_email_escaped(template_path, context):
    source = open(template_path).read()
    # ok: jinja-template-html-without-autoescape
    html_body = Template(source, autoescape=True).render(context)
    return html_body


def greeting_banner(name):
    # ruleid: jinja-template-html-without-autoescape
    return HTMLResponse(Template("<h1>Hello {{ name }}</h1>").render(name=name))


def plain_text_notice(name):
    # ok: jinja-template-html-without-autoescape
    subject = Template("Welcome, {{ name }}").render(name=name)
    return subject


def static_footer():
    # ok: jinja-template-html-without-autoescape
    html_footer = Template("<footer>(c) Example Ltd</footer>").render()
    return html_footer
