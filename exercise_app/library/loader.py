"""Load and validate the exercise library directory, reporting every problem at once."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from exercise_app.library.figure import pose_geometry_problems
from exercise_app.library.schema import (
    DOSE_LIMITS,
    EQUIPMENT_ITEM_TYPES,
    RULES_ERROR,
    Exercise,
    Family,
    Ladder,
    ProgrammeTemplate,
)

LADDERS_FILE = "ladders.yaml"
PROGRAMMES_DIR = "programmes"

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the library: the file, the dotted field path and what is wrong."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.message}"


class LibraryError(Exception):
    """The library is invalid; ``problems`` lists everything found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass(frozen=True)
class Library:
    """A fully validated library: exercises, ladders and programmes by id, with content hashes."""

    exercises: Mapping[str, Exercise]
    ladders: Mapping[str, Ladder]
    programmes: Mapping[str, ProgrammeTemplate]
    exercise_hashes: Mapping[str, str] = field(default_factory=dict)
    programme_hashes: Mapping[str, str] = field(default_factory=dict)

    def ladder_exercises(self, ladder_id: str) -> tuple[Exercise, ...]:
        """Return the exercises of one ladder from the easiest rung up."""
        rungs = [ex for ex in self.exercises.values() if ex.ladder.id == ladder_id]
        return tuple(sorted(rungs, key=lambda ex: ex.ladder.rung))


def content_hash(model: BaseModel) -> str:
    """Return a SHA-256 of a model's content, independent of YAML layout and comments."""
    data = model.model_dump(mode="json", by_alias=True)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- reading files -----------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that rejects a key given twice in one mapping."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} is given twice", key_node.start_mark
            )
        seen.add(key)
    return dict(loader.construct_pairs(node))


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


class _Collector:
    """Accumulates problems while the library is read."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def add(self, file: str, field_path: str, message: str) -> None:
        self.problems.append(Problem(file, field_path, message))

    def read_yaml(self, path: Path) -> tuple[bool, Any]:
        """Parse one YAML file; report a syntax error and return (False, None) on failure."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            self.add(self.rel(path), "", f"cannot be read: {error}")
            return False, None
        try:
            return True, yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader
        except yaml.YAMLError as error:
            self.add(self.rel(path), "", _yaml_message(error))
            return False, None

    def validate(
        self, model: type[ModelT], data: Any, file: str, prefix: str = ""
    ) -> ModelT | None:
        """Validate data against a model; report every error and return None on failure."""
        try:
            return model.model_validate(data)
        except ValidationError as error:
            for detail in error.errors():
                for field_path, message in _describe(detail):
                    self.add(file, _index_join(prefix, field_path), message)
            return None


def _yaml_message(error: yaml.YAMLError) -> str:
    """Describe a YAML error with its line and column."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        problem = error.problem or "invalid YAML"
        context = f" ({error.context})" if error.context else ""
        return (
            f"YAML syntax error at line {mark.line + 1}, column {mark.column + 1}: "
            f"{problem}{context}"
        )
    return f"YAML syntax error: {error}"


def _path(loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic location into a dotted path such as ``demo.poses[1].trunk``."""
    text = ""
    previous: int | str | None = None
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif previous is not None and isinstance(previous, int) and part in EQUIPMENT_ITEM_TYPES:
            pass  # the tag pydantic adds after the index of a tagged union member
        else:
            text += f".{part}" if text else part
        previous = part
    return text


def _index_join(prefix: str, path: str) -> str:
    """Prefix a field path with a list index such as ``[2]``."""
    if not path or path.startswith("["):
        return prefix + path
    return f"{prefix}.{path}" if prefix else path


