"""Which language the hosted page speaks: ui_locales, then Accept-Language (when auto-detect is on), then
the tenant's fallback."""
from urllib.parse import parse_qs

from django.utils import translation


def _supported(tag):
    """Our language code for a BCP 47 tag, or None. Chinese maps to Simplified, the one we ship."""
    base = (tag or "").strip().lower().replace("_", "-").split("-")[0]
    return {"en": "en", "zh": "zh-hans"}.get(base)


# A tenant's fallback language as stored (the console's choices), by our language code.
FALLBACK_LANGUAGES = {"en": "en", "zh-hans": "zh-Hans"}


def fallback_language_for(tag):
    """The stored fallback language for a BCP 47 tag (`zh-CN` → `zh-Hans`), or None when the hosted page does not
    speak it."""
    return FALLBACK_LANGUAGES.get(_supported(tag))


def hosted_page_language(request, query, settings):
    for tag in (parse_qs(query).get("ui_locales", [""])[0]).split():
        if _supported(tag):
            return _supported(tag)
    language = settings["language_info"]
    if language.get("autoDetect", True):
        detected = translation.get_language_from_request(request)
        if _supported(detected):
            return _supported(detected)
    return _supported(language.get("fallbackLanguage", "en")) or "en"
