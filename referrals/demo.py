"""A plausible history of referrals for the demo network, so dashboards and reports show something real.

Six months of referrals from the two workforce programs (the case managers of the network file,
carol's and dave's) to the demo services that take referrals through the directory, in every status:
most answered within one to three business days, a few overdue now, some declined for capacity or
eligibility, completed or not, outcomes recorded, some rated by their participants. A few searches
that found nothing, too, so that the unmet-needs chart has something to show.

Deterministic: a fixed seed draws the same history every time, relative to the day it is loaded
(like the network file's ``*_days_ago``), and every id is a uuid5. Idempotent: a referral that is
already there is kept as it is, with everything hanging off it, so a second load changes nothing;
``reset`` draws the history again from today.

Written to the models directly, in bulk, and not through referrals.services: a history is not news,
and the services would e-mail each provider and case manager about every step (outside DEBUG, for
real). The participants' private links get random tokens, as the service gives them: a token must
not be guessable from this file.
"""

import dataclasses
import datetime
import random
import secrets
import uuid
import zoneinfo

from django.conf import settings
from django.db.models import Prefetch, Q
from django.utils import timezone

from directory.models import Membership
from providers.models import Service, TaxonomyTerm
from referrals.models import Consent, Feedback, Participant, ParticipantLink, Referral, ReferralEvent
from search.geography import place_for_zip
from search.models import UnmetSearch

SEED = 20260401
NAMESPACE = uuid.UUID("5b0f4d36-0c3e-4c55-9a43-6d8f2a7d1e90")
REFERRALS = 230
PARTICIPANTS = 150
DAYS = 182  # six months back from the load day
RECENT, OVERDUE, FRESH = 16, 2, 2  # the last referrals: sent this week; unanswered for days; sent just now
# Demo searches that found nothing carry this in ``filters``, so that a reset can find them again.
DEMO_SEARCH_MARK = {"source": "demo history"}

S = Referral.Status
ZIP_CODES = [
    "80219", "80219", "80219", "80204", "80205", "80211", "80216", "80216", "80220", "80223", "80226",
    "80010", "80010", "80011", "80012", "80221", "80229", "80233", "80110", "80120", "80002", "80014",
    "80247", "80214", "80218", "80203", "80239",
]  # fmt: skip
INITIALS = "AAABCCDDEFGHIJJKLLMMMNOPRRSSTVWY"
NOTES = {
    "child-care": [
        "Starts a full-time training cohort next month and needs care for a toddler, 7:30 to 4.",
        "Works early shifts; needs care that opens by 6:30.",
        "Two children, 2 and 4. Asked about the sliding fee.",
    ],
    "transportation": [
        "Starts a warehouse job on the night shift; no bus at that hour.",
        "Car needs brakes before the first week of the apprenticeship.",
    ],
    "housing": [
        "Behind one month on rent after a gap between jobs; has a notice to pay.",
        "Staying with family short term; looking for something near the training site.",
    ],
    "legal": ["An old record keeps coming up in background checks.", "Needs help reinstating a driver's license."],
    "health": ["No insurance since the last job ended; needs a check-up for a job offer."],
    "mental-health": ["Asked for someone to talk to; prefers evening appointments."],
}
GENERIC_NOTES = [
    "In our job training program; this would help them keep going.",
    "Prefers a call in the afternoon.",
    "",
]
DECLINE_NOTES = {
    Referral.DeclineReason.NO_CAPACITY: "No openings right now; we added them to our waitlist.",
    Referral.DeclineReason.NOT_ELIGIBLE: "Household income is above our limit.",
    Referral.DeclineReason.COULD_NOT_CONTACT: "Called three times and left messages.",
    Referral.DeclineReason.DUPLICATE: "Already referred last week.",
    Referral.DeclineReason.OTHER: "Outside the area we serve.",
}
COMMENTS = {
    "en": [
        "Staff were kind and explained everything.",
        "It took a while but they helped.",
        "The bus ride was long.",
        "They called me back the same day.",
    ],
    "es": ["Muy amables, me ayudaron rápido.", "Tuve que esperar mucho.", "Me explicaron todo en español."],
}
# What was looked for and where, when nothing was found: (words, category, ZIP code, how many times).
UNMET_SEARCHES = [
    ("overnight infant care", "daycare", "80010", 5),
    ("child care weekends", "daycare", "80011", 4),
    ("", "drop-in-child-care", "80229", 3),
    ("vietnamese counseling", "counseling", "80012", 3),
    ("amharic lawyer", "legal-advice", "80247", 2),
    ("eviction help arvada", "eviction-defense", "80002", 3),
    ("shelter for fathers with kids", "emergency-shelter", "80216", 4),
    ("car repair loan", "car-repair", "80233", 2),
    ("cdl training evenings", "skills-training", "80221", 3),
    ("detox", "substance-use-treatment", "80120", 2),
    ("dental saturday", "dental-care", "80014", 2),
    ("bus pass littleton", "bus-passes", "80120", 2),
    ("", "rental-assistance", "80110", 3),
    ("ged arabic", "high-school-equivalency", "80247", 1),
]


