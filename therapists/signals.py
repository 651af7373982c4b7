"""What the therapists app announces to the layers above it, which it must not import."""

from django.dispatch import Signal

# Sent once a registration decision or expiry has committed, with ``event_id``. The bookings
# app listens: telling admins which bookings a lapsed registration affects is its business.
registration_event_recorded = Signal()
