"""The demo network's participant plans, so that a newcomer sees the whole workflow on the first ``make run``.

Plans for some of the demo participants (referrals/demo.py) of each workforce program who were referred in the
last eight weeks: barriers across the categories, in the participant's words and language, a goal for each;
action steps in every state (not started, under way, done, did not work out, open past their due date), the
ones the program referred for tied to that referral and standing where it does (plans/services.py,
STEP_STATUS_FOR_REFERRAL); weekly check-ins with the progress of each step, a few missed, so that some
participants are due one; and a couple of participants' requests for help waiting in the case managers' queues.

Deterministic: a fixed seed draws the same plans every time, dated back from the day they are loaded, and every
id is a uuid5. Idempotent like the history of referrals: when demo plans are there, they are kept as they are;
``reset`` draws them again from today. Written to the models directly, in bulk, not through plans.services:
a history is not news, and the services would tell the programs' webhook endpoints about every step. The
private links get random tokens, as the service gives them.
"""

import dataclasses
import datetime
import random
import secrets
import uuid
import zoneinfo

from django.conf import settings
from django.utils import timezone

from plans.models import OPEN_STEP_STATUSES, Barrier, CheckIn, Plan, PlanLink, Step, StepEvent, StepProgress
from plans.services import STEP_STATUS_FOR_REFERRAL
from providers.models import TaxonomyTerm
from referrals import demo as referrals_demo
from referrals.models import Participant, Referral, ReferralEvent

SEED = 20261201
NAMESPACE = uuid.UUID("a3f1c7d2-64b5-4e0e-9d1f-2b7c9e5a4f10")
PLANS_PER_PROGRAM = 12
WEEKS = 8  # plans for participants referred in the last eight weeks
HELP_REQUESTS = 3

S = Step.Status
R = Referral.Status
CORE = ["child-care", "transportation", "housing", "health", "legal", "mental-health"]