@dataclasses.dataclass
class HistoryResult:
    referrals: int = 0
    created: int = 0
    participants: int = 0
    searches: int = 0

    def __str__(self) -> str:
        if not self.referrals:
            return "no workforce program or services to make a history of referrals from"
        return (
            f"{self.referrals} referrals (created {self.created}, kept {self.referrals - self.created}), "
            f"{self.participants} participants, {self.searches} searches that found nothing"
        )


def history_id(kind: str, number: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{kind}/{number}")


@dataclasses.dataclass(frozen=True)
class Program:
    organization_id: uuid.UUID
    case_manager_id: int
    prefix: str  # of the participants' ids in the program's case system


@dataclasses.dataclass(frozen=True)
class Listing:
    service_id: uuid.UUID
    organization_id: uuid.UUID
    need_id: uuid.UUID
    need_code: str  # its top-level category
    location_id: uuid.UUID | None
    capacity: str
    editor_id: int | None  # who acts for the provider, when the demo has someone there


@dataclasses.dataclass
class Step:
    at: datetime.datetime
    status: str
    by_referrer: bool
    reason: str = ""
    note: str = ""


@dataclasses.dataclass
class Plan:
    """One referral's whole life as drawn; what has not happened by the load time is cut off."""

    number: int
    participant: int
    listing: Listing
    sent_at: datetime.datetime
    urgency: str
    note: str
    steps: list[Step] = dataclasses.field(default_factory=list)
    appointment_at: datetime.datetime | None = None
    outcome: tuple[datetime.datetime, str] | None = None  # (recorded at, need met)
    answer: tuple[datetime.datetime, bool, int, str, str] | None = None  # (at, connected, rating, barrier, comment)


# ---- reading the network ---------------------------------------------------------------------------


def programs_of(users: list[dict]) -> list[Program]:
    """Return the workforce programs of the network file's case managers (a query or two)."""
    organization_ids = {
        membership["organization_id"]: entry["username"]
        for entry in users
        for membership in entry.get("memberships", [])
        if membership["role"] == Membership.Role.CASE_MANAGER
    }
    memberships = Membership.objects.filter(
        organization_id__in=organization_ids,
        user__username__in=organization_ids.values(),
        role=Membership.Role.CASE_MANAGER,
    ).select_related("organization", "user")
    programs = [
        Program(
            organization_id=membership.organization_id,
            case_manager_id=membership.user_id,
            prefix="".join(word[0] for word in membership.organization.name.split() if word[0].isalpha()).upper(),
        )
        for membership in memberships
    ]
    return sorted(programs, key=lambda program: program.prefix)


def listings_for(programs: list[Program]) -> list[Listing]:
    """Return the listed demo services that take referrals through the directory, by name (a few queries)."""
    services = (
        Service.objects.listed()
        .filter(organization__is_demo=True, referral_method=Service.ReferralMethod.ELECTRONIC)
        .exclude(organization_id__in=[program.organization_id for program in programs])
        .prefetch_related(
            Prefetch("categories", queryset=TaxonomyTerm.objects.select_related("parent").order_by("code")),
            "service_at_locations",
        )
        .order_by("name")
    )
    editors = dict(
        Membership.objects.filter(role=Membership.Role.AGENCY_EDITOR)
        .order_by("user__username")
        .values_list("organization_id", "user_id")
    )
    listings = []
    for service in services:
        categories = list(service.categories.all())
        if not categories:
            continue
        need = categories[0]
        places = sorted(service.service_at_locations.all(), key=lambda place: str(place.location_id))
        listings.append(
            Listing(
                service_id=service.pk,
                organization_id=service.organization_id,
                need_id=need.pk,
                need_code=need.parent.code if need.parent else need.code,
                location_id=places[0].location_id if places else None,
                capacity=service.capacity_status,
                editor_id=editors.get(service.organization_id),
            )
        )
    return listings


# ---- drawing the history -----------------------------------------------------------------------------


def working_time(moment: datetime.datetime) -> datetime.datetime:
    """Move a moment into office hours (weekdays, 8 to 5), where staff act. Draws nothing: the same
    seed makes the same decisions whatever day the history is loaded."""
    moment = moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
    if moment.hour >= 17:
        moment = (moment + datetime.timedelta(days=1)).replace(hour=8)
    elif moment.hour < 8:
        moment = moment.replace(hour=8)
    while moment.weekday() >= 5:
        moment = (moment + datetime.timedelta(days=1)).replace(hour=8)
    return moment


def after_business_days(moment: datetime.datetime, days: float) -> datetime.datetime:
    """Return the moment ``days`` business days later (weekends skipped), in office hours."""
    whole = int(days)
    while whole:
        moment += datetime.timedelta(days=1)
        if moment.weekday() < 5:
            whole -= 1
    return working_time(moment + datetime.timedelta(hours=(days - int(days)) * 9))


def pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def draw(programs: list[Program], listings: list[Listing], now: datetime.datetime) -> tuple[list[dict], list[Plan]]:
    """Draw the participants and the referrals' whole lives (no queries)."""
    rng = random.Random(SEED)
    participants = []
    for number in range(PARTICIPANTS):
        program = programs[0] if len(programs) == 1 or rng.random() < 0.55 else programs[1]
        language = "es" if rng.random() < 0.35 else "en"
        contact = pick(rng, {"none": 5, "phone": 3, "text": 2, "email": 1})
        participants.append(
            {
                "number": number,
                "program": program,
                "display_name": f"{rng.choice(INITIALS)}. {rng.choice(INITIALS)}.",
                "language": language,
                "zip_code": rng.choice(ZIP_CODES),
                "contact": contact,
                "phone": f"(303) 555-01{number % 100:02d}" if contact in ("phone", "text") else "",
                "email": f"participant{number}@example.org" if contact == "email" else "",
                "external_id": f"{program.prefix}-{1040 + number}",
            }
        )

    # The agencies with demo users (alice's and bob's) get the most referrals; two others are slow to answer.
    ordered = sorted(listings, key=lambda listing: str(listing.service_id))
    popular = sorted(rng.sample(range(len(ordered)), k=min(24, len(ordered))))
    weights = [6 if listing.editor_id else 3 if index in popular else 0.4 for index, listing in enumerate(ordered)]
    slow = {ordered[index].service_id for index in popular if not ordered[index].editor_id}
    slow = set(sorted(slow, key=str)[:2])

    plans = []
    for number in range(REFERRALS):
        participant = participants[number] if number < PARTICIPANTS else rng.choice(participants)
        listing = rng.choices(ordered, weights=weights)[0]
        # Every referral draws the same numbers, whichever branch uses them, so that each draws the same life.
        moment, hour, never_answered = rng.random(), rng.randrange(8, 17), rng.random() < 0.05
        if number >= REFERRALS - FRESH:
            sent_at = now - datetime.timedelta(minutes=20 + moment * 70)
        elif number >= REFERRALS - FRESH - OVERDUE:
            sent_at = working_time(now - datetime.timedelta(days=5 + moment * 4))
            never_answered = True
        elif number >= REFERRALS - RECENT:
            sent_at = now - datetime.timedelta(hours=1 + moment * 8 * 24)
        else:
            day = timezone.localtime(now) - datetime.timedelta(days=1 + moment * (DAYS - 1))
            sent_at = working_time(day.replace(hour=hour))
        notes = NOTES.get(listing.need_code, []) + GENERIC_NOTES
        plan = Plan(
            number=number,
            participant=participant["number"],
            listing=listing,
            sent_at=min(sent_at, now - datetime.timedelta(minutes=20)),
            urgency=pick(rng, {Referral.Urgency.ROUTINE: 14, Referral.Urgency.SOON: 5, Referral.Urgency.URGENT: 2}),
            note=rng.choice(notes),
        )
        draw_life(plan, participant["language"], slow=listing.service_id in slow, silent=never_answered, rng=rng)
        if number >= REFERRALS - FRESH:
            postpone(plan, datetime.timedelta(days=1))  # just sent: nobody has opened them yet
        elif number >= REFERRALS - FRESH - OVERDUE:
            # Overdue today: one was opened and left, the other never opened.
            plan.steps = [step for step in plan.steps if step.status != S.RECEIVED]
            if number % 2:
                plan.steps.insert(0, Step(plan.sent_at + datetime.timedelta(hours=3), S.RECEIVED, by_referrer=False))
        plans.append(plan)
    return participants, plans


def postpone(plan: Plan, delay: datetime.timedelta) -> None:
    for step in plan.steps:
        step.at += delay
    if plan.appointment_at is not None:
        plan.appointment_at += delay
    if plan.outcome is not None:
        plan.outcome = (plan.outcome[0] + delay, plan.outcome[1])
    if plan.answer is not None:
        plan.answer = (plan.answer[0] + delay, *plan.answer[1:])


def draw_life(plan: Plan, language: str, *, slow: bool, silent: bool, rng: random.Random) -> None:
    """Draw what happens after sending: opened, answered, scheduled, finished, recorded, rated."""
    steps = plan.steps
    if silent:
        # The provider never answers; after two weeks or so the case manager gives up.
        opened = after_business_days(plan.sent_at, rng.uniform(0.1, 2))
        if rng.random() < 0.5:
            steps.append(Step(opened, S.RECEIVED, by_referrer=False))
        gave_up = after_business_days(plan.sent_at, rng.uniform(9, 12))
        steps.append(Step(gave_up, S.CANCELLED, by_referrer=True, note="No answer; referred elsewhere."))
        finished = gave_up
    else:
        if slow:
            wait = rng.uniform(3, 8)
        else:
            wait = pick(rng, {(0.1, 1): 35, (1, 2): 45, (2, 3): 15, (3, 6): 5})
            wait = rng.uniform(*wait)
        answered = after_business_days(plan.sent_at, wait)
        opened = plan.sent_at + (answered - plan.sent_at) * rng.uniform(0.05, 0.5)
        steps.append(Step(opened, S.RECEIVED, by_referrer=False))
        limited = plan.listing.capacity != Service.Capacity.ACCEPTING
        if rng.random() < (0.45 if limited else 0.12):
            reason = pick(
                rng,
                {
                    Referral.DeclineReason.NO_CAPACITY: 16 if limited else 4,
                    Referral.DeclineReason.NOT_ELIGIBLE: 4,
                    Referral.DeclineReason.COULD_NOT_CONTACT: 2,
                    Referral.DeclineReason.DUPLICATE: 1,
                    Referral.DeclineReason.OTHER: 1,
                },
            )
            steps.append(Step(answered, S.DECLINED, by_referrer=False, reason=reason, note=DECLINE_NOTES[reason]))
            finished = answered
        else:
            steps.append(Step(answered, S.ACCEPTED, by_referrer=False))
            finished = draw_service(plan, answered, rng)
    last = steps[-1].status
    if rng.random() < 0.85:
        recorded = after_business_days(finished, rng.uniform(1, 8))
        need_met = {
            S.COMPLETED: {"fully": 14, "partly": 5, "not": 1},
            S.NOT_COMPLETED: {"partly": 1, "not": 4},
        }.get(last, {"partly": 1, "not": 9})
        plan.outcome = (recorded, pick(rng, need_met))
        steps.append(Step(recorded, S.CLOSED, by_referrer=True))
    if last in (S.COMPLETED, S.NOT_COMPLETED) and rng.random() < 0.5:
        completed = last == S.COMPLETED
        rating = pick(rng, {5: 9, 4: 7, 3: 2, 2: 1, 1: 1}) if completed else pick(rng, {1: 2, 2: 3, 3: 2})
        barrier = (
            pick(rng, {"none": 7, "transportation": 1, "hours": 1, "wait": 1})
            if completed
            else pick(rng, {"transportation": 3, "hours": 3, "cost": 1, "language": 1, "wait": 2, "other": 1})
        )
        comment = rng.choice(COMMENTS[language]) if rng.random() < 0.4 else ""
        answered_at = finished + datetime.timedelta(hours=rng.uniform(20, 24 * 7))
        plan.answer = (answered_at, completed or rng.random() < 0.4, rating, barrier, comment)


def draw_service(plan: Plan, accepted: datetime.datetime, rng: random.Random) -> datetime.datetime:
    """Draw what follows an acceptance; return when the referral finished."""
    steps = plan.steps
    if rng.random() < 0.04:
        cancelled = after_business_days(accepted, rng.uniform(1, 5))
        steps.append(Step(cancelled, S.CANCELLED, by_referrer=True, note="Found a spot closer to home."))
        return cancelled
    if rng.random() < 0.8:
        scheduled = after_business_days(accepted, rng.uniform(0.1, 1))
        appointment = after_business_days(scheduled, rng.uniform(2, 10)).replace(minute=0)
        plan.appointment_at = appointment
        steps.append(Step(scheduled, S.SCHEDULED, by_referrer=False))
        ended = working_time(appointment + datetime.timedelta(hours=rng.uniform(1, 30)))
    else:
        ended = after_business_days(accepted, rng.uniform(3, 15))
    if rng.random() < 0.78:
        steps.append(Step(ended, S.COMPLETED, by_referrer=False))
    else:
        reason = pick(
            rng,
            {
                Referral.NotCompletedReason.NO_SHOW: 5,
                Referral.NotCompletedReason.PARTICIPANT_DECLINED: 2,
                Referral.NotCompletedReason.COULD_NOT_CONTACT: 2,
                Referral.NotCompletedReason.OTHER: 1,
            },
        )
        steps.append(Step(ended, S.NOT_COMPLETED, by_referrer=False, reason=reason))
    return ended


# ---- writing it ----------------------------------------------------------------------------------------


def load_history(users: list[dict], *, reset: bool = False, now: datetime.datetime | None = None) -> HistoryResult:
    """Create the demo history that is missing (``reset``: draw it again from today). The caller owns the transaction.

    ``users`` are the network file's users: their case managers' programs are the referrers.
    """
    now = now or timezone.now()
    programs = programs_of(users)
    listings = listings_for(programs)
    if not programs or len(listings) < 10:
        return HistoryResult()
    participants, plans = draw(programs, listings, now)
    referral_ids = [history_id("referral", plan.number) for plan in plans]
    participant_ids = [history_id("participant", entry["number"]) for entry in participants]
    if reset:
        remove(referral_ids, participant_ids)
    existing = set(Referral.objects.filter(pk__in=referral_ids).values_list("pk", flat=True))
    existing_participants = set(Participant.objects.filter(pk__in=participant_ids).values_list("pk", flat=True))
    new_plans = [plan for plan in plans if history_id("referral", plan.number) not in existing]
    first_sent = {}
    for plan in plans:
        first_sent[plan.participant] = min(first_sent.get(plan.participant, plan.sent_at), plan.sent_at)

    new_participants, consents = [], []
    for entry in participants:
        participant_id = history_id("participant", entry["number"])
        if participant_id in existing_participants:
            continue
        program = entry["program"]
        given_at = first_sent[entry["number"]] - datetime.timedelta(minutes=20)
        new_participants.append(
            Participant(
                id=participant_id,
                organization_id=program.organization_id,
                display_name=entry["display_name"],
                preferred_language=entry["language"],
                zip_code=entry["zip_code"],
                contact_preference=entry["contact"],
                phone=entry["phone"],
                email=entry["email"],
                external_id=entry["external_id"],
                created_by_id=program.case_manager_id,
                created_at=given_at,
                updated_at=given_at,
            )
        )
        consents.append(
            Consent(
                id=history_id("consent", entry["number"]),
                participant_id=participant_id,
                scope=Consent.Scope.REFERRAL_AND_CONTACT if entry["contact"] != "none" else Consent.Scope.REFERRAL,
                method=Consent.Method.VERBAL if entry["number"] % 3 else Consent.Method.WRITTEN,
                given_at=given_at,
                recorded_by_id=program.case_manager_id,
            )
        )
    by_number = {entry["number"]: entry for entry in participants}
    referrals, events, feedback, links = [], [], [], []
    for plan in new_plans:
        referral, referral_events, referral_feedback = materialize(plan, by_number[plan.participant], now)
        referrals.append(referral)
        events += referral_events
        if referral_feedback is not None:
            feedback.append(referral_feedback)
        links.append(
            ParticipantLink(
                referral_id=referral.pk,
                token=secrets.token_urlsafe(),
                expires_at=plan.sent_at + datetime.timedelta(days=settings.PARTICIPANT_LINK_DAYS),
                created_at=plan.sent_at,
            )
        )
    create_backdated(new_participants, ["created_at", "updated_at"])
    Consent.objects.bulk_create(consents)
    create_backdated(referrals, ["updated_at"])
    ReferralEvent.objects.bulk_create(events)
    Feedback.objects.bulk_create(feedback)
    create_backdated(links, ["created_at"])
    searches = load_unmet_searches(now, create=not existing)
    return HistoryResult(
        referrals=len(plans), created=len(referrals), participants=len(participants), searches=searches
    )


def create_backdated(objects: list, fields: list[str]) -> None:
    """Insert rows with the history's times in their auto_now fields, which the insert sets to the load time."""
    if not objects:
        return
    drawn = [[getattr(instance, name) for name in fields] for instance in objects]
    model = type(objects[0])
    model.objects.bulk_create(objects)
    for instance, times in zip(objects, drawn, strict=True):
        for name, value in zip(fields, times, strict=True):
            setattr(instance, name, value)
    model.objects.bulk_update(objects, fields, batch_size=200)


def materialize(plan: Plan, participant: dict, now: datetime.datetime):
    """Return the referral as it stands at ``now``, its events so far, and its feedback (or None)."""
    program = participant["program"]
    listing = plan.listing
    referral_id = history_id("referral", plan.number)
    happened = [step for step in plan.steps if step.at <= now]
    referral = Referral(
        id=referral_id,
        participant_id=history_id("participant", participant["number"]),
        consent_id=history_id("consent", participant["number"]),
        service_id=listing.service_id,
        location_id=listing.location_id,
        referring_organization_id=program.organization_id,
        referred_by_id=program.case_manager_id,
        receiving_organization_id=listing.organization_id,
        need_id=listing.need_id,
        note=plan.note,
        share_contact=participant["contact"] != "none",
        urgency=plan.urgency,
        status=S.SENT,
        sent_at=plan.sent_at,
        updated_at=plan.sent_at,
    )
    events = [
        ReferralEvent(
            id=history_id(f"referral/{plan.number}/event", 0),
            referral_id=referral_id,
            old_status="",
            new_status=S.SENT,
            actor_id=program.case_manager_id,
            note=plan.note,
            created_at=plan.sent_at,
        )
    ]
    for number, step in enumerate(happened, start=1):
        events.append(
            ReferralEvent(
                id=history_id(f"referral/{plan.number}/event", number),
                referral_id=referral_id,
                old_status=referral.status,
                new_status=step.status,
                actor_id=program.case_manager_id if step.by_referrer else listing.editor_id,
                reason=step.reason,
                note=step.note,
                created_at=step.at,
            )
        )
        referral.status = step.status
        referral.updated_at = step.at
        if step.status == S.DECLINED:
            referral.decline_reason = step.reason
        if step.status == S.NOT_COMPLETED:
            referral.not_completed_reason = step.reason
        if step.status == S.SCHEDULED:
            referral.appointment_at = plan.appointment_at
        if step.status in (S.ACCEPTED, S.DECLINED) and referral.first_response_at is None:
            referral.first_response_at = step.at
        if step.status in (S.COMPLETED, S.NOT_COMPLETED, S.DECLINED, S.CANCELLED):
            referral.finished_at = step.at
        if step.status == S.CLOSED:
            referral.closed_at = step.at
    feedback = None
    if plan.outcome is not None and plan.outcome[0] <= now:
        recorded_at, need_met = plan.outcome
        feedback = Feedback(
            referral_id=referral_id, need_met=need_met, recorded_by_id=program.case_manager_id, recorded_at=recorded_at
        )
    if plan.answer is not None and plan.answer[0] <= now:
        answered_at, connected, rating, barrier, comment = plan.answer
        feedback = feedback or Feedback(referral_id=referral_id)
        feedback.participant_connected = connected
        feedback.participant_rating = rating
        feedback.participant_barrier = barrier
        feedback.participant_comment = comment
        feedback.participant_answered_at = answered_at
    return referral, events, feedback


def load_unmet_searches(now: datetime.datetime, *, create: bool) -> int:
    """Add the demo's searches that found nothing, spread over the six months, unless they are there."""
    existing = UnmetSearch.objects.filter(filters=DEMO_SEARCH_MARK).count()
    if existing or not create:
        return existing
    rng = random.Random(SEED + 1)
    searches = []
    for words, category, zip_code, times in UNMET_SEARCHES:
        place = place_for_zip(zip_code)
        for _time in range(times):
            searches.append(
                UnmetSearch(
                    query=words,
                    category=category,
                    filters=DEMO_SEARCH_MARK,
                    zip_code=zip_code,
                    county=place.county if place else "",
                    created_at=now - datetime.timedelta(days=rng.uniform(0, DAYS), minutes=rng.randrange(600)),
                )
            )
    create_backdated(searches, ["created_at"])
    return len(searches)


def remove(referral_ids: list[uuid.UUID], participant_ids: list[uuid.UUID]) -> None:
    """Delete the demo history (events, feedback and links go with their referrals).

    Participants and consents that someone has since referred through the site are kept.
    """
    Referral.objects.filter(pk__in=referral_ids).delete()
    in_use = Q(referrals__isnull=False)
    Consent.objects.filter(participant_id__in=participant_ids).exclude(in_use).delete()
    Participant.objects.filter(pk__in=participant_ids).exclude(in_use).exclude(consents__isnull=False).delete()
    UnmetSearch.objects.filter(filters=DEMO_SEARCH_MARK).delete()
