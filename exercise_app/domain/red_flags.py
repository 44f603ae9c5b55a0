"""Red-flag screening and in-exercise stop rules: the questions, when to ask them, what a yes means.

Rules, in one place (clinical.md, "Red flags: stop and get care"):

- Questions are asked at onboarding, weekly, whenever pain jumps, and from the exercise player
  when someone feels unwell during a session. Each question belongs to some of those occasions.
- Any yes blocks the routine, shows the care message for the most urgent yes, and alerts the
  physio at once (``alerts.compute_alerts`` makes every yes a critical alert).
- Symptoms that may mean cauda equina, a broken or infected hip, or a heart or stroke problem
  are emergencies. Other symptoms of serious disease, the background risk factors asked once at
  onboarding (past cancer, weak immunity, bone risk, new pain over 50) and no improvement in a
  month mean seeing a doctor today, as clinical.md lists them all under "See a clinician
  urgently"; single background flags predict little on their own (Finucane 2020, IFOMPT), so
  the physio weighs the alert and may resolve it. A fall, or new one-sided nerve symptoms that
  have not settled, mean telling the physio before exercising again.
- Question wording is the project's own, in plain words; it paraphrases the published lists
  (IFOMPT; backes.org.uk and GIRFT cauda equina cards; NHS hip pathways; exercise warning signs
  from Allina Health and Geisinger) rather than copying them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

PAIN_MIN = 0  # the 0-10 numeric rating scale (NRS): 0 = no pain, 10 = worst imaginable
PAIN_MAX = 10
WEEKLY_SCREEN_DAYS = 7  # clinical.md: screen at onboarding, weekly, and when pain jumps
PAIN_JUMP_POINTS = 2  # a meaningful change is >= 2 points (Farrar 2001; Childs 2005; Ostelo 2008)
STOP_PAIN_ABOVE = 5  # pain during a set > 5/10 is high risk (NEMEX-TJR, Ageberg 2010)


class Urgency(StrEnum):
    """What a yes asks the patient to do, most urgent first."""

    EMERGENCY = "emergency"  # call the emergency number or go to A&E now
    URGENT = "urgent"  # see a doctor today (GP or urgent care)
    CONTACT_PHYSIO = "contact_physio"  # the physio checks in before any more exercise


URGENCY_ORDER = (Urgency.EMERGENCY, Urgency.URGENT, Urgency.CONTACT_PHYSIO)


class Group(StrEnum):
    """What a question screens for."""

    CAUDA_EQUINA = "cauda_equina"
    HIP_EMERGENCY = "hip_emergency"
    EXERCISE_WARNING = "exercise_warning"  # heart or stroke warning signs during exercise
    SERIOUS_PATHOLOGY = "serious_pathology"  # cancer, infection, fracture, nerve loss
    PLAN_CHECK = "plan_check"  # not a red flag, but the plan needs the physio's eye first


class Occasion(StrEnum):
    """When a screen is taken."""

    ONBOARDING = "onboarding"
    WEEKLY = "weekly"
    PAIN_JUMP = "pain_jump"
    DURING_EXERCISE = "during_exercise"


@dataclass(frozen=True)
class Question:
    """One yes/no screening question: patient wording, a short label for physios, and its use."""

    id: str
    text: str
    label: str
    urgency: Urgency
    group: Group
    occasions: frozenset[Occasion]


_CHECK_INS = frozenset({Occasion.ONBOARDING, Occasion.WEEKLY, Occasion.PAIN_JUMP})
_ONBOARDING = frozenset({Occasion.ONBOARDING})
_DURING = frozenset({Occasion.DURING_EXERCISE})
_ONBOARDING_AND_WEEKLY = frozenset({Occasion.ONBOARDING, Occasion.WEEKLY})
_WEEKLY = frozenset({Occasion.WEEKLY})

QUESTIONS: tuple[Question, ...] = (
    # Cauda equina (IFOMPT, Finucane 2020; backes.org.uk and GIRFT cards): emergency, at every
    # check-in.
    Question(
        "ce_saddle_numbness",
        "Have you noticed new numbness or an odd feeling between your legs, in your genitals "
        "or around your back passage?",
        "new saddle, genital or anal numbness",
        Urgency.EMERGENCY,
        Group.CAUDA_EQUINA,
        _CHECK_INS,
    ),
    Question(
        "ce_bladder",
        "Have you had new trouble starting to pee or holding it in, or less feeling when you "
        "need to go or when you pee?",
        "new bladder problem",
        Urgency.EMERGENCY,
        Group.CAUDA_EQUINA,
        _CHECK_INS,
    ),
    Question(
        "ce_bowel",
        "Have you lost control of your bowels, or lost feeling when you open them?",
        "bowel incontinence or lost feeling",
        Urgency.EMERGENCY,
        Group.CAUDA_EQUINA,
        _CHECK_INS,
    ),
    Question(
        "ce_sexual",
        "Have you noticed new problems with sex, such as less feeling in your genitals or "
        "trouble with an erection?",
        "new sexual dysfunction",
        Urgency.EMERGENCY,
        Group.CAUDA_EQUINA,
        _CHECK_INS,
    ),
    Question(
        "ce_both_legs",
        "Do you have new pain, numbness, tingling or weakness in both legs at once?",
        "symptoms or weakness in both legs",
        Urgency.EMERGENCY,
        Group.CAUDA_EQUINA,
        _CHECK_INS,
    ),
    # Hip (NHS Gloucestershire hip pathway; Exeter Hip Unit): possible fracture, dislocation or
    # joint infection. Emergency, every check-in.
    Question(
        "hip_fall_no_weight",
        "Have you had a fall and now cannot stand on the leg, or does the leg look shorter or "
        "turned outwards?",
        "fall: cannot bear weight, or leg short and turned out",
        Urgency.EMERGENCY,
        Group.HIP_EMERGENCY,
        _CHECK_INS,
    ),
    Question(
        "hip_hot_swollen",
        "Is your hip hot, red or swollen, and do you also have a fever or feel unwell?",
        "hot swollen hip with fever",
        Urgency.EMERGENCY,
        Group.HIP_EMERGENCY,
        _CHECK_INS,
    ),
    # Warning signs during exercise (Allina Health; Geisinger): emergency, asked from the player.
    Question(
        "ex_chest",
        "Do you have pain, pressure or tightness in your chest, perhaps spreading to your arm, "
        "neck or jaw?",
        "chest pain or pressure",
        Urgency.EMERGENCY,
        Group.EXERCISE_WARNING,
        _DURING,
    ),
    Question(
        "ex_breathless",
        "Are you so short of breath that you cannot talk?",
        "breathless, cannot speak",
        Urgency.EMERGENCY,
        Group.EXERCISE_WARNING,
        _DURING,
    ),
    Question(
        "ex_faint",
        "Have you fainted, or do you feel you are about to faint?",
        "fainting or near-fainting",
        Urgency.EMERGENCY,
        Group.EXERCISE_WARNING,
        _DURING,
    ),
    Question(
        "ex_heartbeat",
        "Is your heart racing or beating unevenly, and not settling when you stop and rest?",
        "racing or irregular heartbeat",
        Urgency.EMERGENCY,
        Group.EXERCISE_WARNING,
        _DURING,
    ),
    Question(
        "ex_sudden_weakness",
        "Have you suddenly gone weak or numb in your face, an arm or a leg?",
        "sudden weakness or numbness",
        Urgency.EMERGENCY,
        Group.EXERCISE_WARNING,
        _DURING,
    ),
    Question(
        "ex_speech_sight",
        "Do you suddenly have trouble speaking, finding words or seeing?",
        "sudden trouble speaking or seeing",
        Urgency.EMERGENCY,
        Group.EXERCISE_WARNING,
        _DURING,
    ),
    # Serious pathology, symptoms (IFOMPT: cancer, infection, fracture; neurological loss):
    # see a doctor today.
    Question(
        "sp_fever",
        "Do you have a fever, or feel hot, shivery and generally unwell?",
        "fever or feeling unwell",
        Urgency.URGENT,
        Group.SERIOUS_PATHOLOGY,
        _CHECK_INS,
    ),
    Question(
        "sp_constant_pain",
        "Is your pain there all the time, even lying still or at night, whatever position you try?",
        "constant pain at rest or at night",
        Urgency.URGENT,
        Group.SERIOUS_PATHOLOGY,
        _CHECK_INS,
    ),
    Question(
        "sp_weakening_leg",
        "Is a leg or foot getting weaker, for example tripping or your foot slapping down?",
        "progressive leg weakness",
        Urgency.URGENT,
        Group.SERIOUS_PATHOLOGY,
        _CHECK_INS,
    ),
    Question(
        "sp_injury",
        "Have you recently had a fall, accident or hard knock that made your back or hip pain "
        "worse?",
        "recent trauma",
        Urgency.URGENT,
        Group.SERIOUS_PATHOLOGY,
        _CHECK_INS,
    ),
    Question(
        "sp_weight_loss",
        "Have you lost weight recently without trying to?",
        "unexplained weight loss",
        Urgency.URGENT,
        Group.SERIOUS_PATHOLOGY,
        _ONBOARDING_AND_WEEKLY,
    ),
    # Serious pathology, background risk factors and slow progress. clinical.md lists every one
    # under "See a clinician urgently", so they are urgent here too, although IFOMPT notes that
    # a single background flag is weak on its own: the physio can resolve the alert once they
    # have weighed it with everything else.
    Question(
        "sp_cancer_history",
        "Have you ever had cancer?",
        "history of cancer",
        Urgency.URGENT,
        Group.SERIOUS_PATHOLOGY,
        _ONBOARDING,
    ),
    Question(
        "sp_immunity",
        "Do you inject drugs, or have an illness or take medicine that weakens your immune system?",
        "IV drug use or immunosuppression",
        Urgency.URGENT,
        Group.SERIOUS_PATHOLOGY,
        _ONBOARDING,
    ),
    Question(
        "sp_bone_risk",
        "Have you been told you have thin bones (osteoporosis), or taken steroid tablets for "
        "3 months or more?",
        "osteoporosis or long-term steroids",
        Urgency.URGENT,
        Group.SERIOUS_PATHOLOGY,
        _ONBOARDING,
    ),
    Question(
        "sp_new_over_50",
        "Are you over 50, and did this pain start in the last few months for no clear reason?",
        "new pain over 50",
        Urgency.URGENT,
        Group.SERIOUS_PATHOLOGY,
        _ONBOARDING,
    ),
    Question(
        "sp_no_improvement",
        "Has your pain not got any better at all over the last month?",
        "no improvement after a month",
        Urgency.URGENT,
        Group.SERIOUS_PATHOLOGY,
        _WEEKLY,
    ),
    # Not red flags, but the physio should look at the plan before more exercise: a fall, even
    # a harmless one, pauses the programme in peer practice (clinical.md, Medbridge); new
    # one-sided nerve symptoms are a stop sign during exercise (clinical.md "Stop this
    # exercise") that needs checking when they have not settled.
    Question(
        "pc_fall",
        "Since your last check, have you had a fall, even one that did not hurt you?",
        "a fall since the last check",
        Urgency.CONTACT_PHYSIO,
        Group.PLAN_CHECK,
        _CHECK_INS,
    ),
    Question(
        "pc_one_leg_nerve",
        "Do you have new pins and needles, numbness or weakness in one leg that has not settled?",
        "new one-sided leg nerve symptoms",
        Urgency.CONTACT_PHYSIO,
        Group.PLAN_CHECK,
        _CHECK_INS,
    ),
)

_BY_ID: dict[str, Question] = {question.id: question for question in QUESTIONS}

EMERGENCY_MESSAGE = (
    "Stop exercising and get emergency help now: call 999 or your local emergency number, or go "
    "straight to the nearest emergency department (A&E). Do not wait to see if it settles. "
    "Your exercises are paused."
)
URGENT_MESSAGE = (
    "Please see a doctor today: contact your GP or an urgent care service (NHS 111 in the UK). "
    "If you get worse quickly, call 999 or your local emergency number. Your exercises are "
    "paused until you have been checked."
)
CONTACT_PHYSIO_MESSAGE = (
    "Your physio needs to check that your plan is still right for you before you exercise "
    "again. Your exercises are paused until then."
)
ALL_CLEAR_MESSAGE = "Thank you. None of the warning signs apply, so carry on with your exercises."
MESSAGES = {
    Urgency.EMERGENCY: EMERGENCY_MESSAGE,
    Urgency.URGENT: URGENT_MESSAGE,
    Urgency.CONTACT_PHYSIO: CONTACT_PHYSIO_MESSAGE,
}


def question(question_id: str) -> Question:
    """Return the question with this id; raise KeyError for an unknown id."""
    return _BY_ID[question_id]


def questions_for(occasion: Occasion) -> tuple[Question, ...]:
    """List the questions asked on an occasion, most urgent first."""
    return tuple(q for q in QUESTIONS if occasion in q.occasions)


def most_urgent(urgencies: Iterable[Urgency]) -> Urgency | None:
    """Pick the most urgent of some urgencies, or None when there are none."""
    present = set(urgencies)
    return next((urgency for urgency in URGENCY_ORDER if urgency in present), None)


@dataclass(frozen=True)
class ScreeningResult:
    """One screen's outcome: what was flagged, whether to block, and what to tell the patient."""

    occasion: Occasion
    urgency: Urgency | None  # the most urgent yes, None when every answer was no
    flagged: tuple[str, ...]  # ids answered yes, in question order
    block_routine: bool
    message: str


