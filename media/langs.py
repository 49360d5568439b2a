"""Language tags → ISO 639-2 (the three letters Matroska and ffprobe use)."""

from __future__ import annotations

from babelfish import Error as BabelfishError
from babelfish import Language

UNDETERMINED = "und"


def iso639_2(tag: str | None) -> str:
    """'en', 'eng', 'en-US', 'fre', 'fra' → 'eng', 'eng', 'eng', 'fre', 'fre' (the B form, as
    Matroska writes it). Anything unknown → 'und'."""
    tag = (tag or "").strip()
    if not tag:
        return UNDETERMINED
    candidates = []
    if len(tag) == 3 and tag.isalpha():
        candidates = [lambda: Language.fromalpha3b(tag.lower()), lambda: Language(tag.lower())]
    else:
        candidates = [lambda: Language.fromietf(tag)]
    for make in candidates:
        try:
            lang = make()
        except (BabelfishError, ValueError, KeyError):
            continue
        return getattr(lang, "alpha3b", None) or lang.alpha3
    return UNDETERMINED


def language_name(code: str) -> str:
    try:
        return Language.fromalpha3b(code).name
    except (BabelfishError, ValueError, KeyError):
        try:
            return Language(code).name
        except (BabelfishError, ValueError, KeyError):
            return code


def bcp47(code: str) -> str:
    """An ISO 639-2 code as a browser's ``srclang`` wants it: 'spa' → 'es', 'fre' → 'fr'; a
    language with no two-letter code keeps its three letters; 'und' → 'und'."""
    try:
        lang = Language.fromalpha3b(code)
    except (BabelfishError, ValueError, KeyError):
        try:
            lang = Language(code)
        except (BabelfishError, ValueError, KeyError):
            return code
    try:
        return lang.alpha2
    except BabelfishError:
        return lang.alpha3