def _join(base: str, extra: str) -> str:
    if not extra:
        return base
    return f"{base}.{extra}" if base else extra


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(detail: ErrorDetails) -> Iterator[tuple[str, str]]:
    """Yield (field path, plain message) for one pydantic error."""
    kind = detail["type"]
    where = _path(detail["loc"])
    ctx: dict[str, Any] = dict(detail.get("ctx") or {})
    value = detail.get("input")
    if kind == RULES_ERROR:
        for field_path, message in ctx["violations"]:
            yield _join(where, field_path), message
        return
    messages = {
        "missing": "required field is missing",
        "extra_forbidden": "unknown field",
        "int_type": f"expected a whole number, got {_short(value)}",
        "float_type": f"expected a number, got {_short(value)}",
        "string_type": f"expected text, got {_short(value)}",
        "finite_number": f"expected a finite number, got {_short(value)}",
        "model_type": f"expected a mapping, got {_short(value)}",
        "model_attributes_type": f"expected a mapping, got {_short(value)}",
        "dict_type": f"expected a mapping, got {_short(value)}",
        "tuple_type": f"expected a list, got {_short(value)}",
        "list_type": f"expected a list, got {_short(value)}",
    }
    if kind in messages:
        yield where, messages[kind]
    elif kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        yield where, f"{_short(value)} is below the minimum {bound}"
    elif kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        yield where, f"{_short(value)} is above the maximum {bound}"
    elif kind in ("enum", "literal_error"):
        yield where, f"{_short(value)} is not allowed; expected {ctx.get('expected')}"
    elif kind == "too_short":
        yield where, (
            f"has {ctx.get('actual_length')} items; needs at least {ctx.get('min_length')}"
        )
    elif kind == "too_long":
        yield where, f"has {ctx.get('actual_length')} items; at most {ctx.get('max_length')}"
    elif kind == "string_too_long":
        length = len(value) if isinstance(value, str) else "?"
        yield where, f"is {length} characters; at most {ctx.get('max_length')}"
    elif kind == "string_too_short":
        yield where, "must not be empty"
    elif kind == "string_pattern_mismatch":
        yield where, f"{_short(value)} is not a valid id (lower-case words joined by hyphens)"
    elif kind == "union_tag_invalid":
        yield where, (
            f"unknown {str(ctx.get('discriminator')).strip(chr(39))} {ctx.get('tag')!r}; "
            f"expected {ctx.get('expected_tags')}"
        )
    elif kind == "union_tag_not_found":
        yield where, f"needs a {str(ctx.get('discriminator')).strip(chr(39))} field"
    else:
        yield where, f"{detail['msg']} (got {_short(value)})"


# --- the library -------------------------------------------------------------------------


def load_library(root: Path) -> Library:
    """Read and validate the whole library under root; raise LibraryError listing all problems."""
    root = Path(root)
    found = _Collector(root)
    if not root.is_dir():
        raise LibraryError([Problem(str(root), "", "the library directory does not exist")])

    ladders, ladder_entries = _load_ladders(found)
    loaded = _load_exercises(found)
    _check_ladders(found, ladders, ladder_entries, loaded)
    programmes = _load_programmes(found, loaded)
    exercises = loaded.by_id

    if found.problems:
        raise LibraryError(found.problems)
    return Library(
        exercises=MappingProxyType(dict(sorted(exercises.items()))),
        ladders=MappingProxyType(ladders),
        programmes=MappingProxyType(dict(sorted(programmes.items()))),
        exercise_hashes=MappingProxyType(
            {ex_id: content_hash(ex) for ex_id, ex in sorted(exercises.items())}
        ),
        programme_hashes=MappingProxyType(
            {pid: content_hash(p) for pid, p in sorted(programmes.items())}
        ),
    )


def _load_ladders(found: _Collector) -> tuple[dict[str, Ladder], dict[str, str]]:
    """Read ladders.yaml; return ladders by id and the field path of each entry."""
    path = found.root / LADDERS_FILE
    if not path.is_file():
        found.add(LADDERS_FILE, "", "file is missing")
        return {}, {}
    ok, data = found.read_yaml(path)
    if not ok:
        return {}, {}
    if not isinstance(data, list):
        found.add(LADDERS_FILE, "", "expected a list of ladders")
        return {}, {}
    ladders: dict[str, Ladder] = {}
    entries: dict[str, str] = {}
    for index, item in enumerate(data):
        ladder = found.validate(Ladder, item, LADDERS_FILE, prefix=f"[{index}]")
        if ladder is None:
            continue
        if ladder.id in ladders:
            found.add(LADDERS_FILE, f"[{index}].id", f"ladder id {ladder.id!r} is used twice")
            continue
        ladders[ladder.id] = ladder
        entries[ladder.id] = f"[{index}]"
    return ladders, entries