# Per top-level category: the participant's words, a goal, the steps they agree on (text, who does it), and the
# step a referral is made for; each in English and Spanish, the participant's language.
WORDS = {
    "child-care": {
        "en": (
            ["Nobody can watch my kids while I'm in class.", "My mom watches the baby but she starts work soon."],
            "My children are cared for while I train and work.",
            [
                ("Visit two child care centers near the training site", "participant"),
                ("Apply for the child care subsidy", "participant"),
                ("Check which centers take the subsidy", "case_manager"),
            ],
            "Get a place for my kids at a child care center",
        ),
        "es": (
            [
                "No tengo quién cuide a mis hijos durante las clases.",
                "Mi mamá cuida al bebé pero pronto empieza a trabajar.",
            ],
            "Mis hijos están bien cuidados mientras estudio y trabajo.",
            [
                ("Visitar dos guarderías cerca del lugar de la capacitación", "participant"),
                ("Solicitar la ayuda para el cuidado infantil", "participant"),
                ("Averiguar qué guarderías aceptan la ayuda", "case_manager"),
            ],
            "Conseguir un lugar para mis hijos en una guardería",
        ),
    },
    "transportation": {
        "en": (
            ["The bus doesn't run when my shift starts.", "My car broke down and I can't pay for the repair."],
            "I can get to training and work on time every day.",
            [
                ("Plan the bus route to the job site", "participant"),
                ("Ask about a monthly bus pass", "case_manager"),
                ("Get two quotes for the car repair", "participant"),
            ],
            "Get a bus pass or help with the repair",
        ),
        "es": (
            ["El autobús no pasa a la hora de mi turno.", "Se me descompuso el carro y no puedo pagar el arreglo."],
            "Llego a tiempo a la capacitación y al trabajo todos los días.",
            [
                ("Planear la ruta de autobús al trabajo", "participant"),
                ("Preguntar por un pase mensual de autobús", "case_manager"),
                ("Pedir dos presupuestos para arreglar el carro", "participant"),
            ],
            "Conseguir un pase de autobús o ayuda con el arreglo",
        ),
    },
    "housing": {
        "en": (
            ["I'm behind on rent and got a notice.", "I'm staying on a friend's couch for now."],
            "I have a stable place to live while I finish the program.",
            [
                ("Bring the notice and my pay stubs to the appointment", "participant"),
                ("Call the landlord about a payment plan", "participant"),
                ("Check the rental assistance waitlist", "case_manager"),
            ],
            "Meet with the housing agency about rental assistance",
        ),
        "es": (
            ["Debo un mes de renta y me llegó un aviso.", "Por ahora duermo en el sofá de una amiga."],
            "Tengo un lugar estable donde vivir mientras termino el programa.",
            [
                ("Llevar el aviso y mis talones de pago a la cita", "participant"),
                ("Llamar al dueño para un plan de pagos", "participant"),
                ("Revisar la lista de espera de ayuda con la renta", "case_manager"),
            ],
            "Reunirme con la agencia de vivienda sobre la ayuda con la renta",
        ),
    },
    "health": {
        "en": (
            ["I need a physical for the job offer and have no insurance.", "My back hurts when I stand all day."],
            "My health doesn't keep me from the job I want.",
            [
                ("Fill in the health coverage application", "participant"),
                ("Find a clinic with evening hours", "case_manager"),
            ],
            "See a doctor at the community clinic",
        ),
        "es": (
            [
                "Necesito un examen médico para la oferta de trabajo y no tengo seguro.",
                "Me duele la espalda si estoy de pie todo el día.",
            ],
            "Mi salud no me impide tener el trabajo que quiero.",
            [
                ("Llenar la solicitud de cobertura médica", "participant"),
                ("Buscar una clínica con horario de tarde", "case_manager"),
            ],
            "Ver a un médico en la clínica comunitaria",
        ),
    },
    "legal": {
        "en": (
            ["An old record keeps coming up in background checks.", "My license is suspended over old fines."],
            "Nothing in my past stops me from getting hired.",
            [("Get a copy of my record", "participant"), ("Gather the court papers", "participant")],
            "Meet a lawyer about sealing my record",
        ),
        "es": (
            [
                "Un antecedente viejo sale en las verificaciones de empleo.",
                "Me suspendieron la licencia por multas viejas.",
            ],
            "Nada de mi pasado me impide conseguir trabajo.",
            [("Pedir una copia de mis antecedentes", "participant"), ("Juntar los papeles del juzgado", "participant")],
            "Ver a un abogado para sellar mis antecedentes",
        ),
    },
    "mental-health": {
        "en": (
            ["I've been really stressed and can't sleep.", "I'd like someone to talk to, in the evenings."],
            "I feel well enough to keep going with training.",
            [
                ("Try the free support group on Thursday", "participant"),
                ("Ask my case manager about counselors who speak my language", "participant"),
            ],
            "Start counseling",
        ),
        "es": (
            ["He estado muy estresada y no puedo dormir.", "Me gustaría hablar con alguien, por las tardes."],
            "Me siento con fuerzas para seguir con la capacitación.",
            [
                ("Probar el grupo de apoyo gratuito del jueves", "participant"),
                ("Preguntar por consejeros que hablen español", "participant"),
            ],
            "Empezar a ir a consejería",
        ),
    },
}
OTHER_WORDS = {
    "en": (
        ["I need help with this before I can start working."],
        "This no longer stands in the way of work.",
        [("Gather the documents they ask for", "participant"), ("Call to confirm the appointment", "case_manager")],
        "Go to the appointment with the provider",
    ),
    "es": (
        ["Necesito ayuda con esto antes de empezar a trabajar."],
        "Esto ya no me impide trabajar.",
        [("Juntar los documentos que piden", "participant"), ("Llamar para confirmar la cita", "case_manager")],
        "Ir a la cita con la agencia",
    ),
}
CHECK_IN_NOTES = [
    "Going well; attendance is good this week.",
    "Talked through the bus route; will try it Monday.",
    "Missed a class because of child care; working on it.",
    "Feeling more confident about the interview.",
    "",
]
HELP_NOTES = {
    "en": "I called twice and nobody answered. Can you help?",
    "es": "Llamé dos veces y nadie contestó. ¿Me ayuda?",
}
# A step is under way once its referral is sent (plans.services.referral_attach), then moves as the referral does.
STEP_FOR_REFERRAL = {R.SENT: S.UNDER_WAY, R.RECEIVED: S.UNDER_WAY, **STEP_STATUS_FOR_REFERRAL}


