"""Certificate serial numbers that can be checked without a database.

A serial looks like ``DJMK-7Q2M-XK3V-...`` (eight groups of four after the
prefix) and is made of 32 Crockford base32 symbols:

* 26 symbols (130 bits) from ``secrets`` — unguessable, so a serial can be
  printed on a public certificate and typed into the verification page;
* 5 symbols (25 bits) of HMAC over those, keyed with an app secret, so a
  made-up serial is rejected before any database lookup (an attacker has a
  1 in 33 million chance per guess, and guesses are rate-limited anyway);
* 1 Luhn mod 32 check symbol over everything before it.  The HMAC alone
  would only catch typos with high probability; Luhn guarantees that every
  single-symbol mistake is caught and most swaps of neighbours too, and
  needs no key, so it always tells a typo apart from a forgery.

Input is forgiving, because people copy these from paper: case, spaces,
missing or odd dashes, fullwidth characters from a Chinese IME, and the
confusable letters O (→0) and I/L (→1) are all accepted.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

SERIAL_PREFIX = "DJMK"

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
RANDOM_SYMBOLS = 26
MAC_SYMBOLS = 5
BODY_SYMBOLS = RANDOM_SYMBOLS + MAC_SYMBOLS + 1  # + Luhn check symbol
GROUP_SIZE = 4

_BASE = len(ALPHABET)
_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Bumping this invalidates every serial ever issued; it exists so the MAC
# input can never collide with another use of the same key.
_MAC_CONTEXT = b"mooc.certificates.serial.v1:"


def new_serial(key: bytes) -> str:
    """A fresh serial in canonical form, e.g. ``DJMK-XXXX-...-XXXX``."""
    _require_key(key)
    random_part = _encode(secrets.randbits(RANDOM_SYMBOLS * 5), RANDOM_SYMBOLS)
    payload = random_part + _mac(random_part, key)
    return _format(payload + _luhn_symbol(payload))


def normalise_serial(text: object) -> str | None:
    """Canonical form of what a person typed, or None if it cannot be a serial.

    Only the shape is checked here (symbols and length); use
    :func:`is_well_formed` to check the check symbol and MAC.
    """
    if not isinstance(text, str):
        return None
    compact = "".join(
        char for char in unicodedata.normalize("NFKC", text)
        if not char.isspace() and unicodedata.category(char) != "Pd"
    ).upper()
    if len(compact) == len(SERIAL_PREFIX) + BODY_SYMBOLS and compact.startswith(SERIAL_PREFIX):
        compact = compact[len(SERIAL_PREFIX):]
    body = compact.translate(_CONFUSABLES)
    if len(body) != BODY_SYMBOLS or any(symbol not in _VALUE for symbol in body):
        return None
    return _format(body)


def has_valid_check_symbol(serial: object) -> bool:
    """True if the serial has no detectable typo (keyless; says nothing about forgery)."""
    body = _body(serial)
    return body is not None and _luhn_symbol(body[:-1]) == body[-1]


def is_well_formed(serial: object, key: bytes) -> bool:
    """True if the serial was issued with this key (or is a 1-in-33-million forgery)."""
    _require_key(key)
    body = _body(serial)
    if body is None or _luhn_symbol(body[:-1]) != body[-1]:
        return False
    random_part, mac = body[:RANDOM_SYMBOLS], body[RANDOM_SYMBOLS:-1]
    return hmac.compare_digest(mac, _mac(random_part, key))


def _body(serial: object) -> str | None:
    canonical = normalise_serial(serial)
    if canonical is None:
        return None
    return canonical[len(SERIAL_PREFIX) + 1:].replace("-", "")


def _require_key(key: bytes) -> None:
    # A str would have to be encoded somehow, and guessing the encoding
    # differently in two places would silently invalidate every serial.
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError("serial key must be bytes")
    if not key:
        raise ValueError("serial key must not be empty")


def _encode(number: int, width: int) -> str:
    symbols = []
    for _ in range(width):
        number, value = divmod(number, _BASE)
        symbols.append(ALPHABET[value])
    return "".join(reversed(symbols))


def _mac(random_part: str, key: bytes) -> str:
    digest = hmac.new(bytes(key), _MAC_CONTEXT + random_part.encode("ascii"), hashlib.sha256).digest()
    leading_bits = int.from_bytes(digest[:4], "big") >> (32 - MAC_SYMBOLS * 5)
    return _encode(leading_bits, MAC_SYMBOLS)


def _luhn_symbol(payload: str) -> str:
    """Luhn mod N check symbol, so that Luhn-validating payload + symbol gives 0."""
    total = 0
    double = True  # the symbol to the left of the check symbol is doubled
    for symbol in reversed(payload):
        value = _VALUE[symbol] * (2 if double else 1)
        total += value // _BASE + value % _BASE
        double = not double
    return ALPHABET[-total % _BASE]


def _format(body: str) -> str:
    groups = [body[i:i + GROUP_SIZE] for i in range(0, len(body), GROUP_SIZE)]
    return "-".join([SERIAL_PREFIX, *groups])
