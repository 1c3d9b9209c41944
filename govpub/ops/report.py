"""`govpub report`: a self-contained HTML page — per-site status and yield over time (inline SVG).

No JavaScript and no build toolchain: `render_report` is a pure function from stats
records to one HTML string (everything escaped), viewable offline or attachable to a mail.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone

from govpub.schema import SiteStats
from govpub.ops.health import SiteStatus

WIDTH, HEIGHT = 640, 150  #: one chart per site
PAD_L, PAD_R, PAD_T, PAD_B = 44, 12, 14, 26
RUN_STATE_COLOURS = {"ok": "#2e7d32", "quality": "#ef6c00", "failed": "#c62828", "blocked": "#6a1b9a"}
HEALTH_COLOURS = {"ok": "#2e7d32", "degraded": "#ef6c00", "broken": "#c62828", "blocked": "#6a1b9a",
                  "never-run": "#757575"}


def run_state(record: SiteStats) -> str:
    if record.blocked_pages:
        return "blocked"
    if record.outcome == "failed":
        return "failed"
    return "quality" if record.quality_issues else "ok"


def yield_chart(site: str, records: list[SiteStats]) -> str:
    """SVG line chart of documents_seen (the yield) per run (oldest left), markers coloured by run state."""
    e = html.escape
    runs = sorted(records, key=lambda r: r.recorded_at)
    if not runs:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="40" role="img" ' \
               f'aria-label="{e(site)}: no runs"><text x="4" y="24" font-size="12">no runs recorded</text></svg>'
    top = max(max(r.documents_seen for r in runs), 1)
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B
    step = plot_w / max(len(runs) - 1, 1)

    def xy(i: int, value: int) -> tuple[float, float]:
        x = PAD_L + (i * step if len(runs) > 1 else plot_w / 2)
        return round(x, 1), round(PAD_T + plot_h - value / top * plot_h, 1)

    points = [xy(i, r.documents_seen) for i, r in enumerate(runs)]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{e(site)}: documents per run" class="chart" data-site="{e(site)}">',
        f'<line x1="{PAD_L}" y1="{PAD_T + plot_h}" x2="{WIDTH - PAD_R}" y2="{PAD_T + plot_h}" stroke="#999"/>',
        f'<line x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{PAD_T + plot_h}" stroke="#999"/>',
        f'<text x="{PAD_L - 6}" y="{PAD_T + 4}" font-size="10" text-anchor="end">{top}</text>',
        f'<text x="{PAD_L - 6}" y="{PAD_T + plot_h}" font-size="10" text-anchor="end">0</text>',
        f'<polyline fill="none" stroke="#1565c0" stroke-width="1.5" points="{" ".join(f"{x},{y}" for x, y in points)}"/>',
    ]
    for (x, y), r in zip(points, runs):
        state = run_state(r)
        title = (f"{r.run_id} ({r.recorded_at}): {r.documents_seen} documents, {r.pages_fetched} pages, "
                 f"{r.errors_total} errors — {state}")
        parts.append(f'<circle cx="{x}" cy="{y}" r="3.5" fill="{RUN_STATE_COLOURS[state]}" class="run {state}">'
                     f'<title>{e(title)}</title></circle>')
    first, last = runs[0].recorded_at[:10], runs[-1].recorded_at[:10]
    parts.append(f'<text x="{PAD_L}" y="{HEIGHT - 8}" font-size="10">{e(first)}</text>')
    parts.append(f'<text x="{WIDTH - PAD_R}" y="{HEIGHT - 8}" font-size="10" text-anchor="end">{e(last)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_report(statuses: list[SiteStatus], records: dict[str, list[SiteStats]], note: str | None = None,
                  generated_at: str | None = None) -> str:
    e = html.escape
    generated_at = generated_at or datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    rows = []
    for s in statuses:
        r = s.last
        cells = [e(s.site), f'<span style="color:{HEALTH_COLOURS[s.health]};font-weight:bold">{e(s.health)}</span>']
        if r is None:
            cells += ["-"] * 6
        else:
            cells += [e(r.run_id), e(r.recorded_at), str(r.pages_fetched), str(r.documents_seen),
                      str(r.errors_total), f"{r.duration_seconds:g}"]
        cells.append(e("; ".join(s.reasons)))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    charts = [f'<section><h2>{e(s.site)} <small>({e(s.health)})</small></h2>{yield_chart(s.site, records.get(s.site, []))}'
              f"</section>" for s in statuses]
    legend = " ".join(f'<span style="color:{c}">●</span> {e(k)}' for k, c in RUN_STATE_COLOURS.items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>govpub — site status and yield</title>
<style>body{{font-family:sans-serif;margin:1.5em;color:#222}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:3px 6px;font-size:13px;text-align:left}}h2{{font-size:15px;margin:1em 0 .2em}}
.note{{background:#fff3e0;padding:.4em}}</style></head><body>
<h1>govpub — site status and yield</h1>
<p>Generated {e(generated_at)}. Yield = documents parsed per run; markers: {legend}.</p>
{f'<p class="note">{e(note)}</p>' if note else ''}
<table><tr><th>site</th><th>health</th><th>last run</th><th>recorded</th><th>pages</th><th>documents</th>
<th>errors</th><th>seconds</th><th>why</th></tr>
{''.join(rows)}
</table>
{''.join(charts)}
</body></html>
"""
