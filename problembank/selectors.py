"""Reading the problem bank: search, and the guide as the interviewer reads it."""

from __future__ import annotations

import logging
import re

from diagrams.graph import normalize
from diagrams.render import RenderError, render_svg
from problembank.bank import PHASED_SECTIONS
from problembank.models import Problem

logger = logging.getLogger(__name__)


# Words people search the bank with that its problems do not use, and words they do use.
SEARCH_SYNONYMS = {
    "recsys": ("recommendation", "recommender", "recommend"),
    "recommender": ("recommendation",),
    "ann": ("embeddings", "retrieval", "nearest"),
    "knn": ("embeddings", "retrieval", "nearest"),
    "vector": ("embeddings", "retrieval"),
    "youtube": ("video",),
    "tiktok": ("video",),
    "netflix": ("video", "recommendation"),
    "ctr": ("click", "ads"),
    "advertising": ("ads",),
    "eta": ("delivery", "arrival"),
    "llm": ("generative", "llm"),
    "rag": ("generative", "retrieval", "citations"),
    "chatbot": ("assistant", "generative"),
    "genai": ("generative",),
    "cv": ("vision", "image", "imagery"),
    "image": ("vision", "photo", "imagery"),
    "ltr": ("learning", "ranking"),
    "facebook": ("social", "feed"),
    "instagram": ("social", "feed"),
    "moderation": ("harmful", "trust"),
    "abuse": ("harmful", "spam", "fraud", "trust"),
    "typeahead": ("autocomplete",),
    "airbnb": ("rental", "listings"),
    "pymk": ("people", "friend"),
    "email": ("email", "spam"),
}


_WORD = re.compile(r"[a-z0-9]+")


def _search_word_matches(word: str, words: set[str]) -> bool:
    # A plural finds its singular; a short word (ANN, CTR) only itself, never as a prefix.
    stem = word[:-1] if len(word) > 3 and word.endswith("s") else word
    if len(stem) <= 3:
        return stem in words
    return any(candidate.startswith(stem) for candidate in words)


def problem_search(problems: list[Problem], query: str) -> list[Problem]:
    """The problems with every word of `query` in their title, summary, tags or statement (as a
    whole word, the start of one, or through SEARCH_SYNONYMS), in the order given."""
    terms = [(term, *SEARCH_SYNONYMS.get(term, ())) for term in _WORD.findall(query.lower())]
    found = []
    for problem in problems:
        text = f"{problem.title} {problem.summary} {' '.join(problem.tags)} {problem.statement}"
        words = set(_WORD.findall(text.lower()))
        if all(any(_search_word_matches(word, words) for word in alternatives) for alternatives in terms):
            found.append(problem)
    return found


def guide_by_phase(problem: Problem) -> list[dict]:
    """The guide's hints, follow-ups and strong-answer points grouped under each phase, in the
    problem's phase order, for the interviewer to read phase by phase."""
    return [
        {
            "name": phase["name"],
            **{
                section: [item["text"] for item in problem.guide.get(section, []) if item["phase"] == phase["name"]]
                for section in PHASED_SECTIONS
            },
        }
        for phase in problem.phases
    ]


def reference_svg(problem: Problem) -> str | None:
    """The problem's reference diagram drawn by Graphviz; None (the page says why) if it fails."""
    try:
        return render_svg(normalize(problem.reference_diagram), id_prefix="reference-")
    except RenderError:
        logger.exception("reference diagram of %s could not be rendered", problem.slug)
        return None
