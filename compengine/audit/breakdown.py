"""The ``Breakdown`` sheet: one row per rep, period and component, one cell per step.

A row walks the engine's steps for one component: the measure value (from ``Measures``),
the quota and attainment, the amount in each tier band or the retroactive band and rate, the
curve segment and its interpolation, each modifier's factor, the cap, the capped amount and
the paid (rounded) amount that ``Payouts`` shows. Every cell is a formula over ``Measures``,
``Inputs``, ``Plan`` and the cells to its left.

Excel holds 1,048,576 rows a sheet; past that the rows continue on ``Breakdown2``,
``Breakdown3``, ... in the same order, so nothing is ever left out.
"""

from __future__ import annotations

import polars as pl

from compengine.audit.formulas import divide, places
from compengine.audit.layout import ROW, Context
from compengine.audit.plan_sheet import absolute, span
from compengine.audit.xlsx import MAX_ROWS, Column, Sheet, formula, letter, row_xml, text
from compengine.engine import measures
from compengine.engine.calculate import component_column
from compengine.plan import models

SHEET = "Breakdown"
ROWS_PER_SHEET = MAX_ROWS - 1


def sheet_name(index: int) -> str:
    """The name of the ``index``-th (0-based) Breakdown sheet."""
    return SHEET if index == 0 else f"{SHEET}{index + 1}"


def _spec(plan: models.Plan) -> list[tuple[str, str, float]]:
    """The Breakdown's columns (key, header, width): the union of what the components need."""
    comps = list(plan.components.values())
    commissions = [c for c in comps if isinstance(c, models.Commission)]
    tiered = [c for c in commissions if c.tiers is not None]
    marginal = [c for c in tiered if c.mode == "marginal"]
    retro = [c for c in tiered if c.mode == "retroactive"]
    bonuses = [c for c in comps if isinstance(c, models.Bonus)]
    spec = [
        ("rep_id", "rep_id", 12.0),
        ("period", "period", 10.0),
        ("component", "component", 20.0),
        ("kind", "kind", 22.0),
        ("measure", "measure", 16.0),
        ("value", "measure value", 14.0),
    ]
    if tiered:
        spec.append(("quota", "quota", 14.0))
    if retro:
        spec.append(("attainment", "attainment (6 places)", 12.0))
    if retro or bonuses:
        spec.append(("band", "tier band / curve segment", 10.0))
    if commissions:
        spec.append(("rate", "rate", 10.0))
    most = max((len(c.tiers or []) for c in marginal), default=0)
    spec += [(f"tier:{k}", f"tier {k + 1} amount", 14.0) for k in range(most)]
    if bonuses:
        spec += [
            ("x0", "segment x from", 10.0),
            ("x1", "segment x to", 10.0),
            ("y0", "segment y from", 10.0),
            ("y1", "segment y to", 10.0),
            ("curve", "curve value (6 places)", 12.0),
            ("share", "target share", 10.0),
        ]
    if bonuses or any(c.cap_target_multiple is not None for c in comps):
        spec.append(("period_target", "period target", 14.0))
    spec.append(("base", "amount before modifiers", 16.0))
    for j, mod in enumerate(plan.modifiers):
        by = mod.by if isinstance(mod, models.Multiplier) else mod.gate
        spec.append((f"factor:{j}", f"modifier {j + 1} factor ({by})", 12.0))
    spec.append(("after", "after modifiers", 16.0))
    if any(c.cap_amount is not None or c.cap_target_multiple is not None for c in comps):
        spec.append(("cap", "cap", 14.0))
    spec += [("capped", "after cap (unrounded)", 18.0), ("paid", "paid (rounded)", 14.0)]
    return spec


