# ruff: noqa: RUF001, RUF100
"""Regenerate ``documents.jsonl`` from the project's shared data sets (run by hand, not at import time).

    .venv/bin/python -m search.sample_data._build [../shared/data]

Sources and why each: the USPTO samples are real patents with real dates and IPC symbols; the IP Street claims
add claim-only documents; the UDHR articles are one text in all seven of our languages (public domain), so every
language and both Kazakh scripts are present. NTREX is not used here: it is CC BY-SA and would make the corpus
share-alike. The Kazakh Latin documents are the Kazakh Cyrillic UDHR articles written in the 2021 alphabet with
:func:`search.text.to_latin`; the Uzbek Cyrillic fixtures below are our own text, written for the script tests.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

from search.text import to_latin

HERE: Final = Path(__file__).resolve().parent
UDHR_ADOPTED: Final = "1948-12-10"
LANGS: Final = ("tr", "az", "kk", "ky", "uz", "ru", "en")
IPSTREET_CLAIMS: Final = 40

# Our own fixture: one device described in Uzbek Cyrillic and, independently typed, in Uzbek Latin with the
# typographic apostrophe writers often use instead of the modifier letter.
UZBEK_FIXTURES: Final = [
    {
        "id": "UZ-FIX-1-CYRL",
        "title": "Қуёш панелларини тозалаш қурилмаси",
        "abstract": "Қурилма айланувчи чўтка, сув идиши ва кичик электр моторидан иборат. Чўтка панел юзаси "
        "бўйлаб ҳаракатланади ва чангни ювиб ташлайди.",
        "claims": ["Қуёш панелини тозалаш қурилмаси, айланувчи чўтка ва сув идиши билан тавсифланади."],
    },
    {
        "id": "UZ-FIX-1-LATN",
        "title": "Quyosh panellarini tozalash qurilmasi",
        "abstract": "Qurilma aylanuvchi cho‘tka, suv idishi va kichik elektr motoridan iborat. Cho‘tka panel yuzasi "
        "bo‘ylab harakatlanadi va changni yuvib tashlaydi.",
        "claims": ["Quyosh panelini tozalash qurilmasi, aylanuvchi cho‘tka va suv idishi bilan tavsiflanadi."],
    },
]


def _iso(yyyymmdd: str | None) -> str | None:
    if not yyyymmdd:
        return None
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:8]}"


def uspto(data: Path) -> list[dict[str, Any]]:
    out = []
    with (data / "uspto_samples" / "uspto_patents.jsonl").open(encoding="utf-8") as src:
        for line in src:
            d = json.loads(line)
            out.append(
                {
                    "id": d["doc_id"],
                    "lang": "en",
                    "title": d["title"],
                    "abstract": d["abstract"],
                    "publication_date": _iso(d.get("publication_date")),
                    "filing_date": _iso(d.get("filing_date")),
                    "ipc": d.get("ipc", []),
                    "source": "uspto_samples",
                }
            )
    return out


def ipstreet(data: Path) -> list[dict[str, Any]]:
    with (data / "uspto_claims_ipstreet" / "single_claim.tsv").open(encoding="utf-8", newline="") as src:
        rows = list(csv.DictReader(src, delimiter="\t"))[:IPSTREET_CLAIMS]
    start = date(2016, 1, 7)
    return [
        {
            "id": f"US-APP-{row['application_number']}",
            "lang": "en",
            "title": row["claim"].split(",")[0][:120],
            "claims": [row["claim"]],
            # The source has no dates: weekly synthetic publication dates, flagged so nobody mistakes them.
            "publication_date": (start + timedelta(weeks=i)).isoformat(),
            "dates_synthetic": True,
            "source": "uspto_claims_ipstreet",
        }
        for i, row in enumerate(rows)
    ]


def udhr(data: Path) -> list[dict[str, Any]]:
    out = []
    with (data / "udhr" / "udhr_articles.jsonl").open(encoding="utf-8") as src:
        for line in src:
            d = json.loads(line)
            if d["lang"] not in LANGS:
                continue
            lines = d["text"].split("\n")
            doc = {
                "id": d["doc_id"],
                "lang": d["lang"],
                "title": lines[0] if len(lines) > 1 else "",
                "abstract": " ".join(lines[1:]) if len(lines) > 1 else lines[0],
                "publication_date": UDHR_ADOPTED,
                "source": "udhr",
            }
            out.append(doc)
            if d["lang"] == "kk":
                out.append(
                    doc
                    | {
                        "id": d["doc_id"] + "-latn",
                        "title": to_latin(doc["title"], "kk"),
                        "abstract": to_latin(doc["abstract"], "kk"),
                        "source": "udhr, transliterated to the 2021 Kazakh Latin alphabet by search.text.to_latin",
                    }
                )
    return out


def fixtures() -> list[dict[str, Any]]:
    return [
        fx | {"lang": "uz", "publication_date": "2024-03-01", "ipc": ["H02S 40/10"], "source": "ctpo fixture"}
        for fx in UZBEK_FIXTURES
    ]


def main(argv: list[str]) -> int:
    data = Path(argv[0]) if argv else HERE.parents[2] / "shared" / "data"
    docs = uspto(data) + ipstreet(data) + udhr(data) + fixtures()
    with (HERE / "documents.jsonl").open("w", encoding="utf-8") as out:
        for doc in docs:
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    print(f"{len(docs)} documents", file=sys.stderr)  # noqa: T201 - a command-line tool
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
