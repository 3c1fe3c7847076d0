"""The clause parser against the seed protocols and small synthetic documents.

The checks on the seed documents do not reuse the parser's rules: the body, the
numbered references and the sentences are found here with deliberately simple regexes,
so a parser that drops, duplicates or mislabels text is caught.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from knowledge.clause import MAX_CLAUSE_CHARS, Clause
from knowledge.parser import body_text, parse

PROTOCOLS = Path(__file__).resolve().parent.parent / "knowledge" / "protocols"
DOC_IDS = sorted(path.stem for path in PROTOCOLS.glob("*.txt"))
ILMINSTER_WEB = "000_071d258fd975c70b"  # markdown contents table, unnumbered headings
ILMINSTER_DOC = "001_a879d86bb0aeb3d5"  # "1.1" clauses, "·" bullets
EAST_DEVON = "002_f0618532f7b6a44a"  # committee report with the protocol as appendix
PDF_WRAPPED = "003_5a0122096eb42bbd"  # hard-wrapped PDF lines, "(a)" items
MARKDOWN = "004_fbcb302b638d596d"  # markdown headings, "1." clauses

_LINE_MARKERS = re.compile(
    r"^\s*(?:#+\s+)?(?:[-•·▪◦*]\s+)*"
    r"(?:(?:\d{1,3}(?:\.\d{1,3})*\.?|\([a-z]{1,4}\)|[a-z]\.|[ivx]{1,4}\.|[a-z]{1,4}\)|[A-Z]\))(?=\s|$))?"
)
_MARKUP = re.compile(r"\*\*|</?u>")
_REF_AT_LINE_START = re.compile(r"^\s*(?:-\s*)?(?:\*\*)?(\d{1,3}(?:\.\d{1,3})*)\.?(?:\*\*)?\s+\S")


def _doc(doc_id: str) -> str:
    return (PROTOCOLS / f"{doc_id}.txt").read_text(encoding="utf-8")


@cache
def _clauses(doc_id: str) -> tuple[Clause, ...]:
    return tuple(parse(doc_id, _doc(doc_id)))


def _norm(text: str) -> str:
    """Comparable form: no markup, no leading bullets or numbers, single spaces."""
    lines = [_LINE_MARKERS.sub("", _MARKUP.sub("", line)) for line in text.splitlines()]
    return " ".join(" ".join(lines).split())


def _protocol_lines(raw: str) -> list[tuple[int, str]]:
    """(offset, line) of the body: the appendix when the protocol is appended to a
    report, without contents (a "Contents" line and the table or dashed list under it)."""
    lines: list[tuple[int, str]] = []
    pos = 0
    for line in raw.splitlines(keepends=True):
        lines.append((pos, line.rstrip("\r\n")))
        pos += len(line)
    appendix = next((i for i, (_, line) in enumerate(lines) if line.strip() == "APPENDIX 1"), 0)
    kept: list[tuple[int, str]] = []
    in_contents = False
    for offset, line in lines[appendix:]:
        stripped = line.strip()
        if re.fullmatch(r"Contents?:?", stripped):
            in_contents = True
            continue
        if in_contents and (not stripped or stripped.startswith(("|", "- "))):
            continue
        in_contents = False
        if not stripped.startswith("|"):
            kept.append((offset, line))
    return kept


def _is_title_case(text: str) -> bool:
    """A reference-list entry or a heading ("Background Papers:", "The Good Councillors Guide
    (edition 2018)"): short, unfinished, most words capitalised. Such lines are never clause text."""
    words = re.findall(r"[A-Za-z]+", text)
    capitalised = sum(word[0].isupper() for word in words)
    return 0 < len(words) <= 12 and not text.endswith((".", ";")) and capitalised * 2 > len(words)


def _headings(clauses: tuple[Clause, ...]) -> set[str]:
    return {_norm(title) for clause in clauses for title in clause.heading_path}


# --- 1. references ---------------------------------------------------------


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_every_number_printed_at_a_line_start_is_a_ref_a_heading_or_a_list_item(doc_id: str) -> None:
    clauses = _clauses(doc_id)
    refs = {clause.ref for clause in clauses}
    heading_numbers = {
        match.group(1)
        for clause in clauses
        for title in clause.heading_path
        if (match := re.match(r"(\d+(?:\.\d+)*)", title))
    }
    printed = {
        match.group(1)
        for _, line in _protocol_lines(_doc(doc_id))
        if (match := _REF_AT_LINE_START.match(line))
    }
    for number in sorted(printed):
        # A bare "12." may be an item of a list such as "3.5 Officers must:", kept in its clause.
        as_item = "." not in number and any(
            re.search(rf"(?m)^{number}\. ", clause.text) for clause in clauses
        )
        assert number in refs or number in heading_numbers or as_item, number


SPOT_CHECKS: list[tuple[str, str | None, str, tuple[str, ...] | None]] = [
    # (doc, ref, text the clause starts with, heading path or None to skip)
    (ILMINSTER_WEB, None, "Councillors have four main areas of responsibility:\n- To",
     ("ROLES OF COUNCILLORS AND OFFICERS", "Councillors")),
    (ILMINSTER_WEB, None, "If a councillor is dissatisfied with the conduct",
     ("IF THINGS GO WRONG", "Procedure for councillors:")),
    (ILMINSTER_DOC, "2.6", "A Councillor should not knowingly inspect", ("2 Councillors",)),
    (ILMINSTER_DOC, "2.5", "Subject to 2.6 below, where a Councillor", None),
    (ILMINSTER_DOC, "4.2", "Officers can expect from Councillors:\n· An", ("4 Expectations",)),
    (EAST_DEVON, "13(b)", "Correspondence from an individual", ("13 Correspondence",)),
    (EAST_DEVON, "10.4.1", "Councillors of the three Scrutiny Committees",
     ("10. Specific Councillor Roles / Officer Relationships", "10.4 Scrutiny Members and Officers")),
    (EAST_DEVON, "12.2", "The Council must comply with the provisions", None),
    (EAST_DEVON, "2.3", "It is important that Councillors:\ni. respect", ("2. Councillors",)),
    (PDF_WRAPPED, "2.2", "Councillors have four main areas of responsibility:\n(a)",
     ("2. Roles of councillors and officers", "2.2 Councillors")),
    (PDF_WRAPPED, "4.2(b)", "Officer reports to political groups", None),
    (PDF_WRAPPED, "5.2", "In the event that a councillor is dissatisfied", None),
    (MARKDOWN, "8", "All Councillors can expect:\n- A commitment", ("Officers", "Expectations:")),
    (MARKDOWN, "24", "Procedure for Officers: The relationship", ("Officers", "Complaints")),
]


@pytest.mark.parametrize(("doc_id", "ref", "opening", "path"), SPOT_CHECKS)
def test_numbered_clauses_keep_the_reference_a_reader_sees(
    doc_id: str, ref: str | None, opening: str, path: tuple[str, ...] | None
) -> None:
    matches = [clause for clause in _clauses(doc_id) if clause.text.startswith(opening)]
    assert len(matches) == 1, [clause.text[:60] for clause in _clauses(doc_id) if clause.ref == ref]
    assert matches[0].ref == ref
    if path is not None:
        assert matches[0].heading_path == path


@pytest.mark.parametrize(
    ("doc_id", "ref", "fragment"),
    [
        (ILMINSTER_DOC, "2.5", "In the case of any confidential document"),
        (EAST_DEVON, "3.5", "impartial, constructive and professional manner\n3. treat"),
        (EAST_DEVON, "4.3", "Officers do not necessarily have the same right of reply"),
        (PDF_WRAPPED, "1.1", "an essential ingredient that goes into the successful working"),
        (PDF_WRAPPED, "3.1", "(n) Support for the role of councillors as the local"),
        (MARKDOWN, "19", "respect and courtesy due to Members in their various roles"),
    ],
)
def test_continuations_and_sub_items_stay_in_their_clause(doc_id: str, ref: str, fragment: str) -> None:
    assert any(clause.ref == ref and fragment in clause.text for clause in _clauses(doc_id))


# --- 2. nothing lost, nothing duplicated -----------------------------------


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_every_sentence_of_the_body_is_in_exactly_one_clause(doc_id: str) -> None:
    clauses = _clauses(doc_id)
    headings = _headings(clauses)
    first_start = min(clause.start for clause in clauses)
    body: list[str] = []
    for offset, line in _protocol_lines(_doc(doc_id)):
        text = _norm(line)
        title_line = offset < first_start and len(text) < 100 and not text.endswith((".", ";"))
        if text and text not in headings and not title_line and not _is_title_case(text):
            body.append(text)
    joined = " ".join(body)
    texts = [_norm(clause.text) for clause in clauses]
    lead_ins = [_norm(clause.lead_in) for clause in clauses if clause.lead_in]
    sentences = [s for line in body for s in re.split(r"(?<=[.!?;:])\s+", line) if s]
    assert len(sentences) > 20
    for sentence in sentences:
        found = sum(text.count(sentence) for text in texts)
        if any(sentence in lead_in for lead_in in lead_ins):
            assert found >= 1, sentence
        else:
            assert found == joined.count(sentence), sentence


# --- 3. size and offsets ---------------------------------------------------


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_clauses_are_short_non_empty_and_ordered_by_offset(doc_id: str) -> None:
    raw = _doc(doc_id)
    clauses = _clauses(doc_id)
    assert all(len(clause.text) <= MAX_CLAUSE_CHARS for clause in clauses)
    assert all(clause.text.strip() for clause in clauses)
    assert all(0 <= clause.start < clause.end <= len(raw) for clause in clauses)
    assert all(a.end <= b.start for a, b in zip(clauses, clauses[1:], strict=False))


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_headings_are_titles_not_sentences(doc_id: str) -> None:
    # Heading lines are exempt from the sentence check, so a sentence must never become one.
    for title in {title for clause in _clauses(doc_id) for title in clause.heading_path}:
        assert len(title) <= 100 and not title.endswith((".", ";")), title


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_each_clause_span_holds_exactly_its_text(doc_id: str) -> None:
    raw = _doc(doc_id)
    for clause in _clauses(doc_id):
        span = _norm(raw[clause.start : clause.end])
        text = _norm(clause.text)
        if clause.lead_in and not span.startswith(_norm(clause.lead_in)):
            text = text.removeprefix(_norm(clause.lead_in)).strip()
        assert span == text, (clause.ref, clause.text[:60])


# --- 4. what is not body ---------------------------------------------------


def test_the_cover_report_and_contents_of_an_appended_protocol_are_left_out() -> None:
    doc_id = EAST_DEVON
    raw = _doc(doc_id)
    protocol_start = raw.index("1. Introduction\n\n- 1.1")
    clauses = _clauses(doc_id)
    assert all(clause.start >= protocol_start for clause in clauses)
    for phrase in ("There are no financial implications arising from this report", "Report to: Council",
                   "Provision of Support Services to Councillors and Party Groups\n"):
        assert not any(phrase in clause.text for clause in clauses)
    assert "financial implications" not in body_text(raw)
    assert body_text(raw).rstrip().endswith("available from the Monitoring Officer.")


def test_a_contents_table_and_title_block_are_left_out() -> None:
    doc_id = ILMINSTER_WEB
    raw = _doc(doc_id)
    contents_end = raw.index("| Procedure for councillors: | 11 |")
    clauses = _clauses(doc_id)
    assert all(clause.start > contents_end for clause in clauses)
    assert not any("|" in clause.text or "....." in clause.text for clause in clauses)
    assert not any("Adopted Full Council" in clause.text for clause in clauses)
    assert clauses[0].text.startswith("The purpose of this Protocol")
    assert clauses[0].heading_path == ("INTRODUCTION",)


# --- 5. synthetic documents ------------------------------------------------


def _items(markers: list[str]) -> str:
    return "".join(
        f"{marker} item {i} says councillors must treat officers with courtesy and respect at meetings\n"
        for i, marker in enumerate(markers, start=1)
    )


def test_a_long_list_is_split_into_parts_that_repeat_the_lead_in() -> None:
    doc = "EXPECTATIONS\n\nOfficers can expect councillors:\n" + _items(["-"] * 30)
    clauses = parse("t", doc)
    assert len(clauses) >= 2
    for clause in clauses:
        assert clause.lead_in == "Officers can expect councillors:"
        assert clause.text.startswith("Officers can expect councillors:\n- item")
        assert len(clause.text) <= MAX_CLAUSE_CHARS
        assert clause.heading_path == ("EXPECTATIONS",)
    # Later parts point at their own items only; the lead-in is repeated, not re-located.
    assert all(doc[clause.start :].startswith("- item") for clause in clauses[1:])
    for i in range(1, 31):
        assert sum(f"item {i} says" in clause.text for clause in clauses) == 1


def test_a_long_numbered_list_keeps_its_clause_reference_in_every_part() -> None:
    letters = [f"({chr(ord('a') + i)})" for i in range(20)]
    doc = "2 Councillors\n2.1 Councillors lead.\n2.2 Officers can expect councillors:\n"
    doc += _items(letters)
    clauses = parse("t", doc)[1:]
    assert len(clauses) >= 2
    assert {clause.ref for clause in clauses} == {"2.2"}
    assert all(clause.lead_in == "Officers can expect councillors:" for clause in clauses)


def test_a_long_paragraph_is_split_between_sentences_under_the_same_reference() -> None:
    sentence = "Councillors should not involve themselves in the day to day running of the council."
    doc = "1 General Principles\n1.1 " + " ".join([sentence] * 40) + "\n1.2 Short clause.\n"
    clauses = parse("t", doc)
    parts = [clause for clause in clauses if clause.ref == "1.1"]
    assert len(parts) >= 2
    assert all(part.text.endswith(".") and len(part.text) <= MAX_CLAUSE_CHARS for part in parts)
    assert sum(part.text.count(sentence) for part in parts) == 40
    assert [clause.ref for clause in clauses][-1] == "1.2"


def test_hard_wrapped_lines_are_rejoined_into_one_paragraph() -> None:
    doc = (
        " 1.  Introduction \n \n"
        "1.1  The relationship between councillors and officers is an essential ingredient \n\n"
        "that goes into the successful working of an organisation. It is characterised by \n"
        "mutual respect. \n \n"
        "1.2  The Protocol must be read in the context of the Code of Conduct for \n\n"
        "Employees and the law. \n"
    )
    clauses = parse("t", doc)
    assert [clause.ref for clause in clauses] == ["1.1", "1.2"]
    assert clauses[0].text == (
        "The relationship between councillors and officers is an essential ingredient that goes into "
        "the successful working of an organisation. It is characterised by mutual respect."
    )
    assert clauses[1].text == (
        "The Protocol must be read in the context of the Code of Conduct for Employees and the law."
    )
    assert clauses[0].heading_path == ("1. Introduction",)


def test_a_markdown_table_becomes_readable_rows_without_rule_lines() -> None:
    doc = (
        "## Contacts\n\nPress enquiries go to:\n\n"
        "| Role | Contact |\n|---|---|\n| Press officer | Jane Smith |\n| **Clerk** | John Brown |\n"
    )
    clauses = parse("t", doc)
    assert len(clauses) == 1
    assert clauses[0].text.splitlines() == [
        "Press enquiries go to:", "Role | Contact", "Press officer | Jane Smith", "Clerk | John Brown"
    ]
    assert clauses[0].heading_path == ("Contacts",)


def test_a_contents_table_with_page_numbers_produces_no_clauses() -> None:
    doc = (
        "Contents\n\n| INTRODUCTION..... | 3 |\n| OFFICERS | 4 |\n\n"
        "INTRODUCTION\n\nThe purpose of this Protocol is to guide.\n\n"
        "OFFICERS\n\nOfficers advise councillors.\n"
    )
    clauses = parse("t", doc)
    assert [(clause.heading_path, clause.text) for clause in clauses] == [
        (("INTRODUCTION",), "The purpose of this Protocol is to guide."),
        (("OFFICERS",), "Officers advise councillors."),
    ]


def test_items_without_an_introducing_sentence_are_cited_with_their_section() -> None:
    doc = "4.2  Written briefings\n\n(a) Groups may ask for briefings.\n\n(b) Briefings are confidential.\n"
    clauses = parse("t", doc)
    assert [(clause.ref, clause.text) for clause in clauses] == [
        ("4.2(a)", "Groups may ask for briefings."),
        ("4.2(b)", "Briefings are confidential."),
    ]


def test_a_clause_number_alone_on_its_line_numbers_the_text_below_it() -> None:
    # Word and PDF exports often put automatic numbering on a line of its own.
    doc = "2 Councillors\n\n2.6\nA Councillor should not inspect it.\n2.7\n\nAny document is confidential.\n"
    clauses = parse("t", doc)
    assert [(clause.ref, clause.text) for clause in clauses] == [
        ("2.6", "A Councillor should not inspect it."),
        ("2.7", "Any document is confidential."),
    ]
    assert doc[clauses[0].start :].startswith("2.6\n")


def test_an_opening_title_with_an_ampersand_heads_the_text_instead_of_starting_it() -> None:
    text = ("Fenwold Parish Council\nGifts & Hospitality\n"
            "Councillors receive no allowance for their work.\nThey may claim travel at 40p a mile.\n")
    first = parse("gifts.txt", text)[0]
    assert first.heading_path == ("Gifts & Hospitality",)
    assert first.text.startswith("Councillors receive no allowance")


def test_a_heading_ending_in_its_initials_in_brackets_heads_the_text_below_it() -> None:
    text = ("Members' Allowances\n\nTravel\n\nCouncillors may claim the cost of travel to approved duties.\n\n"
            "Carers' Allowance (CA)\n\nA councillor who cares for a dependant may claim up to £10 an hour.\n")
    headings = {clause.text[:12]: clause.heading for clause in parse("allowances.txt", text)}
    assert headings == {"Councillors ": "Travel", "A councillor": "Carers' Allowance (CA)"}
