"""Company names: the everyday names a writer uses for a name as listed.

Input: a registrant name as the SEC lists it ("MOHAWK INDUSTRIES INC", "Texas Roadhouse,
Inc.", "AMAZON COM INC"). Output: the names commentary uses ("Mohawk Industries",
"Texas Roadhouse", "Amazon.com", "Amazon"). Pure functions, used by
scripts/build_instruments.py to write data/listings.csv.
"""

from __future__ import annotations

import re

#: Legal-form and share-class words dropped from the end of a name.
SUFFIXES = frozenset(
    [
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "ltd",
        "limited",
        "plc",
        "lp",
        "llc",
        "nv",
        "sa",
        "ag",
        "se",
        "spa",
        "the",
        "new",
        "de",
        "md",
    ]
)
#: Dropped after SUFFIXES, keeping both forms ("Booking Holdings", "Booking").
SOFT_SUFFIXES = frozenset(["holdings", "holding", "group", "cos", "companies"])
#: Trailing words dropped to give a shorter brand ("Meta Platforms" -> "Meta").
GENERIC_TAILS = frozenset(
    [
        "Platforms",
        "Technologies",
        "Technology",
        "Industries",
        "Brands",
        "Enterprises",
        "Therapeutics",
        "Pharmaceuticals",
        "Networks",
        "Worldwide",
        "Systems",
        "Semiconductor",
    ]
)
#: Words kept upper case when an all-caps name is re-cased.
_KEEP_UPPER = re.compile(
    r"^(?:[A-Z]&[A-Z]|[A-Z]{1,2}|[B-DF-HJ-NP-TV-Z]{3,4}|AT&T|USA|US|II|III|IV|ETF|REIT)$"
)
_SMALL_WORDS = frozenset({"of", "and", "the", "for", "in", "on", "at", "by", "to"})
_SHARE_CLASS = re.compile(
    r"\s*[-,]?\s*\b(?:Class|Series|Cl)\s+[A-Z]\b.*$|\s*[-,]?\s*\b(?:Common Stock|Ordinary Shares|American Depositary Shares?|ADS|ADR|Units?|Warrants?)\b.*$",
    re.IGNORECASE,
)
_STATE_TAG = re.compile(r"\s*/[A-Z]{2,3}/?\s*$|\s*\\[A-Z]{2}\\\s*$")


def recase(name: str) -> str:
    """Title-case an all-caps listed name, keeping acronyms ("AT&T", "IBM")."""
    caps = [w for w in name.split() if len(w) > 3 and w.isupper()]
    if len(caps) * 2 < len([w for w in name.split() if len(w) > 3]):
        return name
    words = []
    for i, word in enumerate(name.split()):
        if i and word.lower() in _SMALL_WORDS:
            words.append(word.lower())
        elif _KEEP_UPPER.match(word.strip(",.")) or not word.isupper() or _has_digit(word):
            words.append(word)
        else:
            words.append("-".join(part.capitalize() for part in word.split("-")))
    return " ".join(words)


def legal_name(listed: str, soft: bool = False) -> str:
    """The listed name without state tags, share classes and legal-form suffixes.

    With `soft`, also without "Holdings", "Group" and "Companies".
    """
    name = recase(_STATE_TAG.sub("", listed.strip()))
    name = re.sub(r"(?<=\w) Com\b", ".com", name)
    name = _SHARE_CLASS.sub("", name)
    name = re.sub(r"^The\s+", "", name)
    words = name.replace(",", " ").split()
    drop = SUFFIXES | SOFT_SUFFIXES if soft else SUFFIXES
    while len(words) > 1 and words[-1].strip(".&").lower().replace(".", "") in drop:
        words.pop()
    while len(words) > 1 and words[-1] in {"&", "and"}:
        words.pop()
    return " ".join(words).strip(" .-")


def everyday_names(listed: str) -> tuple[str, ...]:
    """Names a writer uses for `listed`, longest first.

    "Texas Roadhouse, Inc." -> ("Texas Roadhouse",); "AMAZON COM INC" -> ("Amazon.com",
    "Amazon"); "Domino's Pizza Inc." -> ("Domino's Pizza", "Domino's"); "Meta Platforms,
    Inc." -> ("Meta Platforms", "Meta").
    """
    full = legal_name(listed, soft=True)
    if len(full) < 2:
        return ()
    names = [legal_name(listed), full]
    words = full.split()
    if full.lower().endswith(".com"):
        names.append(full[:-4])
    if len(words) > 1 and re.fullmatch(r"[A-Z][\w.]+['’]s", words[0]):
        names.append(words[0])
    if len(words) == 2 and words[1] in GENERIC_TAILS and len(words[0]) > 3:
        names.append(words[0])
    return tuple(dict.fromkeys(n for n in names if len(n) >= 2))


def listing_kind(listed: str) -> str:
    """`etf` for exchange-traded funds and trusts, else `stock`."""
    upper = listed.upper()
    if re.search(r"\bETF\b|\bETN\b|\bFUND\b|\bSPDR\b|\bISHARES\b|\bPROSHARES\b", upper):
        return "etf"
    if re.search(r"\bTRUST\b", upper) and re.search(
        r"\bSERIES\b|\bGOLD\b|\bSILVER\b|\bBITCOIN\b|\bETHER|\bINVESCO\b|\bGRAYSCALE\b|\bCURRENCYSHARES\b",
        upper,
    ):
        return "etf"
    return "stock"


def _has_digit(word: str) -> bool:
    return any(c.isdigit() for c in word)
