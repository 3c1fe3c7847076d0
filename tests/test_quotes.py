"""What an answer quotes: the sentence that answers, and a second one when it matches nearly as well."""

from __future__ import annotations

import pytest

from bot.core.answering import QUOTE_GAP, quote, whole_rule
from bot.core.sentences import asked_form, pieces, points_back
from knowledge.parser import parse

CLAUSE = ("Councillors should not contact staff at home. Urgent matters go to the Clerk. "
          "Staff may refuse calls at weekends.")


def test_two_neighbouring_sentences_are_quoted_as_one_verbatim_span_in_document_order() -> None:
    quoted = quote(CLAUSE, ["Urgent matters go to the Clerk.", "Councillors should not contact staff at home."])
    assert quoted == "Councillors should not contact staff at home. Urgent matters go to the Clerk."
    assert quoted in CLAUSE


def test_two_sentences_apart_are_joined_by_an_ellipsis_in_document_order() -> None:
    quoted = quote(CLAUSE, ["Staff may refuse calls at weekends.", "Councillors should not contact staff at home."])
    assert quoted.split(QUOTE_GAP) == ["Councillors should not contact staff at home.",
                                       "Staff may refuse calls at weekends."]


def test_one_sentence_is_quoted_as_it_is() -> None:
    assert quote(CLAUSE, ["Urgent matters go to the Clerk."]) == "Urgent matters go to the Clerk."


@pytest.mark.parametrize(
    ("sentence", "asked"),
    [
        ("Officers must not canvass for a political party.", "Can officers canvass for a political party?"),
        ("A councillor should never instruct the Clerk directly.", "Can a councillor instruct the Clerk directly?"),
        ("Members are expected to treat staff with respect.", "Can members treat staff with respect?"),
    ],
)
def test_a_rule_is_also_matched_in_the_form_people_ask_about_it(sentence: str, asked: str) -> None:
    assert asked_form(sentence) == asked


def test_a_sentence_that_states_no_rule_has_no_asked_form() -> None:
    assert asked_form("Thank you.") is None


def test_the_asked_form_quotes_the_rule_itself() -> None:
    forms = [p for p in pieces("Officers must not canvass for a political party.") if p.embed_text.endswith("?")]
    assert [(p.quote, p.embed_text) for p in forms] == [
        ("Officers must not canvass for a political party.", "Can officers canvass for a political party?")
    ]


BAN = ("Councillors must respect the impartiality of officers. In particular they must not:\n"
       "• ask an officer to support a party political cause;\n"
       "• insist that an officer is disciplined.\n"
       "Complaints about an officer go to the Head of Paid Service. This means that no councillor acts alone.")


def test_a_list_item_is_quoted_with_the_words_that_govern_it_so_a_ban_never_reads_as_an_instruction() -> None:
    quoted = whole_rule(BAN, ["insist that an officer is disciplined."])
    assert quoted.split(QUOTE_GAP) == [
        "Councillors must respect the impartiality of officers. In particular they must not:",
        "insist that an officer is disciplined.",
    ]


REPRESENTING = ("(1) This Code applies to you as a member of the council.\n"
                "(2) Where you represent the council:\n"
                "a) on another council, you follow that council's code; or\n"
                "b) on any other body, you follow this Code unless it conflicts with the body's own duties.\n"
                "(3) You must also keep to the council's protocols.")


def test_one_limb_of_an_either_or_rule_is_quoted_with_the_other_and_the_words_that_lead_into_both() -> None:
    quoted = whole_rule(REPRESENTING, ["on another council, you follow that council's code; or"])
    assert quoted == ("(2) Where you represent the council:\na) on another council, you follow that council's code; "
                      "or\nb) on any other body, you follow this Code unless it conflicts with the body's own duties.")


def test_words_that_lead_into_a_list_are_never_quoted_without_the_list() -> None:
    quoted = whole_rule(REPRESENTING, ["(2) Where you represent the council:"])
    assert "b) on any other body" in quoted and quoted.startswith("(2) Where you represent the council:")


def test_an_item_of_a_list_inside_a_list_is_led_by_its_own_lead_in_not_the_outer_one() -> None:
    nested = ("Councillors must not:\n(a) bully anyone;\n(b) disclose, without consent:\n(i) personal data;\n"
              "(ii) legal advice;\n(c) misuse council resources.")
    assert whole_rule(nested, ["personal data;"]) == (
        f"Councillors must not:{QUOTE_GAP}disclose, without consent:\n(i) personal data;")
    assert whole_rule(nested, ["misuse council resources."]).startswith("Councillors must not:")


def test_a_numbered_sub_paragraph_that_finishes_its_clause_s_sentence_is_quoted_with_it() -> None:
    text = ("4.4 Where consent is what the council relies on:\n"
            "4.4.1 it is given by ticking a box that starts unticked;\n"
            "4.4.2 it can be withdrawn as easily, and the clerk acts on that within five days.\n")
    clause = parse("t", text)
    assert [c.ref for c in clause] == ["4.4"]  # one rule, its sub-paragraphs inside it
    quoted = whole_rule(clause[0].text, ["it can be withdrawn as easily, and the clerk acts on that within five days."])
    assert quoted.startswith("Where consent is what the council relies on:")


