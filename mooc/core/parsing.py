"""Reading numbers out of untrusted text."""


def ascii_int(value, max_digits: int = 18) -> int | None:
    """``int(value)`` when ``value`` is a short run of ASCII digits, else None.

    Why not ``str.isdigit()``: "²" and "①" are digits to it, but ``int()``
    rejects them – a crash Hypothesis found with a superscript in a form field.
    """
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > max_digits or not (value.isascii() and value.isdigit()):
        return None
    return int(value)
