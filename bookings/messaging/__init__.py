"""Messaging: everything the app sends and the links it sends.

- outbox: the OutboundEmail rows that are the email schedule, the dispatcher and the send
  task's work (claims, retries, quiet hours);
- email_content: what each kind of email says and carries;
- calendar: the .ics files and calendar events for a booking;
- tokens: the opaque links in emails (manage, aftercare, stop, unsubscribe);
- registration_notices (with affected): the emails about a therapist's CNHC registration.

It stands on the models and clinical knowledge only, and knows no booking rule beyond the few
every email shares and what each kind of email registers with the outbox when the app starts
(a still-wanted check, such as the privacy room's for "book again"). The rooms above use it to
send; it never imports them.
"""
