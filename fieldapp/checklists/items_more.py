"""Item types with structured answers: choice, photo, signature, location, and repeat groups."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from .items import FAIL, ITEM_ID_RE, NA, NA_ANSWER, PASS, CheckItem, Item, JudgedItem, TextItem, read_count, read_flag
from .items_measured import DateItem, NumberItem, to_decimal
from .text import Problems, read_local_text

MAX_CHOICES = 100
MAX_PHOTOS = 20
MAX_BLOCKS = 500
MAX_REPEAT_DEPTH = 3


class ChoiceItem(JudgedItem):
    type = "choice"
    extra_keys = {"choices", "multiple", "fail_values", "na"}
    json_kind = "value, or a list of values when multiple; 不适用 when it does not apply"

    def load(self, raw: dict, problems: Problems) -> None:
        self.multiple = read_flag(raw, "multiple", False, problems, self.where)
        self.choices: list[tuple[str, Any]] = []
        choices = raw.get("choices")
        if not isinstance(choices, list) or not choices:
            problems.add(self.where, "'choices' must be a non-empty list of {value, label}")
            choices = []
        if len(choices) > MAX_CHOICES:
            problems.add(self.where, f"more than {MAX_CHOICES} choices")
        seen: set[str] = set()
        for n, choice in enumerate(choices, 1):
            if not isinstance(choice, dict) or "value" not in choice or set(choice) - {"value", "label"}:
                problems.add(self.where, f"choice {n} must be {{value, label: {{zh, en}}}}")
                continue
            value = choice["value"]
            if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
                problems.add(self.where, f"choice {n}: the value must be text or a whole number")
                continue
            value = str(value)
            if " " in value:
                problems.add(self.where, f"choice value {value!r} must not contain spaces")
            if value in seen:
                problems.add(self.where, f"choice value {value!r} appears twice")
            seen.add(value)
            label = read_local_text(choice.get("label"), problems, self.where, f"choices[{n}].label")
            self.choices.append((value, label))
        fail = raw.get("fail_values", [])
        if not isinstance(fail, list):
            problems.add(self.where, "'fail_values' must be a list of choice values")
            fail = []
        self.fail_values = [str(v) for v in fail]
        for v in self.fail_values:
            if v not in seen:
                problems.add(self.where, f"fail value {v!r} is not one of the choices")
        if raw.get("finding") is not None and not self.fail_values:
            problems.add(self.where, "a choice item with a 'finding' needs 'fail_values'")
        if self.na and NA_ANSWER in seen:
            self.na = False  # the checklist offers 不适用 as one of its own choices

    @property
    def values(self) -> list[str]:
        return [v for v, _ in self.choices]

    def form_value(self, form, name):
        if self.multiple:
            values = [v for v in form.getlist(name) if v]
            if self.na and NA_ANSWER in values:
                return NA_ANSWER  # 不适用 stands alone, whatever else was ticked
            return values or None
        return super().form_value(form, name)

    def read_answer(self, value):
        if self.multiple:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return value, _l("Choose from the answers offered.")
            ordered = [v for v in self.values if v in value]  # keep the checklist's order, no repeats
            if len(ordered) != len(set(value)):
                return value, _l("Choose from the answers offered.")
            return ordered, None
        if not isinstance(value, str) or value not in self.values:
            return value, _l("Choose one of the answers offered.")
        return value, None

    def judge(self, value, inspection_date, lookup):
        chosen = value if isinstance(value, list) else [value]
        return FAIL if any(v in self.fail_values for v in chosen) else PASS

    def choice_label(self, value: str):
        for v, label in self.choices:
            if v == value:
                return label
        return value


def is_media_ref(value: Any) -> bool:
    """A media reference: the file's SHA-256 (text), or {sha256, …} as the phone app sends it."""
    if isinstance(value, str):
        return 0 < len(value) <= 200
    return isinstance(value, dict) and isinstance(value.get("sha256"), str) and 0 < len(value["sha256"]) <= 200


class CountedItem(Item):
    """An item whose answer is a list counted against the file's ``min`` and ``max`` (photos, a
    repeat's blocks); ``counts`` is the type's (default max, ceiling), ``too_few`` and ``too_many``
    say what is wrong in its words."""

    default_required = False
    counts = (1, 1)

    def load(self, raw: dict, problems: Problems) -> None:
        default_max, ceiling = self.counts
        self.min = read_count(raw, "min", 0, ceiling, problems, self.where)
        self.max = read_count(raw, "max", default_max, ceiling, problems, self.where)
        if self.max < 1:
            problems.add(self.where, f"{self.type} 'max' must be at least 1")
        if self.min > self.max:
            problems.add(self.where, f"{self.type} 'min' must not be above 'max'")

    def check(self, value, inspection_date):
        if len(value) < self.min:
            return self.too_few(self.min)
        if len(value) > self.max:
            return self.too_many(self.max)
        return None

    def too_few(self, n: int) -> Any:
        raise NotImplementedError

    def too_many(self, n: int) -> Any:
        raise NotImplementedError


