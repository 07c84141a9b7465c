import logging

logger = logging.getLogger(__name__)


def login(request, username, password):
    # ruleid: python-secret-logged
    logger.info("login attempt for %s with password %s", username, password)


def refresh(user, token):
    # ruleid: python-secret-logged
    logger.debug(f"refreshing session with token {token}")


def call_api(request):
    # ruleid: python-secret-logged
    logging.warning("bad auth header: %s", request.headers["Authorization"])


def dump(request):
    # ruleid: python-secret-logged
    logger.info("request headers: %s", request.headers)


def connect(settings):
    message = "connecting with key %s" % settings.api_key
    # ruleid: python-secret-logged
    logger.error(message)


def show(config):
    # ruleid: python-secret-logged
    print("secret is", config.client_secret)


def reset(user, token_type):
    # ok: python-secret-logged
    logger.info("password reset requested for user %s", user.id)
    # ok: python-secret-logged
    logger.info("issued token of type %s", token_type)


def verify(user, password):
    # ok: python-secret-logged
    logger.info("password check for %s: %s", user.id, check_password(password, user.password_hash))


def masked(token):
    # ok: python-secret-logged
    logger.info("token ending in %s", token[-4:])


def check_password(raw, hashed):
    return raw == hashed


def call_api(requests, api_key):
    r = requests.post("https://api.example.net/post", headers={"X-APIKEY": api_key})
    # ok: python-secret-logged
    print(r.text)


def dump_token(token):
    # ruleid: python-secret-logged
    logger.info("token: %s", str(token).strip())


def sign_in(form, user):
    # ruleid: python-secret-logged
    logger.debug("sign-in form: %s", form.get("password", ""))
    # ruleid: python-secret-logged
    logger.debug("sign-in form: %s", form["api_key"])
    # ok: python-secret-logged
    logger.info("sign-in for %s", user.username)  # never log the password
    # ok: python-secret-logged
    logger.info("password accepted for %s", user.email)


def notify(settings, recipient, letter):
    # regression (real repo): the SMTP options carry the password, the send result does not
    smtp_options = {"host": settings.SMTP_HOST, "port": settings.SMTP_PORT}
    if settings.SMTP_PASSWORD:
        smtp_options["password"] = settings.SMTP_PASSWORD
    response = letter.send(to=recipient, smtp=smtp_options)
    # ok: python-secret-logged
    logger.info(f"send email result: {response}")


def connect_db(config):
    # ruleid: python-secret-logged
    logger.info("connecting with %s", config.db_password)
    # ok: python-secret-logged
    logger.info("password rotated at %s", config.password_changed_at)


def register(request, logger):
    # ruleid: whole-request-body-logged-python
    logger.info("register %s", request.get_json())
    # ruleid: whole-request-body-logged-python
    logger.debug("form: %s", request.form)
    # ok: whole-request-body-logged-python
    logger.info("register %s", request.json["username"])
