import jwt
from flask import Flask, make_response

app = Flask(__name__)
SECRET = "from-env"


def claims(token):
    # ruleid: python-jwt-signature-not-verified
    return jwt.decode(token, options={"verify_signature": False})


def claims_legacy(token):
    # ruleid: python-jwt-signature-not-verified
    return jwt.decode(token, SECRET, verify=False)


def claims_ok(token):
    # ok: python-jwt-signature-not-verified
    return jwt.decode(token, SECRET, algorithms=["HS256"])


def claims_none(token):
    # ruleid: python-jwt-none-algorithm
    return jwt.decode(token, SECRET, algorithms=["HS256", "none"])


def login_response(session_id):
    resp = make_response("ok")
    # ruleid: python-cookie-without-secure-flags
    resp.set_cookie("session_id", session_id)
    # ruleid: python-cookie-without-secure-flags
    resp.set_cookie("remember", "1", httponly=True)
    # ok: python-cookie-without-secure-flags
    # ruleid: python-cookie-flags-set
    resp.set_cookie("session_id", session_id, secure=True, httponly=True, samesite="Lax")
    # ok: python-cookie-without-secure-flags
    resp.set_cookie("csrftoken", "abc", secure=True, samesite="Strict")
    # ruleid: python-cookie-flag-disabled
    resp.set_cookie("sid", session_id, secure=False, httponly=True)
    # ok: python-cookie-without-secure-flags
    resp.set_cookie("session_id", "", expires=0)
    return resp


# ruleid: python-cookie-flag-disabled
SESSION_COOKIE_HTTPONLY = False
# ruleid: python-secure-session-settings
SESSION_COOKIE_SECURE = True
# ok: python-secure-session-settings, python-session-cookie-samesite-disabled
SESSION_COOKIE_SAMESITE = "Lax"
# ruleid: python-session-cookie-samesite-disabled
SESSION_COOKIE_SAMESITE = None
# ruleid: python-session-cookie-samesite-disabled
SESSION_COOKIE_SAMESITE = "None"
# ok: python-session-cookie-samesite-disabled
CSRF_COOKIE_SAMESITE = "Strict"
# ok: python-session-cookie-samesite-disabled
REMEMBER_COOKIE_SAMESITE = "Strict"
# ruleid: python-secure-session-settings
REMEMBER_COOKIE_SECURE = os.environ.get("REMEMBER_COOKIE_SECURE", "1") == "1"
# ok: python-secure-session-settings
SESSION_COOKIE_SECURE = False


def configure(app):
    # ruleid: python-secure-session-settings
    app.config["REMEMBER_COOKIE_SECURE"] = True
    # ok: python-secure-session-settings
    app.config["SESSION_COOKIE_SECURE"] = False
    # ruleid: python-session-cookie-samesite-disabled
    app.config["SESSION_COOKIE_SAMESITE"] = None
    # ok: python-session-cookie-samesite-disabled
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"


def decode_without_algorithms(token):
    # ruleid: python-jwt-decode-without-algorithms
    return jwt.decode(token, SECRET)


def decode_with_algorithms(token):
    # ok: python-jwt-decode-without-algorithms
    return jwt.decode(token, SECRET, algorithms=["HS256"])
