"""Evidence-bound text: which figures and names a text states that its evidence does not.

One rule for the answerer (a reply sentence that states what its cited evidence does not is sent back,
then replaced by the evidence itself) and for `kabar eval` (which counts the replies that still do).
Figures match in any spelling ("2.000" = "2,000" = "dua ribu"), names across languages by close spelling
(Jerman / Germany); a name or figure the question itself states is not a claim of the reply.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

from bot.figures.numbers import find_quantities

_MARKERS = re.compile(r"\[\d+(?:\s*[,;\u2013-]\s*\d+)*\]")
_THOUSANDS = re.compile(r"(?<=\d)[.,\u00a0\u202f\u2009](?=\d{3}(?!\d))")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_FIGURE = re.compile(r"\d+(?:\.\d+)?")
_NAME = re.compile(r"(?<![\w'-])[A-Z][\w'-]{2,}")
_WORD = re.compile(r"[^\W\d_]{2,}")
# Before a word that opens a sentence or a list item (its capital says nothing).
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n\s*[-•]?\s*)[\"'“‘(]*$")


def figures(text: str) -> set[str]:
    """Every figure in `text` in one spelling: digits as written ("2.000" -> "2000") and the values of
    worded or scaled quantities ("dua" -> "2", "19 juta" -> "19000000")."""
    text = unicodedata.normalize("NFKC", _MARKERS.sub(" ", text))
    found = set(_FIGURE.findall(_DECIMAL_COMMA.sub(".", _THOUSANDS.sub("", text))))
    for quantity in find_quantities(text):
        value = float(quantity.value)
        found.add(str(int(value)) if value.is_integer() else str(value))
    return found


def names(text: str) -> list[str]:
    """Capitalised words that do not open a sentence: the names a text states, in order, once each."""
    found = [m.group(0) for m in _NAME.finditer(text) if not _SENTENCE_START.search(text[: m.start()])]
    return list(dict.fromkeys(found))


def _known(name: str, words: set[str]) -> bool:
    folded = name.casefold()
    if folded in words:
        return True
    # Close spellings count across languages, but short names must match exactly ("Cup" is not "cukup").
    return len(folded) >= 5 and bool(difflib.get_close_matches(folded, words, n=1, cutoff=0.75))


def unbound(text: str, evidence: Iterable[str], question: str = "") -> list[str]:
    """The figures, then the names, that `text` states and neither `evidence` nor `question` holds."""
    evidence = list(evidence)
    known_figures = set().union(*(figures(e) for e in evidence), figures(question))
    words = {w.casefold() for e in [*evidence, question] for w in _WORD.findall(e)}
    missing = sorted(figures(text) - known_figures)
    return missing + [name for name in names(text) if not _known(name, words)]
