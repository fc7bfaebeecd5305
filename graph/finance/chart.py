"""The annual report as a chart: stacked bars per month (paid, pending, projected), rendered with
matplotlib's object API. No pyplot: its global figure state is not safe across threads, and each
rendering here owns its Figure. Rendering is CPU work: callers run it in a worker thread."""

from __future__ import annotations

import io
from calendar import month_abbr

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from resolvers.finance.reports import AnnualReport

SERIES = (
    ("paid", "Fees paid", "#2e7d32"),
    ("pending", "Invoiced, pending", "#f9a825"),
    ("projected", "Projected", "#90caf9"),
)
MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def render_annual_chart(report: AnnualReport, fmt: str) -> bytes:
    """The report's chart as SVG or PNG bytes."""
    months = report.month_totals()
    labels = [month_abbr[month] for month, _ in months]
    figure = Figure(figsize=(10, 5.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    bottoms = [0.0] * len(months)
    for attribute, label, color in SERIES:
        values = [float(getattr(figures, attribute)) for _, figures in months]
        axes.bar(labels, values, bottom=bottoms, label=label, color=color, edgecolor="#37474f", linewidth=0.5)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    axes.set_title(f"AstroBookings platform fees {report.year}")
    axes.set_xlabel("Month")
    axes.set_ylabel("USD")
    axes.set_ylim(bottom=0, top=max(max(bottoms), 1.0) * 1.1)
    axes.yaxis.set_major_formatter(lambda value, _: f"{value:,.0f}")
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="upper left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()
