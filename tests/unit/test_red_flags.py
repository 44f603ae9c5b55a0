from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exercise_app.domain.red_flags import (
    ALL_CLEAR_MESSAGE,
    QUESTIONS,
    URGENCY_ORDER,
    Group,
    Occasion,
    StopCode,
    Urgency,
    pain_jumped,
    question,
    questions_for,
    screen,
    screening_due,
    stop_reason,
)

TODAY = date(2025, 11, 10)


def all_no(occasion: Occasion) -> dict[str, bool]:
    return {q.id: False for q in questions_for(occasion)}


# Every item of clinical.md "Red flags: stop and get care" and the question that covers it.
CLINICAL_MD_ITEMS = {
    "saddle, genital or anal numbness": "ce_saddle_numbness",
    "trouble starting or controlling urine": "ce_bladder",
    "bowel incontinence or reduced feeling": "ce_bowel",
    "new sexual dysfunction": "ce_sexual",
    "symptoms or weakness in both legs": "ce_both_legs",
    "fall, cannot bear weight, leg shortened and turned out": "hip_fall_no_weight",
    "hot swollen hip with fever": "hip_hot_swollen",
    "chest pain or pressure": "ex_chest",
    "breathlessness that stops speech": "ex_breathless",
    "fainting": "ex_faint",
    "racing or irregular heartbeat": "ex_heartbeat",
    "sudden weakness or numbness": "ex_sudden_weakness",
    "trouble speaking or seeing": "ex_speech_sight",
    "history of cancer": "sp_cancer_history",
    "unexplained weight loss": "sp_weight_loss",
    "fever": "sp_fever",
    "IV drug use or immunosuppression": "sp_immunity",
    "trauma": "sp_injury",
    "osteoporosis or long-term steroids": "sp_bone_risk",
    "constant pain at rest or at night": "sp_constant_pain",
    "progressive weakness": "sp_weakening_leg",
    "no improvement after a month": "sp_no_improvement",
    "new pain over 50": "sp_new_over_50",
}


@pytest.mark.parametrize("item, question_id", CLINICAL_MD_ITEMS.items())
def test_every_clinical_red_flag_has_a_question(item, question_id):
    assert question(question_id).label


def test_ids_are_unique_and_questions_are_short_yes_no_questions():
    assert len({q.id for q in QUESTIONS}) == len(QUESTIONS)
    for q in QUESTIONS:
        assert q.text.endswith("?")
        assert len(q.text) <= 120, q.id
        assert q.occasions


def test_emergencies_by_group():
    emergency_groups = {q.group for q in QUESTIONS if q.urgency is Urgency.EMERGENCY}
    assert emergency_groups == {Group.CAUDA_EQUINA, Group.HIP_EMERGENCY, Group.EXERCISE_WARNING}
    for q in QUESTIONS:
        if q.group in emergency_groups:
            assert q.urgency is Urgency.EMERGENCY
        elif q.group is Group.SERIOUS_PATHOLOGY:
            assert q.urgency is Urgency.URGENT  # clinical.md: "See a clinician urgently"
        else:
            assert (q.group, q.urgency) == (Group.PLAN_CHECK, Urgency.CONTACT_PHYSIO)


def test_cauda_equina_and_hip_are_asked_at_every_check_in():
    for q in QUESTIONS:
        if q.group in (Group.CAUDA_EQUINA, Group.HIP_EMERGENCY):
            assert q.occasions == {Occasion.ONBOARDING, Occasion.WEEKLY, Occasion.PAIN_JUMP}


def test_exercise_warnings_are_asked_only_during_exercise():
    during = questions_for(Occasion.DURING_EXERCISE)
    assert {q.group for q in during} == {Group.EXERCISE_WARNING}


def test_history_questions_are_onboarding_only():
    for question_id in ("sp_cancer_history", "sp_immunity", "sp_bone_risk", "sp_new_over_50"):
        assert question(question_id).occasions == {Occasion.ONBOARDING}