def screen(answers: Mapping[str, bool], occasion: Occasion) -> ScreeningResult:
    """Score a completed screen; every question for the occasion must be answered, no others."""
    asked = questions_for(occasion)
    asked_ids = {q.id for q in asked}
    missing = sorted(asked_ids - answers.keys())
    unknown = sorted(answers.keys() - asked_ids)
    problems = []
    if missing:
        problems.append(f"unanswered: {', '.join(missing)}")
    if unknown:
        problems.append(f"not asked on {occasion}: {', '.join(unknown)}")
    if problems:
        raise ValueError(f"incomplete {occasion} screen ({'; '.join(problems)})")
    yes = [q for q in asked if answers[q.id]]
    urgency = most_urgent({q.urgency for q in yes})
    return ScreeningResult(
        occasion=occasion,
        urgency=urgency,
        flagged=tuple(q.id for q in yes),
        block_routine=bool(yes),
        message=ALL_CLEAR_MESSAGE if urgency is None else MESSAGES[urgency],
    )


def _check_pain(score: int, what: str) -> None:
    if not PAIN_MIN <= score <= PAIN_MAX:
        raise ValueError(f"{what} must be {PAIN_MIN} to {PAIN_MAX}, not {score}")


def pain_jumped(previous: int | None, current: int, threshold: int = PAIN_JUMP_POINTS) -> bool:
    """Say whether pain rose by at least `threshold` points since the previous rating."""
    if threshold < 1:
        raise ValueError(f"a pain jump needs a threshold of at least 1 point, not {threshold}")
    _check_pain(current, "current pain")
    if previous is None:
        return False
    _check_pain(previous, "previous pain")
    return current - previous >= threshold