def _exercise_files(found: _Collector) -> Iterator[Path]:
    """Yield every exercise file, reporting files that sit in the wrong place."""
    families = {family.value for family in Family}
    for path in sorted(found.root.rglob("*")):
        relative = path.relative_to(found.root)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if path.suffix not in (".yaml", ".yml"):
            continue
        top = relative.parts[0]
        if relative.as_posix() == LADDERS_FILE or top == PROGRAMMES_DIR:
            continue
        if path.suffix == ".yml":
            found.add(found.rel(path), "", "use the .yaml extension")
        elif len(relative.parts) != 2:
            found.add(found.rel(path), "", "exercise files belong in exercises/<family>/<id>.yaml")
        elif top not in families:
            found.add(
                found.rel(path), "",
                f"folder {top!r} is not a family; expected one of {', '.join(sorted(families))}",
            )
        else:
            yield path


@dataclass
class _Exercises:
    """Exercises read so far, with the files that could not be read or validated."""

    by_id: dict[str, Exercise] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    broken: dict[str, Any] = field(default_factory=dict)  # file stem -> its raw ladder.id


def _claimed_ladder(data: Any) -> Any:
    """Return the ladder id an unreadable exercise claims, to avoid knock-on reports."""
    ladder = data.get("ladder") if isinstance(data, dict) else None
    return ladder.get("id") if isinstance(ladder, dict) else None


def _load_exercises(found: _Collector) -> _Exercises:
    """Read every exercise file; return the valid exercises and the broken files."""
    result = _Exercises()
    for path in _exercise_files(found):
        file = found.rel(path)
        ok, data = found.read_yaml(path)
        exercise = found.validate(Exercise, data, file) if ok else None
        if exercise is None:
            result.broken[path.stem] = _claimed_ladder(data)
            continue
        if exercise.id != path.stem:
            found.add(file, "id", f"{exercise.id!r} does not match the file name {path.stem!r}")
        folder = path.parent.name
        if exercise.family.value != folder:
            found.add(
                file, "family", f"{exercise.family.value!r} does not match the folder {folder!r}"
            )
        for index, pose in enumerate(exercise.demo.poses):
            for message in pose_geometry_problems(pose):
                found.add(file, f"demo.poses[{index}]", message)
        if exercise.id in result.by_id:
            found.add(
                file, "id",
                f"duplicate id {exercise.id!r}: also used by {result.files[exercise.id]}",
            )
            continue
        result.by_id[exercise.id] = exercise
        result.files[exercise.id] = file
    return result


def _check_ladders(
    found: _Collector,
    ladders: Mapping[str, Ladder],
    ladder_entries: Mapping[str, str],
    loaded: _Exercises,
) -> None:
    """Check ladder membership, rung numbering and easier/harder links."""
    exercises, files = loaded.by_id, loaded.files
    by_ladder: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    ladders_known = (found.root / LADDERS_FILE).is_file() and bool(ladders)
    for ex_id, exercise in exercises.items():
        position = exercise.ladder
        if position.id not in ladders:
            if ladders_known:
                found.add(files[ex_id], "ladder.id", f"unknown ladder {position.id!r}")
            continue
        ladder = ladders[position.id]
        if ladder.family != exercise.family:
            found.add(
                files[ex_id], "ladder.id",
                f"ladder {ladder.id!r} belongs to {ladder.family.value}, "
                f"not {exercise.family.value}",
            )
        by_ladder[position.id][position.rung].append(ex_id)

    for ladder_id in ladders:
        rungs = by_ladder.get(ladder_id, {})
        entry = ladder_entries[ladder_id]
        if not rungs:
            if ladder_id not in loaded.broken.values():
                found.add(
                    LADDERS_FILE, entry, f"no exercise is on ladder {ladder_id!r}"
                )
            continue
        for rung, ids in sorted(rungs.items()):
            for ex_id in ids[1:]:
                found.add(
                    files[ex_id], "ladder.rung",
                    f"rung {rung} of {ladder_id!r} is also taken by {ids[0]!r}",
                )
        top = max(rungs)
        missing = [rung for rung in range(1, top + 1) if rung not in rungs]
        if missing and ladder_id not in loaded.broken.values():
            listed = ", ".join(str(rung) for rung in missing)
            found.add(
                LADDERS_FILE, entry,
                f"ladder {ladder_id!r} has a gap: no exercise on rung {listed}",
            )
        for ids in rungs.values():
            for ex_id in ids:
                _check_links(found, exercises[ex_id], files[ex_id], rungs, top, loaded)


