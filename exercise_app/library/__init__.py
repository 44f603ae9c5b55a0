"""The exercise library: file formats, loading with validation, and demonstration figures."""

from exercise_app.library.figure import geometry_problems, pose_points, render_demo_svg
from exercise_app.library.loader import Library, LibraryError, Problem, load_library

__all__ = [
    "Library",
    "LibraryError",
    "Problem",
    "geometry_problems",
    "load_library",
    "pose_points",
    "render_demo_svg",
]
