"""The reconciliation as one self-contained HTML page: tables and charts, nothing fetched.

No script and no network: styles are inline and every chart is an inline SVG drawn here, so the
page looks the same opened from a mail attachment, a file share or a browser with scripts off.
Every text is HTML-escaped (provider names and finding messages come from invoices). Each chart
is an ``<svg class="chart" id=...>`` whose bars are ``<rect class="bar">`` elements, with the
figures as a table beside it for screen readers and for reading exact amounts.

Charts: amounts per provider (invoiced / approved / disputed); the disputed amount by finding
code; hours per week against the granted hours for the clients with findings (masked
personnummer); the month against the previous months held (invoiced, approved, paid).
"""
from __future__ import annotations

from decimal import Decimal
from html import escape

__all__ = ["render_html"]

COLOURS = {"invoiced": "#4c72b0", "approved": "#55a868", "disputed": "#c44e52", "paid": "#8172b2",
           "hours": "#4c72b0", "granted": "#dd8452"}
STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem;color:#222;max-width:1100px}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0;font-size:.85rem}th,td{padding:.2rem .5rem;border-bottom:1px solid #eee}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{text-align:left;background:#f5f5f5}
.legend span{display:inline-block;margin-right:1rem}.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem}
svg.chart{display:block;margin:.5rem 0;background:#fff}svg text{font-size:11px;fill:#333}
.totals{display:flex;gap:1rem;flex-wrap:wrap}.totals div{border:1px solid #ddd;padding:.5rem 1rem;border-radius:4px}
.totals b{display:block;font-size:1.1rem}
"""


def _d(value) -> Decimal:
    return Decimal(value) if value not in (None, "") else Decimal(0)


def _kr(value) -> str:
    return f"{_d(value):,.2f}".replace(",", "\u00a0") + "\u00a0kr"


def _legend(series: list[str]) -> str:
    return '<div class="legend">' + "".join(
        f'<span><i style="background:{COLOURS[s]}"></i>{escape(s)}</span>' for s in series) + "</div>"


def _grouped_bars(chart_id: str, groups: list[tuple[str, dict[str, Decimal]]], series: list[str],
                  unit: str = "kr") -> str:
    """Vertical grouped bars: one group per label, one bar per series."""
    if not groups:
        return f'<p id="{chart_id}-empty">Nothing to show.</p>'
    top = max([v for _, vals in groups for v in vals.values()] + [Decimal(1)])
    bar, gap, top_pad, plot, left = 14, 18, 12, 210, 90
    height = top_pad + plot
    width = left + len(groups) * (len(series) * bar + gap) + 20
    parts = [f'<svg class="chart" id="{chart_id}" width="{width}" height="{height + 90}" role="img" '
             f'aria-label="{escape(chart_id)}" xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{left}" y1="{height}" x2="{width - 10}" y2="{height}" stroke="#999"/>']
    for k in range(5):
        y = height - plot * k / 4
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(_short(top * k / 4, unit))}</text>')
    x = left + gap / 2
    for label, vals in groups:
        for s in series:
            h = float(vals.get(s, 0) / top) * plot
            parts.append(f'<rect class="bar" data-series="{s}" x="{x:.1f}" y="{height - h:.1f}" width="{bar}" '
                         f'height="{h:.1f}" fill="{COLOURS[s]}"><title>{escape(label)}: {s} '
                         f'{escape(_short(vals.get(s, 0), unit))}</title></rect>')
            x += bar
        parts.append(f'<text x="{x - len(series) * bar / 2:.1f}" y="{height + 14}" text-anchor="end" '
                     f'transform="rotate(-35 {x - len(series) * bar / 2:.1f} {height + 14})">{escape(label[:28])}</text>')
        x += gap
    parts.append("</svg>")
    return _legend(series) + "".join(parts)


def _hbars(chart_id: str, rows: list[tuple[str, Decimal]], colour: str) -> str:
    if not rows:
        return f'<p id="{chart_id}-empty">Nothing to show.</p>'
    top = max([v for _, v in rows] + [Decimal(1)])
    left, row_h, width = 130, 22, 640
    parts = [f'<svg class="chart" id="{chart_id}" width="{width}" height="{len(rows) * row_h + 10}" role="img" '
             f'xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value) in enumerate(rows):
        w = float(value / top) * (width - left - 110)
        y = 5 + i * row_h
        parts.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{escape(label)}</text>'
                     f'<rect class="bar" x="{left}" y="{y}" width="{w:.1f}" height="{row_h - 6}" fill="{colour}">'
                     f'<title>{escape(label)}: {escape(_kr(value))}</title></rect>'
                     f'<text x="{left + w + 6:.1f}" y="{y + 14}">{escape(_kr(value))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _short(value, unit: str) -> str:
    v = _d(value)
    if unit == "h":
        return f"{v:.0f} h"
    if v >= 1_000_000:
        return f"{v / 1_000_000:.1f} Mkr"
    if v >= 10_000:
        return f"{v / 1000:.0f} tkr"
    return f"{v:.0f} kr"


def _table(headers: list[str], rows: list[list], numeric: set[int]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(
        f'<td class="n">{escape(str(c))}</td>' if i in numeric else f"<td>{escape(str(c))}</td>"
        for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _weekly(data: dict) -> str:
    by_client: dict[tuple[str, str], list[dict]] = {}
    for w in data["weekly_hours"]:
        by_client.setdefault((w["client"], w["decision"]), []).append(w)
    if not by_client:
        return '<p id="weekly-empty">No client with findings.</p>'
    out = []
    for n, ((client, decision), weeks) in enumerate(sorted(by_client.items())):
        groups = [(w["week"], {"hours": _d(w["hours"]), "granted": _d(w["granted"])}) for w in weeks]
        out.append(f"<h3>Client {escape(client)}, decision {escape(decision)}</h3>"
                   + _grouped_bars(f"weekly-{n}", groups, ["hours", "granted"], unit="h"))
    return "".join(out)


def render_html(data: dict) -> str:
    """The page for :func:`ingest.finance.outputs.as_data`'s data (masked)."""
    t, fk = data["totals"], data["fk_totals"]
    cards = "".join(f"<div>{escape(label)}<b>{_kr(t[key])}</b></div>" for label, key in (
        ("invoiced (net of credit notes)", "net"), ("reimbursable", "reimbursable"), ("disputed", "disputed"),
        ("approved", "approved"), ("paid", "paid"), ("outstanding", "outstanding"), ("to recover", "recoverable")))
    providers = [(p["name"] or p["seller"], {"invoiced": _d(p["net"]), "approved": _d(p["approved"]),
                                             "disputed": _d(p["disputed"])}) for p in data["providers"]]
    codes: dict[str, Decimal] = {}
    for inv in data["invoices"]:  # the providers' (Försäkringskassan's has its own section)
        for code, amount in inv["disputed_by_code"].items():
            codes[code] = codes.get(code, Decimal(0)) + _d(amount)
    trend = [(m["month"], {"invoiced": _d(m["invoiced"]), "approved": _d(m["approved"]), "paid": _d(m["paid"])})
             for m in data["trend"]]
    provider_rows = [[p["name"], p["seller"], p["invoices"], *[_kr(p[k]) for k in (
        "net", "reimbursable", "disputed", "approved", "paid", "outstanding", "recoverable")]] for p in data["providers"]]
    finding_rows = [[f["code"], f["subject"], f["seller"], _kr(f["amount"]), f["message"]] for f in data["findings"]]
    claim_rows = [[c["claim"], c["invoice"], c["seller"], _kr(c["amount"]), c["state"], " ".join(c["finding_codes"])]
                  for c in data["claims"]]
    fk_rows = [[i["number"], _kr(i["net"]), _kr(i["reimbursable"]), _kr(i["disputed"]), i["status"], _kr(i["paid"])]
               for i in data["fk_invoices"]]
    return f"""<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><title>Reconciliation {escape(data['period'])} — {escape(data['municipality'])}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>
<body>
<h1>Reconciliation {escape(data['period'])} — {escape(data['municipality'])}</h1>
<div class="totals">{cards}</div>
<h2>Amounts per provider</h2>
{_grouped_bars("providers", providers, ["invoiced", "approved", "disputed"])}
{_table(["provider", "seller", "invoices", "invoiced", "reimbursable", "disputed", "approved", "paid", "outstanding",
         "to recover"], provider_rows, set(range(2, 10)))}
<h2>Disputed amount by finding code</h2>
{_hbars("codes", sorted(codes.items()), COLOURS["disputed"])}
<h2>Hours per week against the granted hours (clients with findings)</h2>
{_weekly(data)}
<h2>The month against the previous months</h2>
{_grouped_bars("trend", trend, ["invoiced", "approved", "paid"])}
<h2>Försäkringskassan's 20-hour invoices</h2>
<p>{fk['invoices']} invoice(s), {_kr(fk['net'])} invoiced, {_kr(fk['disputed'])} disputed, {_kr(fk['paid'])} paid.</p>
{_table(["invoice", "invoiced", "reimbursable", "disputed", "status", "paid"], fk_rows, {1, 2, 3, 5})}
<h2>Findings of the reconciliation</h2>
{_table(["code", "subject", "seller", "amount", "what"], finding_rows, {3})}
<h2>Recovery claims (12 § LSS)</h2>
{_table(["claim", "invoice", "seller", "amount", "state", "findings"], claim_rows, {3})}
</body></html>
"""
