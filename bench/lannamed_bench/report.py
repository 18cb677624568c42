"""What the tables print: medians with min-max, number formats; and progress notes on stderr."""
import statistics
import sys


def summarize(values, digits=1):
    values = [v for v in values if v is not None and v == v]
    if not values:
        return "-"
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:,.{digits}f}"
    return f"{median:,.{digits}f} ({min(values):,.{digits}f}-{max(values):,.{digits}f})"


def median_of(rounds, key):
    values = [r[key] for r in rounds if r.get(key) is not None and r[key] == r[key]]
    return statistics.median(values) if values else None


def note(text):
    print(text, file=sys.stderr, flush=True)


def fmt(value, digits=1):
    return "-" if value is None else f"{value:,.{digits}f}"


def fmt_share(value):
    return "-" if value is None else f"{value * 100:.0f}%"
