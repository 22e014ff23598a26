"""kb.units' table against pint, which it replaced: same names, dimensions and factors."""

from fractions import Fraction

import pytest

from kb.units import (
    CURRENCIES,
    UnitError,
    convert_factor,
    dimension,
    factor_to_base,
    parse_unit,
    unit_problem,
)

pint = pytest.importorskip("pint")  # a test dependency only: the reference the table must match

# Every unit the claims, the relations and the mention reader use, prefixed and compound forms.
CODES = [
    "USD", "CNY", "TWD", "KRW", "EUR", "JPY", "HKD", "FLOP", "FLOPS", "kFLOPS", "MFLOPS",
    "GFLOPS", "TFLOPS", "PFLOPS", "EFLOPS", "ratio", "count", "percent", "%", "permille",
    "percentage_point", "basis_point", "index_point", "dimensionless", "m", "nm", "mm", "cm",
    "km", "g", "kg", "t", "kilogram", "second", "s", "ms", "min", "minute", "h", "hour", "d",
    "day", "week", "month", "year", "years", "W", "kW", "MW", "GW", "Wh", "kWh", "MWh", "GWh",
    "Hz", "MHz", "GHz", "B", "MB", "GB", "TB", "bit", "A", "mAh", "degC", "quarter", "point",
    "decade", "USD/kg", "USD/kWh", "CNY/USD", "USD/t", "CNY/kWh", "USD / kg", "USD*count",
    "1/year", "m**2", "m^2", "USD*kg/t", "kg/kg", "USD/USD", "FLOP/s", "USD/FLOPS",
]


@pytest.fixture(scope="module")
def reg():
    reg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    for line in (*(f"{c} = [currency_{c}]" for c in CURRENCIES),
                 "FLOP = [computation]", "FLOPS = FLOP / second", "ratio = []",
                 "percentage_point = [percentage_point]", "basis_point = 0.01 * percentage_point",
                 "index_point = [index_point]"):
        reg.define(line)
    return reg


@pytest.mark.parametrize("code", CODES)
def test_each_unit_has_pints_names_dimension_and_factor(reg, code):
    theirs = reg.parse_units(code)
    dims = reg.get_dimensionality(theirs)
    expected = (list(theirs._units.items()), str(dims) if dims else "dimensionless")
    assert (list(parse_unit(code).items), dimension(code)) == expected
    if code != "degC":  # pint converts 1 degC to 274.15 K: a shift, which no factor expresses
        magnitude = reg.Quantity(1, theirs).to_base_units().magnitude
        assert float(factor_to_base(code)) == pytest.approx(magnitude, rel=1e-12)


def test_factors_are_exact():
    assert factor_to_base("USD/kWh") == Fraction(1, 3_600_000)
    assert convert_factor("TFLOPS", "EFLOPS") == Fraction(1, 10**6)
    assert convert_factor("month", "year") == Fraction(1, 12)


@pytest.mark.parametrize("code", ["RMB", "dollars", "FLOPZ", "tonnez", "2 USD", "USD USD",
                                  "美元", "/kg", "USD/"])
def test_unknown_units_are_refused_with_the_same_message(code):
    assert unit_problem(code) == (f"unknown unit '{code}'; use a unit such as USD, CNY, count, "
                                  "ratio, FLOPS, t, kg, USD/kg or USD/kWh")
    with pytest.raises(UnitError, match="unknown unit"):
        parse_unit(code)


def test_currencies_do_not_convert_without_a_rate():
    with pytest.raises(UnitError) as exc:
        convert_factor("CNY", "USD")
    assert str(exc.value) == "cannot convert CNY ([currency_CNY]) to USD ([currency_USD])"
