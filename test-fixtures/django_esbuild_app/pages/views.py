from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.templatetags.static import static


def index(request):
    return HttpResponse("Hello from the esbuild fixture\n", content_type="text/plain")


def static_url(request):
    """The URL `{% static path %}` gives for ?path=..., as text/plain (404 if not collected)."""
    path = request.GET.get("path")
    if not path:
        return HttpResponseBadRequest("missing ?path=\n", content_type="text/plain")
    try:
        url = static(path)
    except ValueError as exc:
        return HttpResponseNotFound(f"{exc}\n", content_type="text/plain")
    return HttpResponse(url, content_type="text/plain")


def post_compile(request):
    """What bin/post_compile wrote at build time."""
    try:
        text = (settings.BASE_DIR / "post_compile.txt").read_text()
    except FileNotFoundError:
        return HttpResponseNotFound("post_compile.txt not found\n", content_type="text/plain")
    return HttpResponse(text, content_type="text/plain")
