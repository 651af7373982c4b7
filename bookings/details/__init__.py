"""The booking form's details: the health screen, the client's details and consent, asked in two
steps (steps.py) and worded for staff booking a client in (on_behalf.py)."""
