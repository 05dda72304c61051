"""Duplicate check 客户查重, the pure part (no ORM): the keys under which two customer cards are the same customer.

- name: full-width to half-width (NFKC), case-folded, punctuation and spaces dropped, the legal form at the end
  dropped (有限公司, 股份有限公司, 集团, Co., Ltd, Inc, GmbH…): "华为技术有限公司" and "华为技术 (有限公司)" are
  both ``华为技术``, "ACME Co., Ltd." and "Acme Limited" both ``acme``;
- phone: digits only, without the +86 / 0086 country prefix and the trunk 0; a Chinese mobile number is its
  last 11 digits: "+86 138-0013-8000" and "13800138000" are the same, "(010) 8888 6666" and "+86 10 8888 6666" too;
- code: the 统一社会信用代码 (unified social credit code) or VAT number, upper case, without spaces, dashes or dots,
  and without a CN prefix.

A value too short to say anything (a 5-digit phone, a one-letter name) gives no key: ``None``.
"""

import re
import unicodedata
from dataclasses import dataclass

# legal forms dropped from the end of a company name, longest first (a name reduced to one of them stays whole)
CHINESE_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "股份公司",
    "集团公司",
    "控股",
    "集团",
    "公司",
)
ENGLISH_SUFFIXES = frozenset(
    {
        "co",
        "company",
        "kg",
        "corp",
        "corporation",
        "inc",
        "incorporated",
        "ltd",
        "limited",
        "llc",
        "llp",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "sarl",
        "sas",
        "bv",
        "nv",
        "pte",
        "pty",
        "group",
        "holding",
        "holdings",
    }
)
# words of a name: letters and digits of any script (CJK included), not the underscore
WORD = re.compile(r"[^\W_]+")
# what follows an extension marker is not part of the number
EXTENSION = re.compile(r"(?:ext\.?|extension|x|#|转|分机)", re.IGNORECASE)
CHINESE_MOBILE = re.compile(r"1[3-9]\d{9}")
MIN_NAME = 2
MIN_PHONE = 6
MIN_CODE = 6
# Given in the context by ``res.users`` and ``res.company`` while they create their own partner, which is nobody's
# second card: an object, not a flag, so no context sent over RPC can hold it.
SKIP = object()
SKIP_KEY = "retention_duplicate_skip"
# what two customer cards can share, strongest first
CODE, PHONE, NAME = "code", "phone", "name"
KINDS = (CODE, PHONE, NAME)
# the masked name of someone outside the reader's team: the first character, then this
MASK = "**"


def _half_width(text):
    return unicodedata.normalize("NFKC", text or "")


def name_key(name):
    """The key of a company or person name: ``None`` when fewer than 2 letters or digits remain."""
    words = WORD.findall(_half_width(name).casefold())
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    stripped = True
    while stripped and words:
        stripped = False
        if len(words) > 1 and words[-1] in ENGLISH_SUFFIXES:
            words.pop()
            stripped = True
            continue
        for suffix in CHINESE_SUFFIXES:
            last = words[-1]
            if last.endswith(suffix) and (len(last) > len(suffix) or len(words) > 1):
                rest = last[: -len(suffix)]
                if rest:
                    words[-1] = rest
                else:
                    words.pop()
                stripped = True
                break
    key = "".join(words)
    return key if len(key) >= MIN_NAME else None


def phone_key(phone):
    """The key of a phone number: ``None`` when it has fewer than 6 digits."""
    text = _half_width(phone).strip()
    text = EXTENSION.split(text, maxsplit=1)[0]
    digits = "".join(char for char in text if "0" <= char <= "9")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif text.startswith("+86") or (len(digits) == 13 and digits.startswith("861")):
        digits = digits[2:]
    digits = digits.lstrip("0")
    if len(digits) >= 11 and CHINESE_MOBILE.fullmatch(digits[-11:]):
        digits = digits[-11:]
    return digits if len(digits) >= MIN_PHONE else None


def code_key(code):
    """The key of a 统一社会信用代码 or VAT number: ``None`` for none ("/" is Odoo's "not subject to VAT")."""
    key = "".join(char for char in _half_width(code).upper() if char.isalnum())
    if key.startswith("CN") and len(key) in (17, 20):  # CN + a 15-character tax number or an 18-character code
        key = key[2:]
    return key if len(key) >= MIN_CODE else None


def split_values(text):
    """Several phone numbers or codes typed in one box, separated by commas, semicolons, slashes or new lines."""
    return [part for part in re.split(r"[,;/\n、，；]+", _half_width(text)) if part.strip()]


def mask_name(name):
    """The name of a salesperson outside the reader's team: "张伟" → "张**", "Lina Zhou" → "L**"."""
    name = (name or "").strip()
    return name[:1] + MASK if name else MASK


def _keys(normalize, values):
    return frozenset(key for key in map(normalize, values) if key)


@dataclass(frozen=True)
class Card:
    """The keys of a customer card, existing (``id``) or about to be created or changed."""

    id: int | None
    name: str | None
    phones: frozenset
    codes: frozenset
    is_company: bool = True
    company_id: int | None = None

    @classmethod
    def of(cls, name, phones=(), codes=(), is_company=True, company_id=None, id=None):
        """The card of raw values: a name, phone numbers (phone, mobile), codes (VAT, company registry)."""
        return cls(
            id, name_key(name), _keys(phone_key, phones), _keys(code_key, codes), bool(is_company), company_id or None
        )

    def __bool__(self):
        return bool(self.name or self.phones or self.codes)

    def lock_keys(self):
        """The keys two creations of this customer at the same moment both write (``retention.duplicate.key``)."""
        return {
            *([f"{NAME}:{self.name}"] if self.name else []),
            *(f"{PHONE}:{key}" for key in self.phones),
            *(f"{CODE}:{key}" for key in self.codes),
        }

    def matches(self, other):
        """What this card shares with ``other``, strongest first (empty when they are different customers): the
        same code, phone or name, in company scopes that overlap (one of them shared by all companies, or the
        same company). Two people are never the same customer by their name alone (there are many 张伟); a company
        and a person of the same name are."""
        if self.company_id and other.company_id and self.company_id != other.company_id:
            return ()
        kinds = []
        if self.codes & other.codes:
            kinds.append(CODE)
        if self.phones & other.phones:
            kinds.append(PHONE)
        if self.name and self.name == other.name and (self.is_company or other.is_company):
            kinds.append(NAME)
        return tuple(kinds)


def best_match(card, others):
    """The existing card ``card`` duplicates most surely (most shared keys, then the strongest, then the oldest)
    and what they share, or ``(None, ())``."""
    found = [(other, kinds) for other in others if other.id != card.id and (kinds := card.matches(other))]
    if not found:
        return None, ()
    return min(found, key=lambda item: (-len(item[1]), KINDS.index(item[1][0]), item[0].id or 0))
