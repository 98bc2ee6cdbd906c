"""Viral entries get an owner: the creating account, or the SHA-256 of a token answered once.

Entries that exist before this migration have neither (owner and owner_token_hash stay NULL):
nobody can prove they created them, so only staff with viral_ideas.change_viralideasqueue may
cancel, rerun or edit their competitors from now on. Reading them stays open to anyone, as before.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('viral_ideas', '0002_viral_queue_summary'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='viralideasqueue',
            name='owner',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='viral_entries', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='viralideasqueue',
            name='owner_token_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, null=True),
        ),
    ]
