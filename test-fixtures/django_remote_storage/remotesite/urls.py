from django.urls import path

from web import views

urlpatterns = [
    path("static-url", views.static_url),
    path("health", views.health),
]
