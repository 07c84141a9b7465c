from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

app = Flask(__name__)
# ruleid: global-rate-limit-python
limiter = Limiter(get_remote_address, app=app, default_limits=["200 per hour"])
# ok: global-rate-limit-python
login_only = Limiter(get_remote_address, app=app)

REST_FRAMEWORK = {
    # the settings probe answers this one (auditor/probes/settings.py), not the rule
    # ok: global-rate-limit-python
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": "1000/hour"},
}
