"""A simulated day of the waitlist with the clock driven minute by minute (bench_waitlist.py,
and a small one in the suite on both databases). Import after django.setup().

The clinic: THERAPISTS working 08:00-20:00, every hour of the next two days booked (no buffer),
ENTRIES clients on the list in joining order (any therapist or one, one day or both, some parts
of the day, 2-12 hours' notice). From 08:00, CANCELLATIONS bookings are cancelled at random
minutes up to 19:00. Every minute the waitlist's run goes (as beat would), then the clients
answer: of those offered, half take it, a fifth say no (each after 1-20 minutes), the rest never
answer and their offers lapse. The clock runs on (through the night's quiet hours) until no
offer is open and no freed time waits.

Checked as it runs, each a problem when broken:
- order: an offer goes to the first place on the list that could take it then (urgent first,
  then joining), none earlier left out;
- promptness: every freed time that has a match when it comes due is offered at that tick,
  within the undo delay plus 60 s of the cancellation;
- holds: no time held twice, none booked while held (PostgreSQL's constraint refuses both; on
  SQLite the services must).
"""

import dataclasses
import datetime as dt
import functools
import random
import uuid

MINUTE = dt.timedelta(minutes=1)


@dataclasses.dataclass
class Report:
    freed: int = 0
    offers: int = 0
    accepted: int = 0
    declined: int = 0
    lapsed: int = 0
    slowest_offer: dt.timedelta = dt.timedelta(0)
    problems: list = dataclasses.field(default_factory=list)

    @property
    def fill_rate(self) -> float:
        return self.accepted / self.freed if self.freed else 0.0


def simulate(*, day: dt.date, entries: int = 50, cancellations: int = 20, therapists: int = 10, seed: int = 29):
    """Runs the day described above on the database as it is (empty, migrated); returns a Report."""
    rng = random.Random(seed)
    from bookings.models import Booking

    clinic = _clinic(day, therapists, entries, rng)
    booked = list(Booking.objects.filter(status=Booking.Status.CONFIRMED).order_by("pk").values_list("pk", flat=True))
    cancel_at = dict(
        zip(sorted(rng.sample(range(11 * 60), cancellations)), rng.sample(booked, cancellations), strict=True)
    )
    return _run(clinic, cancel_at, rng)


def _clinic(day, therapists, entries, rng):
    from django.contrib.auth import get_user_model

    from bench.seeding import working_therapists
    from bookings.models import Booking, BookingRules, WaitlistEntry
    from clinic.london import wall_clock_to_utc
    from clinic.models import SessionType

    rules = BookingRules.load()
    rules.buffer_minutes = 0
    rules.save()
    sports = SessionType.objects.create(
        kind="sports", name="Sports massage", description="Sports", duration_minutes=60, price=55
    )
    staff = working_therapists(therapists, sports, day)
    days = [day + dt.timedelta(days=1), day + dt.timedelta(days=2)]
    hour = dt.timedelta(hours=1)
    Booking.objects.bulk_create(
        Booking(
            therapist=t,
            session_type=sports,
            start=(start := wall_clock_to_utc(d, dt.time(h))),
            end=start + hour,
            blocks_until=start + hour,
            client_name=f"Booked {t.pk}-{d}-{h}",
            client_email="booked@example.com",
            client_phone="07700 900000",
        )
        for t in staff
        for d in days
        for h in range(8, 20)
    )
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"client{n}", email=f"client{n}@example.com", first_name=f"Client{n}")
        for n in range(entries)
    )
    opening = wall_clock_to_utc(day, dt.time(8))
    for n, user in enumerate(users):
        windows = [w for w in WaitlistEntry.WINDOWS if rng.random() < 0.6] or ["morning"]
        WaitlistEntry.objects.create(
            client=user,
            session_type=sports,
            therapist=rng.choice([None, None, *staff]),
            first_day=days[0],
            last_day=rng.choice(days),
            notice_hours=rng.choice([2, 4, 12]),
            joined_at=opening - (entries - n) * MINUTE,
            confirmed_at=opening - (entries - n) * MINUTE,
            **{w: w in windows for w in WaitlistEntry.WINDOWS},
        )
    return {"opening": opening, "sports": sports}


