"""The therapists app's workflows, one module each: the public profile and the CNHC
registration check (submit, decide, expire); text.py cleans what people type for both. Import
from the module that names the workflow, for example ``from therapists.services import
registration``. Emails about registrations are the bookings app's (bookings/registration_notices.py)."""