def _check_links(
    found: _Collector,
    exercise: Exercise,
    file: str,
    rungs: Mapping[int, list[str]],
    top: int,
    loaded: _Exercises,
) -> None:
    """Check that easier and harder name the exercises on the neighbouring rungs."""
    ladder_id, rung = exercise.ladder.id, exercise.ladder.rung
    for link, neighbour in (("easier", rung - 1), ("harder", rung + 1)):
        target: str | None = getattr(exercise.ladder, link)
        expected = rungs.get(neighbour, [])
        wanted = f" ({expected[0]!r})" if len(expected) == 1 else ""
        if target is not None and target in loaded.broken:
            continue  # that file's own problems are already reported
        if target is not None and target not in loaded.by_id:
            found.add(file, f"ladder.{link}", f"unknown exercise {target!r}")
        elif neighbour < 1 or neighbour > top:
            if target is not None:
                end = "the first" if link == "easier" else "the top"
                found.add(
                    file, f"ladder.{link}",
                    f"rung {rung} is {end} rung, so {link} must be null, not {target!r}",
                )
        elif target is None:
            if expected:
                found.add(
                    file, f"ladder.{link}",
                    f"must be the exercise on rung {neighbour} of {ladder_id!r}{wanted}, "
                    "not null",
                )
        else:
            other = loaded.by_id[target].ladder
            if other.id != ladder_id or other.rung != neighbour:
                found.add(
                    file, f"ladder.{link}",
                    f"{target!r} is on rung {other.rung} of {other.id!r}; {link} must be the "
                    f"exercise on rung {neighbour} of {ladder_id!r}{wanted}",
                )


def _load_programmes(found: _Collector, loaded: _Exercises) -> dict[str, ProgrammeTemplate]:
    """Read every programme template and check its exercises and dose overrides."""
    programmes: dict[str, ProgrammeTemplate] = {}
    folder = found.root / PROGRAMMES_DIR
    if not folder.is_dir():
        return programmes
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix not in (".yaml", ".yml"):
            continue
        file = found.rel(path)
        if path.suffix == ".yml":
            found.add(file, "", "use the .yaml extension")
            continue
        ok, data = found.read_yaml(path)
        if not ok:
            continue
        programme = found.validate(ProgrammeTemplate, data, file)
        if programme is None:
            continue
        if programme.id != path.stem:
            found.add(file, "id", f"{programme.id!r} does not match the file name {path.stem!r}")
        for s_index, stage in enumerate(programme.stages):
            for e_index, item in enumerate(stage.exercises):
                where = f"stages[{s_index}].exercises[{e_index}]"
                exercise = loaded.by_id.get(item.exercise)
                if exercise is None:
                    if item.exercise in loaded.broken:
                        continue  # that file's own problems are already reported
                    found.add(file, f"{where}.exercise", f"unknown exercise {item.exercise!r}")
                    continue
                for variable, value in item.overrides().items():
                    message = _override_problem(exercise, variable, value)
                    if message:
                        found.add(file, f"{where}.{variable}", message)
        programmes[programme.id] = programme
    return programmes


def _override_problem(exercise: Exercise, variable: str, value: int) -> str | None:
    """Describe why a programme's dose override does not fit the exercise, if it does not."""
    if exercise.dose.value(variable) is None:
        return f"{exercise.id} does not use {variable}"
    span = exercise.dose.ranges.get(variable)
    low, high = span if span is not None else DOSE_LIMITS[variable]
    if not low <= value <= high:
        return f"{value} is outside the range {low}-{high} of {exercise.id}"
    return None