def _run(clinic, cancel_at, rng) -> Report:
    from bookings.models import FreedTime, WaitlistOffer
    from bookings.services.booking_changes import booking_cancel
    from bookings.waitlist.answers import offers_lapse
    from bookings.waitlist.offers import waitlist_run

    report = Report()
    answers: dict[int, tuple[dt.datetime, str]] = {}
    cancelled_at: dict[int, dt.datetime] = {}
    now = clinic["opening"]
    last_tick = now + dt.timedelta(hours=30)
    while now <= last_tick:
        minute = int((now - clinic["opening"]) / MINUTE)
        if (booking_id := cancel_at.get(minute)) is not None:
            booking_cancel(booking_id=booking_id, now=now)
            freed = FreedTime.objects.latest("pk")
            cancelled_at[freed.pk] = now
            report.freed += 1
        # The run lapses first; done here first, so the times it passes on are due below too.
        offers_lapse(now=now)
        # Who may be offered each freed time due now, in the list's order, read before the run.
        due = list(
            FreedTime.objects.filter(considered_at__isnull=True, offer_from__lte=now).order_by("offer_from", "pk")
        )
        eligible = {f.pk: _eligible(f, now) for f in due}
        newest = WaitlistOffer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        waitlist_run(now=now)
        made = {
            (o.hold.therapist_id, o.hold.start): o
            for o in WaitlistOffer.objects.filter(pk__gt=newest).select_related("hold").order_by("pk")
        }
        offered_this_run: set[int] = set()
        for f in due:  # in the order the run takes them
            right = next((pk for pk in eligible[f.pk] if pk not in offered_this_run), None)
            offer = made.get((f.therapist_id, f.start))
            if offer is None:
                if right is not None:
                    report.problems.append(f"freed {f.start:%d %H:%M} had a match at {now:%H:%M}, not offered")
                continue
            report.offers += 1
            offered_this_run.add(offer.entry_id)
            _check_offer(offer, f, right, cancelled_at, now, report)
            roll = rng.random()
            verdict = "accept" if roll < 0.5 else "decline" if roll < 0.7 else "silent"
            answers[offer.pk] = (now + rng.randint(1, 20) * MINUTE, verdict)
        if len(made) != sum(1 for f in due if (f.therapist_id, f.start) in made):
            report.problems.append(f"{now:%H:%M}: an offer of a time that was not due")
        _answer(answers, now, clinic, report)
        _check_holds(now, report)
        if now > cancel_at_end(clinic, cancel_at) and _settled():
            break
        now += MINUTE
    report.lapsed = WaitlistOffer.objects.filter(status=WaitlistOffer.Status.LAPSED).count()
    return report


def cancel_at_end(clinic, cancel_at) -> dt.datetime:
    return clinic["opening"] + (max(cancel_at) + 1) * MINUTE


def _settled() -> bool:
    from bookings.models import FreedTime, WaitlistOffer

    return not (
        WaitlistOffer.objects.filter(status=WaitlistOffer.Status.OPEN).exists()
        or FreedTime.objects.filter(considered_at__isnull=True).exists()
    )


def _eligible(freed, now) -> list[int]:
    """The entries that may be offered ``freed`` at ``now``, in the list's order: still on the
    list, suiting it, with no open offer and not offered this time before."""
    from django.db.models import Q

    from bookings.models import WaitlistEntry, WaitlistOffer

    tried = WaitlistOffer.objects.filter(hold__therapist_id=freed.therapist_id, hold__start=freed.start)
    candidates = (
        WaitlistEntry.objects.filter(ended_at__isnull=True, confirmed_at__isnull=False)
        .filter(Q(therapist__isnull=True) | Q(therapist_id=freed.therapist_id))
        .exclude(pk__in=tried.values("entry_id"))
        .exclude(offers__status=WaitlistOffer.Status.OPEN)
    )
    return [e.pk for e in candidates if e.suits(freed.start, now)]


def _check_offer(offer, freed, right, cancelled_at, now, report) -> None:
    """The right entry (the first eligible one not offered another time in this run), and in
    time: within the undo delay plus 60 s of the cancellation."""
    if offer.entry_id != right:
        report.problems.append(f"offer {offer.pk} went to entry {offer.entry_id}, expected {right}")
    if freed.pk in cancelled_at:
        waited = now - cancelled_at[freed.pk]
        report.slowest_offer = max(report.slowest_offer, waited)
        if waited > dt.timedelta(minutes=3) + dt.timedelta(seconds=60):
            report.problems.append(f"offer {offer.pk} came {waited} after its cancellation")


def _answer(answers, now, clinic, report) -> None:
    from bookings.models import WaitlistOffer
    from bookings.services.booking import BookingError
    from bookings.waitlist.answers import OfferError, offer_accept, offer_decline

    for offer_id, (when, verdict) in list(answers.items()):
        if when != now or verdict == "silent":
            continue
        offer = WaitlistOffer.objects.select_related("entry__client", "hold").get(pk=offer_id)
        client = offer.entry.client
        try:
            if verdict == "decline":
                offer_decline(offer_id=offer_id, client=client, now=now)
                report.declined += 1
            else:
                book = functools.partial(_book, offer.hold, client, clinic["sports"], now)
                offer_accept(offer_id=offer_id, client=client, now=now, book=book)
                report.accepted += 1
        except (OfferError, BookingError) as refused:
            if offer.respond_by > now:  # an answer in time is never refused
                report.problems.append(f"offer {offer_id} answered in time and refused: {refused}")


def _book(hold, client, session_type, now):
    """What the offer page's form books: the held time, for the client, fit to be treated."""
    from bookings.services.booking import ClientDetails, HealthAnswers, booking_create
    from clinic.problems import Problem

    return booking_create(
        session_type_id=session_type.pk,
        therapist_id=hold.therapist_id,
        start=hold.start,
        details=ClientDetails(name=client.first_name, email=client.email, phone="07700 900123"),
        answers=HealthAnswers(
            answered_yes=(), main_problem=Problem.SHIN_SPLINTS, preferred_pressure=5, notes="", consent=True
        ),
        idempotency_key=uuid.uuid4(),
        client=client,
        now=now,
    )


def _check_holds(now, report) -> None:
    from django.db.models import Count

    from bookings.models import Booking

    live = Booking.objects.exclude(status=Booking.Status.CANCELLED)
    doubled = live.values("therapist_id", "start").annotate(n=Count("pk")).filter(n__gt=1)
    for row in doubled:
        report.problems.append(f"{now:%H:%M}: therapist {row['therapist_id']} has {row['n']} at {row['start']}")