def test_weekly_asks_everything_a_pain_jump_asks():
    weekly = set(questions_for(Occasion.WEEKLY))
    assert set(questions_for(Occasion.PAIN_JUMP)) < weekly


@pytest.mark.parametrize("occasion", list(Occasion))
def test_questions_come_most_urgent_first(occasion):
    ranks = [URGENCY_ORDER.index(q.urgency) for q in questions_for(occasion)]
    assert ranks and ranks == sorted(ranks)


def test_all_no_does_not_block():
    result = screen(all_no(Occasion.WEEKLY), Occasion.WEEKLY)
    assert result.urgency is None
    assert result.flagged == ()
    assert not result.block_routine
    assert result.message == ALL_CLEAR_MESSAGE


def test_the_most_urgent_yes_sets_the_message():
    answers = all_no(Occasion.WEEKLY) | {"sp_fever": True, "ce_bladder": True}
    result = screen(answers, Occasion.WEEKLY)
    assert result.urgency is Urgency.EMERGENCY
    assert result.flagged == ("ce_bladder", "sp_fever")
    assert result.block_routine
    assert "999 or your local emergency number" in result.message
    assert "A&E" in result.message


def test_urgent_means_a_doctor_today():
    result = screen(all_no(Occasion.PAIN_JUMP) | {"sp_fever": True}, Occasion.PAIN_JUMP)
    assert result.urgency is Urgency.URGENT
    assert "doctor today" in result.message
    assert result.block_routine


def test_contact_physio_before_exercising_again():
    answers = all_no(Occasion.WEEKLY) | {"pc_fall": True}
    result = screen(answers, Occasion.WEEKLY)
    assert result.urgency is Urgency.CONTACT_PHYSIO
    assert "physio" in result.message
    assert "before you exercise again" in result.message
    assert result.block_routine


def test_during_exercise_emergency():
    answers = all_no(Occasion.DURING_EXERCISE) | {"ex_chest": True}
    result = screen(answers, Occasion.DURING_EXERCISE)
    assert result.urgency is Urgency.EMERGENCY
    assert result.message.startswith("Stop exercising")


def test_a_missing_answer_is_named():
    answers = all_no(Occasion.WEEKLY)
    del answers["ce_bowel"]
    with pytest.raises(ValueError, match="unanswered: ce_bowel"):
        screen(answers, Occasion.WEEKLY)


def test_unknown_and_off_occasion_ids_are_named():
    answers = all_no(Occasion.PAIN_JUMP) | {"sp_cancer_history": False, "made_up": True}
    with pytest.raises(ValueError, match="not asked on pain_jump: made_up, sp_cancer_history"):
        screen(answers, Occasion.PAIN_JUMP)


@given(st.data(), st.sampled_from(list(Occasion)))
def test_any_yes_blocks_with_the_most_urgent_urgency(data, occasion):
    asked = questions_for(occasion)
    answers = {q.id: data.draw(st.booleans(), label=q.id) for q in asked}
    result = screen(answers, occasion)
    yes = [q for q in asked if answers[q.id]]
    assert result.block_routine == bool(yes)
    assert set(result.flagged) == {q.id for q in yes}
    if yes:
        assert result.urgency == min((q.urgency for q in yes), key=URGENCY_ORDER.index)
    else:
        assert result.urgency is None


def test_onboarding_comes_first():
    assert screening_due(None, TODAY, onboarding_done=False, pain_jump=True) is Occasion.ONBOARDING
    assert screening_due(TODAY, TODAY, onboarding_done=False, pain_jump=False) is (
        Occasion.ONBOARDING
    )


