"""Which language the hosted page speaks: ui_locales, then Accept-Language (when auto-detect is on), then
the tenant's fallback."""
from urllib.parse import parse_qs

from django.utils import translation


def _supported(tag):
    """Our language code for a BCP 47 tag, or None. Chinese maps to Simplified, the one we ship."""
    base = (tag or "").strip().lower().replace("_", "-").split("-")[0]
    return {"en": "en", "zh": "zh-hans"}.get(base)


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
