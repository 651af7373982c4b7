from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations


class Migration(migrations.Migration):
    """Enables btree_gist on PostgreSQL (a no-op elsewhere) so an exclusion constraint can
    combine equality on the therapist with overlap of the booked time range."""

    dependencies = [("bookings", "0001_initial")]

    operations = [BtreeGistExtension()]
