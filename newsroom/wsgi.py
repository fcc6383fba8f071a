import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

application = get_wsgi_application()

# Build the moderation word lists now, in the server's master process when it
# preloads the app, instead of during some reader's first post.
if os.environ.get("NEWSROOM_WARM_UP", "1") == "1":
    from moderation import Context, Policy, moderate
    from policies.selectors import active_model

    # The learned model too: loaded once here, its arrays are shared by the forked workers.
    moderate("warming up the filter", Context(article_text="warming up"), Policy(model=active_model()))

# Which model is live was read from the cache and the database: no connection may be open as the server forks, or
# its workers would share one database socket (or, on SQLite, one open file, now kept between requests).
from django.db import connections  # noqa: E402

connections.close_all()