class PhotoItem(CountedItem):
    type = "photo"
    extra_keys = {"min", "max"}
    json_kind = "list of media references"
    counts = (5, MAX_PHOTOS)

    def load(self, raw: dict, problems: Problems) -> None:
        super().load(raw, problems)
        if self.min > 0:
            self.required = True

    def form_value(self, form, name):
        refs = [v for v in form.getlist(name) if v]
        return refs or None

    def coerce(self, value):
        if isinstance(value, (str, dict)):
            value = [value]
        if not isinstance(value, list) or not all(is_media_ref(v) for v in value):
            return value, _l("The photos could not be read; take them again.")
        return value, None

    def too_few(self, n: int) -> Any:
        return _l("Take at least %(n)s photos.", n=n)

    def too_many(self, n: int) -> Any:
        return _l("Take at most %(n)s photos.", n=n)


class SignatureItem(Item):
    type = "signature"
    json_kind = "a media reference"

    def coerce(self, value):
        if not is_media_ref(value):
            return value, _l("The signature could not be read; sign again.")
        return value, None


class LocationItem(Item):
    type = "location"
    json_kind = "{lat, lng, accuracy}"

    def form_value(self, form, name):
        parts = {k: form.get(f"{name}-{k}") for k in ("lat", "lng", "accuracy")}
        if not parts["lat"] and not parts["lng"]:
            return None
        return {k: v for k, v in parts.items() if v not in (None, "")}

    def coerce(self, value):
        if not isinstance(value, dict):
            return value, _l("The position could not be read; record it again.")
        lat, lng = to_decimal(value.get("lat")), to_decimal(value.get("lng"))
        accuracy = value.get("accuracy")
        acc = to_decimal(accuracy) if accuracy not in (None, "") else None
        if lat is None or lng is None or not -90 <= lat <= 90 or not -180 <= lng <= 180:
            return value, _l("The position could not be read; record it again.")
        if accuracy not in (None, "") and (acc is None or acc < 0):
            return value, _l("The position could not be read; record it again.")
        out = {"lat": float(lat), "lng": float(lng)}
        if acc is not None:
            out["accuracy"] = float(acc)
        return out, None


class RepeatItem(CountedItem):
    type = "repeat"
    extra_keys = {"items", "min", "max"}
    json_kind = "list of blocks"
    counts = (50, MAX_BLOCKS)

    def __init__(self, raw: dict, parents: tuple[str, ...], problems: Problems, where: str):
        self._items: list[Item] = []
        super().__init__(raw, parents, problems, where)

    def load(self, raw: dict, problems: Problems) -> None:
        super().load(raw, problems)
        if len(self.parents) + 1 > MAX_REPEAT_DEPTH:
            problems.add(self.where, f"repeats may be nested at most {MAX_REPEAT_DEPTH} deep")
            return
        items = raw.get("items")
        if not isinstance(items, list) or not items:
            problems.add(self.where, "a repeat needs 'items' (a non-empty list)")
            return
        parents = self.parents + (self.id,)
        built = [build_item(child, parents, problems, f"repeat {self.id!r}") for child in items]
        self._items = [i for i in built if i is not None]

    def children(self) -> list[Item]:
        return self._items

    def form_value(self, form, name):
        raise NotImplementedError("repeats are read block by block (forms.parse_form)")

    def coerce(self, value):
        if not isinstance(value, list) or not all(isinstance(b, dict) for b in value):
            return value, _l("This group could not be read.")
        return value, None

    def is_empty(self, value):
        return not value

    def too_few(self, n: int) -> Any:
        return _l("Add at least %(n)s.", n=n)

    def too_many(self, n: int) -> Any:
        return _l("At most %(n)s are allowed.", n=n)

    def outcome(self, value, inspection_date):
        return None  # decided from its items (evaluation)


ITEM_TYPES: dict[str, type[Item]] = {
    cls.type: cls
    for cls in (
        CheckItem,
        NumberItem,
        DateItem,
        TextItem,
        ChoiceItem,
        PhotoItem,
        SignatureItem,
        LocationItem,
        RepeatItem,
    )
}


def build_item(raw: Any, parents: tuple[str, ...], problems: Problems, context: str) -> Item | None:
    """One item from its YAML mapping; problems go to ``problems`` naming the item."""
    if not isinstance(raw, dict):
        problems.add(context, f"an item must be a mapping with id, type and label, not {raw!r:.60}")
        return None
    item_id = raw.get("id")
    where = f"item {item_id!r}" + (f" (in {' › '.join(parents)})" if parents else "")
    if not isinstance(item_id, str) or not ITEM_ID_RE.match(item_id):
        problems.add(where, "the id must be lowercase letters, digits and _, starting with a letter (at most 40)")
    kind = raw.get("type")
    cls = ITEM_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        problems.add(where, f"unknown type {kind!r} (one of {', '.join(ITEM_TYPES)})")
        return None
    return cls(raw, parents, problems, where)


__all__ = ["ITEM_TYPES", "build_item", "PASS", "FAIL", "NA"]
