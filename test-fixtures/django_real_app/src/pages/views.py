from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.shortcuts import render
from django.templatetags.static import static


def index(request):
    return render(request, "pages/index.html")


def static_url(request):
    """The URL `{% static path %}` gives for ?path=..., as text/plain (404 when unknown)."""
    path = request.GET.get("path")
    if not path:
        return HttpResponseBadRequest("missing ?path=\n", content_type="text/plain")
    try:
        url = static(path)
    except ValueError as exc:
        return HttpResponseNotFound(f"{exc}\n", content_type="text/plain")
    return HttpResponse(url, content_type="text/plain")