@dataclasses.dataclass
class PlansResult:
    plans: int = 0
    created: int = 0
    barriers: int = 0
    steps: int = 0
    check_ins: int = 0

    def __str__(self) -> str:
        if not self.plans:
            return "no demo participants referred in the last weeks to make plans for"
        return (
            f"{self.plans} participant plans (created {self.created}, kept {self.plans - self.created}), "
            f"{self.barriers} barriers, {self.steps} steps, {self.check_ins} check-ins"
        )


def demo_id(kind: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, kind)


@dataclasses.dataclass(frozen=True)
class SentReferral:
    """A demo participant's referral as it stands, and the statuses it went through (when, which)."""

    id: uuid.UUID
    category: str  # top-level
    sent_at: datetime.datetime
    events: tuple[tuple[datetime.datetime, str], ...]


@dataclasses.dataclass(frozen=True)
class Change:
    at: datetime.datetime
    status: str
    by_participant: bool = False
    referral_status: str = ""


@dataclasses.dataclass
class DrawnStep:
    text: str
    owner: str
    created_at: datetime.datetime
    due_on: datetime.date | None
    changes: list[Change] = dataclasses.field(default_factory=list)
    referral_id: uuid.UUID | None = None
    help: tuple[datetime.datetime, str] | None = None

    @property
    def status(self) -> str:
        return self.changes[-1].status if self.changes else S.PLANNED

    def status_on(self, day: datetime.date) -> str:
        status = S.PLANNED
        for change in self.changes:
            if timezone.localdate(change.at) <= day:
                status = change.status
        return status

    @property
    def done_on(self) -> datetime.date | None:
        return timezone.localdate(self.changes[-1].at) if self.status == S.DONE else None


@dataclasses.dataclass
class DrawnBarrier:
    category: str
    words: str
    goal: str
    identified_on: datetime.date
    steps: list[DrawnStep] = dataclasses.field(default_factory=list)
    resolved_on: datetime.date | None = None


@dataclasses.dataclass
class DrawnPlan:
    number: int  # the participant's, in referrals/demo.py
    participant_id: uuid.UUID
    case_manager_id: int
    language: str
    started_on: datetime.date
    barriers: list[DrawnBarrier] = dataclasses.field(default_factory=list)
    check_ins: list[tuple[datetime.date, str, str]] = dataclasses.field(default_factory=list)  # day, how, note


# ---- reading the demo network ----------------------------------------------------------------------------


def recent_referrals(participant_ids: list[uuid.UUID], since: datetime.datetime) -> dict[uuid.UUID, list[SentReferral]]:
    """The participants' referrals sent since ``since`` and made for no step yet, with their events (two queries)."""
    rows = list(
        Referral.objects.filter(participant_id__in=participant_ids, sent_at__gte=since, plan_step__isnull=True)
        .order_by("sent_at", "pk")
        .values_list("pk", "participant_id", "need__code", "need__parent__code", "sent_at")
    )
    events: dict[uuid.UUID, list] = {}
    for referral_id, status, at in (
        ReferralEvent.objects.filter(referral_id__in=[row[0] for row in rows])
        .order_by("created_at", "pk")
        .values_list("referral_id", "new_status", "created_at")
    ):
        events.setdefault(referral_id, []).append((at, status))
    referrals: dict[uuid.UUID, list[SentReferral]] = {}
    for referral_id, participant_id, code, parent_code, sent_at in rows:
        referrals.setdefault(participant_id, []).append(
            SentReferral(referral_id, parent_code or code, sent_at, tuple(events.get(referral_id, ())))
        )
    return referrals


# ---- drawing the plans ------------------------------------------------------------------------------------


