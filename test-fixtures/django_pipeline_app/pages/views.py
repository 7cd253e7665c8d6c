from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.templatetags.static import static


def index(request):
    return HttpResponse("Hello from the django-pipeline fixture\n", content_type="text/plain")


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

