"""Helpers shared by console forms."""
from django.core.exceptions import ValidationError


def apply_service_errors(form, exc: ValidationError):
    """Show a service's ValidationError next to the matching form fields (others at the top)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for error in exc.error_list:
            form.add_error(None, error)


def submit(form, service, **arguments):
    """Call `service(**arguments, **form.cleaned_data)` when the form is valid; a ValidationError the service
    raises is shown on the form. Returns (True, the service's result) or (False, None)."""
    if not form.is_valid():
        return False, None
    try:
        return True, service(**arguments, **form.cleaned_data)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return False, None
