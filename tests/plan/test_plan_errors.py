"""One test per plan rule of PLAN.md: reason, file, line, key path, the value and a hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from compengine.errors import PlanError, Reason
from compengine.plan.load import load_plan, parse_plan

FILE = Path("plans/p.yaml")
# Line numbers of this text are the ones the tests expect (1-based).
BASE = [
    "plan: error-paths",  # 1
    "version: 1",  # 2
    "period: month",  # 3
    "currency: USD",  # 4
    "rounding: half_even",  # 5
    "report_card:",  # 6
    "  behaviours: {listens: 1, keeps_promises: 2}",  # 7
    "measures:",  # 8
    "  revenue: {sum: transactions.amount}",  # 9
    "  attainment: {attainment: revenue}",  # 10
    "  card: {report_card: grades}",  # 11
    "  feedback: {resolution_rate: feedback, within_days: 10}",  # 12
    "components:",  # 13
    "  commission:",  # 14
    "    commission: revenue",  # 15
    "    tiers: [{from: 0, rate: 0.05}, {from: 1, rate: 0.1}]",  # 16
    "  card_bonus:",  # 17
    "    bonus: card",  # 18
    "    target_share: 0.5",  # 19
    "    curve: [[0, 0], [100, 1]]",  # 20
    "modifiers:",  # 21
    "  - {apply_to: [commission], gate: card, below: 50}",  # 22
]


def text(**lines: str) -> str:
    """The base plan with some lines replaced: ``text(l5="colour: blue")``."""
    out = list(BASE)
    for key, line in lines.items():
        out[int(key[1:]) - 1] = line
    return "\n".join(out) + "\n"


def refuse(plan_text: str) -> PlanError:
    with pytest.raises(PlanError) as caught:
        parse_plan(plan_text, FILE)
    return caught.value


def test_it_should_load_the_base_plan() -> None:
    assert parse_plan(text(), FILE).plan.plan == "error-paths"


CASES = [
    # (line replacements, line, key path, value and problem, hint)
    # unknown keys, with "did you mean" when one is close
    ({"l5": "rouding: half_even"}, 5, "rouding", "unknown key 'rouding'",
     "did you mean 'rounding'?"),
    ({"l5": "colour: blue"}, 5, "colour", "unknown key 'colour'", "remove it."),
    ({"l9": "  revenue: {sum: transactions.amount, wher: {deal_type: new}}"}, 9,
     "measures.revenue.wher", "unknown key 'wher'", "did you mean 'where'?"),
    ({"l16": "    tiers: [{start: 0, rate: 0.05}]"}, 16, "components.commission.tiers[0].start",
     "unknown key 'start'", "did you mean 'from'?"),
    ({"l22": "  - {apply_to: [commission], gate: card, below: 50, factr: 0}"}, 22,
     "modifiers[0].factr", "unknown key 'factr'", "did you mean 'factor'?"),
    # only the keys of the place are suggested: a curve belongs to a bonus, not a measure
    ({"l12": "  feedback: {resolution_rate: feedback, within_days: 10, curv: 1}"}, 12,
     "measures.feedback.curv", "unknown key 'curv'", "remove it."),
    ({"l7": "  behaviours: {listens: 1}\n  grade_point: {A: 100}"}, 8,
     "report_card.grade_point", "unknown key 'grade_point'", "did you mean 'grade_points'?"),
    ({"l9": "  revenue: {summ: transactions.amount}"}, 9, "measures.revenue",
     "a measure needs exactly one kind", "did you mean 'sum'?"),
    ({"l9": "  revenue: 5"}, 9, "measures.revenue", "5 is not a measure",
     "write a measure as a mapping of its keys."),
    ({"l17": "  card_bonus: [1]", "l18": "", "l19": "", "l20": ""}, 17, "components.card_bonus",
     "a list is not a component", "write a component as a mapping of its keys."),
    ({"l9": "  revenue: {sum: transactions.amount, count: events}"}, 9,
     "measures.revenue.count", "'count' is a second kind here", "exactly one kind"),
    # wrong types
    ({"l2": "version: one"}, 2, "version", "'one' is not a whole number", "write an integer"),
    ({"l2": "version: 1.5"}, 2, "version", "1.5 is not a whole number", "write an integer"),
    ({"l2": "version: true"}, 2, "version", "true is not a whole number", "write an integer"),
    ({"l2": "version: 2027-13-01"}, 2, "version", "'2027-13-01' is not a whole number",
     "write an integer"),

    ({"l2": "version: 2147483648"}, 2, "version", "2147483648 is out of range",
     "use a value <= 2147483647."),
    ({"l19": "    target_share: half"}, 19, "components.card_bonus.target_share",
     "'half' is not a number", "write a decimal number"),
    # plan numbers are finite, with at most 20 decimals and 12 digits before the point
    ({"l16": "    tiers: [{from: 0, rate: .inf}, {from: 1, rate: 0.1}]"}, 16,
     "components.commission.tiers[0].rate", "Infinity is not a finite number",
     "write a decimal number"),
    ({"l16": "    tiers: [{from: 0, rate: -.inf}, {from: 1, rate: 0.1}]"}, 16,
     "components.commission.tiers[0].rate", "-Infinity is not a finite number",
     "write a decimal number"),
    ({"l16": "    tiers: [{from: 0, rate: .nan}, {from: 1, rate: 0.1}]"}, 16,
     "components.commission.tiers[0].rate", "NaN is not a finite number",
     "write a decimal number"),
    ({"l16": "    tiers: [{from: 0, rate: 0.05}]\n    cap_amount: 1000000000000"}, 17,
     "components.commission.cap_amount", "1000000000000 has more digits than a plan number",
     "at most 20 decimals and 12 digits before the point."),
    ({"l16": "    tiers: [{from: 0, rate: 0.012345678901234567891}]"}, 16,
     "components.commission.tiers[0].rate", "0.012345678901234567891 has more digits",
     "at most 20 decimals"),
    ({"l20": "    curve: [[0, 0], [100, 1.0e+30]]"}, 20, "components.card_bonus.curve[1][1]",
     "1.0E+30 has more digits", "12 digits before the point."),
    ({"l5": "allow_overlay_credit: maybe"}, 5, "allow_overlay_credit",
     "'maybe' is not true or false", "write true or false."),
    ({"l5": "decimals: two"}, 5, "decimals", "'two' is not a whole number", "write an integer"),
    ({"l16": "    tiers: 0.05"}, 16, "components.commission.tiers", "0.05 is not a list",
     "write [a, b, ...]"),
    # a where value is one text or a list of texts (a number is its text): reported once
    ({"l9": "  revenue: {sum: transactions.amount, where: {deal_type: }}"}, 9,
     "measures.revenue.where.deal_type", "empty is not text",
     "write '' for cells left empty, or quote the text."),
    ({"l9": "  revenue: {sum: transactions.amount, where: {deal_type: [new, {a: 7}]}}"}, 9,
     "measures.revenue.where.deal_type[1]", "a mapping is not text", "quote it."),
    ({"l9": "  revenue: {sum: transactions.amount}\n  str: {count: events, where: {kind: null}}"},
     10, "measures.str.where.kind", "empty is not text", "write '' for cells left empty"),
    ({"l20": "    curve: [[0, 0], [100]]"}, 20, "components.card_bonus.curve[1][1]",
     "a value is missing", "write both values of the pair"),
    # top-level values
    ({"l1": "plan: Field Sales"}, 1, "plan", "'Field Sales' is not a valid plan",
     "a plan id uses lowercase letters, digits, _ and -"),
    ({"l2": "version: 0"}, 2, "version", "0 is out of range", "use a value >= 1."),
    ({"l3": "period: week"}, 3, "period", "'week' is not allowed", "use 'month' or 'quarter'."),
    ({"l4": "currency: usd"}, 4, "currency", "'usd' is not a valid currency",
     "three-letter ISO 4217 code"),
    ({"l5": "rounding: half_down"}, 5, "rounding", "'half_down' is not allowed",
     "use 'half_even' or 'half_up'."),
    ({"l5": "decimals: 7"}, 5, "decimals", "7 is out of range", "use a value <= 6."),
    ({"l1": "title: no id"}, 1, "plan", "required key is missing", "add plan."),
    # report card
    ({"l7": "  behaviours: {listens: 0, keeps_promises: 2}"}, 7, "report_card.behaviours.listens",
     "weight 0", "use a weight > 0."),
    ({"l7": "  behaviours: {listens: -1, keeps_promises: 2}"}, 7,
     "report_card.behaviours.listens", "weight -1", "use a weight > 0."),
    ({"l7": "  behaviours: {a: 1, b: 1, c: 1, d: 1, e: 1, f: 1, g: 1}"}, 7,
     "report_card.behaviours", "7 behaviours", "a report card grades 1 to 6 behaviours."),
    ({"l7": "  behaviours: {}"}, 7, "report_card.behaviours", "0 behaviours",
     "a report card grades 1 to 6 behaviours."),
    ({"l7": "  behaviours: {listens: 1}\n  grade_points: {A: 100, B: 75, C: 50, D: 0}"}, 8,
     "report_card.grade_points.C", "'C' is not on the scale", "use A, B or D; the scale has no C."),
    ({"l7": "  behaviours: {Listens: 1}"}, 7, "report_card.behaviours.Listens",
     "'Listens' is not a valid name", "a name starts with a lowercase letter"),
    # measures use measures above them only
    ({"l10": "  attainment: {attainment: card}"}, 10, "measures.attainment.attainment",
     "measure 'card' is defined below this one", "move 'card' up"),
    ({"l10": "  attainment: {attainment: attainment}"}, 10, "measures.attainment.attainment",
     "measure 'attainment' uses itself", "use a measure above it (revenue)."),
    ({"l10": "  attainment: {attainment: revenu}"}, 10, "measures.attainment.attainment",
     "unknown measure 'revenu'", "did you mean 'revenue'? (revenue)."),
    ({"l11": "  card: {ratio: [revenue, feedback]}"}, 11, "measures.card.ratio[1]",
     "measure 'feedback' is defined below this one", "move 'feedback' up"),
    # a commission is paid on money: a sum, count or ratio, not an attainment, score or rate
    ({"l15": "    commission: attainment"}, 15, "components.commission.commission",
     "measure 'attainment' is not money (kind: attainment)",
     "on a sum, count or ratio measure (revenue)"),
    ({"l15": "    commission: feedback"}, 15, "components.commission.commission",
     "measure 'feedback' is not money (kind: resolution_rate)", "with a bonus curve"),
    ({"l15": "    commission: profit"}, 15, "components.commission.commission",
     "unknown measure 'profit'", "use a measure defined in measures (revenue, attainment,"),
    ({"l9": "  revenue: {sum: transactions.amount, where: {dealtype: new}}"}, 9,
     "measures.revenue.where.dealtype", "transactions has no column 'dealtype'",
     "use one of txn_id, rep_id, account_id, date, amount, deal_type, split."),
    ({"l9": "  Revenue: {sum: transactions.amount}"}, 9, "measures.Revenue",
     "'Revenue' is not a valid name", "a name starts with a lowercase letter"),
    # within_days is required for resolution_rate and recovery_score
    ({"l12": "  feedback: {resolution_rate: feedback}"}, 12, "measures.feedback.within_days",
     "required key is missing", "add within_days: N"),
    ({"l12": "  feedback: {recovery_score: incidents}"}, 12, "measures.feedback.within_days",
     "required key is missing", "add within_days: N"),
    ({"l12": "  feedback: {resolution_rate: feedback, within_days: -1}"}, 12,
     "measures.feedback.within_days", "-1 is out of range", "use a value >= 0."),
    ({"l12": "  feedback: {resolution_rate: feedback, within_days: 2.5}"}, 12,
     "measures.feedback.within_days", "2.5 is not a whole number", "write an integer"),
    # commission: rate xor tiers; tiers from 0, strictly increasing
    ({"l16": "    mode: marginal"}, 14, "components.commission",
     "needs either rate (flat) or tiers", "give exactly one of them."),
    ({"l16": "    tiers: [{from: 0, rate: 0.05}]\n    rate: 0.1"}, 14, "components.commission",
     "needs either rate (flat) or tiers", "give exactly one of them."),
    ({"l16": "    tiers: [{from: 0.1, rate: 0.05}, {from: 1, rate: 0.1}]"}, 16,
     "components.commission.tiers[0].from", "0.1", "the first tier starts at 0."),
    ({"l16": "    tiers: [{from: 0, rate: 0.05}, {from: 1, rate: 0.1}, {from: 1, rate: 0.2}]"}, 16,
     "components.commission.tiers[2].from", "1 is not above 1", "strictly increasing"),
    ({"l16": "    tiers: [{from: 0, rate: 0.05}, {from: 1.5, rate: 0.1}, {from: 1, rate: 0.2}]"},
     16, "components.commission.tiers[2].from", "1 is not above 1.5", "strictly increasing"),
    ({"l16": "    tiers: [{from: 0, rate: 0.05}]\n    mode: retro"}, 17,
     "components.commission.mode", "'retro' is not allowed", "use 'marginal' or 'retroactive'."),
    # bonus: curve x never decreases; shares add up to at most 1
    ({"l20": "    curve: [[0, 0], [100, 1], [90, 2]]"}, 20, "components.card_bonus.curve[2]",
     "x 90 is below 100", "curve x never decreases."),
    ({"l19": "    target_share: 0"}, 19, "components.card_bonus.target_share", "0.",
     "use 0 < target_share <= 1."),
    ({"l19": "    target_share: 1.5"}, 19, "components.card_bonus.target_share", "1.5.",
     "use 0 < target_share <= 1."),
    ({"l20": "    curve: [[0, 0], [100, 1]]\n  second: {bonus: card, target_share: 0.6, "
             "curve: [[0, 1]]}"}, 13, "components",
     "bonus target shares add up to 1.1", "they may not exceed 1."),
    ({"l17": "  total:"}, 17, "components.total", "'total' is a column of payouts.csv",
     "choose another name."),
    # modifiers: apply_to names existing components
    ({"l22": "  - {apply_to: [comission], gate: card, below: 50}"}, 22,
     "modifiers[0].apply_to[0]", "unknown component 'comission'",
     "did you mean 'commission'? (commission, card_bonus)."),
    ({"l22": "  - {apply_to: [commission, card_bonus, commission], gate: card, below: 50}"}, 22,
     "modifiers[0].apply_to[2]", "'commission' is listed twice", "list each component once"),
    ({"l22": "  - {apply_to: [commission], by: card, bands: [[50, 1], [0, 2]]}"}, 22,
     "modifiers[0].bands[1]", "lower 0 is below 50", "band lowers never decrease."),
    ({"l22": "  - {apply_to: [commission], gate: nothing, below: 50}"}, 22, "modifiers[0].gate",
     "unknown measure 'nothing'", "use a measure defined in measures"),
    ({"l22": "  - {apply_to: [commission]}"}, 22, "modifiers[0]",
     "a modifier is a multiplier (by, bands) or a gate (gate, below)", "add one of by, gate."),
    # keys given twice
    ({"l5": "currency: EUR"}, 5, "currency", "key given twice", "keep one."),
    ({"l12": "  revenue: {count: events}"}, 12, "measures.revenue", "key given twice",
     "keep one."),
]  # fmt: skip


@pytest.mark.parametrize(("lines", "line", "path", "problem", "hint"), CASES)
def test_it_should_name_the_line_key_path_value_and_fix(
    lines: dict[str, str], line: int, path: str, problem: str, hint: str
) -> None:
    error = refuse(text(**lines))
    assert error.reason == Reason.PLAN_INVALID
    where = f"plans/p.yaml line {line}, {path}: "
    found = [m for m in error.messages if m.startswith(where)]
    assert len(found) == 1, error.messages
    message = found[0]
    assert message.startswith(where + problem), message
    assert hint in message.split("Hint: ", 1)[1], message


@pytest.mark.parametrize(
    ("lines", "line", "column"),
    [
        ({"l4": "currency: USD: x"}, 4, 14),
        ({"l16": "    tiers: [{from: 0, rate: 0.05}"}, 17, 3),
        ({"l3": "\tperiod: month"}, 3, 1),
    ],
)
def test_it_should_point_at_the_line_and_column_of_a_yaml_syntax_error(
    lines: dict[str, str], line: int, column: int
) -> None:
    error = refuse(text(**lines))
    assert error.reason == Reason.PLAN_SYNTAX
    [message] = error.messages
    assert message.startswith(f"plans/p.yaml line {line}, column {column}: not valid YAML: ")
    assert "Hint: check indentation and quoting" in message


@pytest.mark.parametrize(
    ("line", "column", "problem", "hint"),
    [("version: !!bool maybe", 10, "'maybe' is not a !!bool value",
      "write the value without the tag, or one the tag reads."),
     ("version: !!int abc", 10, "'abc' is not a !!int value", "without the tag"),
     ("version: !!float abc", 10, "'abc' is not a !!float value", "without the tag"),
     ("version: !!timestamp abc", 10, "'abc' is not a !!timestamp value", "without the tag"),
     ("version: 010", 10, "'010' is 8 to YAML (a binary, octal, hexadecimal or base-60 number)",
      "write the number in decimals, or quote it if it is text."),
     ("version: 1:30", 10, "'1:30' is 90 to YAML", "write the number in decimals"),
     ("version: 0x1F", 10, "'0x1F' is 31 to YAML", "write the number in decimals"),
     ("    tiers: [{from: 0, rate: 0_2}]", 29, "'0_2' is 2 to YAML",
      "write the number in decimals")],
)  # fmt: skip
def test_it_should_refuse_a_value_yaml_reads_as_another_at_its_line(
    line: str, column: int, problem: str, hint: str
) -> None:
    where = 16 if line.startswith(" ") else 2
    [message] = refuse(text(**{f"l{where}": line})).messages
    assert message.startswith(f"plans/p.yaml line {where}, column {column}: {problem}"), message
    assert hint in message.split("Hint: ", 1)[1], message


def test_it_should_count_cr_line_ends_for_a_character_yaml_refuses() -> None:
    plan_text = text(l4="currency: US\x0cD").replace("\n", "\r")  # a file with CR line ends
    [message] = refuse(plan_text).messages
    assert message.startswith("plans/p.yaml line 4, column 13: not valid YAML: the character")


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_it_should_count_lines_as_an_editor_does_past_a_unicode_line_separator(
    separator: str,
) -> None:
    # YAML ends a line at these too; an editor and grep -n show them inside one.
    plan_text = text(l1=f'plan: "error{separator}paths"', l4="currency: USD: x", l5="colour: x")
    [message] = refuse(plan_text).messages
    assert message.startswith("plans/p.yaml line 4, column 14: not valid YAML: ")
    valid_yaml = text(l5=f'title: "a{separator}b"', l12="  feedback: {count: feedback, colour: x}")
    [message] = refuse(valid_yaml).messages
    assert message.startswith("plans/p.yaml line 12, measures.feedback.colour: unknown key")


def test_it_should_not_count_a_byte_order_mark_as_a_column() -> None:
    [message] = refuse("\ufeff" + text(l1="plan: a: b")).messages
    assert message.startswith("plans/p.yaml line 1, column 8: not valid YAML: ")


def test_it_should_name_the_line_of_a_byte_that_is_not_utf8_in_a_cr_only_plan(
    tmp_path: Path,
) -> None:
    plan = tmp_path / "p.yaml"
    plan.write_bytes(text(l4="currency: US\xe9").replace("\n", "\r").encode("latin-1"))
    with pytest.raises(PlanError) as caught:
        load_plan(plan)
    assert caught.value.messages == [
        f"{plan} line 4: byte 0xe9 is not UTF-8 text. Hint: save the plan as UTF-8."
    ]


@pytest.mark.parametrize("character", ["\x0c", "\ufffe", "\x00"])
def test_it_should_name_the_line_and_column_of_a_character_yaml_refuses(character: str) -> None:
    error = refuse(text(l4=f"currency: US{character}D"))
    assert error.reason == Reason.PLAN_SYNTAX
    assert error.messages == [
        f"plans/p.yaml line 4, column 13: not valid YAML: the character "
        f"U+{ord(character):04X} is not allowed. Hint: remove it; a plan holds printable text, "
        "tabs and line breaks."
    ]


def test_it_should_read_a_date_in_a_plan_as_the_text_written() -> None:
    where = "  revenue: {sum: transactions.amount, where: {date: [2027-02-30, 2027-01-05]}}"
    plan = parse_plan(text(l9=where, l2="version: 1\ntitle: 2027-02-30 25:00:00"), FILE).plan
    assert plan.title == "2027-02-30 25:00:00"
    assert plan.measures["revenue"].where == {"date": ["2027-02-30", "2027-01-05"]}


@pytest.mark.parametrize(("content", "found"), [("", "an empty file"), ("- a\n- b\n", "a list")])
def test_it_should_refuse_a_file_that_is_not_a_mapping(content: str, found: str) -> None:
    error = refuse(content)
    assert error.reason == Reason.PLAN_SYNTAX
    assert error.messages == [
        f"plans/p.yaml line 1, (top level): found {found}, not a plan. Hint: a plan is a "
        "mapping of keys: plan, version, period, currency, measures, components."
    ]


def test_it_should_let_a_merged_mapping_override_a_key_it_merges() -> None:
    feedback = "  feedback: &fb {resolution_rate: feedback, within_days: 10}"
    fast = "  fast:\n    <<: *fb\n    within_days: 3"
    plan = parse_plan(text(l12=f"{feedback}\n{fast}"), FILE).plan
    assert plan.measures["fast"].within_days == 3


def test_it_should_report_every_problem_of_the_plan_at_once() -> None:
    error = refuse(text(l2="version: 0", l3="period: week", l5="rouding: half_up"))
    assert [m.split(":")[0] for m in error.messages] == [
        "plans/p.yaml line 2, version",
        "plans/p.yaml line 3, period",
        "plans/p.yaml line 5, rouding",
    ]


def test_it_should_report_every_cross_rule_at_once() -> None:
    error = refuse(
        text(
            l7="  behaviours: {listens: 0, keeps_promises: 2}",
            l10="  attainment: {attainment: card}",
            l16="    tiers: [{from: 0.5, rate: 0.05}]",
            l20="    curve: [[1, 0], [0, 1]]",
            l22="  - {apply_to: [bonus], gate: card, below: 50}",
        )
    )
    assert [m.split(": ")[0] for m in error.messages] == [
        "plans/p.yaml line 7, report_card.behaviours.listens",
        "plans/p.yaml line 10, measures.attainment.attainment",
        "plans/p.yaml line 16, components.commission.tiers[0].from",
        "plans/p.yaml line 20, components.card_bonus.curve[1]",
        "plans/p.yaml line 22, modifiers[0].apply_to[0]",
    ]


def test_it_should_report_unknown_keys_and_the_rules_they_hide_at_once() -> None:
    error = refuse(
        text(
            l5="rouding: half_up",
            l16="    tiers: [{from: 0.5, rate: 0.05}]",
            l22="  - {apply_to: [bonus], gate: card, below: 50, factr: 0}",
        )
    )
    assert [m.split(": ")[0] for m in error.messages] == [
        "plans/p.yaml line 22, modifiers[0].factr",
        "plans/p.yaml line 5, rouding",
        "plans/p.yaml line 16, components.commission.tiers[0].from",
        "plans/p.yaml line 22, modifiers[0].apply_to[0]",
    ]


def test_it_should_report_values_in_error_and_the_rules_of_the_rest_at_once() -> None:
    error = refuse(
        text(
            l3="period: week",
            l7="  behaviours: {listens: lots, keeps_promises: 2}",
            l9="  revenue: {sum: transactions.amout}",
            l12="  feedback: {ratio: [revenue, atainment]}",
            l16="    tiers: [{from: 0, rate: 0.05}, {from: 1, rate: abc}]",
            l18="    bonus: car",
            l22="  - {apply_to: [comission], gate: card, below: 50}",
        )
    )
    assert error.messages == [
        "plans/p.yaml line 3, period: 'week' is not allowed. Hint: use 'month' or 'quarter'.",
        "plans/p.yaml line 7, report_card.behaviours.listens: 'lots' is not a number. "
        "Hint: write a decimal number such as 0.05.",
        "plans/p.yaml line 9, measures.revenue.sum: 'transactions.amout' is not allowed. "
        "Hint: use 'transactions.amount' or 'events.value'.",
        "plans/p.yaml line 16, components.commission.tiers[1].rate: 'abc' is not a number. "
        "Hint: write a decimal number such as 0.05.",
        # revenue, card and commission are known although left out of the check for their
        # own errors: no "unknown" follows from those
        "plans/p.yaml line 12, measures.feedback.ratio[1]: unknown measure 'atainment'. "
        "Hint: did you mean 'attainment'? (revenue, attainment, card).",
        "plans/p.yaml line 18, components.card_bonus.bonus: unknown measure 'car'. "
        "Hint: did you mean 'card'? (revenue, attainment, card, feedback).",
        "plans/p.yaml line 22, modifiers[0].apply_to[0]: unknown component 'comission'. "
        "Hint: did you mean 'commission'? (commission, card_bonus).",
    ]


def test_it_should_not_call_a_measure_in_error_unknown_or_below() -> None:
    # attainment reads revenue, left out of the check for its error, and defined above it
    error = refuse(text(l9="  revenue: {sum: transactions.amount, within_days: x}"))
    assert [m.split(": ")[0] for m in error.messages] == [
        "plans/p.yaml line 9, measures.revenue.within_days"
    ]
    below = refuse(
        text(l9="  attainment: {attainment: revenue}", l10="  revenue: {sum: deals.amount}")
    )
    assert [m.split(": ")[0] for m in below.messages] == [
        "plans/p.yaml line 10, measures.revenue.sum",
        "plans/p.yaml line 9, measures.attainment.attainment",
    ]
    assert "measure 'revenue' is defined below this one" in below.messages[1]


def test_it_should_name_a_modifier_by_its_place_after_one_left_out_for_its_error() -> None:
    error = refuse(
        text(
            l22="  - {apply_to: [commission], gate: card, below: x}\n"
            "  - {apply_to: [comission], gate: card, below: 50}"
        )
    )
    assert [m.split(": ")[0] for m in error.messages] == [
        "plans/p.yaml line 22, modifiers[0].below",
        "plans/p.yaml line 23, modifiers[1].apply_to[0]",
    ]


@pytest.mark.parametrize(
    ("lines", "paths"),
    [
        # every measure has an error: the components' references are still checked
        (
            {"l9": "  revenue: {sum: transactions.amout}", "l10": "", "l11": "", "l12": "",
             "l15": "    commission: revenu", "l18": "    bonus: revenue"},
            ["line 9, measures.revenue.sum", "line 15, components.commission.commission",
             "line 22, modifiers[0].gate"],
        ),
        # every component has an error: the modifiers' references are still checked
        (
            {"l16": "    tiers: [{from: 0, rate: abc}]", "l19": "    target_share: x",
             "l22": "  - {apply_to: [comission], gate: car, below: 50}"},
            ["line 16, components.commission.tiers[0].rate",
             "line 19, components.card_bonus.target_share",
             "line 22, modifiers[0].apply_to[0]", "line 22, modifiers[0].gate"],
        ),
        # keys YAML reads as a number or null: each said once, at its line, no traceback
        (
            {"l12": "  2027: {sum: transactions.amount}\n  ~: {count: events}",
             "l22": "  - {apply_to: [commision], gate: card, below: 50}"},
            ["line 12, measures[2027]", "line 13, measures.None",
             "line 23, modifiers[0].apply_to[0]"],
        ),
        # an unknown key in an entry whose own key is null: no traceback
        (
            {"l12": "  ~: {count: events, bogus: 1}",
             "l22": "  - {apply_to: [commision], gate: card, below: 50}"},
            ["line 12, measures.None", "line 12, measures.None.bogus",
             "line 22, modifiers[0].apply_to[0]"],
        ),
        # a component whose key YAML reads as a boolean is left out, and its neighbours
        # checked; a key read as a number is still known by its text
        (
            {"l17": "  on:", "l12": "  2027: {sum: transactions.amount}",
             "l15": "    commission: '2027'",
             "l22": "  - {apply_to: [comission], gate: card, below: 50}"},
            ["line 12, measures[2027]", "line 17, components[1]",
             "line 22, modifiers[0].apply_to[0]"],
        ),
        # measures empty: the components are checked against none
        ({"l8": "measures: {}", "l9": "", "l10": "", "l11": "", "l12": ""},
         ["line 8, measures", "line 15, components.commission.commission",
          "line 18, components.card_bonus.bonus", "line 22, modifiers[0].gate"]),
        # measures not a mapping: nothing else can be checked
        ({"l8": "measures: [revenue]", "l9": "", "l10": "", "l11": "", "l12": ""},
         ["line 8, measures"]),
    ],
)  # fmt: skip
def test_it_should_check_the_rules_of_what_is_left_of_a_plan(
    lines: dict[str, str], paths: list[str]
) -> None:
    error = refuse(text(**lines))
    assert [m.split(": ")[0].removeprefix("plans/p.yaml ") for m in error.messages] == paths


@pytest.mark.parametrize(
    ("share", "curve", "keys", "total"),
    [
        # the bonus is left out for its curve, but its share still counts: 0.5 + 0.6
        ("0.6", "[[0, 0], [100, abc]]", ["curve[1][1]"], "1.1"),
        # or for a cap: 0.5 + 0.75
        ("0.75", "[[0, 0], [100, 1]]\n    cap_amount: x", ["cap_amount"], "1.25"),
        # a share in error is its own problem, not counted: 0.5 alone is within 1
        ("x", "[[0, 0], [100, abc]]", ["target_share", "curve[1][1]"], None),
        # within 1 with the share of the one left out: no sum is said
        ("0.5", "[[0, 0], [100, abc]]", ["curve[1][1]"], None),
    ],
)
def test_it_should_count_the_share_of_a_bonus_left_out_for_another_error(
    share: str, curve: str, keys: list[str], total: str | None
) -> None:
    second = f"  team_bonus:\n    bonus: revenue\n    target_share: {share}\n    curve: {curve}"
    error = refuse(text(l20="    curve: [[0, 0], [100, 1]]\n" + second))
    paths = [m.split(": ")[0].split("components.team_bonus.")[-1] for m in error.messages]
    assert [p for p in paths if p in keys] == keys
    assert [m for m in error.messages if "add up to" in m] == (
        [f"plans/p.yaml line 13, components: bonus target shares add up to {total}. "
         "Hint: they may not exceed 1."] if total else []
    )  # fmt: skip
    assert len(error.messages) == len(keys) + (total is not None)


def test_it_should_report_components_missing_beside_another_error() -> None:
    lines = {f"l{n}": "" for n in range(13, 23)}  # no components, no modifiers
    error = refuse(text(l2="version: x", **lines))
    assert [m.split(": ")[0] for m in error.messages] == [
        "plans/p.yaml line 2, version",
        "plans/p.yaml line 1, components",
    ]


def test_it_should_check_a_report_card_with_an_error_of_its_own() -> None:
    # seven behaviours, one weight refused and one of 0: all three said at once
    behaviours = "{a: 1, b: x, c: 0, d: 1, e: 1, f: 1, g: 1}"
    error = refuse(text(l7=f"  behaviours: {behaviours}"))
    assert [m.removeprefix("plans/p.yaml line 7, ") for m in error.messages] == [
        "report_card.behaviours.b: 'x' is not a number. Hint: write a decimal number such as 0.05.",
        "report_card.behaviours: 7 behaviours. Hint: a report card grades 1 to 6 behaviours.",
        "report_card.behaviours.c: weight 0. Hint: use a weight > 0.",
    ]


def test_it_should_refuse_a_top_level_key_that_is_not_text_and_check_the_rest() -> None:
    error = refuse(text(l5="~: 1\n7: x", l15="    commission: revenu"))
    assert error.messages == [
        "plans/p.yaml line 5, None: the key ~ is not text. Hint: quote it, or remove it.",
        "plans/p.yaml line 6, [7]: the key 7 is not text. Hint: quote it, or remove it.",
        "plans/p.yaml line 16, components.commission.commission: unknown measure 'revenu'. "
        "Hint: did you mean 'revenue'? (revenue, attainment, card, feedback).",
    ]


def test_it_should_report_an_unknown_key_that_a_yaml_alias_repeats_at_each_place() -> None:
    error = refuse(text(l9="  revenue: &m {sum: transactions.amount, defualt: 0}\n  rev2: *m"))
    assert [m.split(": ")[0] for m in error.messages] == [
        "plans/p.yaml line 9, measures.revenue.defualt",
        "plans/p.yaml line 9, measures.rev2.defualt",
    ]


def test_it_should_keep_a_key_that_looks_like_a_kind_tag_in_the_path() -> None:
    error = refuse(text(l9="  revenue: {sum: transactions.amount, kind:x: 1}"))
    assert [m.split(": ")[0] for m in error.messages] == [
        "plans/p.yaml line 9, measures.revenue.kind:x"
    ]


def test_it_should_accept_a_step_in_the_curve() -> None:
    plan = parse_plan(text(l20="    curve: [[0, 0], [50, 0], [50, 0.5], [100, 1]]"), FILE).plan
    assert len(plan.components["card_bonus"].curve) == 4  # type: ignore[union-attr]


def test_it_should_accept_bonus_shares_adding_up_to_exactly_one() -> None:
    second = (
        "    curve: [[0, 0], [100, 1]]\n  second: {bonus: card, target_share: 0.5, curve: [[0, 1]]}"
    )
    assert len(parse_plan(text(l20=second), FILE).plan.components) == 3


def test_it_should_refuse_a_plan_file_that_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as caught:
        load_plan(tmp_path / "missing.yaml")
    assert caught.value.reason == Reason.PLAN_SYNTAX
    assert caught.value.messages == [
        f"{tmp_path / 'missing.yaml'}: cannot read the plan (No such file or directory). "
        "Hint: give the path of a .yaml plan file."
    ]


def test_it_should_refuse_a_plan_that_is_not_utf8_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(text().encode() + "# r\u00e9vision\n".encode("latin-1"))
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert caught.value.reason == Reason.PLAN_SYNTAX
    line = text().count("\n") + 1  # the comment after the plan's last line
    assert caught.value.messages == [
        f"{path} line {line}: byte 0xe9 is not UTF-8 text. Hint: save the plan as UTF-8."
    ]


def test_it_should_read_keys_that_are_not_text_nested_deep_once_each() -> None:
    # each level is named once by its text and once as pydantic names it, not once per
    # path above it: 2 ** 24 paths would take minutes
    nested = "{0: " * 24 + "x" + "}" * 24
    error = refuse(text(l5=f"extra: {nested}"))
    assert error.messages == ["plans/p.yaml line 5, extra: unknown key 'extra'. Hint: remove it."]
