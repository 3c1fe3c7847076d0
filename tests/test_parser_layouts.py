"""The clause parser on layouts real councils publish, each written here as a small fictional protocol.

Every fixture in tests/fixtures/layouts/ imitates one way a protocol arrives as text (a PDF pasted
as one block, numbers on their own lines, headings as bullets, ...). The checks are what a reader
would notice: the references cited are the ones printed, and titles, headings, contents entries,
reference lists, footnotes and page furniture are never cited as clauses.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.parser import parse

LAYOUTS = Path(__file__).resolve().parent / "fixtures" / "layouts"


def _parsed(name: str) -> list[tuple[str | None, str | None, str]]:
    """(ref, innermost heading, text) of each clause."""
    text = (LAYOUTS / name).read_text(encoding="utf-8")
    return [(c.ref, c.heading, c.text) for c in parse(name, text)]


EXPECTED: dict[str, list[tuple[str | None, str | None, str]]] = {
    "number_own_line.txt": [
        ("8.61", "8 Working together", "Members and officers are both servants o"),
        ("8.62", "8 Working together", "Officers are employed by the Council as "),
        ("8.63", "8 Working together", "A member who is unhappy with the work of"),
        ("9.1", "9 Information for members", "Members may ask for any information the"),
        ("9.2", "9 Information for members", "An officer who is unsure whether a membe"),
    ],
    "bullet_headings.txt": [
        (None, "Purpose of this protocol", "This protocol sets out how councillors a"),
        (None, "Roles of councillors", "Councillors decide the council's policie"),
        (None, "Roles of councillors", "Councillors should not become involved i"),
        (None, "Roles of staff", "Staff carry out the decisions of the cou"),
        (None, "Keeping to the protocol", "The Clerk is responsible for making sure"),
    ],
    "letter_sections.txt": [
        ("(a)(1)", "(a) General principles", "Councillors and employees should treat e"),
        ("(a)(2)", "(a) General principles", "Neither councillors nor employees should"),
        ("(b)(1)", "(b) Giving instructions", "An individual councillor has no authori"),
        ("(b)(2)", "(b) Giving instructions", "Instructions to the Clerk come only from"),
        ("(c)(1)", "(c) Social media", "Councillors must not post comments onlin"),
    ],
    "contents_no_pages.txt": [
        (None, "Introduction", "This protocol helps councillors and the c"),
        (None, "Roles and responsibilities", "Councillors set the direction of the co"),
        (None, "Personal relationships", "Councillors and officers should avoid fr"),
        (None, "Raising concerns", "An officer who feels bullied by a counci"),
    ],
    "footnote_quote.txt": [
        ("1.1", "1. Introduction", "This protocol is about the working relat"),
        ("1.2", "1. Introduction", "It should be read together with the Memb"),
        ("2.1", "2. Respect", "Members and officers will treat one anot"),
    ],
    "nbsp_lines.txt": [
        ("1.1", "1. Purpose", "The protocol explains how councillors an"),
        ("1.2", "1. Purpose", "The Clerk is the Proper Officer of the c"),
        ("2.1", "2. Instructions", "Councillors must not give the Clerk inst"),
    ],
    "section_headings.txt": [
        ("15.1", "SECTION 15 – Access to information", "A councillor is entitled to see any coun"),
        ("15.2", "SECTION 15 – Access to information", "Beyond that, a councillor must show a ne"),
        ("16.1", "SECTION 16 – Correspondence", "Letters between a councillor and an offi"),
    ],
    "one_list.txt": [
        ("1", "1. Roles", "The council makes decisions as a body. T"),
        ("2", "2. Respect", "Councillors and the Clerk should be poli"),
        ("3", "3. Instructions", "No councillor may instruct the Clerk on "),
        ("4", "4. Confidentiality", "Councillors must keep confidential anyth"),
        ("5", "5. Complaints", "A complaint about the Clerk's work goes "),
        ("6", "6. Review", "The council will review this protocol ev"),
    ],
    "run_together.txt": [
        ("1.1", "1. Introduction", "This protocol describes how councillors "),
        ("1.2", "1. Introduction", "Officers are employed by the council and"),
        ("1.3", "1. Introduction", "Councillors must not ask officers to do "),
        ("2.1", "2. Meetings", "Officers may attend political group meet"),
        ("2.2", "2. Meetings", "Any advice given to one group will be of"),
    ],
    # Numbering lost in copying: every "1." would send a reader to the wrong paragraph.
    "all_ones.txt": [
        (None, "1. Introduction", "This protocol applies to every councillo"),
        (None, "1. Introduction", "Officers must be politically neutral in "),
        (None, "1. Introduction", "Councillors should not put pressure on a"),
        (None, "1. Complaints", "An officer with a complaint about a coun"),
    ],
    "definitions_first.txt": [
        (None, "Definitions", '"Member" means an elected councillor of '),
        (None, "Definitions", '"Officer" means any person employed by t'),
        (None, "Definitions", '"Monitoring Officer" means the officer a'),
        ("1.1", "1. Principles", "Members and officers share a commitment "),
        ("1.2", "1. Principles", "Members should respect the impartiality "),
    ],
    # A web page: links keep their text, and the site's own furniture is not protocol text.
    "web_page.md": [
        (None, "Gifts and hospitality", "Members must register any gift worth more than £50 within 28 days, as the "
                                         "Members' Code of Conduct requires."),
        ("A1.1", "Appendix A – Briefings", "A group leader asks the Chief Executive for an officer briefing."),
        ("A1.2", "Appendix A – Briefings", "Briefings deal only with council business."),
    ],
    # legislation's style, as the model codes of conduct are printed: lead-ins ending in a dash, "5.—(1)"
    "statutory_code.txt": [
        ("3", "GENERAL CONDUCT", "You must—\n(a) treat the people you deal "),
        ("4", "GENERAL CONDUCT", "You must not—\n(a) pass on information give"),
        ("5", "GENERAL CONDUCT", "(1) You must—\n(a) tell the Monitoring Of"),
        ("6", "PART 3", "A member has a personal interest in any "),
    ],
    "pdf_footer_line.txt": [
        ("1.1", "1. Purpose", "This protocol helps councillors and offi"),
        ("1.2", "1. Purpose", "It sits beside the code of conduct and t"),
        ("2.1", "2. Requests for information", "A councillor may ask an officer (or, if "),
        ("2.2", "2. Requests for information", "A councillor has no right to papers abou"),
    ],
    "numbered_headings_lost_paragraphs.txt": [
        (None, "1. INTRODUCTION", "The council runs a Facebook page and a n"),
        (None, "1. INTRODUCTION", "This strategy does not cover what counci"),
        (None, "2. AIMS", "Our posts should help us to:\n• give res"),
        (None, "2. AIMS", "By next spring we hope to double the num"),
        (None, "3. WHO MAY POST", "Only the Town Clerk and the Deputy Clerk"),
        (None, "3. WHO MAY POST", "Councillors are never given the password"),
    ],
    # a web page of questions and answers: its "Question:" and "Answer:" labels are left out, and a question on
    # a line of its own heads its answer instead of being cited as if it said something, also straight after a
    # list whose last item has no full stop
    "questions_and_answers.txt": [
        ("12", "Gifts and hospitality", "As a councillor:\na. I refuse any gift th"),
        ("13", "Gifts and hospitality", "Small gifts such as a diary or a pen may"),
        (None, "What if I am offered a meal?", "A working lunch at a meeting is fine. An"),
        (None, "Who keeps the register?", "The Clerk keeps the register and shows i"),
        (None, "What does a councillor do between meetings?", "Councillors keep in touch with residents"),
        (None, "What does the Clerk do?", "The Clerk prepares the agendas, writes t"),
    ],
    # a policy page copied as text: the date it was put up, a link to its PDF and the names of the PDF's
    # images are the site's, not the policy's, and never head or end a clause
    "web_page_download.txt": [
        (None, "Dignity at Work Policy", "Dignity at work means that nobody who wo"),
        ("1.1", "Dignity at Work Policy", "Everyone who works for or with the counc"),
        ("1.2", "Dignity at Work Policy", "This policy applies to councillors, staf"),
        ("2.1", "2. Raising a concern", "A concern about a councillor's behaviour goes to the Chair; one about the Chair goes "
                                        "to the Vice-Chair."),
    ],
    "page_furniture.txt": [
        ("1.1", "1. Roles", "Councillors are elected to represent the"),
        ("1.2", "1. Roles", "Officers give impartial advice and carry"),
        ("2.1", "2. Social media", "Councillors should not comment on social"),
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_layout_gives_the_clauses_a_reader_would_cite(name: str) -> None:
    parsed = _parsed(name)
    assert [(ref, heading) for ref, heading, _ in parsed] == [(ref, heading) for ref, heading, _ in EXPECTED[name]]
    for (_, _, text), (_, _, opening) in zip(parsed, EXPECTED[name], strict=True):
        assert text.startswith(opening)


def test_every_layout_fixture_is_checked() -> None:
    assert sorted(path.name for path in LAYOUTS.iterdir()) == sorted(EXPECTED)


def test_a_sentence_broken_by_a_page_footer_is_rejoined() -> None:
    text = (LAYOUTS / "page_furniture.txt").read_text(encoding="utf-8")
    clause = next(c for c in parse("p", text) if c.ref == "1.2")
    assert clause.text == (
        "Officers give impartial advice and carry out the decisions that the council has made, "
        "whichever party is in control."
    )


def test_a_footer_line_carrying_its_page_number_and_a_long_running_header_are_left_out_of_the_quote() -> None:
    text = (LAYOUTS / "pdf_footer_line.txt").read_text(encoding="utf-8")
    clauses = {c.ref: c.text for c in parse("p", text)}
    # the page break and the blank lines around it cut the sentence; it reads as one again
    assert clauses["1.2"] == (
        "It sits beside the code of conduct and the officers' terms of employment set by the Staffing "
        "Committee, and does not replace either."
    )
    # a line ending inside brackets carries on, whatever the next line starts with
    assert clauses["2.1"].startswith("A councillor may ask an officer (or, if the officer is away, the Deputy Clerk) for")
    assert not any("Page" in text or "Constitution" in text for text in clauses.values())


@pytest.mark.parametrize(
    "title",
    [
        "COUNCILLOR/EMPLOYEE PROTOCOL",
        "Protocol on member and officer relations",
        "10 Councillors' Access to Information and to Council Documents",
        "Code of Conduct for Members (31 July 2012)",
    ],
)
def test_a_title_heading_contents_entry_or_reference_is_never_a_clause(title: str) -> None:
    text = f"{title}\n\n1. Purpose\n\n1.1 Officers must not be asked to canvass for a political party.\n"
    assert [c.text for c in parse("t", text)] == ["Officers must not be asked to canvass for a political party."]


def test_a_reference_list_after_the_last_clause_is_not_cited() -> None:
    text = (
        "1. Gifts\n\n1.1 Councillors must record any gift worth more than fifty pounds.\n\n"
        "Related documents\nMembers' Code of Conduct (adopted 31 July 2012)\nOfficers' Code of Conduct (2019)\n"
    )
    assert [c.ref for c in parse("t", text)] == ["1.1"]


def test_a_list_item_without_a_full_stop_still_makes_its_clause_citable() -> None:
    text = "Officers must:\n\n- not seek to use their relationship with councillors to advance their own interests\n"
    assert len(parse("t", text)) == 1


def test_a_clause_number_inside_a_sentence_does_not_split_it() -> None:
    sentence = ("Councillors are reminded that under section 5 of the Act 1989 and paragraph 2 of the Code they "
                "must declare interests, and that 3 Councillors form a quorum of the committee. ")
    text = "1. Interests\n1.1 " + sentence * 2
    assert [c.ref for c in parse("t", text)] == ["1.1"]


def test_a_title_over_a_list_heads_the_items_instead_of_leading_into_each_quote() -> None:
    text = (
        "Ashwell Parish Council Standing Orders\n"
        "a)   Standing orders are the rules the council meets by.\n"
        "b)   A standing order the law requires cannot be suspended.\n"
    )
    assert [(c.ref, c.heading, c.text) for c in parse("t", text)] == [
        ("(a)", "Ashwell Parish Council Standing Orders", "Standing orders are the rules the council meets by."),
        ("(b)", "Ashwell Parish Council Standing Orders", "A standing order the law requires cannot be suspended."),
    ]


def test_a_section_number_printed_without_its_space_still_numbers_the_section() -> None:
    text = "9. Interests\n9.1 I register my interests.\n10.Gifts and hospitality\n10.1 I register any gift worth £50 or more.\n"
    assert [(c.ref, c.heading) for c in parse("t", text)] == [("9.1", "9. Interests"), ("10.1", "10.Gifts and hospitality")]


def test_a_wrapped_line_that_starts_with_a_number_carries_on_its_sentence() -> None:
    text = (
        "9. Support\n"
        "9.1 Staff may call the counselling line, which is free and open\n"
        "24 hours a day.\n"
        "9.2 Councillors are not covered by the counselling line.\n"
    )
    assert [(c.ref, c.heading, c.text) for c in parse("t", text)] == [
        ("9.1", "9. Support", "Staff may call the counselling line, which is free and open 24 hours a day."),
        ("9.2", "9. Support", "Councillors are not covered by the counselling line."),
    ]


def test_a_clause_whose_first_line_wraps_before_a_capital_letter_is_not_read_as_a_heading() -> None:
    text = (
        "4. Meetings with developers\n\n"
        "4.2   A planning officer should be present at any meeting with the Applicant's\n"
        "      Agent. The officer keeps a note of who attended and what was said.\n"
    )
    assert [(c.ref, c.heading, c.text) for c in parse("t", text)] == [(
        "4.2", "4. Meetings with developers",
        "A planning officer should be present at any meeting with the Applicant's Agent. "
        "The officer keeps a note of who attended and what was said.",
    )]


def test_a_link_to_download_the_page_is_not_quoted_as_part_of_the_clause_above_it() -> None:
    text = (LAYOUTS / "web_page_download.txt").read_text(encoding="utf-8")
    clause = next(c for c in parse("p", text) if c.ref == "2.1")
    assert clause.text == ("A concern about a councillor's behaviour goes to the Chair; "
                           "one about the Chair goes to the Vice-Chair.")
