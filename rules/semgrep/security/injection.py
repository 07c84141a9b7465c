import asyncio
import os
import pickle
import shlex
import subprocess

import yaml
from flask import Flask, request, send_file, send_from_directory
from werkzeug.utils import secure_filename

app = Flask(__name__)
UPLOADS = "/srv/uploads"


def calculate(expression):
    # ruleid: python-eval-of-data
    return eval(expression)


def constant():
    # ok: python-eval-of-data
    return eval("1 + 2")


def send_reset(email):
    cmd = f"sendmail -t {email} < templates/reset.txt"
    # ruleid: python-shell-command-from-data
    subprocess.run(cmd, shell=True)
    # ruleid: python-shell-command-from-data
    os.system("ping -c 1 " + email)


def backup():
    # ok: python-shell-command-from-data
    subprocess.run("pg_dump shop > /backups/shop.sql", shell=True)
    # ok: python-shell-command-from-data
    subprocess.run(["pg_dump", "shop"], check=True)


def quoted(name):
    # ok: python-shell-command-from-data
    subprocess.run(shlex.join(["convert", name, "out.png"]), shell=True)


def restore(blob, stream, text):
    # ruleid: python-unsafe-deserialisation
    state = pickle.loads(blob)
    # ruleid: python-unsafe-deserialisation
    config = yaml.load(stream)
    # ruleid: python-unsafe-deserialisation
    other = yaml.load(text, Loader=yaml.Loader)
    # ruleid: python-unsafe-deserialisation
    positional = yaml.load(text, yaml.Loader)
    # ok: python-unsafe-deserialisation
    safe = yaml.load(text, Loader=yaml.SafeLoader)
    # ok: python-unsafe-deserialisation
    safer = yaml.safe_load(text)
    return state, config, other, positional, safe, safer


@app.route("/download")
def download():
    name = request.args["name"]
    # ruleid: python-path-from-request
    return send_file(os.path.join(UPLOADS, name))


@app.route("/report")
def report():
    # ruleid: python-path-from-request
    with open("/srv/reports/" + request.args["file"]) as fh:
        return fh.read()


@app.route("/files/<path:name>")
def files(name):
    # ok: python-path-from-request
    return send_from_directory(UPLOADS, name)


@app.route("/upload", methods=["POST"])
def upload():
    f = request.files["file"]
    # ok: python-path-from-request
    f.save(os.path.join(UPLOADS, secure_filename(f.filename)))
    return "ok"
