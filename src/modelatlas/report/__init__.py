"""The report: ``build_report(atlas, out)`` writes index.html (self-contained, charts
inlined), report.md and every table behind them as CSV and Parquet."""

from modelatlas.report.build import ReportResult, build_report

__all__ = ["ReportResult", "build_report"]
