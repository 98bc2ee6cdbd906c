"""Instagram providers, chosen by settings.INSTAGRAM_PROVIDER.

offline     (default) reads OFFLINE_DATA_DIR/<username>.json — the repo ships generated sample data
instaloader (production) talks to Instagram through the instaloader library
"""

from django.conf import settings

from profiles.providers.base import InstagramProvider


def get_instagram_provider() -> InstagramProvider:
    if settings.INSTAGRAM_PROVIDER == "instaloader":
        from profiles.providers.instaloader_provider import InstaloaderProvider

        return InstaloaderProvider(
            session_file=settings.INSTALOADER_SESSION_FILE,
            session_username=settings.INSTALOADER_SESSION_USERNAME,
            request_timeout=settings.INSTALOADER_REQUEST_TIMEOUT,
        )
    from profiles.providers.offline import OfflineProvider

    return OfflineProvider(settings.OFFLINE_DATA_DIR, delay_seconds=settings.OFFLINE_PROVIDER_DELAY_SECONDS)
