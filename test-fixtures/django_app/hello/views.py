import sys

import django
from django.http import HttpResponse


def index(request):
    return HttpResponse(
        f"Hello from Django {django.get_version()} on Python {sys.version.split()[0]}\n",
        content_type="text/plain",
    )
