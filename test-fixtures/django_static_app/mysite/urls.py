from django.urls import path

from shop import views

urlpatterns = [
    path("", views.index),
    path("static-url", views.static_url),
    path("health", views.health),
]
