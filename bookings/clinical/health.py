"""The health screen a client answers before booking, and what each answer means.

Pure: no database. DOMAIN.md's red flags and contraindications become questions in our own
words, each with the consequence the clinic's rules give it:

- STOP: a red flag or a "do not treat" condition. Online booking stops and the client is told,
  kindly, to be assessed first (GP or NHS 111).
- EMERGENCY: chest pain or breathlessness. Online booking stops and the client is told to call 999.
- REVIEW: "work around the area" or "needs a doctor's OK first". The client may book, but the
  booking waits for the therapist to accept it.
"""

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Outcome(enum.IntEnum):
    # Ordered by severity so the worst answer decides.
    OK = 0
    REVIEW = 1
    STOP = 2
    EMERGENCY = 3


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    outcome: Outcome


@dataclass(frozen=True)
class Section:
    key: str
    legend: str
    questions: tuple[Question, ...]


SECTIONS = (
    Section(
        "urgent",
        "Right now, do you have any of these?",
        (
            Question("chest_or_breathless", "Chest pain, or you are short of breath", Outcome.EMERGENCY),
            Question("dvt_signs", "One calf that throbs and is swollen, warm or red", Outcome.STOP),
            Question("fever", "A fever, or you feel ill with an infection", Outcome.STOP),
        ),
    ),
    Section(
        "pain",
        "About the pain or problem you are coming in with: do any of these apply?",
        (
            Question("pinpoint_bone_pain", "Sharp pain in one exact spot on a bone or along your shin", Outcome.STOP),
            Question("rest_or_night_pain", "It hurts at night or when you are resting", Outcome.STOP),
            Question("swelling_heat_redness", "The area is swollen, hot or red", Outcome.STOP),
            Question("nerve_symptoms", "Numbness, pins and needles, or weakness", Outcome.STOP),
            Question(
                "acute_injury",
                "An injury in the last 48 hours, or one where you felt a pop, it bruised, or you cannot put weight on it",
                Outcome.STOP,
            ),
            Question("worsening", "It has been getting worse week after week", Outcome.STOP),
        ),
    ),
    Section(
        "history",
        "Do any of these apply to you?",
        (
            Question("clotting", "You have had a blood clot (DVT) or have a clotting disorder", Outcome.STOP),
            Question("recent_surgery", "You have had surgery recently", Outcome.STOP),
            Question(
                "open_wound",
                "An open wound, a skin infection or heavy bruising where you would like massage",
                Outcome.STOP,
            ),
            Question(
                "local_issues",
                "Cuts, bruises, varicose veins, a lump nobody has checked, or a new scar near the area",
                Outcome.REVIEW,
            ),
            Question("diabetes", "Diabetes that is not well controlled", Outcome.REVIEW),
            Question("heart_circulation", "A heart or circulation condition", Outcome.REVIEW),
            Question("blood_thinners", "You take blood thinners, or have haemophilia", Outcome.REVIEW),
            Question("cancer_treatment", "You are having treatment for cancer", Outcome.REVIEW),
            Question("pregnant", "You are pregnant", Outcome.REVIEW),
        ),
    ),
)

QUESTIONS = {question.key: question for section in SECTIONS for question in section.questions}

# The REVIEW answers that need a doctor's OK first (DOMAIN.md), as opposed to "work around the
# area": the client confirms they have it when booking, and the therapist records seeing it
# before accepting the booking.
DOCTORS_OK = frozenset({"diabetes", "heart_circulation", "blood_thinners", "cancer_treatment", "pregnant"})
PREGNANT = "pregnant"


def needs_doctors_ok(answered_yes: Iterable[str]) -> bool:
    return bool(DOCTORS_OK.intersection(answered_yes))


@dataclass(frozen=True)
class Assessment:
    outcome: Outcome
    reasons: tuple[Question, ...]  # the answers that decided the outcome

    @property
    def can_book_online(self) -> bool:
        return self.outcome <= Outcome.REVIEW

    @property
    def needs_therapist_review(self) -> bool:
        return self.outcome == Outcome.REVIEW


def assess(answered_yes: Iterable[str]) -> Assessment:
    """The outcome of a health screen from the keys of the questions answered "yes".

    Raises KeyError for a key that is not a question, so a tampered form cannot pass."""
    questions = [QUESTIONS[key] for key in answered_yes]
    outcome = max((question.outcome for question in questions), default=Outcome.OK)
    return Assessment(outcome, tuple(q for q in questions if q.outcome == outcome and outcome != Outcome.OK))
