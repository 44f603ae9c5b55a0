"""The patient's usual pain, set in the progression settings, is what the pain alerts and the
caseload read from the moment it is saved (found by review: they kept the old figure until
the patient's next log)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exercise_app.extensions import db
from exercise_app.models import Alert, AlertStatus, PatientSummary
from tests.factories import assign, log
from tests.web.test_progression import set_usual_pain


def pain_alerts(app, patient_id: int) -> list[Alert]:
    with app.app_context():
        return list(db.session.scalars(select(Alert).where(
            Alert.patient_id == patient_id, Alert.code == "pain_above_baseline",
            Alert.status == AlertStatus.OPEN)))


def summary(app, patient_id: int) -> PatientSummary:
    with app.app_context():
        found = db.session.get(PatientSummary, patient_id)
        assert found is not None
        db.session.expunge(found)
        return found


@pytest.mark.parametrize("usual_before", [None, 8], ids=["unset", "high"])
def test_a_lower_usual_pain_raises_the_pain_alert_at_once(app, client, auth, world, library,
                                                          usual_before):
    """Pain 6 after exercise is no rise over no usual pain (none set, and one session is too
    few to take it from) or over 8; over a usual pain of 2 it is a rise of 4, a high alert."""
    assign(app, world.patient.id, world.physio.id)
    auth.login(world.physio)
    if usual_before is not None:
        set_usual_pain(client, world.patient.id, usual_before)
    log(app, world.patient.id, pain=(6, 6, 6))
    assert pain_alerts(app, world.patient.id) == []
    before = summary(app, world.patient.id)
    assert before.baseline_pain == usual_before

    set_usual_pain(client, world.patient.id, 2)

    [alert] = pain_alerts(app, world.patient.id)
    assert alert.level == "high" and alert.evidence == {"score": 6, "baseline": 2}
    after = summary(app, world.patient.id)
    assert after.baseline_pain == 2
    assert after.open_high == before.open_high + 1
    assert alert.id in [entry[0] for entry in after.open_alerts]
    caseload = client.get("/clinic/patients").data.decode()
    assert "Pain after exercise reached 6/10" in caseload and "(baseline 2)" in caseload
