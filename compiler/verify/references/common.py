"""What every model reference shares."""

from __future__ import annotations

from ...errors import ProjectError
from ...project import Project


def missing_source(project: Project) -> ProjectError:
    """The error for a project whose copy of the model is gone."""
    return ProjectError(
        f"{project.source_model}: the project's copy of the model is missing; the project is "
        "damaged: compile it again with trigc compile (or verify only the firmware with "
        "--only hls,rtl)"
    )
