"""Set up a development site: the demo article, the active policy, the Moderators and Editors groups, and a demo
moderator and editor.

Why: the README's first command should leave a new user with something to look
at and an account to moderate with. It refuses to run with DEBUG off, so a
production deployment never gets a known password.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from desk.roles import ensure_editors_group, ensure_moderators_group

DEMO_ARTICLE = Path(settings.BASE_DIR) / "articles" / "demo" / "us-seeks-pakistans-help.txt"
DEMO_USERNAME = "moderator"
DEMO_PASSWORD = "moderate-me"
DEMO_EDITOR = ("editor", "edit-me")
DEMO_SITE = "Demo newsroom"


class Command(BaseCommand):
    help = (
        "Import the demo article, set up the policy and the Moderators and Editors groups, and create the demo "
        "moderator and editor accounts (development only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-user", action="store_true",
            help="no demo accounts (production): any left by development with their published passwords are locked",
        )  # fmt: skip
        parser.add_argument(
            "--demo-site", metavar="ORIGIN",
            help="also register ORIGIN (e.g. http://localhost:8001) as the demo newsroom whose page embeds the comments",
        )  # fmt: skip

    def handle(self, *args: Any, no_user: bool, demo_site: str | None = None, **options: Any) -> None:
        call_command("import_article", str(DEMO_ARTICLE), verbosity=options["verbosity"])
        group = ensure_moderators_group()
        editors = ensure_editors_group()
        from policies.selectors import active_policy_record

        active_policy_record()
        if no_user:
            self.lock_demo_accounts()
            return
        if not settings.DEBUG:
            raise CommandError("The demo moderator has a published password: it is only created with DEBUG=1.")
        from django.contrib.auth import get_user_model

        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(username=DEMO_USERNAME, defaults={"is_staff": True})
        user.is_staff = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.add(group)
        editor, _ = user_model.objects.get_or_create(username=DEMO_EDITOR[0], defaults={"is_staff": True})
        editor.is_staff = True
        editor.set_password(DEMO_EDITOR[1])
        editor.save()
        editor.groups.add(editors)
        if demo_site:
            # By name, not import: the desk sits below the embeds (tests/test_layout.py).
            site_model = apps.get_model("embeds", "Site")
            site_model.objects.update_or_create(origin=demo_site, defaults={"name": DEMO_SITE, "is_active": True})
            self.stdout.write(self.style.SUCCESS(f"Demo newsroom embedding the comments: {demo_site}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo editor (a moderator's work, plus articles, policies and simulations): username '{DEMO_EDITOR[0]}', "
                f"password '{DEMO_EDITOR[1]}'"
            )
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo moderator: username '{DEMO_USERNAME}', password '{DEMO_PASSWORD}' "
                "(log in at /admin/ on the site)"
            )
        )

    def lock_demo_accounts(self) -> None:
        """A database that development used may still hold the demo accounts, whose passwords are in the README:
        production (``dev.py prod`` runs this with ``--no-user``) locks any that still have them."""
        from django.contrib.auth import get_user_model

        for username, password in ((DEMO_USERNAME, DEMO_PASSWORD), DEMO_EDITOR):
            user = get_user_model().objects.filter(username=username).first()
            if user is not None and user.check_password(password):
                user.set_unusable_password()
                user.is_active = False
                user.save(update_fields=["password", "is_active"])
                self.stdout.write(self.style.WARNING(f"Locked the demo account '{username}': its password is public."))
