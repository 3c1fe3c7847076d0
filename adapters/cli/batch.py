"""The batch format of `protocol-bot ask --jsonl`: each input line read whatever it holds, and each
result written as one line of strict JSON.

The output is read by scripts, so every line must parse with any JSON reader and stay one line with
any line splitter: no NaN or Infinity, nothing that is not UTF-8, and no raw character that some
readers take for a line break. An `id` that cannot be written back exactly as it came (a lone
surrogate, a number Python cannot carry, nesting too deep to write) is replaced by a stand-in, and
the line's `error` says so.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, TextIO

from bot import messages
from bot.answer import Answer
from bot.question import displayable, has_lone_surrogate, printable

# An id nested in more lists or objects than this is not written back: writing it could run out of stack where reading it did not.
MAX_ID_DEPTH = 100
# JSON allows these inside strings, but str.splitlines and many editors take them for line breaks.
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


class _Verbatim(str):
    """A number as it was written, where Python cannot carry it back out as the same JSON number:
    NaN, Infinity, 1e400 (not finite), or more digits than Python converts."""


def _int(text: str) -> int | _Verbatim:
    try:
        return int(text)
    except ValueError:  # beyond sys.get_int_max_str_digits()
        return _Verbatim(text)


def _float(text: str) -> float | _Verbatim:
    value = float(text)
    return value if math.isfinite(value) else _Verbatim(text)


@dataclass(frozen=True)
class BatchLine:
    id: Any  # as given, or its stand-in
    question: str | None  # None: the line asks nothing that can be answered (`errors` say why)
    errors: tuple[str, ...] = ()


def lines(stdin: TextIO) -> Iterator[str]:
    """The input's lines. Read as bytes where there are bytes, so a line that is not UTF-8 still
    arrives, its bad bytes as lone surrogates (which are then never echoed as they are)."""
    raw: BinaryIO | None = getattr(stdin, "buffer", None)
    source: Iterable[str] = (line.decode("utf-8", "surrogateescape") for line in raw) if raw is not None else stdin
    yield from source


def read(line: str, number: int) -> BatchLine:
    try:
        row = json.loads(line, parse_int=_int, parse_float=_float, parse_constant=_Verbatim)
    except RecursionError:
        return BatchLine(None, None, (messages.CLI_JSONL_TOO_DEEP.format(number=number),))
    except ValueError:
        row = None
    if not isinstance(row, dict):
        return BatchLine(None, None, (messages.CLI_BAD_JSONL.format(number=number),))
    question_id, faithful = _echoable(row.get("id"))
    errors = () if faithful else (messages.CLI_ID_REPLACED,)
    question = row.get("question", "")
    if not isinstance(question, str):
        return BatchLine(question_id, None, (messages.CLI_QUESTION_NOT_TEXT, *errors))
    return BatchLine(question_id, printable(question), errors)


def _echoable(value: Any) -> tuple[Any, bool]:
    """The id to write back, and whether it is exactly the one given."""
    if _faithful(value):
        return value, True
    return (printable(value) if isinstance(value, str) else None), False


def _faithful(value: Any) -> bool:
    # a loop, not recursion: an id may be nested nearly as deep as the parser goes
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, _Verbatim) or (isinstance(item, str) and has_lone_surrogate(item)):
            return False
        if isinstance(item, dict | list) and level > MAX_ID_DEPTH:
            return False
        if isinstance(item, dict):
            stack.extend((part, level + 1) for pair in item.items() for part in pair)
        elif isinstance(item, list):
            stack.extend((part, level + 1) for part in item)
    return True


def answered(read_line: BatchLine, answer: Answer) -> str:
    """The format quality is measured with; keep its keys stable."""
    row: dict[str, Any] = {
        "id": read_line.id,
        "question": answer.question,
        "out_of_scope": answer.out_of_scope,
        "citations": [
            {"source": c.source, "clause": c.clause, "heading": c.heading, "text": c.text, "quote": c.quote,
             "score": c.score}
            for c in answer.nearest
        ],
    }
    if read_line.errors:
        row["error"] = " ".join(read_line.errors)
    return _strict(row)


def refused(read_line: BatchLine, *why: str) -> str:
    """A line that could not be answered: the measured keys, and why in `error`. The question is shown
    as it would be displayed, so nothing raw from the input is echoed."""
    return _strict({"id": read_line.id, "question": displayable(read_line.question or ""), "out_of_scope": True,
                    "citations": [], "error": " ".join((*why, *read_line.errors))})


def _strict(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, allow_nan=False).translate(_LINE_BREAKS)
