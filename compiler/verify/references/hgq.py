"""HGQ2 and HGQ proxy models run by their own library, in its environment, in float32."""

from __future__ import annotations

from ...errors import TrigcError
from ...project import Project
from ..compare import Check, compare_reference
from ..decide import hgq_float32_risks
from ..result import Comparison


def is_hgq(project: Project) -> bool:
    """An HGQ2 file, or an HGQ proxy model (a Keras 2 file with FixedPointQuantizer layers)."""
    from ...frontends.hgq.proxy import is_proxy_file  # noqa: PLC0415

    if project.source_format == "hgq2":
        return True
    return project.source_format == "keras2-h5" and is_proxy_file(project.source_model)


def check_hgq_library(check: Check) -> list[Comparison]:
    """The model run by its own library: it decides where float32 holds every partial sum,
    else it is information (:func:`..decide.decides`)."""
    from ...frontends.hgq.predict import library_runner  # noqa: PLC0415

    project = check.project
    if not is_hgq(project):
        return []
    try:
        runner = library_runner(project.source_model)
    except TrigcError as exc:
        check.notes.append(f"the model was not run by its own library: {exc}")
        return []
    with check.progress.phase("run hgq"):
        comparison = compare_reference(
            project, "hgq", runner, check.x, check.reference, check.notes
        )
    check.notes.extend(hgq_float32_risks(project))
    return [comparison]