def screening_due(
    last_screened: date | None, today: date, onboarding_done: bool, pain_jump: bool
) -> Occasion | None:
    """Say which screen is due today, if any.

    Onboarding comes first. The weekly screen asks every pain-jump question too, so when both
    are due the weekly one is given.
    """
    if not onboarding_done:
        return Occasion.ONBOARDING
    if last_screened is None or (today - last_screened).days >= WEEKLY_SCREEN_DAYS:
        return Occasion.WEEKLY
    if pain_jump:
        return Occasion.PAIN_JUMP
    return None


class StopCode(StrEnum):
    """Why an exercise was stopped part-way (logged with the session)."""

    NEW_PINS_AND_NEEDLES = "new_pins_and_needles"
    SPREADING_LEG_PAIN = "spreading_leg_pain"
    SHARP_PAIN = "sharp_pain"
    PAIN_TOO_HIGH = "pain_too_high"
    PAIN_RISING = "pain_rising"


@dataclass(frozen=True)
class StopRule:
    """A reason to stop the current exercise, with the sentence the patient sees."""

    code: StopCode
    message: str


# In order of concern: nerve signs first, then mechanical warnings, then the pain level.
# Sources: clinical.md "Stop this exercise"; NEMEX-TJR (Ageberg 2010) for the pain ceiling.
STOP_RULES = {
    StopCode.NEW_PINS_AND_NEEDLES: StopRule(
        StopCode.NEW_PINS_AND_NEEDLES,
        "Stop this exercise: new pins and needles or numbness can mean a nerve is irritated, so "
        "rest and tell your physio if it does not settle.",
    ),
    StopCode.SPREADING_LEG_PAIN: StopRule(
        StopCode.SPREADING_LEG_PAIN,
        "Stop this exercise: pain spreading further down your leg means it is asking too much "
        "today, so rest and tell your physio if it does not settle.",
    ),
    StopCode.SHARP_PAIN: StopRule(
        StopCode.SHARP_PAIN,
        "Stop this exercise: sharp or catching pain, or a joint giving way, is a sign to stop "
        "rather than push through.",
    ),
    StopCode.PAIN_TOO_HIGH: StopRule(
        StopCode.PAIN_TOO_HIGH,
        f"Stop this exercise: your pain went above {STOP_PAIN_ABOVE} out of 10, which is more "
        "than it should cause, so rest and log how you feel.",
    ),
    StopCode.PAIN_RISING: StopRule(
        StopCode.PAIN_RISING,
        "Stop this exercise: pain that climbs with every rep means it is asking too much "
        "today, so rest and log how you feel.",
    ),
}


def stop_reason(
    pain_during_set: int | None, sharp: bool, pins_and_needles: bool, spreading: bool,
    rising: bool = False,
) -> StopRule | None:
    """Say whether to stop the current exercise and why (the most concerning reason):
    ``rising`` when pain went up with each rep."""
    if pain_during_set is not None:
        _check_pain(pain_during_set, "pain during the set")
    if pins_and_needles:
        return STOP_RULES[StopCode.NEW_PINS_AND_NEEDLES]
    if spreading:
        return STOP_RULES[StopCode.SPREADING_LEG_PAIN]
    if sharp:
        return STOP_RULES[StopCode.SHARP_PAIN]
    if pain_during_set is not None and pain_during_set > STOP_PAIN_ABOVE:
        return STOP_RULES[StopCode.PAIN_TOO_HIGH]
    if rising:
        return STOP_RULES[StopCode.PAIN_RISING]
    return None
