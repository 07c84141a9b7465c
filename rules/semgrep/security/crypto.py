import hashlib
import hmac
import random
import secrets
import string

from Crypto.Cipher import AES, DES
from werkzeug.security import generate_password_hash


def store_password(user, password):
    # ruleid: python-fast-hash-for-password
    user.password_hash = hashlib.md5(password.encode()).hexdigest()


def store_password_sha(user, raw_password):
    # ruleid: python-fast-hash-for-password
    user.password_hash = hashlib.sha256((user.salt + raw_password).encode()).hexdigest()


def store_password_incremental(user, password):
    digest = hashlib.sha1()
    # ruleid: python-fast-hash-for-password
    digest.update(password.encode())
    user.password_hash = digest.hexdigest()


def sign(key, password_reset_payload):
    mac = hmac.new(key, digestmod=hashlib.sha256)
    # ok: python-fast-hash-for-password
    mac.update(password_reset_payload)
    return mac.hexdigest()


def etag(body):
    # ok: python-fast-hash-for-password
    return hashlib.md5(body).hexdigest()


def store_password_ok(user, password):
    # ok: python-fast-hash-for-password
    user.password_hash = generate_password_hash(password)


def derive(password, salt):
    # ok: python-fast-hash-for-password
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)


def reset_token():
    # ruleid: python-insecure-random-for-secret
    token = "".join(random.choice(string.ascii_letters) for _ in range(32))
    return token


def make_api_key():
    # ruleid: python-insecure-random-for-secret
    return "%032x" % random.getrandbits(128)


def reset_token_ok():
    # ok: python-insecure-random-for-secret
    token = secrets.token_urlsafe(32)
    return token


def jitter():
    # ok: python-insecure-random-for-secret
    delay = random.uniform(0.1, 0.5)
    return delay


def encrypt(key, data):
    # ruleid: python-weak-cipher
    cipher = DES.new(key, DES.MODE_CBC)
    # ruleid: python-weak-cipher
    ecb = AES.new(key, AES.MODE_ECB)
    # ok: python-weak-cipher
    gcm = AES.new(key, AES.MODE_GCM)
    return cipher, ecb, gcm


def new_api_key():
    # ruleid: python-insecure-random-for-secret
    key = hashlib.sha256(str(random.getrandbits(256)).encode()).hexdigest()
    return key


def sample_row():
    # ok: python-insecure-random-for-secret
    row = random.randint(0, 10)
    return row
