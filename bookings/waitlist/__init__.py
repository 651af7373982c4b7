"""The waitlist: clients waiting for a time, offers of freed time held by the database, and the
answers to them. It stands on the booking lifecycle (its claims and booking_create) and is
told of freed time through FreedTime rows the lifecycle writes, so nothing below imports it."""
