"""The booking form's details step as staff fill it in for a client (on the phone, at the desk):
the questions and the consent are about the client, not the person typing, so the labels say so."""

from bookings.privacy import health_consent

# The same step filled in by a therapist or admin for a client (on the phone, say): the
# questions and the consent are about the client, not the person typing.
ON_BEHALF = {
    "main_problem": {"label": "What would the client like help with?"},
    "preferred_pressure": {"label": "Pressure the client prefers (0-10)"},
    "notes": {
        "label": "Anything the therapist should know",
        "help_text": "For example which side, or how long it has bothered them.",
    },
    "name": {"label": "Client's name"},
    "email": {"label": "Client's email", "help_text": "The confirmation and a link to change or cancel go here."},
    "phone": {
        "label": "Client's mobile number",
        "help_text": "Only used if we need to reach them about this booking.",
    },
    "doctor_ok": {
        "label": "The client has their doctor's agreement to have massage",
        "help_text": "Needed for diabetes, a heart or circulation condition, blood thinners or haemophilia, "
        "cancer treatment, or pregnancy. Ask them to bring the letter: the session starts once the therapist "
        "has seen it.",
    },
    "pregnancy_trimester": {"label": "If the client is pregnant: which trimester?"},
    "adult": {
        "label": "Is the client 18 or over?",
        "error_messages": {"required": "Say whether the client is 18 or over."},
    },
    "date_of_birth": {"label": "The client's date of birth"},
    "guardian_name": {"label": "If the client is under 16: their parent or guardian's name"},
    "guardian_consent": {
        "label": "If the client is under 16: their parent or guardian agrees to the massage and will come to "
        "the session"
    },
    "pain_now": {"label": "How much does it hurt the client now? (0 no pain, 10 the worst)"},
    "activity_1": {
        "label": "An activity that matters to the client and the problem makes hard",
        "help_text": "For example: running 5k, climbing stairs.",
    },
    "activity_1_score": {"label": "How well can they do it now? (0 cannot, 10 as well as before)"},
    "consent": {
        "label": health_consent.WORDING_ON_BEHALF,
        "error_messages": {
            "required": "Ask the client for their agreement to keep their health answers, then tick this."
        },
    },
}
