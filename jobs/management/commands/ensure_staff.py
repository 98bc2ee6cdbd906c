"""Make sure a staff account exists, so a fresh install needs no account created by hand."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from viralspot.env import env_str


class Command(BaseCommand):
    help = "Create the staff account from ADMIN_USERNAME/ADMIN_PASSWORD, or 'admin' with a generated password."

    def handle(self, *args, **options):
        User = get_user_model()
        username = env_str("ADMIN_USERNAME", "admin")
        password = env_str("ADMIN_PASSWORD")
        credentials_file = settings.VAR_DIR / "admin_credentials.txt"
        user = User.objects.filter(username=username).first()
        if user is not None:
            if password:
                user.set_password(password)
                user.is_staff = user.is_superuser = True
                user.save()
            where = "ADMIN_PASSWORD" if password else (str(credentials_file) if credentials_file.exists() else "unchanged")
            self.stdout.write(f"Staff account '{username}' exists (password: {where}).")
            return
        generated = not password
        password = password or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        if generated:
            credentials_file.write_text(f"username: {username}\npassword: {password}\n")
            credentials_file.chmod(0o600)
            self.stdout.write(self.style.WARNING(
                f"Created staff account  username: {username}  password: {password}\n"
                f"(shown once; kept in {credentials_file})"
            ))
        else:
            self.stdout.write(f"Created staff account '{username}' with ADMIN_PASSWORD.")
