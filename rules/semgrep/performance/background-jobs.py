import smtplib
import subprocess

from celery import Celery, shared_task
from django.core.mail import send_mail
from fastapi import BackgroundTasks, FastAPI
from flask import Flask

# ruleid: background-job-python
celery_app = Celery("shop", broker="redis://broker:6379/0")
app = FastAPI()
flask_app = Flask(__name__)


# ruleid: background-job-python
@shared_task
def send_receipt(order_id):
    return order_id


@app.post("/orders")
def create_order(background_tasks: BackgroundTasks):
    # ruleid: background-job-python
    background_tasks.add_task(send_receipt, 1)
    # ruleid: background-job-python
    send_receipt.delay(1)
    return {"status": "queued"}


@flask_app.route("/reset", methods=["POST"])
def reset():
    # ruleid: heavy-work-in-request-handler-python
    subprocess.run(["sendmail", "-t"], check=True)
    return "ok"


@app.post("/report")
async def report():
    # ruleid: heavy-work-in-request-handler-python
    server = smtplib.SMTP("mail", 25)
    return {}


def signup_view(request):
    # ruleid: heavy-work-in-django-handler-python
    send_mail("Welcome", "Hi", "noreply@example.com", [request.POST["email"]])


def nightly_report():
    # ok: heavy-work-in-request-handler-python
    # ok: heavy-work-in-django-handler-python
    subprocess.run(["make", "report"], check=True)
