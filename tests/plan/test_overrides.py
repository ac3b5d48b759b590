"""``--set PATH=VALUE``: every kind of plan key, and each error naming the expression and path."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from compengine.errors import PlanError, Reason
from compengine.plan import models
from compengine.plan.load import LoadedPlan, load_plan, parse_plan
from compengine.plan.overrides import apply_overrides, parse_override
from tests.conftest import PLANS, ROOT

RF = PLANS / "relationship-first.yaml"
WS = PLANS / "weighted-scorecard.yaml"


@pytest.fixture(scope="module")
def rf() -> LoadedPlan:
    return load_plan(RF)


@pytest.fixture(scope="module")
def ws() -> LoadedPlan:
    return load_plan(WS)


def _error(loaded: LoadedPlan, *exprs: str) -> PlanError:
    with pytest.raises(PlanError) as info:
        apply_overrides(loaded, list(exprs))
    return info.value


def _commission(plan: models.Plan, name: str) -> models.Commission:
    component = plan.components[name]
    assert isinstance(component, models.Commission)
    return component


def _bonus(plan: models.Plan, name: str) -> models.Bonus:
    component = plan.components[name]
    assert isinstance(component, models.Bonus)
    return component


# --- every kind of key -------------------------------------------------------------------


def test_it_should_keep_a_set_number_as_the_exact_decimal_written(rf: LoadedPlan) -> None:
    plan = apply_overrides(rf, ["components.relationship_bonus.target_share=0.3"]).plan
    share = _bonus(plan, "relationship_bonus").target_share
    assert share == Decimal("0.3")
    assert str(share) == "0.3"


def test_it_should_set_a_top_level_integer_text_choice_and_boolean(rf: LoadedPlan) -> None:
    plan = apply_overrides(
        rf, ["version=2", "decimals=0", "rounding=half_up", "allow_overlay_credit=true",
             "title=Proposal B"],
    ).plan  # fmt: skip
    assert (plan.version, plan.decimals, plan.rounding) == (2, 0, "half_up")
    assert plan.allow_overlay_credit is True
    assert plan.title == "Proposal B"


def test_it_should_set_a_tier_rate_by_its_list_index(rf: LoadedPlan) -> None:
    plan = apply_overrides(rf, ["components.revenue_commission.tiers[2].rate=0.09"]).plan
    tiers = _commission(plan, "revenue_commission").tiers
    assert tiers is not None
    assert [t.rate for t in tiers] == [Decimal("0.03"), Decimal("0.05"), Decimal("0.09")]


def test_it_should_set_a_tier_start_by_its_plan_key_from(rf: LoadedPlan) -> None:
    plan = apply_overrides(rf, ["components.revenue_commission.tiers[1].from=0.6"]).plan
    tiers = _commission(plan, "revenue_commission").tiers
    assert tiers is not None
    assert tiers[1].start == Decimal("0.6")


def test_it_should_set_one_number_of_a_band_pair_and_of_a_curve_point(rf: LoadedPlan) -> None:
    plan = apply_overrides(
        rf, ["modifiers[0].bands[1][1]=0.95", "components.relationship_bonus.curve[2][1]=1.75"]
    ).plan
    mod = plan.modifiers[0]
    assert isinstance(mod, models.Multiplier)
    assert mod.bands[1] == (Decimal(60), Decimal("0.95"))
    assert _bonus(plan, "relationship_bonus").curve[2] == (Decimal(100), Decimal("1.75"))


def test_it_should_set_a_gate_threshold_and_its_factor(rf: LoadedPlan) -> None:
    plan = apply_overrides(rf, ["modifiers[1].below=30", "modifiers[1].factor=0.25"]).plan
    gate = plan.modifiers[1]
    assert isinstance(gate, models.Gate)
    assert (gate.below, gate.factor) == (Decimal(30), Decimal("0.25"))


def test_it_should_set_a_measure_option_and_its_where_filter(rf: LoadedPlan) -> None:
    plan = apply_overrides(
        rf,
        ["measures.feedback.within_days=14",
         "measures.existing_revenue.where.deal_type=[existing, renewal]"],
    ).plan  # fmt: skip
    feedback = plan.measures["feedback"]
    assert isinstance(feedback, models.ResolutionRateMeasure)
    assert feedback.within_days == 14
    assert plan.measures["existing_revenue"].where == {"deal_type": ["existing", "renewal"]}  # type: ignore[union-attr]


def test_it_should_set_a_behaviour_weight_in_the_report_card(rf: LoadedPlan) -> None:
    plan = apply_overrides(rf, ["report_card.behaviours.keeps_promises=3"]).plan
    assert plan.report_card is not None
    assert plan.report_card.behaviours["keeps_promises"] == Decimal(3)
    assert list(plan.report_card.behaviours)[2] == "keeps_promises"  # order kept


def test_it_should_set_a_grade_point_the_file_left_at_its_default(ws: LoadedPlan) -> None:
    assert "grade_points" not in ws.text
    plan = apply_overrides(ws, ["report_card.grade_points.B=80"]).plan
    assert plan.report_card is not None
    points = plan.report_card.grade_points
    assert [points.A, points.B, points.D] == [100, 80, 0]


def test_it_should_add_an_optional_key_the_file_left_out(rf: LoadedPlan) -> None:
    plan = apply_overrides(rf, ["components.account_growth.cap_amount=500"]).plan
    assert _commission(plan, "account_growth").cap_amount == Decimal(500)


def test_it_should_replace_a_whole_list_given_as_yaml(rf: LoadedPlan) -> None:
    plan = apply_overrides(
        rf, ["components.revenue_commission.tiers=[{from: 0, rate: 0.04}, {from: 1, rate: 0.1}]"]
    ).plan
    tiers = _commission(plan, "revenue_commission").tiers
    assert tiers is not None
    assert [(t.start, t.rate) for t in tiers] == [(0, Decimal("0.04")), (1, Decimal("0.1"))]


def test_it_should_add_a_new_measure_and_a_component_reading_it(rf: LoadedPlan) -> None:
    plan = apply_overrides(
        rf,
        ["measures.testimonials={count: events, where: {kind: testimonial}}",
         "components.testimonial_pay={commission: testimonials, rate: 50}"],
    ).plan  # fmt: skip
    assert list(plan.components)[-1] == "testimonial_pay"
    assert _commission(plan, "testimonial_pay").rate == Decimal(50)


def test_it_should_leave_the_plan_unchanged_without_expressions(rf: LoadedPlan) -> None:
    assert apply_overrides(rf, []) is rf


def test_it_should_write_the_changed_plan_as_text_that_loads_to_the_same_plan(
    rf: LoadedPlan,
) -> None:
    changed = apply_overrides(
        rf, ["components.revenue_commission.tiers[2].rate=0.09", "modifiers[0].bands[1][1]=0.95"]
    )
    assert changed.text.startswith(
        "# relationship-first.yaml --set components.revenue_commission.tiers[2].rate=0.09 "
        "--set modifiers[0].bands[1][1]=0.95\n"
    )
    assert parse_plan(changed.text, Path("changed.yaml")).plan == changed.plan
    assert changed.sha256 != rf.sha256


def test_it_should_apply_later_expressions_over_earlier_ones(rf: LoadedPlan) -> None:
    plan = apply_overrides(
        rf,
        ["components.relationship_bonus.target_share=0.5",
         "components.relationship_bonus.target_share=0.25"],
    ).plan  # fmt: skip
    assert _bonus(plan, "relationship_bonus").target_share == Decimal("0.25")


# --- errors ------------------------------------------------------------------------------


def test_it_should_refuse_an_expression_without_a_value(rf: LoadedPlan) -> None:
    error = _error(rf, "components.relationship_bonus.target_share")
    assert error.reason == Reason.PLAN_SYNTAX
    assert error.messages == [
        "--set components.relationship_bonus.target_share: expected PATH=VALUE. "
        "Hint: for example --set components.relationship_bonus.target_share=0.3."
    ]


@pytest.mark.parametrize("path", ["a..b", "tiers[x]", ".a", "a[1]b", "[0]", "a b"])
def test_it_should_refuse_a_malformed_key_path(rf: LoadedPlan, path: str) -> None:
    error = _error(rf, f"{path}=1")
    assert error.reason == Reason.PLAN_SYNTAX
    assert error.messages[0].startswith(f"--set {path}=1: '{path}' is not a key path.")


def test_it_should_refuse_a_value_that_is_not_yaml(rf: LoadedPlan) -> None:
    error = _error(rf, "components.revenue_commission.tiers=[{from: 0")
    assert error.reason == Reason.PLAN_SYNTAX
    assert "components.revenue_commission.tiers: the value is not valid YAML" in error.messages[0]


def test_it_should_refuse_an_integer_in_another_base_with_its_own_hint(rf: LoadedPlan) -> None:
    [message] = _error(rf, "version=010").messages
    assert message == (
        "--set version=010, version: '010' is 8 to YAML (a "
        "binary, octal, hexadecimal or base-60 number). Hint: write the number in decimals, "
        "or quote it if it is text."
    )


def test_it_should_suggest_the_key_meant_for_a_misspelt_key(rf: LoadedPlan) -> None:
    error = _error(rf, "components.relationship_bonus.target_shar=0.3")
    assert error.reason == Reason.PLAN_INVALID
    assert error.messages == [
        f"{RF} --set components.relationship_bonus.target_shar=0.3, "
        "components.relationship_bonus.target_shar: unknown key 'target_shar' in "
        "components.relationship_bonus. Hint: did you mean 'target_share'?"
    ]


def test_it_should_suggest_the_name_meant_for_a_misspelt_component(rf: LoadedPlan) -> None:
    error = _error(rf, "components.relationship_bonuss.target_share=0.3")
    assert error.messages == [
        f"{RF} --set components.relationship_bonuss.target_share=0.3, "
        "components.relationship_bonuss.target_share: unknown name 'relationship_bonuss' in "
        "components. Hint: did you mean 'relationship_bonus'?"
    ]


def test_it_should_suggest_the_top_level_key_meant(rf: LoadedPlan) -> None:
    error = _error(rf, "compnents.x=1")
    assert error.messages[0].endswith(
        "unknown key 'compnents' in the plan. Hint: did you mean 'components'?"
    )


def test_it_should_name_the_valid_indexes_when_a_list_item_is_missing(rf: LoadedPlan) -> None:
    error = _error(rf, "components.revenue_commission.tiers[3].rate=0.09")
    assert error.messages[0].endswith(
        "components.revenue_commission.tiers has 3 items, there is no [3]. "
        "Hint: use an index from 0 to 2."
    )


def test_it_should_refuse_a_key_below_a_single_value(rf: LoadedPlan) -> None:
    error = _error(rf, "components.relationship_bonus.target_share.x=1")
    assert error.messages[0].endswith(
        "components.relationship_bonus.target_share is a single value (0.20), "
        "it has no key 'x'. Hint: set it as a whole, e.g. "
        "--set 'components.relationship_bonus.target_share=VALUE'."
    )


def test_it_should_refuse_an_index_on_a_mapping(rf: LoadedPlan) -> None:
    error = _error(rf, "components[0].rate=1")
    assert error.messages[0].endswith("components is not a list. Hint: remove [0].")


def test_it_should_say_how_to_set_a_list_the_plan_does_not_have(rf: LoadedPlan) -> None:
    error = _error(rf, "components.account_growth.tiers[0].rate=0.02")
    assert error.messages[0].endswith(
        "components.account_growth.tiers is not in the plan, so it has no [0]. "
        "Hint: set components.account_growth.tiers as a whole, "
        "e.g. --set 'components.account_growth.tiers=[...]'."
    )


@pytest.mark.parametrize(
    ("expr", "path", "expected"),
    [
        ("components.relationship_bonus.target_share=abc",
         "components.relationship_bonus.target_share", "'abc' is not a number."),
        ("version=two", "version", "'two' is not a whole number."),
        ("rounding=half_down", "rounding",
         "'half_down' is not allowed. Hint: use 'half_even' or 'half_up'."),
        ("modifiers[0].bands[1][1]=[1, 2]", "modifiers[0].bands[1][1]", "a list is not a number."),
        ("measures.feedback.within_days=-1", "measures.feedback.within_days",
         "-1 is out of range. Hint: use a value >= 0."),
        ("measures.existing_revenue.where.deal_type=[new, {a: 1}]",
         "measures.existing_revenue.where.deal_type[1]", "a mapping is not text. Hint: quote it."),
    ],
)  # fmt: skip
def test_it_should_refuse_a_value_of_the_wrong_type(
    rf: LoadedPlan, expr: str, path: str, expected: str
) -> None:
    error = _error(rf, expr)
    assert error.reason == Reason.PLAN_INVALID
    assert len(error.messages) == 1
    assert error.messages[0].startswith(f"{RF} --set {expr}, {path}: ")
    assert expected in error.messages[0]


def test_it_should_report_a_bad_value_and_a_broken_reference_of_two_sets_at_once(
    rf: LoadedPlan,
) -> None:
    rate, bonus = "components.account_growth.rate=abc", "components.relationship_bonus.bonus=foo"
    error = _error(rf, rate, bonus)
    assert [m.split(": ")[0] for m in error.messages] == [
        f"{RF} --set {rate}, components.account_growth.rate",
        f"{RF} --set {bonus}, components.relationship_bonus.bonus",
    ]
    assert "unknown measure 'foo'" in error.messages[1]


def test_it_should_refuse_bonus_shares_that_add_up_to_more_than_one(rf: LoadedPlan) -> None:
    # 0.90 + feedback 0.10 + recovery 0.10 = 1.10
    error = _error(rf, "components.relationship_bonus.target_share=0.90")
    assert error.messages == [
        f"{RF} --set components.relationship_bonus.target_share=0.90, components: "
        "bonus target shares add up to 1.10. Hint: they may not exceed 1."
    ]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("components.revenue_commission.tiers[1].from=1.2",
         "components.revenue_commission.tiers[2].from: 1.0 is not above 1.2."),
        ("components.account_growth.cap_amount=-5",
         "components.account_growth.cap_amount: -5 is negative."),
        ("components.account_growth.commission=revenu",
         "components.account_growth.commission: unknown measure 'revenu'."),
        ("components.account_growth.tiers=[{from: 0, rate: 0.02}]",
         "components.account_growth: needs either rate (flat) or tiers."),
        ("modifiers[0].apply_to=[revenue_comission]",
         "modifiers[0].apply_to[0]: unknown component 'revenue_comission'."),
    ],
)  # fmt: skip
def test_it_should_refuse_a_plan_the_change_makes_invalid(
    rf: LoadedPlan, expr: str, expected: str
) -> None:
    error = _error(rf, expr)
    assert error.reason == Reason.PLAN_INVALID
    assert [m for m in error.messages if expected in m] == [
        m for m in error.messages if m.startswith(f"{RF} --set {expr}, ")
    ]
    assert any(expected in m for m in error.messages), error.messages


def test_it_should_report_every_bad_expression_at_once(rf: LoadedPlan) -> None:
    error = _error(rf, "version=0", "components.nope.rate=1", "decimals=9")
    assert len(error.messages) == 1  # the path error stops before validation
    assert "unknown name 'nope'" in error.messages[0]
    error = _error(rf, "version=0", "decimals=9")
    assert [m.split(",")[0] for m in error.messages] == [
        f"{RF} --set version=0",
        f"{RF} --set decimals=9",
    ]


def test_it_should_blame_every_expression_when_an_error_relates_to_none(rf: LoadedPlan) -> None:
    error = _error(rf, "components.revenue_commission.tiers[1].from=1.2", "title=x")
    # the order breaks at tiers[2].from: neither expression's path holds or is held by it
    assert error.messages == [
        f"{RF} --set components.revenue_commission.tiers[1].from=1.2 --set title=x, "
        "components.revenue_commission.tiers[2].from: 1.0 is not above 1.2. "
        "Hint: tiers start at strictly increasing attainment."
    ]


def test_it_should_blame_each_expression_that_an_error_holds(rf: LoadedPlan) -> None:
    error = _error(
        rf,
        "components.relationship_bonus.target_share=0.5",
        "components.feedback_bonus.target_share=0.5",
        "title=x",
    )
    # 0.5 + 0.5 + recovery 0.10 = 1.10, an error on `components`, which holds both shares
    assert error.messages == [
        f"{RF} --set components.relationship_bonus.target_share=0.5 "
        "--set components.feedback_bonus.target_share=0.5, components: "
        "bonus target shares add up to 1.10. Hint: they may not exceed 1."
    ]


def test_it_should_parse_a_value_with_an_equals_sign_in_it() -> None:
    override = parse_override("title=a=b")
    assert (override.path, override.value) == ("title", "a=b")


def test_it_should_not_import_polars_with_the_plan_package() -> None:
    code = (
        "import sys, compengine.plan.overrides, compengine.plan.load; "
        "sys.exit('polars' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0


def test_it_should_read_a_where_value_set_as_the_text_written(rf: LoadedPlan) -> None:
    changed = apply_overrides(
        rf,
        [
            "measures.existing_revenue.where.deal_type=[0042, yes]",
            "measures.revenue={sum: transactions.amount, where: {account_id: 1001}}",
        ],
    )
    measures = changed.plan.measures
    assert measures["existing_revenue"].where == {"deal_type": ["0042", "yes"]}
    assert measures["revenue"].where == {"account_id": "1001"}


def test_it_should_name_a_changed_plans_keys_by_their_line_or_their_set(rf: LoadedPlan) -> None:
    """A key no --set changed is where the file writes it (modifiers[0] on line 56); a key a
    --set changed, or one holding it, is named by that --set."""
    expr = "components.relationship_bonus.target_share=0.3"
    changed = apply_overrides(rf, [expr])
    assert changed.where("modifiers[0]") == f"{RF} line 56, modifiers[0]"
    assert changed.where("components") == f"{RF} --set {expr}, components"
