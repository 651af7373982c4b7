"""Bookings pages, one module per job: ``book`` (choosing and booking a session), ``manage``
(the client's own bookings, from the emailed link or their account), ``staff`` (the therapist's
and admins' booking pages) and ``aftercare`` (the aftercare emails' links)."""
