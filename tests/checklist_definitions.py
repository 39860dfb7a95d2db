"""Checklist definitions for the validation tests: the test fuel-dispenser checklist as data, the tags
and result codes a definition is checked against, and the problems a broken definition is refused with."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fieldapp.checklists.catalog import known_tags
from fieldapp.checklists.definition import build_checklist
from fieldapp.checklists.results import result_table
from fieldapp.checklists.text import ChecklistInvalid

ROOT = Path(__file__).resolve().parent.parent
TEST_CHECKLISTS = ROOT / "tests" / "data" / "checklists"
FUEL = yaml.safe_load((TEST_CHECKLISTS / "fuel-dispensers.yaml").read_text(encoding="utf-8"))
TAGS = known_tags(ROOT / "data" / "tags.yaml")
CODES = set(result_table().categories)


def nozzle_items(data):
    dispenser = data["sections"][1]["items"][0]
    return dispenser["items"][4]["items"]


def problems_of(data, source="checklists/fuel-dispensers.yaml"):
    with pytest.raises(ChecklistInvalid) as info:
        build_checklist(data, source, TAGS, CODES)
    return [str(p) for p in info.value.problems]
