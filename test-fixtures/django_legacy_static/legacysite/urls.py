from django.urls import path

from pages import views

urlpatterns = [
    path("static-url", views.static_url),
    path("health", views.health),
]
