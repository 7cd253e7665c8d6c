"""A minimal Flask app, locked with Pipenv, that reports which interpreter serves it."""

import os
import sys

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def index():
    return jsonify(
        python_version=sys.version.split()[0],
        prefix=sys.prefix,
        virtual_env=os.environ.get("VIRTUAL_ENV"),
    )
