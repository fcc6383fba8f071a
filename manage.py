#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

A checkout with no production settings in its environment (neither ``DEBUG`` nor
``SECRET_KEY`` set) is a development one: commands run with ``DEBUG=1``, so
``.venv/bin/python manage.py simulate …`` works as the README writes it. Production
sets ``SECRET_KEY`` (and ``DEBUG=0``), and then nothing is assumed.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    if "DEBUG" not in os.environ and "SECRET_KEY" not in os.environ:
        os.environ["DEBUG"] = "1"
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:  # a setting missing or wrong: say which, without a traceback
        sys.exit(f"manage.py: {exc}")


if __name__ == "__main__":
    main()
