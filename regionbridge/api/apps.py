from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "regionbridge.api"
    verbose_name = "API"
