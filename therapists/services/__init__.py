"""The therapists app's workflows, one module each: the public profile, the CNHC registration
check (submit, decide, expire) and the registration reminders. Import from the module that
names the workflow, for example ``from therapists.services import registration``."""
