from django.apps import AppConfig


class EmbedsConfig(AppConfig):
    name = "embeds"
    verbose_name = "Embedding on other sites"

    def ready(self) -> None:
        from embeds import cors

        cors.connect()
