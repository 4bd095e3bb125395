"""CRM files as they come: dates in three forms, three delimiters with or without a BOM, each
CRM's column names and statuses, and docs/crm-files.md listing every one of them."""

import codecs
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from handlers.crm_dates import DateProblem, parse_crm_moment
from handlers.crm_files import (
    FIELD_COLUMNS,
    HUBSPOT_STATUSES,
    SALESFORCE_STATUSES,
    StatusMapProblem,
    StatusWords,
    map_columns,
    read_status_map,
)
from handlers.csv_files import batches, count_rows, detect_format, read_header
from storage.vocabulary import LeadStatus

BERLIN = ZoneInfo("Europe/Berlin")
UTF16_TAB = codecs.BOM_UTF16_LE + "Email\tLead Status\na@x.com\tNew\n".encode("utf-16-le")
DOCS = (Path(__file__).parent.parent / "docs" / "crm-files.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "day_first", "expected"),
    [
        ("2026-11-18", False, datetime(2026, 11, 17, 23, 0, tzinfo=UTC)),
        ("2026-11-18 19:37", False, datetime(2026, 11, 18, 18, 37, tzinfo=UTC)),
        ("2026-11-18T19:37:00+01:00", False, datetime(2026, 11, 18, 18, 37, tzinfo=UTC)),
        ("2026-11-18T18:37:00Z", False, datetime(2026, 11, 18, 18, 37, tzinfo=UTC)),
        ("2026-11-18 7:37 PM", False, datetime(2026, 11, 18, 18, 37, tzinfo=UTC)),
        ("11/18/2026 7:37 PM", False, datetime(2026, 11, 18, 18, 37, tzinfo=UTC)),
        ("11/18/2026 7:37 pm", True, datetime(2026, 11, 18, 18, 37, tzinfo=UTC)),
        ("11/18/26 12:05 AM", False, datetime(2026, 11, 17, 23, 5, tzinfo=UTC)),
        ("18.11.2026 19:37", False, datetime(2026, 11, 18, 18, 37, tzinfo=UTC)),
        ("18/11/2026 19:37", False, datetime(2026, 11, 18, 18, 37, tzinfo=UTC)),
        ("05/06/2026", False, datetime(2026, 5, 5, 22, 0, tzinfo=UTC)),
        ("05/06/2026", True, datetime(2026, 6, 4, 22, 0, tzinfo=UTC)),
        ("05.06.2026", False, datetime(2026, 6, 4, 22, 0, tzinfo=UTC)),
        ("07/01/2026 09:00", False, datetime(2026, 7, 1, 7, 0, tzinfo=UTC)),  # summer time
    ],
)
def test_dates_in_iso_us_and_day_first_forms_are_local_time(
    text: str, day_first: bool, expected: datetime
) -> None:
    assert parse_crm_moment(text, BERLIN, day_first=day_first) == expected


@pytest.mark.parametrize(
    "text", ["yesterday", "24/13/2026", "2026-13-01", "11/18/2026 25:00", "11/18/2026 13:00 PM"]
)
def test_what_is_not_a_date_says_which_forms_are(text: str) -> None:
    with pytest.raises(DateProblem, match="11/18/2026 7:37 PM"):
        parse_crm_moment(text, BERLIN)


@pytest.mark.parametrize(
    ("content", "encoding", "delimiter"),
    [
        (b"Email,Lead Status\na@x.com,New\n", "utf-8-sig", ","),
        (codecs.BOM_UTF8 + b"Email;Lead Status\na@x.com;New\n", "utf-8-sig", ";"),
        (b"Email\tLead Status\na@x.com\tNew\n", "utf-8-sig", "\t"),
        (b'"Name; or title",Email\n"A; B",a@x.com\n', "utf-8-sig", ","),
        (UTF16_TAB, "utf-16", "\t"),
    ],
    ids=["comma", "semicolon-bom", "tab", "quoted-semicolons", "utf16-tab"],
)
def test_delimiter_and_byte_order_mark_are_detected(
    tmp_path: Path, content: bytes, encoding: str, delimiter: str
) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes(content)
    fmt = detect_format(path)
    assert (fmt.encoding, fmt.delimiter) == (encoding, delimiter)
    assert read_header(path, fmt)[-1] in ("Lead Status", "Email")
    assert count_rows(path, fmt) == 1
    [[(line, row)]] = list(batches(path, fmt, 10))
    assert line == 2 and "a@x.com" in row


def test_hubspot_and_salesforce_headers_map_to_lead_fields() -> None:
    hubspot = ["Record ID", "First Name", "Last Name", "Email", "Phone Number", "Contact owner"]
    hubspot += ["Lead Status", "Create Date", "Company Name", "Original Source"]
    columns, ignored = map_columns(hubspot)
    assert columns == {
        "external_id": 0,
        "first_name": 1,
        "last_name": 2,
        "email": 3,
        "owner": 5,
        "status": 6,
        "handed_off_at": 7,
        "company": 8,
        "source": 9,
    }
    assert ignored == ["Phone Number"]
    salesforce = ["Lead ID", "First Name", "Last Name", "Company / Account", "Email"]
    salesforce += ["Lead Source", "Lead Status", "Lead Owner", "Create Date"]
    columns, _ignored = map_columns(salesforce)
    assert columns == {
        "external_id": 0,
        "first_name": 1,
        "last_name": 2,
        "company": 3,
        "email": 4,
        "source": 5,
        "status": 6,
        "owner": 7,
        "handed_off_at": 8,
    }


def test_an_owners_email_column_wins_over_their_name() -> None:
    columns, ignored = map_columns(["Email", "Lead Owner", "Lead Owner Email"])
    assert columns["owner"] == 2 and ignored == ["Lead Owner"]


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Bad Timing", LeadStatus.LOST),
        ("Attempted to Contact", LeadStatus.CONTACTED),
        ("OPEN DEAL", LeadStatus.MEETING),
        ("Working - Contacted", LeadStatus.CONTACTED),
        ("Closed - Not Converted", LeadStatus.DISQUALIFIED),
        ("Closed - Converted", LeadStatus.QUALIFIED),
        ("Open - Not Contacted", LeadStatus.NEW),
        ("dq", LeadStatus.DISQUALIFIED),  # leadloop's own aliases work too
        ("meeting", LeadStatus.MEETING),
    ],
)
def test_each_crms_standard_statuses_are_known(word: str, status: LeadStatus) -> None:
    assert StatusWords().read(word) == status


def test_a_status_map_file_comes_first() -> None:
    overrides = read_status_map(
        "# our HubSpot\ncrm_status;status\nBad Timing;contacted\n\nDemo Scheduled;meeting\n"
    )
    words = StatusWords(overrides)
    assert words.read("bad timing") == LeadStatus.CONTACTED
    assert words.read("Demo scheduled") == LeadStatus.MEETING
    assert words.read("Unqualified") == LeadStatus.DISQUALIFIED
    assert words.read("Sleeping") is None


@pytest.mark.parametrize(
    ("text", "words"),
    [("Bad Timing,new,extra\n", "line 1 is not"), ("a,new\nBad Timing,later\n", "line 2: 'later'")],
)
def test_a_bad_status_map_names_the_line(text: str, words: str) -> None:
    with pytest.raises(StatusMapProblem, match=words):
        read_status_map(text)


def test_the_docs_list_every_column_name_and_status() -> None:
    for target, names in FIELD_COLUMNS.items():
        assert ", ".join(names) in DOCS, target
    for word, status in {**HUBSPOT_STATUSES, **SALESFORCE_STATUSES}.items():
        assert f"| {word} | {status.value} |" in DOCS, word
