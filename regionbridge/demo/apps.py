from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "regionbridge.demo"
    verbose_name = "Demo data"