def build(
    ctx: Context, frame: pl.DataFrame, rows_per_sheet: int = ROWS_PER_SHEET
) -> tuple[list[Sheet], pl.DataFrame]:
    """The Breakdown sheet(s), and ``frame`` with each component's sheet and row added."""
    plan = ctx.loaded.plan
    spec = _spec(plan)
    at = {key: letter(i) for i, (key, _, _) in enumerate(spec)}
    ctx.paid_col = at["paid"]
    names = list(plan.components)
    bold = ctx.styles.style(bold=True)
    parts = []
    for ci, name in enumerate(names):
        cells = _cells(ctx, name, at)
        index = pl.col("_i").cast(pl.Int64) * len(names) + ci
        rows = frame.select("rep_id", "_period", "m", "_i").with_columns(
            (index // rows_per_sheet).alias("_sheet"),
            (index % rows_per_sheet + 2).alias("r"),
            index.alias("_idx"),
        )
        columns = [Column(h, w, cells.get(key)) for key, h, w in spec]
        part = rows.select("_sheet", "_idx", "r", row_xml(columns).alias("xml"))
        parts.append(part)
        names_of = {int(s): sheet_name(int(s)) for s in part["_sheet"].unique().to_list()}
        frame = frame.with_columns(
            part["_sheet"].replace_strict(names_of, return_dtype=pl.String).alias(f"_bs_{name}"),
            part["r"].alias(f"_br_{name}"),
        )
    every = pl.concat(parts).sort("_idx")
    header = [Column(h, w) for _, h, w in spec]
    sheets = []
    for s, group in every.group_by("_sheet", maintain_order=True):
        sheets.append(
            Sheet(
                sheet_name(int(s[0])),
                header,
                pl.DataFrame(),
                header_style=bold,
                freeze="F2",
                rows=group["xml"].to_list(),
            )
        )
    if not sheets:  # a run without rows still shows the Breakdown's columns
        sheets.append(Sheet(SHEET, header, pl.DataFrame(), header_style=bold, freeze="F2", rows=[]))
    return sheets, frame


def _cells(ctx: Context, name: str, at: dict[str, str]) -> dict[str, pl.Expr]:
    """The cell expressions of one component's rows, by column key."""
    plan = ctx.loaded.plan
    scales = ctx.result.scales
    c = plan.components[name]
    refs = ctx.plan_refs
    money, wide = ctx.money(), ctx.money(8)
    ratio, general = ctx.fixed(6), ctx.styles.style()
    cells: dict[str, pl.Expr] = {}

    def put(key: str, template: str, style: int) -> str:
        cells[key] = formula(at[key], template, ROW, style)
        return f"{at[key]}{{r}}"

    cells["rep_id"] = text(at["rep_id"], pl.col("rep_id"), ROW)
    cells["period"] = text(at["period"], pl.col("_period"), ROW)
    cells["component"] = text(at["component"], pl.lit(name), ROW)
    measure_name = c.commission if isinstance(c, models.Commission) else c.bonus
    sm = scales[measures.measure_column(measure_name)]
    kind = (
        "bonus"
        if isinstance(c, models.Bonus)
        else "commission, flat rate"
        if c.rate is not None
        else f"commission, {c.mode} tiers"
    )
    cells["kind"] = text(at["kind"], pl.lit(kind), ROW)
    cells["measure"] = text(at["measure"], pl.lit(measure_name), ROW)
    v = put("value", f"Measures!{ctx.measures_cols[measure_name]}{{m}}", ctx.fixed(sm))
    base_scale = scales[component_column(name, "base")]
    pt = ""
    if "period_target" in at and (isinstance(c, models.Bonus) or c.cap_target_multiple is not None):
        pt = put("period_target", f"Measures!{ctx.measures_cols['period_target']}{{m}}", money)

    if isinstance(c, models.Commission):
        if c.rate is not None:
            rate = put("rate", refs.cells[f"{name}:rate"], general)
            base = f'IF({v}="",0,ROUND({v}*{rate},{base_scale}))'
        else:
            assert c.tiers is not None
            sq = scales["quota"]
            q = put("quota", f"Inputs!{ctx.inputs_cols['quota']}{{m}}", ctx.fixed(sq))
            first, last = refs.tables[f"{name}:tiers"]
            if c.mode == "retroactive":
                att = put(
                    "attainment",
                    f'IF({v}="","",{divide(v, q, 6, "half_even", sm, sq)})',
                    ratio,
                )
                band = put(
                    "band",
                    f'IF({att}="",1,MAX(1,SUMPRODUCT(--({span("C", first, last)}<={att}))))',
                    general,
                )
                rate = put("rate", f"INDEX({span('D', first, last)},{band})", general)
                base = f'IF({v}="",0,ROUND({v}*{rate},{base_scale}))'
            else:
                amounts = []
                n = len(c.tiers)
                for k in range(n):
                    lo, r_k = absolute("C", first + k), absolute("D", first + k)
                    part = v
                    if k + 1 < n:
                        part = f"MIN({part},{absolute('C', first + k + 1)}*{q})"
                    if k > 0:
                        part = f"MAX({part},{lo}*{q})-{lo}*{q}"
                    amounts.append(
                        put(f"tier:{k}", f'IF({v}="",0,ROUND(({part})*{r_k},{base_scale}))', wide)
                    )
                base = f"ROUND({'+'.join(amounts)},{base_scale})"
    else:
        first, last = refs.tables[f"{name}:curve"]
        xs, ys, y6 = (span(col, first, last) for col in ("C", "D", "E"))
        count = last - first + 1
        seg = put("band", f'IF({v}="","",SUMPRODUCT(--({xs}<={v})))', general)
        flat = f'OR({seg}="",{seg}=0,{seg}={count})'
        x0 = put("x0", f'IF({flat},"",INDEX({xs},{seg}))', general)
        x1 = put("x1", f'IF({flat},"",INDEX({xs},{seg}+1))', general)
        y0 = put("y0", f'IF({flat},"",INDEX({ys},{seg}))', general)
        y1 = put("y1", f'IF({flat},"",INDEX({ys},{seg}+1))', general)
        sx = places(*(x for x, _ in c.curve))
        sy = places(*(y for _, y in c.curve))
        numerator = f"{y0}*({x1}-{x0})+({y1}-{y0})*({v}-{x0})"
        interpolated = divide(
            numerator, f"{x1}-{x0}", 6, "half_even", max(sy + sx, sy + max(sm, sx)), sx
        )
        curve = put(
            "curve",
            f'IF({v}="","",IF({seg}=0,INDEX({y6},1),IF({seg}={count},INDEX({y6},{count}),'
            f"{interpolated})))",
            ratio,
        )
        share = put("share", refs.cells[f"{name}:share"], general)
        base = f'IF({v}="",0,ROUND({pt}*{share}*{curve},{base_scale}))'
    amount = put("base", base, wide)

    after_scale = base_scale
    factors = []
    for j, mod in enumerate(plan.modifiers):
        if name not in mod.apply_to:
            continue
        after_scale += scales[f"modifier:{j}"]
        by = mod.by if isinstance(mod, models.Multiplier) else mod.gate
        mv = f"Measures!{ctx.measures_cols[by]}{{m}}"
        if isinstance(mod, models.Multiplier):
            first, last = refs.tables[f"modifier:{j}"]
            lowers, values = span("C", first, last), span("D", first, last)
            factor = f'IF({mv}="",1,INDEX({values},MAX(1,SUMPRODUCT(--({lowers}<={mv})))))'
        else:
            below, f = refs.cells[f"modifier:{j}:below"], refs.cells[f"modifier:{j}:factor"]
            factor = f'IF({mv}="",1,IF({mv}<{below},{f},1))'
        factors.append(put(f"factor:{j}", factor, general))
    after = put("after", f"ROUND({'*'.join([amount, *factors])},{after_scale})", wide)

    capped_scale = scales[component_column(name, "capped")]
    caps = []
    if c.cap_amount is not None:
        caps.append(refs.cells[f"{name}:cap_amount"])
    if c.cap_target_multiple is not None:
        caps.append(f"{refs.cells[f'{name}:cap_multiple']}*{pt}")
    if caps:
        cap_expr = caps[0] if len(caps) == 1 else f"MIN({caps[0]},{caps[1]})"
        cap = put("cap", f"ROUND({cap_expr},{capped_scale})", wide)
        capped = put("capped", f"ROUND(IF({after}>{cap},{cap},{after}),{capped_scale})", wide)
    else:
        capped = put("capped", f"ROUND({after},{capped_scale})", wide)
    put("paid", divide(capped, "1", plan.decimals, plan.rounding, capped_scale, 0), money)
    return cells
