"""The site's URLs with the handler400 newsroom/urls.py is asked to name (see test_writes)."""

from newsroom.urls import urlpatterns

__all__ = ["urlpatterns", "handler400"]

handler400 = "api.problems.bad_request"
