"""Server-rendered SVG charts: the geometry is computed here, templates/connectors/_chart_*.html only draw it."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    plot_left: int
    plot_bottom: int
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[Bar]  # the bars whose label is drawn under the axis (every n-th, so labels do not collide)


@dataclass(frozen=True)
class BarList:
    width: int
    height: int
    label_width: int
    bars: list[Bar]


def column_chart(points: list[tuple[str, int]], *, width=640, height=200, max_labels=8) -> ColumnChart:
    """Vertical bars, one per point, scaled to the largest value, with 0 / half / top gridlines."""
    left, bottom, top = 40, height - 22, 8
    plot_height = bottom - top
    peak = max((value for _label, value in points), default=0) or 1
    slot = (width - left) / max(1, len(points))
    bars = []
    for index, (label, value) in enumerate(points):
        bar_height = plot_height * value / peak
        bars.append(Bar(x=round(left + index * slot + slot * 0.1, 2), y=round(bottom - bar_height, 2),
                        width=round(max(1.0, slot * 0.8), 2), height=round(bar_height, 2), label=label, value=value))
    every = max(1, -(-len(points) // max_labels))
    ticks = [Tick(y=round(bottom - plot_height * share, 2), value=round(peak * share)) for share in (0, 0.5, 1)]
    return ColumnChart(width=width, height=height, plot_left=left, plot_bottom=bottom, bars=bars, ticks=ticks,
                       labels=bars[::every])


def bar_list(points: list[tuple[str, int]], *, width=360, row=22, label_width=130) -> BarList:
    """Horizontal bars, one row per point, for ranked counts (error classes, countries)."""
    peak = max((value for _label, value in points), default=0) or 1
    room = width - label_width - 50
    bars = [Bar(x=label_width, y=index * row + 3, width=round(max(1.0, room * value / peak), 2), height=row - 6,
                label=label, value=value) for index, (label, value) in enumerate(points)]
    return BarList(width=width, height=max(row, row * len(points)), label_width=label_width, bars=bars)
