"""`protocol-bot ask --jsonl` against the hostile corpus: every line answered with one strict JSON line."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.cli import main as cli
from adapters.cli.batch import MAX_ID_DEPTH
from bot import messages
from bot.service.ports import ProtocolBot
from bot.service.protocol_bot import IndexedProtocolBot
from tests.fakes import FakeProtocolBot
from tests.hostile import BATCH_LINES, MB

AFTER = b'{"id": "after", "question": "Can a councillor instruct staff?"}'


def _refuse_constant(name: str) -> Any:
    raise AssertionError(f"{name} is not JSON")


def strict_rows(output: bytes) -> list[dict[str, Any]]:
    """The output's rows, read as strictly as any JSON reader would: UTF-8, no NaN or Infinity, and each
    row on a line of its own for every line splitter."""
    text = output.decode("utf-8")
    assert text.endswith("\n") or not text
    lines = text[:-1].split("\n") if text else []
    assert text.splitlines() == lines  # no U+2028, U+2029 or NEL left raw
    return [json.loads(line, parse_constant=_refuse_constant) for line in lines]


def run_batch(monkeypatch: pytest.MonkeyPatch, data: bytes, bot: ProtocolBot | None = None) -> tuple[int, list[dict[str, Any]]]:
    """Runs the batch on raw bytes, as a shell pipe gives them, and reads what it wrote as bytes."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    code = cli.main(["ask", "--jsonl"], out, bot=bot or FakeProtocolBot())
    raw = out.buffer
    assert isinstance(raw, io.BytesIO)
    return code, strict_rows(raw.getvalue())


CORPUS = [pytest.param(line, id=f"{category}-{n}") for category, lines in BATCH_LINES.items()
          for n, line in enumerate(lines)]


@pytest.mark.parametrize("line", CORPUS)
def test_every_hostile_line_gets_one_strict_json_line_and_the_next_line_is_still_answered(
    monkeypatch: pytest.MonkeyPatch, line: bytes
) -> None:
    code, rows = run_batch(monkeypatch, line + b"\n" + AFTER + b"\n")
    assert code == 0
    assert len(rows) == 2
    assert {"id", "question", "out_of_scope", "citations"} <= set(rows[0])
    assert rows[1]["id"] == "after" and rows[1]["citations"] and "error" not in rows[1]


@pytest.mark.parametrize(("written", "stand_in"), [
    ("1e400", "1e400"), ("-Infinity", "-Infinity"), ("NaN", "NaN"), ("9" * 5_000, "9" * 5_000),
    ('"\\ud83d!"', "\ufffd!"),
])
def test_an_id_json_output_cannot_carry_is_replaced_by_a_stand_in_and_the_question_is_still_answered(
    monkeypatch: pytest.MonkeyPatch, written: str, stand_in: str
) -> None:
    line = b'{"id": ' + written.encode() + b', "question": "Can a councillor instruct staff?"}\n'
    _, [row] = run_batch(monkeypatch, line)
    assert row["id"] == stand_in
    assert row["error"] == messages.CLI_ID_REPLACED
    assert row["citations"] and row["out_of_scope"] is False


