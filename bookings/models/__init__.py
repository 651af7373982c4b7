"""The bookings app's models, one module per room (the app label, tables and migrations
stay those of bookings)."""

from bookings.models.booking import (
    HEALTH_DATA_PERMISSION,
    Booking,
    BookingContactChange,
    BookingLink,
    BookingQuerySet,
    BookingRules,
    TsTzRange,
)
from bookings.models.messaging import AftercareOptOut, OutboundEmail
from bookings.models.payments import BookingPayment, Charge, LedgerEntry, PaymentPolicy, StripeEvent, Take
from bookings.models.privacy import ConsentRecord, ErasureRequest, HealthConsent, HealthDataAccess, MarketingConsent
from bookings.models.records import HealthScreen, OutcomeScore, SessionNote, SessionNoteAmendment, TreatmentConsent
from bookings.models.waitlist import FreedTime, WaitlistEntry, WaitlistOffer

__all__ = [
    "AftercareOptOut",
    "Booking",
    "BookingContactChange",
    "BookingLink",
    "BookingPayment",
    "Charge",
    "BookingQuerySet",
    "BookingRules",
    "ConsentRecord",
    "ErasureRequest",
    "FreedTime",
    "HEALTH_DATA_PERMISSION",
    "HealthConsent",
    "HealthDataAccess",
    "HealthScreen",
    "LedgerEntry",
    "MarketingConsent",
    "OutboundEmail",
    "OutcomeScore",
    "PaymentPolicy",
    "SessionNote",
    "SessionNoteAmendment",
    "StripeEvent",
    "Take",
    "TreatmentConsent",
    "TsTzRange",
    "WaitlistEntry",
    "WaitlistOffer",
]
