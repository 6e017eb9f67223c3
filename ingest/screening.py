"""Documents that talk to the AI are held back at ingest.

Reform reports and news never say "ignore previous instructions" or "bỏ qua mọi hướng
dẫn"; a document that does was planted to steer the answers. It is refused with a clear
reason (the rest of the run goes on), so it can neither be quoted nor reach an LLM.

Matching runs on one normalised form (:func:`screening_form`), so disguises do not help:
compatibility forms are folded (full-width ｉｇｎｏｒｅ, ligatures), invisible format characters
are dropped (zero-width spaces and joiners, soft hyphens, bidi marks inside a word), Cyrillic
and Greek look-alikes become the Latin letters they imitate, accents are folded ("bo qua moi
huong dan") and whitespace is collapsed. The patterns cover paraphrases in English and
Vietnamese, measured on a variant set (tests/fixtures/injection_variants.jsonl, bench/screening.py)
with no false positive on ../shared/corpus allowed.
"""

from __future__ import annotations

import re
import unicodedata

from assistant.index.textnorm import fold_accents

# Letters of other scripts drawn like Latin ones (Unicode's confusables, the subset that occurs
# in real disguises: Cyrillic and Greek lower and upper case, a few Latin-extended forms).
_CONFUSABLES = str.maketrans(
    {
        **dict(zip("аеорсухіјѕԁɡһԛԝѵӏ", "aeopcyxijsdghqwvl")),
        **dict(zip("АВЕКМНОРСТХІЈЅԚԜУ", "abekmhopctxijsqwy")),
        **dict(zip("αβεικνορτυχωϲϳηϱ", "abeikvoptuxwcjnp")),
        **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "abezhikmnoptyx")),
        "ı": "i", "ȷ": "j", "ſ": "s", "ℓ": "l", "ⅰ": "i",
    }
)
# Invisible in print but not Unicode format characters: the combining grapheme joiner, Hangul
# fillers and the blank Braille pattern are used to split words the same way.
_INVISIBLE = {"\u034f", "\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}

_W = r"(?:[\w']+\s+)"  # one word and the space after it
_EN = [
    # ignore / forget / override ... instructions, in up to five words ("all of the previous").
    r"\b(?:ignore|disregard|forget|override|overrule|bypass|skip|discard|neglect|abandon|"
    r"stop following|do not follow|don'?t follow|never mind)\s+" + _W + r"{0,5}?"
    r"(?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|commands|"
    r"programming|restrictions|context)\b",
    # "ignore the above", "disregard everything before", "forget what you were told"
    r"\b(?:ignore|disregard|forget)\s+(?:(?:all|everything|anything)\s+(?:of\s+)?)?(?:the\s+|that\s+)?"
    r"(?:above|previous|prior|preceding|earlier|foregoing|before|you (?:were|have been) told|"
    r"what you (?:were|have been) told)\b",
    r"\bnew instructions?\s*:|\bsystem prompt\b|\b(?:hidden|secret|initial|original) (?:instructions|prompt)\b",
    r"\bdeveloper mode\b|\bjailbr(?:ea|o)k|\bdo anything now\b",
    r"\byou are (?:now )?(?:an? )?(?:ai|assistant|language model|chatbot|llm|dan)\b",
    r"\b(?:pretend|act|behave|roleplay)\s+(?:to be|as|like)\s+(?:an?\s+)?" + _W + r"{0,2}?"
    r"(?:ai|assistant|chatbot|language model|llm)\b",
    r"\b(?:note|message|instructions?)\s+(?:to|for)\s+(?:the\s+|any\s+)?(?:ai|llm|assistant|chatbot|"
    r"language model)\b|\b(?:dear|hey|attention)\s+(?:ai|assistant|chatbot|llm)\b",
    r"\b(?:reveal|print|show|repeat|output|leak)\s+" + _W + r"{0,3}?(?:system prompt|instructions|prompt)\b",
    r"\bwhen(?:ever)? (?:you are |you're )?asked\b.{0,80}?\b(?:always|only)\s+(?:answer|reply|respond|say)\b",
    # What the reader was told before, named as such, is only ever named to be set aside.
    r"\b(?:instructions?|prompts?|rules|guidelines|directions)\s+(?:that\s+)?you\s+(?:were given|received|"
    r"have been given|have received|were told)\b|\b(?:everything|all|anything) you (?:were|have been) told\b",
    r"\bno longer bound by\b|\bsystem override\b|\b(?:for|to) the (?:ai|llm|chatbot|language model)\s*:",
    r"\bas the (?:ai|llm|chatbot|language model|assistant)\b.{0,40}?\byou (?:must|should|will)\b",
    r"\bignore what (?:the )?other (?:documents|sources)\b",
]
_VN_VERB = (
    r"(?:bo qua|phot lo|lo di|quen di|quen het|quen|dung lam theo|dung tuan theo|khong can tuan theo|"
    r"khong can lam theo|khong tuan theo|khong lam theo|bat chap|vut bo)"
)
# "những gì" counts only as what one was told ("những gì đã được dặn"), not what one heard.
_VN_NOUN = (
    r"(?:huong dan|chi dan|chi thi|quy tac|yeu cau|loi nhac|cau lenh|lenh|"
    r"nhung gi\s+" + _W + r"{0,3}?(?:dan|day|chi dan|huong dan|yeu cau|ra lenh|lap trinh))"
)
_VN = [
    # ignore ... instructions ... given before / above / by the system / of yours
    r"\b" + _VN_VERB + r"\s+" + _W + r"{0,4}?" + _VN_NOUN + r"\s+" + _W + r"{0,2}?"
    r"(?:truoc do|truoc|o tren|phia tren|ben tren|ban dau|cua ban|ma ban|ban da|da duoc|da nhan|he thong)\b",
    # "bỏ qua mọi hướng dẫn", "hãy quên đi những chỉ dẫn": a quantifier, or "những" after the
    # imperative "hãy", makes it a command (news reports people who "phớt lờ những chỉ dẫn").
    r"\b(?:(?:quen di|phot lo|lo di|bo qua|quen het|quen)\s+(?:moi|tat ca|toan bo|het)|"
    r"hay\s+(?:quen di|phot lo|lo di|bo qua|quen het)\s+nhung)\s+(?:cac\s+|nhung\s+)?"
    r"(?:huong dan|chi dan|chi thi|loi nhac|cau lenh)\b",
    r"\b(?:ban la|ban se la|hay dong vai|dong vai)\s+(?:mot\s+)?(?:tro ly ao|tro ly ai|chatbot|"
    r"mo hinh ngon ngu|tri tue nhan tao)\b",
    r"\btu (?:bay gio|gio)(?: tro di)?\s*,?\s*ban (?:la|se|phai)\b",
    r"\b(?:moi|tat ca|toan bo) (?:cac |nhung )?(?:huong dan|chi dan|chi thi|loi nhac)\s+(?:truoc day|truoc do|o tren)\b"
    r".{0,40}?\bkhong con (?:hieu luc|gia tri|ap dung)\b",
    r"\b(?:tro ly ai|tro ly ao|chatbot|mo hinh ngon ngu)\s*,?\s*(?:hay|phai)\s+(?:tra loi|noi|trich dan)\b",
    r"\bprompt he thong\b|\bloi nhac he thong\b|\b(?:huong dan|chi dan) he thong cua ban\b",
    r"\b(?:tiet lo|in ra|hien thi)\s+" + _W + r"{0,2}?(?:prompt|loi nhac|huong dan he thong|chi dan he thong)\b",
    r"\blenh moi\s*(?:cho\s+\w+\s*)?:|\b(?:gui|nhan gui|luu y cho|thong diep cho)\s+(?:cac\s+)?"
    r"(?:tro ly ai|tro ly ao|chatbot|mo hinh ngon ngu|mo hinh ai|he thong ai)\b",
    r"\bkhi (?:duoc |bi )?hoi\b.{0,80}?\bluon\s+(?:tra loi|noi|dap)\b",
]
_TEMPLATES = [r"<\|im_(?:start|end)\|>|\[/?inst\]|<\|(?:system|user|assistant)\|>|<<sys>>"]
_PATTERNS = "|".join(f"(?:{p})" for p in _EN + _VN + _TEMPLATES)
# Every pattern starts at a word boundary before a letter, or with a chat template's "<" or
# "["; saying so up front lets the engine skip every other position (inside words, spaces,
# digits) before it tries the ~40 alternatives: 2.5x faster on the corpus, same matches
# (tests/unit/test_ingest_hot_paths.py checks the premise on the parsed patterns).
_RE = re.compile(rf"(?:\b(?=[^\W\d_])|(?=[<\[]))(?:{_PATTERNS})")


class _ScreenTable(dict[int, str | None]):
    """``str.translate`` table, filled as characters are met: invisible characters (format
    characters, the fillers above) are dropped, look-alikes become Latin, the rest stay. One
    C-level pass instead of a Python loop over every character of every document."""

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        out = None if ch in _INVISIBLE or unicodedata.category(ch) == "Cf" else _CONFUSABLES.get(code, ch)
        self[code] = out
        return out


_SCREEN = _ScreenTable()


_SPACE_RUN = re.compile(r"\s+")


def screening_form(text: str) -> str:
    """The text as the screen reads it: compatibility forms folded, invisible characters
    dropped, look-alikes mapped to Latin, accents folded, lower case, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = fold_accents(text.translate(_SCREEN))
    return _SPACE_RUN.sub(" ", text.replace("’", "'"))


def instructions_to_ai(text: str) -> str | None:
    """The first passage addressed to an AI model (in its normalised form), or None."""
    folded = screening_form(text)
    m = _RE.search(folded)
    if m is None:
        return None
    return folded[max(0, m.start() - 10) : m.end() + 10].strip()


# Inline styles and attributes that keep an element's text from any reader of the page while
# leaving it in the markup an extractor reads (a planted "ignore the instructions" paragraph
# styled font-size:0 reached the index before).
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)|font-size\s*:\s*0*(?:\.0+)?(?:px|pt|em|rem|%)?\s*(?:[;!]|$)"
    r"|opacity\s*:\s*0*(?:\.0+)?\s*(?:[;!]|$)|color\s*:\s*transparent|text-indent\s*:\s*-\d{3,}"
    r"|(?:max-)?(?:height|width)\s*:\s*0(?:px)?\s*(?:[;!]|$)",
    re.I,
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def split_hidden_html(page: str) -> tuple[str, str]:
    """(the page without its hidden elements, their text). Hidden: `display:none`,
    `visibility:hidden`, `font-size:0`, `opacity:0`, zero height or width, transparent text, a
    large negative indent, or the `hidden` / `aria-hidden="true"` attributes. A page lxml cannot
    read is returned as it is (the extractor then reports it)."""
    from lxml import etree, html

    try:
        root = html.document_fromstring(_XML_DECLARATION.sub("", page, count=1))
    except (etree.ParserError, ValueError):
        return page, ""
    hidden: list[str] = []
    for el in root.xpath("//*[@style or @hidden or @aria-hidden]"):
        if el.getparent() is None:
            continue  # the root, or inside an element already removed
        style = el.get("style") or ""
        if _HIDDEN_STYLE.search(style) or el.get("hidden") is not None or el.get("aria-hidden") == "true":
            hidden.append(el.text_content())
            el.drop_tree()
    if not hidden:
        return page, ""
    return html.tostring(root, encoding="unicode"), "\n".join(hidden)
