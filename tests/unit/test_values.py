"""Value rules: hours, points, phone, resident ID, names and passbook numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from timebank.domain.errors import DomainError
from timebank.domain.values import (
    MAX_SERVICE_MINUTES,
    SHANGHAI,
    gb11643_check_digit,
    hours_text,
    is_valid_passbook_no,
    luhn_check_digit,
    mask_name,
    minutes_from_hours,
    new_passbook_no,
    normalise_mobile,
    normalise_resident_id,
    points_for,
    require_aware,
    shanghai_date,
)

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def resident_id(first17: str) -> str:
    return first17 + gb11643_check_digit(first17)


# --- hours and minutes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (150, "2.50"),
        (1, "0.02"),  # 0.01666… rounds up
        (0, "0.00"),
        (60, "1.00"),
        (20, "0.33"),  # 0.3333…
        (40, "0.67"),  # 0.6666…
        (3, "0.05"),  # exactly 0.05
        (MAX_SERVICE_MINUTES, "24.00"),
    ],
)
def test_hours_text_rounds_half_up_from_minutes(minutes: int, text: str) -> None:
    assert hours_text(minutes) == text


@pytest.mark.parametrize(
    ("hours", "minutes"),
    [
        ("2.5", 150),
        ("0", 0),
        ("24", 1440),
        (" 1.25 ", 75),
        (Decimal("1.5"), 90),
        (Decimal("0.01"), 1),  # 0.6 minute rounds half up to 1
        (Decimal("0.0083"), 0),  # 0.498 minute rounds down
        (3, 180),
        (0.75, 45),
    ],
)
def test_minutes_from_hours_accepts_strings_decimals_and_numbers(
    hours: str | Decimal | int | float, minutes: int
) -> None:
    assert minutes_from_hours(hours) == minutes


@pytest.mark.parametrize(
    "hours",
    ["", "abc", "1,5", None, "NaN", "Infinity", "-0.5", -1, "24.01", 25, Decimal("24.0001")],
)
def test_minutes_from_hours_refuses_bad_or_out_of_range_input(hours: object) -> None:
    with pytest.raises(DomainError) as caught:
        minutes_from_hours(hours)  # type: ignore[arg-type]
    assert caught.value.code == "invalid_hours"


# --- points ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "per_hour", "multiplier", "points"),
    [
        (60, 10, Decimal("1"), 10),
        (90, 10, Decimal("1"), 15),
        (150, 10, Decimal("1.5"), 38),  # 37.5 -> 38, half up
        (3, 10, Decimal("1"), 1),  # 0.5 -> 1, half up (banker's rounding would give 0)
        (2, 10, Decimal("1"), 0),  # 0.333… -> 0
        (45, 7, Decimal("2"), 11),  # 10.5 -> 11
        (1, 10, Decimal("1"), 0),
        (60, 10, Decimal("0.25"), 3),  # 2.5 -> 3
        (120, 100, Decimal("1.15"), 230),  # exact in decimal; in binary float 1.15 would drift
        (0, 10, Decimal("10"), 0),
    ],
)
def test_points_for_rounds_half_up_on_the_exact_product(
    minutes: int, per_hour: int, multiplier: Decimal, points: int
) -> None:
    assert points_for(minutes, per_hour, multiplier) == points


# --- time --------------------------------------------------------------------------------------


def test_require_aware_refuses_naive_times_and_converts_to_utc() -> None:
    with pytest.raises(DomainError) as caught:
        require_aware(datetime(2024, 5, 1, 9, 0), "started_at")
    assert caught.value.code == "invalid_input"
    assert "started_at" in caught.value.message

    local = datetime(2024, 5, 1, 9, 0, tzinfo=SHANGHAI)
    converted = require_aware(local)
    assert converted == datetime(2024, 5, 1, 1, 0, tzinfo=UTC)
    assert converted.utcoffset() == timedelta(0)


def test_shanghai_date_is_the_local_calendar_day() -> None:
    # 23:30 UTC on 30 April is already 1 May in Shanghai.
    assert shanghai_date(datetime(2024, 4, 30, 23, 30, tzinfo=UTC)).isoformat() == "2024-05-01"
    assert shanghai_date(datetime(2024, 4, 30, 15, 59, tzinfo=UTC)).isoformat() == "2024-04-30"


# --- mobile numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "+8613800138000",
        "+86 138 0013 8000",
        "8613800138000",
        "138-0013-8000",
        " 138 0013 8000 ",
    ],
)
def test_normalise_mobile_strips_prefix_spaces_and_dashes(raw: str) -> None:
    assert normalise_mobile(raw) == "13800138000"


@pytest.mark.parametrize(
    "raw",
    [
        "12800138000",  # 12x is not a mobile prefix
        "10800138000",
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "1380013800a",
        "abcdefghijk",
        "",
        "+85213800138000",  # Hong Kong prefix
        "86138001380",  # 86 + 9 digits is not a prefixed number
    ],
)
def test_normalise_mobile_refuses_what_is_not_a_mainland_mobile(raw: str) -> None:
    with pytest.raises(DomainError) as caught:
        normalise_mobile(raw)
    assert caught.value.code == "invalid_phone"


def test_normalise_mobile_never_returns_non_ascii_digits() -> None:
    # The phone's blind index is computed from the normalised text: "13٨00138000" and
    # "13800138000" must not become two different phones.
    raw = "13" + "800138000".translate(ARABIC_INDIC)
    try:
        normalised = normalise_mobile(raw)
    except DomainError as exc:
        assert exc.code == "invalid_phone"
    else:
        assert normalised == "13800138000"


# --- resident ID numbers (GB 11643) ------------------------------------------------------------


def test_gb11643_check_digit_matches_the_standard_example() -> None:
    # The worked example of GB 11643-1999: 11010519491231002X.
    assert gb11643_check_digit("11010519491231002") == "X"
    assert gb11643_check_digit("44052418800101001") == "4"


def test_normalise_resident_id_accepts_a_valid_number() -> None:
    number = resident_id("44052419800101001")
    assert normalise_resident_id(number) == number
    assert normalise_resident_id(f"  {number} ") == number


def test_normalise_resident_id_accepts_lowercase_x_as_x() -> None:
    assert normalise_resident_id("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize(
    "number",
    [
        "1101051949123100",  # too short
        "11010519491231002XX",  # too long
        "11010519491231A02X",  # a letter inside
        "",
    ],
)
def test_normalise_resident_id_refuses_malformed_numbers(number: str) -> None:
    with pytest.raises(DomainError) as caught:
        normalise_resident_id(number)
    assert caught.value.code == "invalid_id_number"


def test_normalise_resident_id_refuses_every_wrong_check_character() -> None:
    valid = resident_id("44052419800101001")
    wrong = [c for c in "0123456789X" if c != valid[-1]]
    assert len(wrong) == 10
    for check in wrong:
        with pytest.raises(DomainError) as caught:
            normalise_resident_id(valid[:-1] + check)
        assert caught.value.code == "invalid_id_number"


def test_normalise_resident_id_catches_every_one_digit_typo_outside_the_birth_date() -> None:
    # Region (0–5) and sequence (14–16) digits are free, so only the check character can
    # catch a typo there; a typo in the birth date might still be a valid date.
    valid = resident_id("32010619851203123")
    for position in [*range(6), *range(14, 17)]:
        for digit in "0123456789":
            if digit == valid[position]:
                continue
            typo = valid[:position] + digit + valid[position + 1 :]
            with pytest.raises(DomainError) as caught:
                normalise_resident_id(typo)
            assert caught.value.code == "invalid_id_number", typo


@pytest.mark.parametrize(
    "birth",
    [
        "19900230",  # 30 February
        "19901301",  # month 13
        "18991231",  # before 1900
    ],
)
def test_normalise_resident_id_refuses_an_impossible_birth_date(birth: str) -> None:
    number = resident_id("440524" + birth + "001")  # the check character is right
    with pytest.raises(DomainError) as caught:
        normalise_resident_id(number)
    assert caught.value.code == "invalid_id_number"


def test_normalise_resident_id_refuses_a_future_birth_date() -> None:
    next_year = datetime.now(UTC).year + 1
    number = resident_id(f"440524{next_year}0101001")
    with pytest.raises(DomainError) as caught:
        normalise_resident_id(number)
    assert caught.value.code == "invalid_id_number"


def test_normalise_resident_id_never_returns_non_ascii_digits() -> None:
    valid = resident_id("11010519491231002")
    raw = valid[:6].translate(ARABIC_INDIC) + valid[6:]
    try:
        normalised = normalise_resident_id(raw)
    except DomainError as exc:
        assert exc.code == "invalid_id_number"
    else:
        assert normalised == valid


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("欧阳娜娜", "欧**娜"),
        ("王小明", "王*明"),
        ("李", "*"),
    ],
)
def test_mask_name_keeps_only_the_first_and_last_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked


# --- passbook numbers --------------------------------------------------------------------------


def test_new_passbook_numbers_are_twelve_digits_with_a_valid_luhn_check() -> None:
    numbers = {new_passbook_no() for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        assert len(number) == 12
        assert number.isascii() and number.isdigit()
        assert number[0] != "0"
        assert luhn_check_digit(number[:-1]) == number[-1]
        assert is_valid_passbook_no(number)


def test_luhn_check_digit_matches_the_classic_example() -> None:
    assert luhn_check_digit("7992739871") == "3"  # 79927398713


def test_every_single_digit_typo_in_a_passbook_number_is_caught() -> None:
    number = new_passbook_no()
    for position in range(12):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            typo = number[:position] + digit + number[position + 1 :]
            assert not is_valid_passbook_no(typo), typo


@pytest.mark.parametrize("value", ["", "12345678901", "1234567890123", "12345678901a", None])
def test_is_valid_passbook_no_refuses_wrong_shapes(value: str | None) -> None:
    assert not is_valid_passbook_no(value)  # type: ignore[arg-type]
