"""Which inspector specialties (执法领域) a task needs, derived from its guiding department.

The words are data (``data/specialties.yaml``): a department's name calls for a specialty when it
holds the specialty's name or one of its ``departments`` words. A task can override the result
(TaskDrawSettings.specialties); a participating department's specialties come from its own name (or
its invitation's override).
"""

from __future__ import annotations

from ..subjects.vocabulary import specialty_vocabulary


def specialties_for_department(text: str) -> list[str]:
    """The specialties named by a department text such as "市局组织发起/特设监察科指导", in the
    vocabulary's order."""
    text = text or ""
    return [
        entry["name"]
        for entry in specialty_vocabulary()
        if any(word in text for word in (entry["name"], *entry.get("departments", ())))
    ]


def covers(inspector_specialties: list[str] | None, required: list[str]) -> bool:
    """An inspector covers a task when one of her specialties is among those it needs
    (a task that needs none in particular is covered by everyone)."""
    if not required:
        return True
    return bool(set(inspector_specialties or ()) & set(required))
