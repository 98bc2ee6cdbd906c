#!/usr/bin/env python
import os
import secrets
import sys

# Commands that read the models and the migration files and sign nothing: they run in any
# environment, DEBUG off and no SECRET_KEY included (a checkout checking its migrations, CI),
# with a throwaway key. Every other command gets the settings' refusal.
KEYLESS_COMMANDS = {"makemigrations", "showmigrations", "sqlmigrate", "help", "version"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "viralspot.settings")
    if len(sys.argv) > 1 and sys.argv[1] in KEYLESS_COMMANDS:
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # loads viralspot/settings.py, which refuses a bad environment
    except ImproperlyConfigured as error:
        # What to set, not a traceback through Django's settings loader.
        sys.exit(f"Configuration error: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