@pytest.mark.parametrize(
    "days_ago, pain_jump, expected",
    [
        (0, False, None),
        (6, False, None),
        (7, False, Occasion.WEEKLY),
        (30, False, Occasion.WEEKLY),
        (2, True, Occasion.PAIN_JUMP),
        (7, True, Occasion.WEEKLY),  # the weekly screen covers the pain-jump questions
    ],
)
def test_weekly_and_pain_jump_screens(days_ago, pain_jump, expected):
    last = TODAY - timedelta(days=days_ago)
    assert screening_due(last, TODAY, onboarding_done=True, pain_jump=pain_jump) == expected


def test_a_never_screened_patient_is_due_a_weekly_screen():
    assert screening_due(None, TODAY, onboarding_done=True, pain_jump=False) is Occasion.WEEKLY


@pytest.mark.parametrize(
    "previous, current, jumped",
    [(None, 9, False), (3, 4, False), (3, 5, True), (3, 9, True), (5, 3, False), (0, 2, True)],
)
def test_pain_jumped(previous, current, jumped):
    assert pain_jumped(previous, current) is jumped


def test_pain_jump_threshold_is_configurable_and_checked():
    assert pain_jumped(3, 6, threshold=3)
    assert not pain_jumped(3, 5, threshold=3)
    with pytest.raises(ValueError, match="threshold"):
        pain_jumped(3, 5, threshold=0)
    with pytest.raises(ValueError, match="0 to 10"):
        pain_jumped(3, 11)
    with pytest.raises(ValueError, match="0 to 10"):
        pain_jumped(-1, 3)


@pytest.mark.parametrize("pain", [None, 0, 3, 5])
def test_tolerable_pain_does_not_stop_an_exercise(pain):
    assert stop_reason(pain, sharp=False, pins_and_needles=False, spreading=False) is None


def test_pain_above_five_stops_an_exercise():
    rule = stop_reason(6, sharp=False, pins_and_needles=False, spreading=False)
    assert rule is not None
    assert rule.code is StopCode.PAIN_TOO_HIGH


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"sharp": True}, StopCode.SHARP_PAIN),
        ({"pins_and_needles": True}, StopCode.NEW_PINS_AND_NEEDLES),
        ({"spreading": True}, StopCode.SPREADING_LEG_PAIN),
        ({"sharp": True, "spreading": True}, StopCode.SPREADING_LEG_PAIN),
        ({"sharp": True, "pins_and_needles": True}, StopCode.NEW_PINS_AND_NEEDLES),
        ({"rising": True}, StopCode.PAIN_RISING),  # clinical.md: "or rising rep by rep"
        ({"rising": True, "sharp": True}, StopCode.SHARP_PAIN),
    ],
)
def test_warning_signs_stop_an_exercise_whatever_the_pain(kwargs, code):
    flags = {"sharp": False, "pins_and_needles": False, "spreading": False,
             "rising": False} | kwargs
    rule = stop_reason(2, **flags)
    assert rule is not None
    assert rule.code is code
    assert rule.message.startswith("Stop this exercise: ")
    assert rule.message.endswith(".")


def test_stop_reason_checks_the_pain_scale():
    with pytest.raises(ValueError, match="0 to 10"):
        stop_reason(11, sharp=False, pins_and_needles=False, spreading=False)


@given(
    pain=st.none() | st.integers(0, 10),
    sharp=st.booleans(),
    pins=st.booleans(),
    spreading=st.booleans(),
    rising=st.booleans(),
)
def test_stop_exactly_when_a_rule_applies(pain, sharp, pins, spreading, rising):
    rule = stop_reason(pain, sharp=sharp, pins_and_needles=pins, spreading=spreading,
                       rising=rising)
    should_stop = sharp or pins or spreading or rising or (pain is not None and pain > 5)
    assert (rule is not None) == should_stop


def test_background_risk_factors_mean_a_clinician_today_as_clinical_md_says():
    answers = all_no(Occasion.ONBOARDING) | {"sp_cancer_history": True}
    result = screen(answers, Occasion.ONBOARDING)
    assert result.urgency is Urgency.URGENT and "doctor today" in result.message
