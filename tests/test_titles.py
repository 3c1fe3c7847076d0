"""Documents are named as people read them: title and council, from the catalogue, else the document's own
opening lines, else a readable form of the file name, never a fingerprinted file name."""

from __future__ import annotations

import pytest

from bot import messages
from bot.core.titles import Named, from_text, named, readable_name
from knowledge.catalogue import Entry

OPENING = """\
Nettlecombe Parish Council

Protocol on Member/Officer Relations

Adopted: 3 March 2026

1. Purpose

1.1 This protocol sets out how the councillors and the staff work together.
"""


def test_a_document_that_names_its_council_and_title_in_its_first_lines_is_called_by_them() -> None:
    assert from_text(OPENING) == Named("Protocol on Member/Officer Relations", "Nettlecombe Parish Council")
    assert str(from_text(OPENING)) == "Nettlecombe Parish Council — Protocol on Member/Officer Relations"


def test_a_title_in_capitals_is_shown_as_a_title_is_written() -> None:
    shouting = "**ILMINSTER TOWN COUNCIL\nCOUNCILLOR-OFFICER PROTOCOL\nAdopted Full Council 17 January 2023**\n"
    assert from_text(shouting) == Named("Councillor-Officer Protocol", "Ilminster Town Council")


def test_a_sentence_of_the_body_is_never_taken_for_a_title() -> None:
    body = "1.1 The relationship between councillors and officers is an essential ingredient\nof this Protocol.\n"
    assert (from_text(body).title, from_text(body).council) == ("", "")


UNTITLED = ("Introduction\nThis protocol is a guide for members and staff in their dealings with one another.\n"
            "1.1 Members and staff treat one another with courtesy.\n")


def test_an_untitled_document_filed_under_a_number_is_called_by_what_it_calls_itself() -> None:
    own = from_text(UNTITLED)

    assert str(named(Entry("003_5a0122096eb42bbd.txt"), own)) == "Protocol (document 003)"
    assert str(named(Entry("elm-member-staff-guide.txt"), own)) == "Elm member staff guide"  # a readable name wins


def test_the_catalogue_wins_over_the_document_and_the_file_name_comes_last() -> None:
    own = from_text(OPENING)
    assert named(Entry("a.txt", title="Member Protocol 2026"), own) == Named("Member Protocol 2026",
                                                                            "Nettlecombe Parish Council")
    assert named(Entry("nettlecombe-member-officer-protocol.txt")) == Named("Nettlecombe member officer protocol")


def test_a_fingerprinted_file_name_is_never_shown_as_it_is() -> None:
    assert readable_name("001_a879d86bb0aeb3d5.txt") == "Document 001"
    assert readable_name("a879d86bb0aeb3d5.pdf") == "Untitled document"
    assert readable_name("Parish_protocol_2026.docx") == "Parish protocol 2026"


def test_a_file_name_is_read_without_its_item_number_and_with_the_council_kind_in_capitals() -> None:
    assert readable_name("h05_fenwold_tc_media_policy.txt") == "Fenwold TC media policy"
    assert readable_name("03-code-of-conduct.pdf") == "Code of conduct"
    assert readable_name("2024_standing_orders.docx") == "2024 standing orders"


def test_a_title_taken_from_the_file_name_leaves_off_the_council_shown_beside_it() -> None:
    fenwold = Named("", "Fenwold Town Council")
    assert named(Entry("q06_fenwold_tc_media_policy.txt"), fenwold) == Named("Media policy", "Fenwold Town Council")
    assert named(Entry("fenwold-town-council-code.pdf"), fenwold).title == "Code"
    assert named(Entry("fenwold_tc.txt"), fenwold).title == messages.DOCUMENT_UNTITLED
    assert named(Entry("h05_ashby_pc_media_policy.txt"), fenwold).title == "Ashby PC media policy"


def test_a_council_named_only_by_the_file_name_is_read_from_it() -> None:
    assert named(Entry("q05_north_walsham_tc_complaints_code.txt")) == Named("Complaints code", "North Walsham Town Council")
    assert named(Entry("ayton_cc_standing_orders.txt")).council == "Ayton CC"  # county, city or community: not guessed
    assert named(Entry("Elm-Town-Council-Standing-Orders.pdf")) == Named("Standing Orders", "Elm Town Council")
    assert named(Entry("silloth_on_solway_pc_staff.docx")).council == "Silloth on Solway Parish Council"
    # a council after the title, or no council at all, is not guessed
    assert named(Entry("code_of_conduct_fenwold_pc.pdf")) == Named("Code of conduct fenwold PC")
    assert named(Entry("2024_standing_orders.docx")) == Named("2024 standing orders")
    # what the document or the catalogue says wins
    assert named(Entry("elm_tc_code.txt"), Named("Code of Conduct", "Elm Parish Council")).council == "Elm Parish Council"