def test_an_id_with_bytes_that_are_not_utf8_is_replaced_and_the_output_stays_utf8(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, [row] = run_batch(monkeypatch, b'{"id": "a\xff\xfeb", "question": "Can I copy an email?"}\n')
    assert row["id"] == "a\ufffd\ufffdb" and row["error"] == messages.CLI_ID_REPLACED


def test_an_id_nested_deeper_than_any_real_id_is_replaced_by_null(monkeypatch: pytest.MonkeyPatch) -> None:
    deep, deepest = MAX_ID_DEPTH, MAX_ID_DEPTH + 1
    data = b"".join(b'{"id": ' + b"[" * n + b"]" * n + b', "question": "Can I copy an email?"}\n' for n in (deep, deepest))
    _, rows = run_batch(monkeypatch, data)
    assert (rows[0]["id"], "error" in rows[0]) == (json.loads("[" * deep + "]" * deep), False)
    assert (rows[1]["id"], rows[1]["error"]) == (None, messages.CLI_ID_REPLACED)


def test_a_line_nested_deeper_than_the_reader_goes_is_skipped_with_its_number(monkeypatch: pytest.MonkeyPatch) -> None:
    _, [row] = run_batch(monkeypatch, b"\n" + b"[" * 5_000 + b"]" * 5_000 + b"\n")
    assert row["id"] is None and row["error"] == messages.CLI_JSONL_TOO_DEEP.format(number=2)


def test_ordinary_ids_are_echoed_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = ["a", 7, -3, 2.5, 1e-400, True, None, {"k": [1, "x"]}, "Cymraeg: ŵ ŷ — 中文", "9" * 4_000, "x" * MB]
    data = b"".join(json.dumps({"id": i, "question": "Can I copy an email?"}).encode() + b"\n" for i in ids)
    _, rows = run_batch(monkeypatch, data)
    assert [r["id"] for r in rows] == ids
    assert all("error" not in r for r in rows)


@pytest.mark.parametrize("question", ["\u2028\u2029", "\u00a0\u3000\u2003", "\u200b\ufeff\x85"])
def test_a_question_of_only_unicode_white_space_gets_a_polite_error_and_nothing_raw_echoed(
    monkeypatch: pytest.MonkeyPatch, fake_bot: IndexedProtocolBot, question: str
) -> None:
    line = json.dumps({"id": 1, "question": question}, ensure_ascii=False).encode() + b"\n"
    _, [row] = run_batch(monkeypatch, line, fake_bot)
    assert row["error"] == messages.EMPTY_QUESTION and row["question"] == ""


def test_a_question_that_is_not_text_is_refused_saying_so(monkeypatch: pytest.MonkeyPatch) -> None:
    _, rows = run_batch(monkeypatch, b'{"id": 1, "question": 42}\n{"id": 2, "question": ["Can I copy an email?"]}\n')
    assert [(r["id"], r["error"], r["citations"]) for r in rows] == [
        (1, messages.CLI_QUESTION_NOT_TEXT, []), (2, messages.CLI_QUESTION_NOT_TEXT, [])]


def test_a_core_failure_on_one_line_is_an_apology_on_that_line_and_the_batch_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class FailsOnce(FakeProtocolBot):
        def ask(self, question: str, scope: Any = None) -> Any:
            if "boom" in question:
                raise RuntimeError("boom")
            return super().ask(question, scope)

    monkeypatch.setattr(sys, "stdin", io.StringIO('{"id": 1, "question": "boom now"}\n{"id": 2, "question": "hello"}\n'))
    out = io.StringIO()
    assert cli.main(["ask", "--jsonl"], out, bot=FailsOnce()) == 0
    rows = strict_rows(out.getvalue().encode())
    assert [(r["id"], r.get("error")) for r in rows] == [(1, messages.ERROR_APOLOGY), (2, None)]


# --- properties: whatever the lines hold --------------------------------------------------------

_IDS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(st.characters(codec=None)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12,
)
# every code point, lone surrogates and line separators included
_ANY_TEXT = st.text(st.characters(codec=None), max_size=60)


def _json_line(row: dict[str, Any]) -> bytes:
    # allow_nan: NaN and Infinity are what a careless writer puts on a line; ensure_ascii: lone surrogates travel as \ud800
    return json.dumps(row, allow_nan=True).encode()


_LINES = st.one_of(
    st.binary(max_size=200).map(lambda b: b.replace(b"\n", b" ")),
    st.builds(lambda i, q: _json_line({"id": i, "question": q}), _IDS, _ANY_TEXT),
    st.builds(lambda i, q: _json_line({"id": i, "question": q}), _IDS, _IDS),
    _ANY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass").replace(b"\n", b" ")),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_LINES, min_size=1, max_size=6))
def test_any_input_lines_get_exactly_one_strict_json_line_each(
    monkeypatch: pytest.MonkeyPatch, lines: list[bytes]
) -> None:
    code, rows = run_batch(monkeypatch, b"\n".join(lines) + b"\n")
    non_blank = [line for line in lines if line.decode("utf-8", "surrogateescape").strip()]
    assert code == 0 and len(rows) == len(non_blank)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_IDS)
def test_any_id_that_can_be_written_back_is_echoed_exactly(monkeypatch: pytest.MonkeyPatch, question_id: Any) -> None:
    _, [row] = run_batch(monkeypatch, _json_line({"id": question_id, "question": "Can I copy an email?"}) + b"\n")
    try:
        json.dumps(question_id, allow_nan=False, ensure_ascii=False).encode("utf-8")
        faithful = True
    except (ValueError, UnicodeEncodeError):  # NaN or Infinity, or a lone surrogate
        faithful = False
    if faithful:
        assert row["id"] == question_id and "error" not in row
    else:
        assert row["error"] == messages.CLI_ID_REPLACED
