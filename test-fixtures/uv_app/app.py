"""A minimal Flask app that reports which interpreter and environment serve it."""

import os
import sys

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def index():
    return jsonify(
        python_version=sys.version.split()[0],
        executable=sys.executable,
        prefix=sys.prefix,
        virtual_env=os.environ.get("VIRTUAL_ENV"),
        unbuffered=os.environ.get("PYTHONUNBUFFERED"),
    )
