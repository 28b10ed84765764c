"""``civic report YEAR``: the annual report on government information disclosure (政府信息公开工作年度报告),
tables three and four, counted from publishing's database by the code that serves
``GET /api/v1/reports/disclosure/{year}`` (`services.publishing.records.annual_report`)."""

from __future__ import annotations

import json

import click

from deploy.cli.columns import pad, width
from deploy.cli.failures import CommandFailed, run
from deploy.cli.services import no_database, service
from services.publishing.annual_report import (
    APPEAL_KIND_LABELS,
    APPEAL_RESULT_LABELS,
    COLUMN_LABELS,
    COLUMNS,
    AnnualReport,
    TableFour,
    TableThree,
    render_table_four_csv,
    render_table_three_csv,
)
from services.publishing.records import annual_report
from shared.dates import today
from shared.db import Database, missing_sqlite_file

__all__ = ["report"]

FIRST_YEAR, LAST_YEAR = 2000, 2100  # as the API's and the public page's


@click.command()
@click.argument("year", type=click.IntRange(FIRST_YEAR, LAST_YEAR))
@click.option(
    "--format",
    "shape",
    type=click.Choice(["text", "json", "csv"]),
    default="text",
    show_default=True,
    help="text: both tables for a terminal; json: the API's body; csv: one table, as the API's download.",
)
@click.option("--table", type=click.Choice(["3", "4"]), default=None, help="Only table three or four.")
def report(year: int, shape: str, table: str | None) -> None:
    """Tables three and four of YEAR's annual report on government information disclosure
    (政府信息公开工作年度报告), from publishing's database (PUBLISHING_DATABASE_URL, else the SQLite file
    in CIVIC_DATA_DIR). Reads, changes nothing.

    \b
    civic report 2026
    civic report 2026 --format csv --table 3 > table-3.csv
    civic report 2026 --format json
    """
    if shape == "csv" and table is None:
        raise click.UsageError("--format csv writes one table: add --table 3 or --table 4")
    if shape == "json" and table is not None:
        raise click.UsageError("--format json writes the whole report; --table is for text and csv")
    publishing = service("publishing")
    url = publishing.settings.resolved_database_url
    missing = missing_sqlite_file(url)
    if missing is not None:
        raise CommandFailed(f"publishing: {no_database(publishing, missing)}")

    async def counted() -> AnnualReport:
        database = Database(url, publishing.schema.tables)
        try:
            return await annual_report(database, year)
        finally:
            await database.dispose()

    found = run(counted(), database=url)
    if shape == "json":
        click.echo(json.dumps(found.to_dict(), ensure_ascii=False, indent=2))
    elif shape == "csv":
        click.echo(
            render_table_three_csv(found.table_three)
            if table == "3"
            else render_table_four_csv(found.table_four),
            nl=False,
        )
    else:
        click.echo("\n".join(text_lines(found, table, in_progress=year >= today().year)))


def text_lines(found: AnnualReport, table: str | None, *, in_progress: bool) -> list[str]:
    """The report for a terminal: each table's counts in columns, then whether table three balances and
    what was left out."""
    lines = [f"{found.year}年度政府信息公开工作年度报告"]
    if in_progress:
        lines.append(f"({found.year} is not over: the figures are as of today)")
    if table in (None, "3"):
        lines += ["", "表三　收到和处理政府信息公开申请情况（单位：件）", *_table_three(found.table_three)]
    if table in (None, "4"):
        lines += ["", "表四　政府信息公开行政复议、行政诉讼情况（单位：件）", *_table_four(found.table_four)]
    lines.append("")
    if found.balanced:
        lines.append("table three balances: 一 + 二 = （七）总计 + 四 in every column")
    else:
        lines += [f"table three does not balance: {imbalance.message}" for imbalance in found.imbalances]
    if found.excluded:
        lines.append(f"{len(found.excluded)} record(s) left out, not counted (correct them at the source):")
        lines += [f"  {record.case_id}: {record.problem}" for record in found.excluded]
    return lines


def _table_three(table: TableThree) -> list[str]:
    """The counts first, one column per applicant type (its label as the header), then the row's label."""
    labels = [COLUMN_LABELS[column] for column in COLUMNS]
    widths = [max(width(label), 4) for label in labels]
    header = "  ".join(pad(label, w, right=True) for label, w in zip(labels, widths, strict=True))
    rows = [
        "  ".join(pad(str(count), w, right=True) for count, w in zip(row.counts, widths, strict=True))
        + "  "
        + "  " * row.level
        + row.label
        for row in table.rows
    ]
    return [f"{header}  项目", *rows]


def _table_four(table: TableFour) -> list[str]:
    groups = (table.review, table.litigation_direct, table.litigation_after_review)
    label_width = max(width(label) for label in APPEAL_KIND_LABELS)
    widths = [max(width(label), 4) for label in APPEAL_RESULT_LABELS]
    header = " " * label_width + "".join(
        "  " + pad(label, w, right=True) for label, w in zip(APPEAL_RESULT_LABELS, widths, strict=True)
    )
    rows = [
        pad(label, label_width)
        + "".join(
            "  " + pad(str(count), w, right=True) for count, w in zip(counts.cells(), widths, strict=True)
        )
        for label, counts in zip(APPEAL_KIND_LABELS, groups, strict=True)
    ]
    return [header, *rows]
