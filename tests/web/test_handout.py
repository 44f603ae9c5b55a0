"""The printable handout and its PDF."""

from __future__ import annotations

import io

from exercise_app.handout import qr_svg


def test_handout_page_has_every_exercise_with_frames_and_a_qr_code(client, auth, loop):
    auth.login(loop.physio)
    page = client.get(f"/clinic/patients/{loop.patient.id}/handout").data.decode()
    for name in ("Glute bridge", "Clam", "Knee to chest"):
        assert name in page
    assert "Keep it gentle." in page and "Stop if:" in page
    assert page.count('class="frame"') >= 3 and "<svg" in page
    assert 'class="handout-qr"' in page
    assert "2 sets of 10" in page and "Rest 30 s between sets" in page


def test_handout_pdf_renders_with_the_programme(client, auth, loop):
    from pypdf import PdfReader

    auth.login(loop.physio)
    response = client.get(f"/clinic/patients/{loop.patient.id}/handout.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Paula Patient" in text and "Glute bridge" in text and "Stop if" in text
    assert "Keep it gentle." in text


def test_no_programme_no_handout(client, auth, world, library):
    auth.login(world.physio)
    response = client.get(f"/clinic/patients/{world.patient.id}/handout.pdf")
    assert response.status_code == 404 and b"no programme to print" in response.data


def test_the_qr_code_is_svg():
    svg = qr_svg("http://127.0.0.1:5000/routine")
    assert svg.startswith("<svg") and 'fill="#000"' in svg
    assert "style" not in svg  # the CSP drops style attributes: the code would print black


def test_patients_print_their_own_programme(client, auth, loop):
    from pypdf import PdfReader

    auth.login(loop.patient)
    assert "Print my programme" in client.get("/programme").data.decode()
    page = client.get("/programme/handout").data.decode()
    assert "Your exercise programme, Paula Patient" in page and "From Pat Physio" in page
    assert 'href="/programme"' in page
    response = client.get("/programme/handout.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Glute bridge" in text and "Pat Physio" in text


def test_a_patient_without_a_programme_has_nothing_to_print(client, auth, world, library):
    auth.login(world.patient)
    assert client.get("/programme/handout.pdf").status_code == 404


def test_the_longest_note_allowed_flows_over_pages(client, auth, world, library, app):
    """A table cell cannot split across pages: a note of the longest length allowed made the
    PDF fail (a 500) while it sat in the header's cell."""
    from pypdf import PdfReader

    from exercise_app.models import NOTE_MAX
    from tests.factories import assign

    words = [f"step{n:04d}" for n in range(NOTE_MAX // 9)]  # 8 letters and a space each
    note = " ".join(words)
    assert len(note) <= NOTE_MAX
    assign(app, world.patient.id, world.physio.id, note=note)
    for who, url in ((world.physio, f"/clinic/patients/{world.patient.id}/handout.pdf"),
                     (world.patient, "/programme/handout.pdf")):
        auth.login(who)
        response = client.get(url)
        assert response.status_code == 200
        reader = PdfReader(io.BytesIO(response.data))
        text = " ".join(page.extract_text() for page in reader.pages)
        assert "Note from your physio" in text
        assert words[0] in text and words[-1] in text
        assert "Glute bridge" in text
        auth.logout()
