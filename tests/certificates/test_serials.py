import re
import secrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mooc.certificates.serials import (
    ALPHABET,
    BODY_SYMBOLS,
    SERIAL_PREFIX,
    has_valid_check_symbol,
    is_well_formed,
    new_serial,
    normalise_serial,
)

KEY = b"test-key-derived-from-SECRET_KEY"
OTHER_KEY = b"some-other-deployment"
CANONICAL = re.compile(r"^DJMK(-[0-9A-HJKMNP-TV-Z]{4}){8}$")

# One serial shared by the property tests: issuing is cheap, but a fixed
# serial keeps hypothesis' shrinking and reports readable.
SERIAL = new_serial(KEY)
SERIAL_BODY = SERIAL[len(SERIAL_PREFIX) + 1:].replace("-", "")


def body_of(serial):
    return serial[len(SERIAL_PREFIX) + 1:].replace("-", "")


def test_new_serial_has_canonical_shape():
    serial = new_serial(KEY)
    assert CANONICAL.match(serial), serial
    assert normalise_serial(serial) == serial


def test_new_serial_passes_its_own_checks():
    for _ in range(200):
        serial = new_serial(KEY)
        assert has_valid_check_symbol(serial)
        assert is_well_formed(serial, KEY)


def test_serials_are_unique():
    serials = {new_serial(KEY) for _ in range(20_000)}
    assert len(serials) == 20_000


def test_random_part_uses_the_whole_alphabet():
    # Guards against an encoding bug that would quietly shrink the entropy.
    seen = set("".join(body_of(new_serial(KEY))[:26] for _ in range(200)))
    assert seen == set(ALPHABET)


def test_serial_from_another_key_is_rejected():
    forged = [new_serial(OTHER_KEY) for _ in range(500)]
    # Each has a valid Luhn symbol, so only the MAC can catch it; 25 bits
    # make a false accept here a 1-in-67,000 event.
    assert all(has_valid_check_symbol(serial) for serial in forged)
    assert not any(is_well_formed(serial, KEY) for serial in forged)


@settings(max_examples=300)
@given(st.text(alphabet=ALPHABET, min_size=BODY_SYMBOLS, max_size=BODY_SYMBOLS))
def test_random_strings_are_rejected(body):
    # 1 in 32 random strings pass Luhn; the MAC must stop those too.
    assert not is_well_formed(f"{SERIAL_PREFIX}-{body}", KEY)


@given(position=st.integers(0, BODY_SYMBOLS - 1), replacement=st.sampled_from(ALPHABET))
def test_any_single_symbol_typo_is_rejected(position, replacement):
    if SERIAL_BODY[position] == replacement:
        replacement = ALPHABET[(ALPHABET.index(replacement) + 1) % len(ALPHABET)]
    typo = SERIAL_BODY[:position] + replacement + SERIAL_BODY[position + 1:]
    assert not has_valid_check_symbol(typo)
    assert not is_well_formed(typo, KEY)


def test_every_single_symbol_typo_is_rejected_exhaustively():
    # Luhn mod 32 makes this a guarantee, not a probability; check it for a few serials.
    for serial in [SERIAL] + [new_serial(KEY) for _ in range(5)]:
        body = body_of(serial)
        for position, original in enumerate(body):
            for replacement in ALPHABET.replace(original, ""):
                typo = body[:position] + replacement + body[position + 1:]
                assert not is_well_formed(typo, KEY), (serial, position, replacement)


@given(st.integers(0, BODY_SYMBOLS - 1))
def test_dropped_symbol_is_rejected(position):
    assert normalise_serial(SERIAL_BODY[:position] + SERIAL_BODY[position + 1:]) is None
    assert not is_well_formed(SERIAL_BODY[:position] + SERIAL_BODY[position + 1:], KEY)


@given(st.integers(0, BODY_SYMBOLS), st.sampled_from(ALPHABET))
def test_extra_symbol_is_rejected(position, extra):
    assert not is_well_formed(SERIAL_BODY[:position] + extra + SERIAL_BODY[position:], KEY)


def test_most_neighbour_swaps_are_caught_by_the_check_symbol():
    swaps = caught = 0
    for _ in range(50):
        body = body_of(new_serial(KEY))
        for i in range(BODY_SYMBOLS - 1):
            if body[i] == body[i + 1]:
                continue
            swapped = body[:i] + body[i + 1] + body[i] + body[i + 2:]
            swaps += 1
            caught += not has_valid_check_symbol(swapped)
            assert not is_well_formed(swapped, KEY)
    assert caught / swaps > 0.9


@pytest.mark.parametrize(
    "variant",
    [
        lambda s: s.lower(),
        lambda s: s.replace("-", ""),
        lambda s: s.replace("-", "").lower(),
        lambda s: s.replace("-", " "),
        lambda s: f"  {s}\n",
        lambda s: s[len(SERIAL_PREFIX) + 1:],  # prefix left off
        lambda s: s[len(SERIAL_PREFIX) + 1:].replace("-", "").lower(),
        lambda s: s.replace("-", "—"),  # em dash from a Chinese IME
        lambda s: "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s),  # fullwidth
    ],
)
def test_normalisation_accepts_how_people_type(variant):
    assert normalise_serial(variant(SERIAL)) == SERIAL
    assert is_well_formed(variant(SERIAL), KEY)


def test_confusable_letters_read_as_digits():
    # Make the serial contain 0 and 1 so there is something to confuse.
    serial = next(s for s in iter(lambda: new_serial(KEY), None) if "0" in body_of(s) and "1" in body_of(s))
    garbled = SERIAL_PREFIX + "-" + body_of(serial).replace("0", "o").replace("1", "l")
    assert normalise_serial(garbled) == serial
    assert is_well_formed(garbled.replace("l", "I"), KEY)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "DJMK",
        "DJMK-",
        "hello",
        None,
        12345,
        "DJMK-" + "U" * BODY_SYMBOLS,  # U is not in Crockford's alphabet
        "DJMK-" + "*" * BODY_SYMBOLS,
        "XXXX-" + "0" * BODY_SYMBOLS,  # wrong prefix
        "DJMK-" + "0" * (BODY_SYMBOLS + 1),
        "张三丰" * 12,
    ],
)
def test_impossible_input_normalises_to_none(text):
    assert normalise_serial(text) is None
    assert not is_well_formed(text, KEY)


def test_key_must_be_non_empty_bytes():
    with pytest.raises(TypeError):
        new_serial("secret")
    with pytest.raises(ValueError):
        new_serial(b"")
    with pytest.raises(TypeError):
        is_well_formed(SERIAL, "secret")


def test_mac_depends_on_the_random_part():
    # Different random parts must get unrelated MACs (catches a MAC over the wrong input).
    macs = {body_of(new_serial(KEY))[26:31] for _ in range(300)}
    assert len(macs) > 290


def test_each_serial_draws_130_fresh_bits_from_secrets(monkeypatch):
    calls = []
    real = secrets.randbits
    monkeypatch.setattr(secrets, "randbits", lambda k: calls.append(k) or real(k))
    new_serial(KEY)
    new_serial(KEY)
    assert calls == [130, 130]
