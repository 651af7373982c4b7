"""What the therapists app announces to the layers above it, which it must not import."""

from django.dispatch import Signal

# Sent with ``event`` (a RegistrationEvent) inside the transaction that records a decision or
# an expiry. The bookings app listens and writes the emails into its outbox in that same
# transaction: telling admins which bookings a lapsed registration affects is its business.
# A listener must only write rows; anything slow or external belongs in a task after commit.
registration_event_recorded = Signal()