def at(day: datetime.date, hour: float, now: datetime.datetime) -> datetime.datetime:
    """A moment of ``day`` in the network's time zone, never after ``now``."""
    moment = datetime.datetime.combine(day, datetime.time(), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return min(moment + datetime.timedelta(hours=hour), now - datetime.timedelta(minutes=5))


def draw_step(
    rng: random.Random, text: str, owner: str, barrier: DrawnBarrier, today: datetime.date, now: datetime.datetime
) -> DrawnStep:
    """A step the participant or the case manager takes: its due date, and where it got to by today."""
    found = barrier.identified_on
    step = DrawnStep(
        text=text,
        owner=owner,
        created_at=at(found, 10, now),
        due_on=found + datetime.timedelta(days=rng.randint(4, 21)),
    )
    if step.due_on < today:
        status = referrals_demo.pick(rng, {S.DONE: 6, S.NOT_DONE: 1, S.UNDER_WAY: 2, S.PLANNED: 1})
    else:
        status = referrals_demo.pick(rng, {S.PLANNED: 3, S.UNDER_WAY: 3, S.DONE: 1})
    started = min(found + datetime.timedelta(days=rng.randint(0, 3)), today)
    ended = min(max(step.due_on + datetime.timedelta(days=rng.randint(-5, 3)), started), today)
    by_participant = owner == Step.Owner.PARTICIPANT and rng.random() < 0.4  # "I did this", from their link
    if status != S.PLANNED:
        step.changes.append(Change(at(started, 11, now), S.UNDER_WAY))
    if status in (S.DONE, S.NOT_DONE):
        step.changes.append(Change(at(ended, 15, now), status, by_participant=by_participant and status == S.DONE))
    return step


def referral_step(text: str, barrier: DrawnBarrier, referral: SentReferral, rng: random.Random, now) -> DrawnStep:
    """The step a referral was made for: under way once sent, then where each of the referral's moves put it."""
    sent_on = timezone.localdate(referral.sent_at)
    step = DrawnStep(
        text=text,
        owner=Step.Owner.PROVIDER,
        created_at=min(at(barrier.identified_on, 10, now), referral.sent_at),
        due_on=sent_on + datetime.timedelta(days=rng.randint(7, 14)),
        referral_id=referral.id,
    )
    status = S.PLANNED
    for moment, referral_status in referral.events:
        target = STEP_FOR_REFERRAL.get(referral_status)
        if target is not None and target != status:
            step.changes.append(Change(moment, target, referral_status=referral_status))
            status = target
    return step


def draw(programs, participants: dict, referrals: dict, terms: set[str], now: datetime.datetime) -> list[DrawnPlan]:
    """Draw the plans (no queries). ``participants``: {number: (id, organization id, language)}."""
    rng = random.Random(SEED)
    plans = []
    for program in programs:
        candidates = [
            number
            for number, (participant_id, organization_id, _language) in sorted(participants.items())
            if organization_id == program.organization_id and referrals.get(participant_id)
        ]
        for number in sorted(rng.sample(candidates, min(PLANS_PER_PROGRAM, len(candidates)))):
            participant_id, _organization_id, language = participants[number]
            plans.append(
                draw_plan(rng, number, participant_id, program, language, referrals[participant_id], terms, now)
            )
    draw_help_requests(rng, plans, now)
    return plans


def draw_plan(rng, number, participant_id, program, language, referrals, terms, now) -> DrawnPlan:
    today = timezone.localdate(now)
    language = "es" if language == "es" else "en"
    first_sent = timezone.localdate(referrals[0].sent_at)
    plan = DrawnPlan(
        number=number,
        participant_id=participant_id,
        case_manager_id=program.case_manager_id,
        language=language,
        started_on=first_sent - datetime.timedelta(days=rng.randint(1, 6)),
    )
    # A barrier for each category the participant was referred for (two at most), and one or two more.
    referred = {}
    for referral in referrals:
        if referral.category in terms and len(referred) < 2:
            referred.setdefault(referral.category, referral)
    others = [code for code in CORE if code in terms and code not in referred]
    extra = rng.sample(others, min(len(others), referrals_demo.pick(rng, {0: 2, 1: 5, 2: 2})))
    days_open = (today - plan.started_on).days
    for category in [*referred, *extra]:
        words, goal, steps, referral_text = WORDS.get(category, OTHER_WORDS)[language]
        found = plan.started_on
        if category in extra and days_open > 10 and rng.random() < 0.3:
            found += datetime.timedelta(days=rng.randint(7, days_open - 1))  # came up at a check-in
        barrier = DrawnBarrier(category=category, words=rng.choice(words), goal=goal, identified_on=found)
        if category in referred:
            barrier.steps.append(referral_step(referral_text, barrier, referred[category], rng, now))
        for text, owner in rng.sample(steps, min(len(steps), referrals_demo.pick(rng, {1: 2, 2: 3}))):
            barrier.steps.append(draw_step(rng, text, owner, barrier, today, now))
        done_on = [step.done_on for step in barrier.steps]
        if all(done_on) and rng.random() < 0.8:
            barrier.resolved_on = max(done_on)
        plan.barriers.append(barrier)
    # Weekly check-ins from the week after the intake; some weeks missed, and some participants due one now.
    behind = rng.random() < 0.3
    day = plan.started_on + datetime.timedelta(days=7)
    while day <= today:
        held = min(day + datetime.timedelta(days=rng.randint(-1, 1)), today)
        method = referrals_demo.pick(
            rng, {CheckIn.Method.IN_PERSON: 4, CheckIn.Method.PHONE: 4, CheckIn.Method.TEXT: 2, CheckIn.Method.VIDEO: 1}
        )
        note = rng.choice(CHECK_IN_NOTES)
        if rng.random() < 0.85 and not (behind and (today - held).days < 10):
            plan.check_ins.append((held, method, note))
        day += datetime.timedelta(days=7)
    return plan


def draw_help_requests(rng: random.Random, plans: list[DrawnPlan], now: datetime.datetime) -> None:
    """A few participants asked for help, from their link, with an open step of their own, in the last days."""
    open_steps = [
        (plan, step)
        for plan in plans
        for barrier in plan.barriers
        for step in barrier.steps
        if step.status in OPEN_STEP_STATUSES and step.owner == Step.Owner.PARTICIPANT and step.referral_id is None
    ]
    for plan, step in rng.sample(open_steps, min(HELP_REQUESTS, len(open_steps))):
        asked_at = max(now - datetime.timedelta(hours=rng.uniform(3, 60)), step.created_at)
        step.help = (asked_at, HELP_NOTES[plan.language])


# ---- writing them ------------------------------------------------------------------------------------------


def load_plans(users: list[dict], *, reset: bool = False, now: datetime.datetime | None = None) -> PlansResult:
    """Create the demo plans unless they are there (``reset``: draw them again from today). The caller owns the
    transaction, and has loaded the history of referrals (referrals/demo.py) the plans build on."""
    now = now or timezone.now()
    plan_ids = [demo_id(f"plan/{number}") for number in range(referrals_demo.PARTICIPANTS)]
    if reset:
        Plan.objects.filter(pk__in=plan_ids).delete()
    existing = Plan.objects.filter(pk__in=plan_ids)
    if existing.exists():
        return PlansResult(
            plans=existing.count(),
            barriers=Barrier.objects.filter(plan__in=existing).count(),
            steps=Step.objects.filter(barrier__plan__in=existing).count(),
            check_ins=CheckIn.objects.filter(plan__in=existing).count(),
        )
    programs = referrals_demo.programs_of(users)
    numbers = {
        referrals_demo.history_id("participant", number): number for number in range(referrals_demo.PARTICIPANTS)
    }
    participants = {
        numbers[participant_id]: (participant_id, organization_id, language)
        for participant_id, organization_id, language in Participant.objects.filter(
            pk__in=numbers, erasure__isnull=True, plan__isnull=True
        ).values_list("pk", "organization_id", "preferred_language")
    }
    referrals = recent_referrals(
        [participant_id for participant_id, *_rest in participants.values()], now - datetime.timedelta(weeks=WEEKS)
    )
    terms = dict(TaxonomyTerm.objects.categories().filter(parent__isnull=True).values_list("code", "pk"))
    plans = draw(programs, participants, referrals, set(terms), now)
    return write(plans, terms, now)


def write(plans: list[DrawnPlan], terms: dict[str, int], now: datetime.datetime) -> PlansResult:
    rows: dict[type, list] = {model: [] for model in (Plan, PlanLink, Barrier, Step, StepEvent, CheckIn, StepProgress)}
    for plan in plans:
        plan_id = demo_id(f"plan/{plan.number}")
        started_at = at(plan.started_on, 9, now)
        steps = [step for barrier in plan.barriers for step in barrier.steps]
        last_change = max([started_at, *(change.at for step in steps for change in step.changes)])
        rows[Plan].append(
            Plan(
                id=plan_id,
                participant_id=plan.participant_id,
                started_on=plan.started_on,
                case_manager_id=plan.case_manager_id,
                created_at=started_at,
                updated_at=last_change,
            )
        )
        rows[PlanLink].append(
            PlanLink(
                plan_id=plan_id,
                token=secrets.token_urlsafe(),
                expires_at=started_at + datetime.timedelta(days=settings.PLAN_LINK_DAYS),
                created_at=started_at,
            )
        )
        drawn_ids = {}
        for barrier_number, barrier in enumerate(plan.barriers):
            barrier_id = demo_id(f"plan/{plan.number}/barrier/{barrier_number}")
            rows[Barrier].append(
                Barrier(
                    id=barrier_id,
                    plan_id=plan_id,
                    category_id=terms[barrier.category],
                    in_their_words=barrier.words,
                    goal=barrier.goal,
                    identified_on=barrier.identified_on,
                    resolved_on=barrier.resolved_on,
                    created_by_id=plan.case_manager_id,
                    created_at=at(barrier.identified_on, 9.5, now),
                    updated_at=at(barrier.resolved_on or barrier.identified_on, 16, now),
                )
            )
            for position, step in enumerate(barrier.steps):
                step_id = demo_id(f"plan/{plan.number}/barrier/{barrier_number}/step/{position}")
                drawn_ids[id(step)] = step_id
                rows[Step].append(
                    Step(
                        id=step_id,
                        barrier_id=barrier_id,
                        text=step.text,
                        owner=step.owner,
                        due_on=step.due_on,
                        status=step.status,
                        done_on=step.done_on,
                        referral_id=step.referral_id,
                        help_requested_at=step.help[0] if step.help else None,
                        help_note=step.help[1] if step.help else "",
                        position=position,
                        created_by_id=plan.case_manager_id,
                        created_at=step.created_at,
                        updated_at=max([step.created_at, *(change.at for change in step.changes)]),
                    )
                )
                old_status = S.PLANNED
                for number, change in enumerate(step.changes):
                    moved_by_staff = not (change.by_participant or change.referral_status)
                    rows[StepEvent].append(
                        StepEvent(
                            id=demo_id(f"plan/{plan.number}/barrier/{barrier_number}/step/{position}/event/{number}"),
                            step_id=step_id,
                            old_status=old_status,
                            new_status=change.status,
                            actor_id=plan.case_manager_id if moved_by_staff else None,
                            by_participant=change.by_participant,
                            referral_status=change.referral_status,
                            created_at=change.at,
                        )
                    )
                    old_status = change.status
        previous = plan.started_on
        for number, (held_on, method, note) in enumerate(plan.check_ins):
            check_in_id = demo_id(f"plan/{plan.number}/check-in/{number}")
            rows[CheckIn].append(
                CheckIn(
                    id=check_in_id,
                    plan_id=plan_id,
                    held_on=held_on,
                    method=method,
                    note=note,
                    recorded_by_id=plan.case_manager_id,
                    created_at=at(held_on, 14, now),
                )
            )
            # Progress on each step there was that day and that was not finished before the last check-in.
            for barrier in plan.barriers:
                if barrier.identified_on > held_on:
                    continue
                for step in barrier.steps:
                    if step.status_on(held_on) in OPEN_STEP_STATUSES or step.status_on(previous) != step.status_on(
                        held_on
                    ):
                        rows[StepProgress].append(
                            StepProgress(
                                check_in_id=check_in_id, step_id=drawn_ids[id(step)], status=step.status_on(held_on)
                            )
                        )
            previous = held_on
    referrals_demo.create_backdated(rows[Plan], ["created_at", "updated_at"])
    PlanLink.objects.bulk_create(rows[PlanLink])
    referrals_demo.create_backdated(rows[Barrier], ["updated_at"])
    referrals_demo.create_backdated(rows[Step], ["updated_at"])
    StepEvent.objects.bulk_create(rows[StepEvent])
    CheckIn.objects.bulk_create(rows[CheckIn])
    StepProgress.objects.bulk_create(rows[StepProgress])
    return PlansResult(
        plans=len(rows[Plan]),
        created=len(rows[Plan]),
        barriers=len(rows[Barrier]),
        steps=len(rows[Step]),
        check_ins=len(rows[CheckIn]),
    )
