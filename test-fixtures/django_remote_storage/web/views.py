from django.http import HttpResponse, HttpResponseBadRequest
from django.templatetags.static import static


def static_url(request):
    """The URL `{% static path %}` gives for ?path=..., as text/plain."""
    path = request.GET.get("path")
    if not path:
        return HttpResponseBadRequest("missing ?path=\n", content_type="text/plain")
    return HttpResponse(static(path), content_type="text/plain")


def health(request):
    return HttpResponse("ok", content_type="text/plain")
