"""Booking workflows, one module per job (import the module: ``from bookings.services import booking``):

- ``booking``: make, move and cancel a booking, correct the client's contact details, and the
  therapist's review of health answers.
- ``outcome``: what happened at the session (no-show, or attended with notes) and the aftercare
  that follows: the client's check-in answer, stopping and restarting aftercare emails.
"""