def test_a_sentence_that_refers_back_is_quoted_with_the_sentence_it_refers_to() -> None:
    quoted = whole_rule(BAN, ["This means that no councillor acts alone."])
    assert quoted == "Complaints about an officer go to the Head of Paid Service. This means that no councillor acts alone."


def test_a_sentence_is_quoted_with_the_explanation_that_follows_it() -> None:
    assert whole_rule(BAN, ["Complaints about an officer go to the Head of Paid Service."]) == (
        "Complaints about an officer go to the Head of Paid Service. This means that no councillor acts alone.")


def test_three_neighbouring_sentences_are_one_verbatim_span() -> None:
    sentences = ["Staff may refuse calls at weekends.", "Urgent matters go to the Clerk.",
                 "Councillors should not contact staff at home."]
    assert quote(CLAUSE, sentences) == CLAUSE


def test_an_item_of_a_list_introduced_by_a_dash_is_quoted_with_its_must_not() -> None:
    code = "4. You must not—\n(a) pass on information given to you in confidence;\n(b) stop anyone seeing papers.\n"
    clause = parse("code.txt", code)[0]
    assert whole_rule(clause.text, ["pass on information given to you in confidence;"]) == (
        "You must not—\n(a) pass on information given to you in confidence;")


def test_a_sentence_is_quoted_with_the_next_one_when_that_one_qualifies_it() -> None:
    clause = ("Officers may give a councillor's information to other councillors. However, they must first ask the "
              "councillor who asked for it. Papers are kept for six years.")
    assert whole_rule(clause, ["Officers may give a councillor's information to other councillors."]) == (
        "Officers may give a councillor's information to other councillors. However, they must first ask the "
        "councillor who asked for it.")


def test_a_permission_is_quoted_with_the_sentence_after_it_where_its_condition_stands() -> None:
    clause = ("Officers will keep a note of every request a councillor makes for work. Officers may pass a "
              "councillor's research to other councillors. The officer should first consult the councillor who "
              "asked for it. Papers are kept for six years. Notes are destroyed after an election.")
    quoted = whole_rule(clause, ["Officers may pass a councillor's research to other councillors."])
    assert quoted == ("Officers may pass a councillor's research to other councillors. The officer should first "
                      "consult the councillor who asked for it.")


@pytest.mark.parametrize(
    ("opening", "needs_the_one_before"),
    [
        ("Should this not be possible, the complaint goes to the Chair.", True),
        ("If that happens, the Clerk tells the Chair.", True),
        ("Tell the Clerk when you miss a meeting for either of the two reasons above.", True),
        ("This means that no councillor acts alone.", True),
        ("If a councillor misses six months of meetings, they cease to be a councillor.", False),
        ("Complaints about the Clerk go to the Chair.", False),
        ("The rules set out above apply to committees too.", False),
        ("This protocol applies to every councillor.", False),
    ],
)
def test_a_clause_that_opens_by_pointing_back_is_told_from_one_that_stands_alone(
    opening: str, needs_the_one_before: bool
) -> None:
    assert points_back(opening) is needs_the_one_before


BARE_LEAD = ("Each post on the council's own pages must meet these standards. It must:\n"
             "- be polite and relevant;\n"
             "- be approved by the Clerk or the Chair before it goes out.")


def test_an_item_under_a_lead_in_that_says_nothing_alone_is_quoted_with_the_sentence_before_it() -> None:
    item = "be approved by the Clerk or the Chair before it goes out."

    quoted = whole_rule(BARE_LEAD, [item])

    assert quoted.startswith("Each post on the council's own pages must meet these standards. It must:")
    assert quoted.endswith(item)


MEETINGS = ("Meetings of the council\n"
            "(a) Ordinary meetings are held every other month in the village hall.\n"
            "(b) A special meeting may be called by the chair when three members ask for one.")


def test_an_item_under_a_line_that_only_names_its_list_is_quoted_without_that_line() -> None:
    item = "A special meeting may be called by the chair when three members ask for one."

    assert whole_rule(MEETINGS, [item]) == item


def test_a_lead_in_that_opens_as_a_sentence_does_is_quoted_with_its_item_even_without_a_colon() -> None:
    covers = "This protocol covers\n- The roles of councillors and of officers;\n- How the two work together."

    assert whole_rule(covers, ["How the two work together."]) == "This protocol covers … How the two work together."


PRESS = ("Councillors may issue their own press releases. If a councillor speaks to the press, they should:\n"
         "a) say in what capacity they are speaking;\n"
         "b) ask the Communications Team for help where one is needed:\n"
         "c) think about what their words commit the council to; and\n"
         "d) take care before an election.")


def test_an_item_after_one_ending_in_a_colon_by_mistake_is_still_led_by_the_list_s_own_lead_in() -> None:
    quoted = whole_rule(PRESS, ["think about what their words commit the council to; and"])

    assert quoted.startswith("If a councillor speaks to the press, they should:")
    assert "Communications Team" not in quoted


def test_a_sentence_opening_with_their_is_quoted_with_the_sentence_that_says_whose() -> None:
    roles = ("Councillors answer to the electorate for as long as they hold office. Officers answer to the council "
             "as a whole. Their job is to advise and to carry out the council's decisions.")

    quoted = whole_rule(roles, ["Their job is to advise and to carry out the council's decisions."])

    assert quoted == "Officers answer to the council as a whole. Their job is to advise and to carry out the council's decisions."
