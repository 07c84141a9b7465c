import asyncio
import os
import pickle
import shlex
import subprocess

import yaml
from flask import Flask, request

app = Flask(__name__)


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
