"""The framework catalogue shown by "Create application", grouped by application type."""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Framework:
    slug: str
    name: str
    app_type: str
    guide: str  # template under applications/guides/
    brand: bool = True  # the name is a product's, the same in every language (HTML translate="no")


APP_TYPES = [
    ("native", _("Native app")),
    ("spa", _("Single page app")),
    ("traditional", _("Traditional web")),
    ("m2m", _("Machine-to-machine")),
]

FRAMEWORKS = [
    Framework("capacitor-js", "Capacitor JS", "native", "capacitor.html"),
    Framework("ios-swift", "iOS (Swift)", "native", "generic_oidc.html"),
    Framework("android-kotlin", "Android (Kotlin)", "native", "generic_oidc.html"),
    Framework("react-native", "React Native", "native", "generic_oidc.html"),
    Framework("flutter", "Flutter", "native", "generic_oidc.html"),
    Framework("react", "React", "spa", "generic_oidc.html"),
    Framework("vue", "Vue", "spa", "generic_oidc.html"),
    Framework("angular", "Angular", "spa", "generic_oidc.html"),
    Framework("django", "Django", "traditional", "generic_oidc.html"),
    Framework("nextjs", "Next.js", "traditional", "generic_oidc.html"),
    Framework("express", "Express", "traditional", "generic_oidc.html"),
    Framework("m2m", _("Machine-to-machine"), "m2m", "m2m.html", brand=False),
]
BY_SLUG = {f.slug: f for f in FRAMEWORKS}


def frameworks_by_type():
    return [(key, label, [f for f in FRAMEWORKS if f.app_type == key]) for key, label in APP_TYPES]
