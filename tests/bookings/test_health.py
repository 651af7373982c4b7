import pytest

from bookings.clinical.health import QUESTIONS, SECTIONS, Outcome, assess


def test_no_answers_means_the_client_can_book_straight_away():
    assessment = assess([])

    assert assessment.outcome == Outcome.OK
    assert assessment.can_book_online
    assert not assessment.needs_therapist_review


@pytest.mark.parametrize(
    "answers, outcome",
    [
        (["local_issues"], Outcome.REVIEW),
        (["pregnant", "blood_thinners"], Outcome.REVIEW),
        (["pinpoint_bone_pain"], Outcome.STOP),
        (["dvt_signs"], Outcome.STOP),
        (["fever", "pregnant"], Outcome.STOP),
        (["chest_or_breathless"], Outcome.EMERGENCY),
        (["chest_or_breathless", "acute_injury", "diabetes"], Outcome.EMERGENCY),
    ],
)
def test_the_most_serious_answer_decides(answers, outcome):
    assert assess(answers).outcome == outcome


def test_red_flags_stop_online_booking_and_say_which_answers_did():
    assessment = assess(["diabetes", "rest_or_night_pain", "nerve_symptoms"])

    assert not assessment.can_book_online
    assert [q.key for q in assessment.reasons] == ["rest_or_night_pain", "nerve_symptoms"]


def test_work_around_and_doctor_ok_answers_book_into_therapist_review():
    assessment = assess(["heart_circulation"])

    assert assessment.can_book_online
    assert assessment.needs_therapist_review
    assert [q.key for q in assessment.reasons] == ["heart_circulation"]


def test_an_unknown_answer_is_refused():
    with pytest.raises(KeyError):
        assess(["made_up"])


def test_every_domain_red_flag_and_contraindication_is_asked():
    # DOMAIN.md: red flags, "do not treat", "work around" and "doctor's OK first".
    stops = {key for key, q in QUESTIONS.items() if q.outcome >= Outcome.STOP}
    reviews = {key for key, q in QUESTIONS.items() if q.outcome == Outcome.REVIEW}
    assert stops == {
        "chest_or_breathless",
        "dvt_signs",
        "fever",
        "pinpoint_bone_pain",
        "rest_or_night_pain",
        "swelling_heat_redness",
        "nerve_symptoms",
        "acute_injury",
        "worsening",
        "clotting",
        "recent_surgery",
        "open_wound",
    }
    assert reviews == {
        "local_issues",
        "diabetes",
        "heart_circulation",
        "blood_thinners",
        "cancer_treatment",
        "pregnant",
    }
    assert len(QUESTIONS) == sum(len(section.questions) for section in SECTIONS)
