"""A ``where`` value is the text written in the plan, however YAML reaches it."""

from __future__ import annotations

from pathlib import Path

from compengine.plan.load import parse_plan

HEADER = "plan: w\nversion: 1\nperiod: month\ncurrency: USD\n"
COMPONENTS = "components:\n  comm: {commission: a, rate: 0.1}\n"


def test_it_should_read_an_anchor_as_text_in_a_where_and_as_a_number_elsewhere() -> None:
    text = (
        HEADER + "decimals: &d 2\nmeasures:\n"
        "  a: {sum: transactions.amount, where: {deal_type: *d}}\n" + COMPONENTS
    )
    plan = parse_plan(text, Path("w.yaml")).plan
    assert plan.decimals == 2
    assert plan.measures["a"].where == {"deal_type": "2"}


def test_it_should_read_where_values_merged_from_another_mapping_as_text() -> None:
    text = (
        HEADER + "measures:\n"
        "  a: &m {sum: transactions.amount, where: {deal_type: 1001}}\n"
        "  b: {<<: *m, where: {<<: {account_id: 0042}, deal_type: [yes, 1.50]}}\n" + COMPONENTS
    )
    plan = parse_plan(text, Path("w.yaml")).plan
    assert plan.measures["a"].where == {"deal_type": "1001"}
    assert plan.measures["b"].where == {"account_id": "0042", "deal_type": ["yes", "1.50"]}
