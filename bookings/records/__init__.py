"""Records: the clinical record a therapist reads and writes about a client.

- selectors: the one flare rule (last_session: the session before this one and the rule it
  sets), the client's record across their sessions, the note history and the progress chart;
- notes: amending session notes, with who, when, what and why kept beside the original;
- consent: the client's consent to treatment, confirmed by the therapist at the session's start
  (before any notes);
- outcome_scores: the 0-10 pain and activity ratings, at booking and at the check-in;
- forms: the consent and session notes forms (written and amended) and the outcome score field and forms.

It may import the models, clinical knowledge (bookings.clinical), privacy (whose sessions are
the client's, the health-data access log) and messaging, and never the booking lifecycle, its
views or the diary above it: they use the records, not the other way round.
"""
