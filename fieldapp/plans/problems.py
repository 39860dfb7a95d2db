"""What the plan importer found wrong or doubtful, with where (row, column) and the words for it.

Problems are stored as plain dicts (``code``, ``row``, ``column``, ``params``, ``level``) so that they
can live in JSON columns and be shown in whichever language the reader uses.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from ..core import text_encoding
from ..errors import InvalidInput

ERROR = "error"  # the file could not be read at all: nothing was imported
WARNING = "warning"  # the row was imported; this value needs a look

MESSAGES = {
    # whole file
    "file_empty": _l("The file is empty."),
    "file_not_workbook": _l(
        "The file is not an Excel workbook (.xlsx), or it is damaged; open it in Excel or WPS and save it again as "
        ".xlsx or CSV."
    ),
    "file_not_xls": _l(
        "The file is not an Excel 97-2003 workbook (.xls), or it is damaged; open it in Excel or WPS and save it "
        "again as .xlsx or CSV."
    ),
    "file_old_word": _l(
        "Old Word files (.doc, .wps) cannot be read; open the file in Word or WPS and save it as a Word document "
        "(.docx), or upload the plan's PDF."
    ),
    "file_old_wps_sheet": _l(
        "WPS spreadsheets (.et) cannot be read; open the file in WPS and save it as an Excel workbook (.xlsx), or "
        "upload the plan's PDF."
    ),
    "file_old_office": _l(
        "The file is an old Office file (.doc, .wps …) but not an Excel workbook, or it is damaged; open it in "
        "Office or WPS and save it as .docx or .xlsx, or upload the plan's PDF."
    ),
    "pdf_scanned": _l(
        "This PDF is a scanned image: it has no text to read. Upload the Word (.docx) or Excel (.xlsx) version "
        "of the plan, or a PDF printed from it."
    ),
    "pdf_scanned_pages": _l(
        "Pages %(pages)s of the PDF are scanned images and were not read; check that no task is on them."
    ),
    "pdf_encrypted": _l(
        "This PDF is protected by a password and cannot be read; upload the Word (.docx) or Excel (.xlsx) "
        "version of the plan, or a PDF without a password."
    ),
    "pdf_damaged": _l(
        "The file is not a PDF, or it is damaged (cut short while downloading?); download it again, or upload the "
        "Word (.docx) or Excel (.xlsx) version of the plan."
    ),
    "pdf_damaged_parts": _l(
        "Parts of this PDF are damaged and could not be read: compare the tasks read with the plan, or upload "
        "the Word (.docx) or Excel (.xlsx) version."
    ),
    "pdf_no_table": _l(
        "No table with ruled lines was found in this PDF; upload the Word (.docx) or Excel (.xlsx) version of the plan."
    ),
    "pdf_too_large": _l("The PDF is larger than %(size)s MB; a plan's PDF is smaller. Upload the plan's pages only."),
    "pdf_too_long": _l("The PDF has more than %(pages)s pages; a plan's PDF is shorter. Upload the plan's pages only."),
    "pdf_too_dense": _l(
        "Page %(page)s of the PDF holds far more text or lines than a page of a plan, and is not read. Upload the "
        "Word (.docx) or Excel (.xlsx) version of the plan."
    ),
    "file_inflated": _l(
        "The file cannot be read: a part of it (%(part)s) expands from %(packed)s KB to %(size)s MB, far more "
        "than a plan holds. Open it in Excel, Word or WPS and save it again."
    ),
    "file_not_document": _l(
        "The file is not a Word document (.docx), or it is damaged; open it in Word or WPS and save it again as .docx."
    ),
    "page_too_large": _l(
        "The web page is larger than %(size)s MB; a plan's page is smaller. Save the page as HTML only and import "
        "it again."
    ),
    "file_no_table": _l("The file has no table with text in it; the plan's tasks must be in a table."),
    "table_too_long": _l("The tables go on past row %(rows)s; a plan is shorter. Delete the rows below the plan."),
    "other_table": _l(
        "The table beginning %(text)s also has rows; it was not read (it has no header row and not the columns of "
        "the plan table)."
    ),
    "file_too_long": _l(
        "Sheet %(sheet)s goes on past row %(rows)s; a plan is shorter. Delete the rows below the table and save again."
    ),
    "file_type": _l(
        "Unsupported file type %(suffix)s; use .docx, .xlsx, .xls, .pdf, .csv, .txt or a saved web page (.html)."
    ),
    "no_header": _l(
        "No header row found. The table needs a row naming its columns, with at least "
        "序号 or 抽查任务名称, and 抽查事项, 抽查对象范围 or 抽查比例/数量."
    ),
    "no_tasks": _l("The table has a header row but no task rows."),
    "no_tasks_skipped": _l(
        "The table has a header row, but its task rows could not be read (lines %(lines)s: a cell too long, or a "
        "quote that never closes or has text after it); correct them and import again."
    ),
    "column_missing": _l("Column %(column)s was not found; its values are left empty."),
    "kind_column_missing": _l(
        "Column %(column)s was not found; every task is taken as targeted (定向). Check each task's type."
    ),
    "rows_before_header": _l(
        "%(count)s rows came before the first header row; they were read with the first header found."
    ),
    "subheader_row": _l("This row continues the header above (merged header cells): %(text)s"),
    "section_row": _l("Read as the category of the tasks below it (kept with their original cells as 类别): %(text)s"),
    "note_row": _l("This row is not a task (only one cell is filled): %(text)s"),
    "unclosed_quote": _l(
        'A cell on this line opens a quote (") that never closes; the line was skipped and the lines after it were read.'
    ),
    "text_after_quote": _l(
        'A cell on this line has text after its closing quote ("), so its value cannot be read as written; the line '
        "was skipped and the lines after it were read."
    ),
    "line_too_long": _l("This line has a cell too long to read; the line was skipped."),
    "hidden_sheet": _l(
        "The plan was read from sheet %(sheet)s, which is hidden in the workbook: check it is the current plan."
    ),
    "hidden_row": _l("This row is hidden in the workbook; it was read: check it belongs to the plan."),
    "other_sheet": _l("Sheet %(sheet)s also has rows; only sheet %(used)s was read."),
    "year_missing": _l(
        "The plan's year was not found in the file; give it (the Year field, or --year on the command line)."
    ),
    "unit_missing": _l("The issuing unit was not found in the file; give it (--unit)."),
    "unit_ambiguous": _l(
        "The file names %(name)s as its issuer, and more than one unit has that name (%(units)s); give the "
        "issuing unit's code (--unit)."
    ),
    "year_mismatch": _l("The file says %(found)s but the year given is %(given)s; the year given was used."),
    "unit_mismatch": _l(
        "The file names %(found)s as its issuer, but it is imported as the plan of %(given)s; check that it is "
        "the right file."
    ),
    "task_not_in_file": _l("Task %(number)s is in the plan but not in this file; it was kept unchanged."),
    # cells
    "number_missing": _l("序号 is empty; the task was numbered %(number)s."),
    "number_unreadable": _l("序号 %(text)s is not a number; the task was numbered %(number)s."),
    "number_duplicate": _l("序号 %(text)s was used before; the task was numbered %(number)s."),
    "name_missing": _l("The task has no name and there is no task above to take it from."),
    "continued_row": _l(
        "Only 抽查事项 is filled here (序号 and the name are merged with the rows above): read as item %(items)s of "
        "task %(number)s."
    ),
    "inherited": _l("Empty cell (a merged cell in the original): the value of task %(number)s above was used."),
    "kind_missing": _l("抽查类型 is empty; 定向 was assumed."),
    "kind_unreadable": _l("抽查类型 %(text)s is neither 定向 nor 不定向; 定向 was assumed."),
    "kind_name_conflict": _l(
        "The task name says %(name_says)s but 抽查类型 says %(kind_says)s; 抽查类型 was kept as written."
    ),
    "ratio_missing": _l("抽查比例/数量 is empty."),
    "credit_ratios_not_applied": _l(
        "%(column)s sets ratios by credit class (%(text)s), but a ratio in it cannot be read (not between 0 and"
        " 100%%, too precise) or several ratios name no class; they were not applied: the draw takes the task's"
        " ratio with each class's default multiplier."
    ),
    "credit_ratios_conflict": _l(
        "%(column)s gives a credit class two different ratios (%(text)s); they were not applied: the draw takes"
        " the task's ratio with each class's default multiplier."
    ),
    "credit_ratios_with_count": _l(
        "%(column)s sets ratios by credit class (%(text)s) but the task draws a fixed number (%(count)s); they were"
        " not applied."
    ),
    "credit_ratios_inexact": _l(
        "%(column)s sets ratios by credit class (%(text)s) that the draw's class multipliers cannot express"
        " exactly; they were not applied: the draw takes the task's ratio with each class's default multiplier."
    ),
    "credit_ratios_read": _l(
        "%(column)s sets ratios by credit class (%(text)s), read as %(ratios)s: the task's ratio is %(base)s and each"
        " class's multiplier is its ratio divided by it, so each class draws its pool times its ratio, rounded half"
        " up; only when those add up to less than %(base)s of the whole pool (rounded up) is the rest drawn from the"
        " riskiest classes first. Confirm it on the task's scope page."
    ),
    "credit_ratio_general": _l(
        "Class %(cls)s is not named among the ratios by class; it takes the ratio written without a class, kept"
        " no lower than a less risky class's ratio and no higher than a riskier one's: %(ratio)s. Confirm it."
    ),
    "credit_ratio_weighted": _l(
        "Class %(cls)s is not named among the ratios by class; it takes class %(near)s's ratio weighted as the draw"
        " weights classes by default (A 0.5, B 1, C 2, D 4, at most 100%%), kept no lower than a less risky"
        " class's ratio and no higher than a riskier one's: %(ratio)s. Confirm it."
    ),
    "credit_ratios_divisor": _l(
        "Divided by the smallest, the ratios by class do not give finite decimals (such as 5%% ÷ 3%%), so the"
        " task's ratio is their common divisor %(base)s: each class still draws exactly its own ratio."
    ),
    "ratio_from_note": _l(
        "The table has no 抽查比例 column; the note %(text)s gives %(ratio)s, read for this task: confirm it."
    ),
    "ratio_unreadable": _l("Cannot read a ratio or a number from %(text)s."),
    "ratio_rounds_only": _l(
        "%(text)s says how often (%(rounds)s times a year) but not what share or how many subjects to draw: set the"
        " ratio or the number."
    ),
    "ratio_ambiguous": _l("Several ratios in %(text)s; none was taken."),
    "ratio_range": _l("%(text)s is a range; read as at least %(low)s: confirm it."),
    "ratio_out_of_range": _l("Ratio %(text)s is not between 0 and 100%%."),
    "ratio_too_precise": _l(
        "Ratio %(text)s has more decimal places than a ratio can keep (6 after the percent point); it was not rounded, write it shorter."
    ),
    "ratio_fraction": _l("%(text)s has no %% sign; read as the fraction %(percent)s."),
    "ratio_extra_text": _l("Ratio read, but %(text)s beside it was not understood."),
    "rounds_unreadable": _l("Cannot read the number of rounds a year from %(text)s."),
    "window_missing": _l("抽取日期 is empty."),
    "window_unreadable": _l("Cannot read a range of months from %(text)s."),
    "window_other_year": _l(
        "%(text)s names the year %(found)s, not the plan's: its months were read in the plan's year; confirm them."
    ),
    "window_reversed": _l("The window %(text)s ends before it starts."),
    "window_quarters_apart": _l(
        "%(text)s names quarters that are not one after another; read as one window from the first to the last,"
        " which also covers the quarters between: confirm it, or split the task."
    ),
    "window_deadline": _l(
        "%(text)s gives only the month the checks must end; read as January to month %(end)s: confirm the first month."
    ),
    "window_remark": _l("%(text)s was read without its remark %(remark)s: confirm the months."),
    "items_missing": _l("抽查事项 is empty."),
    "item_codes_mismatch": _l(
        "The item codes name %(codes)s items but 抽查事项 lists %(items)s; the codes were not used (items are mapped by their text)."
    ),
    "item_code_unreadable": _l("Item code %(text)s is not a code (letters, digits, . and -); it was not used."),
    "executor_missing": _l("抽查检查主体 is empty."),
    "executor_no_column": _l(
        "The table has no column saying who executes the task (抽查检查主体, 实施主体); choose the city bureau, the "
        "county bureaus or both before a draw."
    ),
    "executor_unreadable": _l("Cannot tell from %(text)s whether the city or the county bureaus execute."),
    "executor_level_missing": _l(
        "%(text)s: a level seems to be missing after 、 (a likely typo); read as the city bureau only."
    ),
    "executor_other_level": _l("%(text)s names a level other than city or county."),
    "guide_unknown": _l("Guiding department %(text)s is not a known department; did you mean %(suggestion)s?"),
    "scope_no_rule": _l(
        "Nothing in the scope %(text)s matches a subject tag or kind; every operating subject will be eligible."
    ),
    "scope_kinds_only": _l(
        "Of the scope %(text)s only the kind of subject was read; %(words)s is no rule yet, so every operating "
        "subject of that kind will be eligible. Confirm or narrow the rule before the draw."
    ),
    # a file's text encoding: the words of its owner
    **text_encoding.MESSAGES,
}


@dataclass
class Problem:
    code: str
    row: int | None = None
    column: str | None = None
    params: dict = field(default_factory=dict)
    level: str = WARNING

    def as_dict(self) -> dict:
        return asdict(self)


def problem_text(problem: Problem | dict) -> str:
    """The message in the current language, without the position."""
    data = problem.as_dict() if isinstance(problem, Problem) else problem
    template = MESSAGES.get(data.get("code", ""))
    if template is None:
        return data.get("code", "")
    try:
        return str(template) % (data.get("params") or {})
    except (KeyError, TypeError, ValueError):
        return str(template)


def problem_position(problem: Problem | dict) -> str:
    data = problem.as_dict() if isinstance(problem, Problem) else problem
    row, column = data.get("row"), data.get("column")
    if row and column:
        return _("row %(row)s, column %(column)s", row=row, column=column)
    if row:
        return _("row %(row)s", row=row)
    if column:
        return _("column %(column)s", column=column)
    return ""


def describe(problem: Problem | dict) -> str:
    position = problem_position(problem)
    text = problem_text(problem)
    return _("%(position)s: %(text)s", position=position, text=text) if position else text


class PlanFileError(InvalidInput):
    """The file cannot be read as a plan table at all; nothing was imported."""

    def __init__(self, code: str, **params):
        self.problem = Problem(code, params=params, level=ERROR)
        super().__init__(code)

    def __str__(self) -> str:
        return problem_text(self.problem)
