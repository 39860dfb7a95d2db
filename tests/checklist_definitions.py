"""Checklist definitions for the validation tests: the test fuel-dispenser checklist as data, a market
scales checklist with a conditional section, the tags and result codes a definition is checked against,
and the problems a broken definition is refused with."""

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

# Scales at a market: a section asked only when the business sells by weight (`relevant`, with `help`),
# and a closing item asked only when a scale was not verified.
SCALES = {
    "id": "market-scales-sections",
    "version": 1,
    "title": {"zh": "集贸市场计量器具", "en": "Scales at a market"},
    "applies_to": {"tags": []},
    "sections": [
        {
            "id": "general",
            "title": {"zh": "基本情况", "en": "General"},
            "items": [
                {
                    "id": "sells_by_weight",
                    "type": "choice",
                    "label": {"zh": "是否称重销售", "en": "Sells by weight"},
                    "choices": [
                        {"value": "yes", "label": {"zh": "是", "en": "Yes"}},
                        {"value": "no", "label": {"zh": "否", "en": "No"}},
                    ],
                },
            ],
        },
        {
            "id": "scales",
            "title": {"zh": "计量器具", "en": "Scales"},
            "relevant": "${sells_by_weight} = 'yes'",
            "help": {"zh": "仅对称重销售的经营者检查", "en": "Only for businesses that sell by weight"},
            "items": [
                {
                    "id": "scale_verified",
                    "type": "check",
                    "label": {"zh": "电子秤是否经检定合格", "en": "Scale verified"},
                },
                {
                    "id": "scale_photos",
                    "type": "photo",
                    "min": 1,
                    "label": {"zh": "电子秤照片", "en": "Photos of the scale"},
                },
                {
                    "id": "scale",
                    "type": "repeat",
                    "label": {"zh": "电子秤", "en": "Scale"},
                    "min": 1,
                    "items": [
                        {
                            "id": "scale_serial",
                            "type": "text",
                            "required": True,
                            "label": {"zh": "出厂编号", "en": "Serial"},
                        },
                    ],
                },
            ],
        },
        {
            "id": "closing",
            "title": {"zh": "结论", "en": "Closing"},
            "items": [
                {
                    "id": "scale_action",
                    "type": "text",
                    "required": True,
                    "relevant": "${scale_verified} = '不符合'",
                    "label": {"zh": "对未检定电子秤的处理", "en": "What was done about the unverified scale"},
                },
                {"id": "remarks", "type": "text", "multiline": True, "label": {"zh": "备注", "en": "Remarks"}},
            ],
        },
    ],
}


def nozzle_items(data):
    dispenser = data["sections"][1]["items"][0]
    return dispenser["items"][4]["items"]


def problems_of(data, source="checklists/fuel-dispensers.yaml"):
    with pytest.raises(ChecklistInvalid) as info:
        build_checklist(data, source, TAGS, CODES)
    return [str(p) for p in info.value.problems]
