import os

import jwt

SIGNING_KEY = os.environ["JWT_SIGNING_KEY"]


def issue(user_id):
    # ruleid: jwt-literal-key
    return jwt.encode({"sub": user_id}, "k3y-for-pr0d-9f8e7d", algorithm="HS256")


def issue_kw(user_id):
    # ruleid: jwt-literal-key
    return jwt.encode({"sub": user_id}, key="k3y-for-pr0d-9f8e7d", algorithm="HS256")


def read(token):
    # ruleid: jwt-literal-key
    return jwt.decode(token, "k3y-for-pr0d-9f8e7d", algorithms=["HS256"])


def issue_from_env(user_id):
    # ok: jwt-literal-key
    return jwt.encode({"sub": user_id}, SIGNING_KEY, algorithm="HS256")


def read_from_env(token):
    # ok: jwt-literal-key
    return jwt.decode(token, os.environ["JWT_SIGNING_KEY"], algorithms=["HS256"])


def unverified_header(token):
    # ok: jwt-literal-key
    return jwt.decode(token, "", options={"verify_signature": False})
