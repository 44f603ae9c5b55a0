"""The exercise library: check and sync commands, library pages, demonstrations."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from exercise_app.config import Defaults
from exercise_app.extensions import db
from exercise_app.models import LibraryExercise, LibraryExerciseVersion
from tests.conftest import QueryCounter, snapshot

REAL = Path(Defaults.LIBRARY_PATH)


# The data ------------------------------------------------------------------------------------


def test_library_check_passes_on_the_shipped_library(runner):
    result = runner.invoke(args=["library", "check"])
    assert result.exit_code == 0, result.output
    assert "Library OK" in result.output


def test_the_library_holds_what_the_product_promises(loaded_library):
    by_family: dict[str, int] = {}
    for exercise in loaded_library.exercises.values():
        by_family[exercise.family] = by_family.get(exercise.family, 0) + 1
    assert len(loaded_library.exercises) >= 60
    assert by_family["hip-mobility"] >= 20
    assert by_family["glute-strength"] >= 20
    assert by_family["hip-hinge"] >= 12
    assert by_family["supporting"] >= 3
    rungs = {ladder: len(loaded_library.ladder_exercises(ladder))
             for ladder in loaded_library.ladders}
    for ladder in ("hip-flexion", "hip-extension", "hip-rotation"):
        assert rungs[ladder] >= 4, ladder
    assert rungs["glute-max"] >= 5 and rungs["glute-med"] >= 5 and rungs["hip-hinge"] >= 6
    assert {"hip-mobility", "glute-strength", "hip-hinge", "hip-and-back-starter"} <= set(
        loaded_library.programmes)
    for programme in loaded_library.programmes.values():
        assert 3 <= len(programme.stages) <= 4
        for stage in programme.stages:
            assert 2 <= len(stage.exercises) <= 4


def test_ladders_follow_the_evidence_order(loaded_library):
    """clinical.md: clam before side-lying abduction; glute sets before bridges; dowel first."""
    def order(ladder):
        return [e.id for e in loaded_library.ladder_exercises(ladder)]

    assert order("glute-max")[:2] == ["glute-sets", "glute-bridge"]
    assert order("glute-max").index("single-leg-bridge") < order("glute-max").index("hip-thrust")
    assert order("glute-med")[:2] == ["clam", "side-lying-hip-abduction"]
    assert order("hip-hinge")[0] == "dowel-hinge"
    assert order("hip-hinge").index("romanian-deadlift") < order("hip-hinge").index(
        "single-leg-rdl")


def test_posterior_hip_replacement_precautions_are_tagged(loaded_library):
    tagged = {e.id for e in loaded_library.exercises.values()
              if "posterior-thr-early" in e.precautions}
    assert {"double-knee-to-chest", "supported-deep-squat-hold", "figure-4-stretch"} <= tagged


@pytest.fixture
def broken_copy(tmp_path):
    root = tmp_path / "exercises"
    shutil.copytree(REAL, root)

    def edit(relative: str, change) -> Path:
        path = root / relative
        data = yaml.safe_load(path.read_text())
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return root

    return root, edit


@pytest.mark.parametrize(
    ("file", "change", "expected"),
    [
        ("glute-strength/glute-bridge.yaml", lambda d: d.update(colour="red"),
         "glute-strength/glute-bridge.yaml: colour"),
        ("glute-strength/glute-bridge.yaml", lambda d: d.pop("steps"),
         "glute-strength/glute-bridge.yaml: steps"),
        ("glute-strength/glute-bridge.yaml", lambda d: d["dose"].update(reps=40),
         "glute-strength/glute-bridge.yaml: dose.reps"),
        ("glute-strength/glute-bridge.yaml", lambda d: d["ladder"].update(harder="no-such"),
         "glute-strength/glute-bridge.yaml: ladder.harder"),
        ("glute-strength/glute-bridge.yaml", lambda d: d["ladder"].update(rung=9),
         "ladder"),
    ],
    ids=["unknown-field", "missing-field", "dose-out-of-range", "unknown-link", "ladder-gap"],
)
def test_library_check_names_file_field_and_problem(runner, broken_copy, file, change, expected):
    root, edit = broken_copy
    edit(file, change)
    result = runner.invoke(args=["library", "check", "--path", str(root)])
    assert result.exit_code == 1
    assert expected in result.output, result.output


def test_ids_must_match_file_names_so_they_cannot_repeat(runner, broken_copy):
    root, _ = broken_copy
    shutil.copy(root / "glute-strength" / "clam.yaml", root / "glute-strength" / "clam2.yaml")
    result = runner.invoke(args=["library", "check", "--path", str(root)])
    assert result.exit_code == 1
    assert "glute-strength/clam2.yaml: id" in result.output, result.output


def test_yaml_syntax_errors_are_reported(runner, broken_copy):
    root, _ = broken_copy
    (root / "hip-hinge" / "dowel-hinge.yaml").write_text("id: [unclosed\n")
    result = runner.invoke(args=["library", "check", "--path", str(root)])
    assert result.exit_code == 1 and "hip-hinge/dowel-hinge.yaml" in result.output


# Sync ----------------------------------------------------------------------------------------


def test_sync_is_idempotent(app, runner):
    first = runner.invoke(args=["library", "sync"])
    assert first.exit_code == 0, first.output
    assert "updated 0, retired 0, unchanged 0" in first.output
    snap = snapshot(app)
    second = runner.invoke(args=["library", "sync"])
    assert "created 0, updated 0, retired 0" in second.output
    assert snapshot(app) == snap


def test_sync_updates_versions_and_keeps_history(app, runner, broken_copy):
    root, edit = broken_copy
    runner.invoke(args=["library", "sync", "--path", str(root)])
    edit("glute-strength/glute-bridge.yaml", lambda d: d.update(version=2, name="Bridge"))
    result = runner.invoke(args=["library", "sync", "--path", str(root), "-v"])
    assert result.exit_code == 0, result.output
    assert "updated 1" in result.output and "updated: exercise glute-bridge" in result.output
    with app.app_context():
        row = db.session.scalar(select(LibraryExercise).where(LibraryExercise.slug ==
                                                              "glute-bridge"))
        assert row.name == "Bridge" and row.version == 2
        versions = db.session.scalars(select(LibraryExerciseVersion).where(
            LibraryExerciseVersion.exercise_id == row.id).order_by(LibraryExerciseVersion.version))
        assert [(v.version, v.data["name"]) for v in versions] == [(1, "Glute bridge"),
                                                                    (2, "Bridge")]


def test_changed_content_without_a_new_version_is_refused(app, runner, broken_copy):
    root, edit = broken_copy
    runner.invoke(args=["library", "sync", "--path", str(root)])
    before = snapshot(app)
    edit("glute-strength/glute-bridge.yaml", lambda d: d.update(name="Sneaky edit"))
    result = runner.invoke(args=["library", "sync", "--path", str(root)])
    assert result.exit_code == 1
    assert "glute-bridge.yaml: version" in result.output
    assert snapshot(app) == before


def test_a_broken_library_changes_nothing(app, runner, broken_copy):
    root, edit = broken_copy
    runner.invoke(args=["library", "sync", "--path", str(root)])
    before = snapshot(app)
    edit("glute-strength/glute-bridge.yaml", lambda d: d.update(version=2, name="New name"))
    edit("glute-strength/clam.yaml", lambda d: d.update(colour="red"))
    result = runner.invoke(args=["library", "sync", "--path", str(root)])
    assert result.exit_code == 1
    assert snapshot(app) == before  # the good change did not half-load either


def test_removed_exercises_are_retired_not_deleted(app, client, auth, world, runner, broken_copy):
    root, edit = broken_copy
    runner.invoke(args=["library", "sync", "--path", str(root)])
    (root / "hip-hinge" / "kettlebell-swing.yaml").unlink()
    edit("hip-hinge/banded-pull-through.yaml",
         lambda d: d["ladder"].update(harder=None) or d.update(version=2))
    result = runner.invoke(args=["library", "sync", "--path", str(root), "-v"])
    assert result.exit_code == 0, result.output
    assert "retired: exercise kettlebell-swing" in result.output
    auth.login(world.physio)
    assert b"Kettlebell swing" not in client.get("/library/?family=hip-hinge").data
    page = client.get("/library/exercises/kettlebell-swing")
    assert page.status_code == 200 and b"no longer in the library" in page.data


# Pages ---------------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, auth, world, library):
    auth.login(world.patient)
    return client


def names(page: bytes) -> set[str]:
    """The slugs of the exercises listed on a library page."""
    import re

    return set(re.findall(r'class="ex-name"><a href="/library/exercises/([^"]+)">',
                          page.decode()))


def test_library_lists_every_exercise(signed_in, loaded_library):
    page = signed_in.get("/library/")
    assert page.status_code == 200
    assert len(names(page.data)) == len(loaded_library.exercises)


@pytest.mark.parametrize(
    ("query", "must", "must_not"),
    [
        ("family=hip-hinge", {"dowel-hinge", "romanian-deadlift"}, {"clam", "heel-slides"}),
        ("target=glute-med", {"clam", "side-plank"}, {"dowel-hinge"}),
        ("position=lying-on-front", {"prone-press-up"}, {"clam"}),
        ("equipment=band", {"banded-bridge"}, {"glute-bridge"}),
        ("level=1", {"glute-sets"}, {"single-leg-rdl"}),
        ("q=bridge", {"glute-bridge", "single-leg-bridge"}, {"clam"}),
        ("q=BRIDGE", {"glute-bridge"}, {"clam"}),
        ("avoid=posterior-thr-early", {"glute-bridge"}, {"double-knee-to-chest"}),
        # A patient's precautions together: what is flagged for either is hidden.
        ("avoid=posterior-thr-early&avoid=gluteal-tendinopathy", {"glute-bridge"},
         {"double-knee-to-chest", "clam"}),
        ("avoid=", {"clam", "double-knee-to-chest"}, set()),  # "show everything" in old links
        ("q=%25", set(), {"glute-bridge"}),
        ("family=hip-hinge&equipment=dowel", {"dowel-hinge"}, {"romanian-deadlift"}),
    ],
)
def test_library_filters(signed_in, query, must, must_not):
    page = signed_in.get("/library/?" + query)
    assert page.status_code == 200
    found = names(page.data)
    assert must <= found, found
    assert not (must_not & found)


@pytest.mark.parametrize("query", ["family=knitting", "level=9", "avoid=<script>",
                                   "avoid=clam&avoid=gluteal-tendinopathy",
                                   "q=" + "x" * 81, "target=%00"])
def test_bad_filters_get_a_400_with_a_message(signed_in, query):
    page = signed_in.get("/library/?" + query)
    assert page.status_code == 400
    text = page.data.decode().lower()
    assert "not a valid choice" in text or "longer than" in text


def test_exercise_page_shows_dose_steps_and_ladder(signed_in):
    page = signed_in.get("/library/exercises/glute-bridge").data.decode()
    for text in ("Glute bridge", "How to do it", "Stop and tell your physio if",
                 "Easier: Buttock squeezes", "Harder: Bridge with a band around the knees",
                 "2 sets of 10",
                 'src="/library/exercises/glute-bridge/demo.svg"'):
        assert text in page, text


def test_demonstration_svg(signed_in):
    response = signed_in.get("/library/exercises/glute-bridge/demo.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    # The view's own policy and caching stand: the app's defaults are not added beside them.
    assert len(response.headers.getlist("Content-Security-Policy")) == 1
    assert response.headers.getlist("Cache-Control") == ["private, max-age=3600"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert b"@keyframes" in response.data and b"prefers-reduced-motion" in response.data
    still = signed_in.get("/library/exercises/glute-bridge/demo.svg?frame=1")
    assert still.status_code == 200 and b"@keyframes" not in still.data
    again = signed_in.get("/library/exercises/glute-bridge/demo.svg",
                          headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("frame", ["9", "-1", "abc", ""])
def test_demonstration_frame_must_exist(signed_in, frame):
    assert signed_in.get(f"/library/exercises/glute-bridge/demo.svg?frame={frame}"
                         ).status_code == 400


def test_programme_template_page(signed_in, loaded_library):
    page = signed_in.get("/library/programmes/hip-and-back-starter").data.decode()
    template = loaded_library.programmes["hip-and-back-starter"]
    for stage in template.stages:
        assert stage.name in page
        for criterion in stage.move_on_when:
            assert criterion.replace("'", "&#39;") in page
    assert signed_in.get("/library/programmes").status_code == 200


def test_gallery_shows_every_demonstration(signed_in, loaded_library):
    page = signed_in.get("/library/gallery").data.decode()
    assert page.count("/demo.svg\"") == len(loaded_library.exercises)


def test_library_pages_issue_a_constant_number_of_queries(app, signed_in):
    counts = {}
    for url in ("/library/", "/library/?family=glute-strength", "/library/?q=bridge",
                "/library/?avoid=osteoporosis&target=glute-max"):
        with QueryCounter(app) as counter:
            assert signed_in.get(url).status_code == 200
        counts[url] = counter.count
    assert len(set(counts.values())) == 1, counts  # 66 results or 3: the same queries
    pages = {}
    for slug in ("glute-sets", "hip-thrust", "walking-programme"):
        with QueryCounter(app) as counter:
            signed_in.get(f"/library/exercises/{slug}")
        pages[slug] = counter.count
    assert len(set(pages.values())) == 1, pages