def test_a_web_page_heading_about_the_council_is_not_taken_for_its_name() -> None:
    assert from_text("About The Council\nThe parish council meets on the first Monday.\n").council == ""


@pytest.mark.parametrize("line", ["Welcome to Elm Parish Council", "The Elm Parish Council",
                                  "Officers and Members of Elm Parish Council"])
def test_a_council_s_name_line_is_read_without_the_words_before_the_name(line: str) -> None:
    assert from_text(f"{line}\nCode of Conduct\n\n1. Members treat everyone with respect.\n") == Named(
        "Code of Conduct", "Elm Parish Council")


def test_a_council_named_inside_the_title_line_is_split_from_the_title() -> None:
    text = "HOLLOWMERE AND DENBY PARISH COUNCIL – COMPLAINTS PROCEDURE\n1. This procedure covers complaints.\n"
    assert from_text(text) == Named("Complaints Procedure", "Hollowmere and Denby Parish Council")


def test_a_title_keeps_neither_its_place_in_the_constitution_nor_the_people_before_the_council() -> None:
    text = ("Part 3 - Annex 4 - Protocol on working together between Officers and Members of Fenwold District Council"
            "\n\nIntroduction\n\nThe Council will not work well unless members and officers trust each other.\n")
    assert from_text(text) == Named("Protocol on working together between Officers and Members",
                                    "Fenwold District Council")


def test_a_council_the_opening_does_not_name_is_the_one_the_text_names_most() -> None:
    text = ("Standing Orders\n\n1. Meetings\n"
            "a. Meetings of Fenwold Parish Council are open to the public.\n"
            "b. Planning matters are sent on to Carrow District Council for decision.\n"
            "c. The Chair of Fenwold Parish Council signs the minutes.\n")
    assert from_text(text) == Named("Standing Orders", "Fenwold Parish Council")


def test_a_council_named_as_often_as_another_is_not_guessed() -> None:
    text = "Grants Policy\n\nFenwold Parish Council and Carrow District Council share this fund.\n"
    assert from_text(text).council == ""


def test_a_title_broken_over_two_lines_is_put_back_together() -> None:
    text = "Version 2.1\nChild Safeguarding\nPolicy\nIntroduction\nThe council keeps children safe at its events.\n"
    assert from_text(text).title == "Child Safeguarding Policy"


def test_a_web_page_section_copied_before_the_title_is_left_off() -> None:
    text = "Policy Social Media Policy\n\nWhat to bear in mind\n\nThink before you post.\n"
    assert from_text(text).title == "Social Media Policy"
    assert from_text("Code of Conduct\n\n1. Members must be courteous.\n").title == "Code of Conduct"


def test_a_document_pasted_as_one_line_is_named_by_the_council_it_opens_with() -> None:
    text = ("Fenwold District Council Protocol on Member/Officer Relations 1. Introduction 1.1 The purpose of this "
            "protocol is to guide members and officers of the Council in their dealings with one another.\n")
    assert from_text(text).council == "Fenwold District Council"


def test_a_title_that_names_its_council_after_for_is_split_from_the_council() -> None:
    text = "Code of Conduct for Elmsworth Parish Council\n\nElmsworth Parish Council adopted this code in 2021.\n"
    assert from_text(text) == Named("Code of Conduct", "Elmsworth Parish Council")


def test_the_short_line_under_the_council_s_name_is_its_title_even_without_a_title_word() -> None:
    text = "Fenwold Parish Council\nGifts & Hospitality\nCouncillors receive no allowance for their work.\n"
    assert from_text(text) == Named("Gifts & Hospitality", "Fenwold Parish Council")


def test_a_bare_kind_of_council_is_not_taken_for_the_council_s_name() -> None:
    text = "Parish Council\n\nThe Parish Council\n\nCouncillors make the council's policy together.\n"
    assert from_text(text).council == ""


def test_a_web_page_s_trail_of_sections_is_left_off_its_title() -> None:
    text = ("Home > Your Council > Policies > Data Protection Policy\nWestholme Town Council\n"
            "1. The Council keeps only the personal data it needs.\n")
    assert from_text(text) == Named("Data Protection Policy", "Westholme Town Council")


def test_financial_regulations_are_a_title_not_the_book_they_sit_in() -> None:
    text = "HOLLOWAY GREEN CITY COUNCIL\n\nCONSTITUTION\n\nPART 4\n\nFINANCIAL REGULATIONS\n\n1. General\n"
    assert from_text(text) == Named("Financial Regulations", "Holloway Green City Council")
