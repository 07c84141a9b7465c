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


@app.route("/hello")
def hello():
    name = request.args.get("name", "")
    # ruleid: python-template-from-user-data
    return render_template_string("<h1>Hello " + name + "</h1>")


@app.route("/greet")
def greet():
    # ruleid: python-template-from-user-data
    return f"<p>Hi {request.args['name']}</p>"


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
