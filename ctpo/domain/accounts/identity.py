"""Canonical e-mail addresses and names: one spelling per address, no look-alikes, office domains kept for staff.

- **NFKC** first: full-width ``ａ``, ligatures and compatibility forms become the letters they look like, so
  ``ＡＤＭＩＮ@ctpo.int`` and ``admin@ctpo.int`` are one address.
- **The local part is ASCII** (letters, digits, ``. _ % + - '``): it is what mail systems agree on, and no Cyrillic
  ``а`` can pass for a Latin ``a`` there.
- **The domain**: each label in one script (``pаypal`` mixing Cyrillic and Latin is refused), stored in its IDNA
  A-label form (``xn--…``), so a whole-script look-alike (``асме.com``) is shown as what it is and never equals
  ``acme.com``.
- **Office domains are reserved** (``CTPO_STAFF_EMAIL_DOMAINS``): addresses in them, their subdomains, or a domain
  whose Latin skeleton equals one (``ctро.int`` with a Cyrillic ``р``) cannot be registered by applicants.
- **Names**: NFKC, the text rules of :mod:`workflows.texts` (no invisible or direction characters), and no word
  mixing scripts that look alike (a Latin name with a Cyrillic ``о`` inside).
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

import idna
from confusable_homoglyphs import categories, confusables

from ctpo.lib.errors import FieldError, InvalidRequestError
from workflows.texts import text_problem

if TYPE_CHECKING:
    from collections.abc import Iterable

MAX_EMAIL = 254
MAX_NAME = 200
_LOCAL = re.compile(r"^[a-z0-9](?:[a-z0-9._%+'-]{0,62}[a-z0-9_+-])?$")
_ASCII_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_NEUTRAL = frozenset({"COMMON", "INHERITED"})


def _refuse(field: str, message: str) -> InvalidRequestError:
    return InvalidRequestError(f"{field}: {message}.", errors=[FieldError(field, message)])


def _scripts(text: str) -> set[str]:
    return {alias for alias in categories.unique_aliases(text) if alias not in _NEUTRAL}


def latin_skeleton(text: str) -> str:
    """``text`` with every character that looks like a Latin one replaced by it (UTS #39 in spirit)."""
    found = confusables.is_confusable(text, greedy=True, preferred_aliases=["latin"]) or []
    mapping = {}
    for item in found:
        latin = [h["c"] for h in item["homoglyphs"] if h["c"].isascii()]
        if latin:
            mapping[item["character"]] = latin[0]
    return "".join(mapping.get(ch, ch) for ch in text).lower()


def canonical_email(raw: str, field: str = "email") -> str:
    """The one stored form of an address.

    Raises:
        InvalidRequestError: not an address, invisible or control characters, a non-ASCII local part, or a domain
            label mixing scripts.
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    problem = text_problem(field, text, max_chars=MAX_EMAIL, single_line=True)
    if problem is not None:
        raise _refuse(field, problem.message)
    local, at, domain = text.rpartition("@")
    local, domain = local.lower(), domain.lower().rstrip(".")
    if not at or not local or "." not in domain:
        raise _refuse(field, "is not an e-mail address like name@example.kz")
    if not _LOCAL.match(local) or ".." in local:
        raise _refuse(field, "the part before @ may hold Latin letters, digits and . _ % + - ' only")
    labels = []
    for label in domain.split("."):
        if len(_scripts(label)) > 1:
            raise _refuse(field, f"the domain part '{label}' mixes letters of different scripts")
        try:
            encoded = label if label.isascii() else idna.encode(label, uts46=True).decode("ascii")
        except idna.IDNAError:
            raise _refuse(field, f"'{label}' is not a valid domain name") from None
        if not _ASCII_LABEL.match(encoded):
            raise _refuse(field, f"'{label}' is not a valid domain name")
        labels.append(encoded)
    address = f"{local}@{'.'.join(labels)}"
    if len(address) > MAX_EMAIL:
        raise _refuse(field, f"is longer than {MAX_EMAIL} characters")
    return address


def domain_of(email: str) -> str:
    """The domain of a canonical address."""
    return email.rpartition("@")[2]


def is_reserved(email: str, staff_domains: Iterable[str], original: str = "") -> bool:
    """Whether an address belongs to (or imitates) an office's staff domain.

    Args:
        email: the canonical address.
        staff_domains: the reserved domains.
        original: the address as typed, whose look-alike skeleton is compared too.
    """
    domain = domain_of(email)
    typed = domain_of(unicodedata.normalize("NFKC", original).strip().lower().rstrip(".")) if original else domain
    skeleton = latin_skeleton(typed)
    for reserved in (d.strip().lower().rstrip(".") for d in staff_domains):
        if not reserved:
            continue
        for candidate in (domain, skeleton):
            if candidate == reserved or candidate.endswith(f".{reserved}"):
                return True
    return False


def clean_full_name(raw: str, field: str = "full_name") -> str:
    """A person's or firm's name, NFKC-normalized and checked.

    Raises:
        InvalidRequestError: empty, too long, invisible or control characters, or a word mixing look-alike scripts.
    """
    name = " ".join(unicodedata.normalize("NFKC", raw).split())
    problem = text_problem(field, raw if not raw.isprintable() else name, max_chars=MAX_NAME, single_line=True)
    if problem is not None:
        raise _refuse(field, problem.message)
    for word in name.split():
        if len(_scripts(word)) > 1 and confusables.is_dangerous(word):
            raise _refuse(field, f"'{word}' mixes letters of different scripts that look alike; type it in one")
    return name
