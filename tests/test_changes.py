"""The change report's matching of clauses between two versions of a document, and its word diffs."""

from __future__ import annotations

from bot.core.changes import DIFF_CHARS, REMOVED, SAME, ChangeReport, compare, compare_document, word_diff
from knowledge.clause import Clause


def clause(ref: str | None, text: str, heading: str = "Roles") -> Clause:
    return Clause("d.txt", ref, (heading,), text, 0, len(text))


def test_numbered_clauses_are_matched_by_reference_into_added_removed_and_reworded() -> None:
    old = [clause("1", "Officers advise councillors."), clause("2", "Members should not pressure officers."),
           clause("3", "Gifts must be declared.")]
    new = [clause("1", "Officers advise councillors."), clause("2", "Members must never pressure officers."),
           clause("4", "Officers may wear hats.")]
    changes = compare_document("d.txt", old, new)
    assert [c.label for c in changes.added] == ["clause 4"]
    assert [c.label for c in changes.removed] == ["clause 3"]
    assert [(c.label, c.detail) for c in changes.reworded] == [
        ("clause 2", "Members [-should not-] {+must never+} pressure officers.")
    ]


def test_a_reference_printed_twice_is_matched_by_its_occurrence() -> None:
    old = [clause("1.4", "First part."), clause("1.4", "Second part.")]
    new = [clause("1.4", "First part."), clause("1.4", "Second part, reworded.")]
    changes = compare_document("d.txt", old, new)
    assert [c.label for c in changes.reworded] == ["clause 1.4 (part 2)"] and not changes.added


def test_a_moved_unnumbered_paragraph_is_no_change() -> None:
    first = clause(None, "Correspondence should not be copied to other councillors.")
    second = clause(None, "Officers serve the whole council.")
    assert not compare_document("d.txt", [first, second], [second, first]).changed


def test_an_unnumbered_paragraph_is_reworded_when_most_of_its_words_stay_under_the_same_heading() -> None:
    old = [clause(None, "Correspondence between a councillor and an officer should not normally be copied.")]
    new = [clause(None, "Correspondence between a councillor and an officer must not normally be copied.")]
    changes = compare_document("d.txt", old, new)
    assert [(c.label, c.detail) for c in changes.reworded] == [
        ("text under “Roles”", "… councillor and an officer [-should-] {+must+} not normally be copied.")
    ]


def test_an_unnumbered_paragraph_with_new_words_or_reworded_under_a_new_heading_is_added_and_the_old_removed() -> None:
    old = [clause(None, "Correspondence should not be copied.")]
    new = [clause(None, "Officers may wear purple hats on Fridays."),
           clause(None, "Correspondence should never be copied.", heading="Letters")]
    changes = compare_document("d.txt", old, new)
    assert len(changes.added) == 2 and len(changes.removed) == 1 and not changes.reworded


def test_documents_added_and_retired_are_named_and_unchanged_documents_left_out() -> None:
    same = [clause("1", "Officers advise councillors.")]
    report = compare("v1", {"old.txt": same, "same.txt": same}, {"same.txt": same, "new.txt": same})
    assert report.documents_added == ("new.txt",) and report.documents_retired == ("old.txt",)
    assert report.documents == ()
    assert "Documents added: new.txt" in report.render() and "Documents retired: old.txt" in report.render()


def test_a_report_without_changes_says_so_and_a_first_build_says_there_is_nothing_to_compare() -> None:
    same = {"same.txt": [clause("1", "Officers advise councillors.")]}
    assert compare("v1", same, same).render() == "No clause changed since index v1."
    assert compare(None, {}, same).render().startswith("First index")


def test_a_word_diff_keeps_a_few_words_around_each_change_and_is_trimmed() -> None:
    words = [f"w{i}" for i in range(300)]
    diff = word_diff(" ".join(words), " ".join(words[:150] + ["new"] + words[151:]))
    assert diff == "… w146 w147 w148 w149 [-w150-] {+new+} w151 w152 w153 w154 …"
    long = word_diff("a", " ".join(words))
    assert len(long) <= DIFF_CHARS and long.endswith("…+}")  # cut inside a run, which is still closed


def test_removing_clause_2_2_without_renumbering_is_reported_as_2_2_removed_and_nothing_else() -> None:
    old = [clause("2.1", "Officers advise councillors on policy."), clause("2.2", "Members should not pressure officers."),
           clause("2.3", "Gifts over fifty pounds must be declared to the clerk.")]
    changes = compare_document("d.txt", old, [old[0], old[2]])
    assert [c.label for c in changes.removed] == ["clause 2.2"]
    assert not (changes.added or changes.reworded or changes.renumbered)


def test_renumbering_after_a_removal_is_reported_as_renumbering_not_as_rewording() -> None:
    old = [clause("2.1", "Officers advise councillors on policy."), clause("2.2", "Members should not pressure officers."),
           clause("2.3", "Gifts over fifty pounds must be declared to the clerk.")]
    new = [old[0], clause("2.2", "Gifts over fifty pounds must be declared to the clerk.")]
    changes = compare_document("d.txt", old, new)
    assert [c.label for c in changes.removed] == ["clause 2.2"]
    assert [c.label for c in changes.renumbered] == ["clause 2.3, now clause 2.2"]
    assert not (changes.added or changes.reworded)


def test_a_stored_report_reads_back_with_its_word_runs_and_an_old_unclosed_mark_is_plain_text() -> None:
    old = [clause("1", "Members should not pressure officers.")]
    new = [clause("1", "Members must never pressure officers.")]
    report = compare("v1", {"d.txt": old}, {"d.txt": new})
    assert ChangeReport.from_json(report.to_json()) == report
    stored = report.to_json()
    stored["documents"][0]["reworded"] = [{"label": "clause 2.3", "detail": "[-old-] {+2.3 new words"}]
    runs = ChangeReport.from_json(stored).documents[0].reworded[0].words
    assert [(r.kind, r.text) for r in runs] == [(REMOVED, "old"), (SAME, "{+2.3 new words")]
