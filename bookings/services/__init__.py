"""The booking lifecycle's workflows, one module per job (import the module:
``from bookings.services import booking``):

- ``booking``: make and move a booking (the writes that claim a therapist's time), and the
  errors every booking service raises; ``booking_changes``: cancel a booking, correct the
  client's contact details, and the therapist's review of health answers; ``booking_writes``:
  the rows and emails making or moving a booking writes once its checks have passed.
- ``outcome``: what happened at the session (no-show, or attended with notes) and the aftercare
  that follows: the client's check-in answer, stopping and restarting aftercare emails.
- ``rooms``: moving a booking to another treatment room, and the rooms' own rules.

The other rooms keep their workflows beside their data: session notes and outcome scores in
``bookings.records``, consent, claims, My data and marketing in ``bookings.privacy``, the
outbox in ``bookings.messaging``, hours and time off in ``bookings.diary``.
"""
