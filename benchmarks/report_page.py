"""How long a report page is, and whether it fits a phone: height and overflow per viewport width.

Opens each report.html in headless Chromium (Debian's /usr/bin/chromium, through playwright) at
1400 px and 390 px and prints the page height, the document's scroll width and the tables wider
than the viewport. Target (issue 16): the demo call's report at 1400 px under a third of the
18,848 px it had before, and at 390 px no table and no page wider than the viewport.

    python benchmarks/report_page.py reports/<run-id>/report.html [...] [--json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
WIDTHS = (1400, 390)


def measure(path: Path, width: int, browser) -> dict[str, object]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(path.resolve().as_uri(), wait_until="load")
        return page.evaluate(
            """(width) => ({
                width: width,
                height: document.documentElement.scrollHeight,
                scroll_width: document.documentElement.scrollWidth,
                wide_tables: Array.from(document.querySelectorAll("table"))
                    .filter((t) => t.getBoundingClientRect().width > width + 1).length,
            })""",
            width,
        )
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", type=Path, metavar="REPORT.html")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            for report in args.reports:
                for width in WIDTHS:
                    rows.append({"report": str(report), **measure(report, width, browser)})
        finally:
            browser.close()
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    for row in rows:
        print(
            f"{row['report']}  {row['width']:>5} px: height {row['height']:,} px, "
            f"scroll width {row['scroll_width']} px, {row['wide_tables']} table(s) wider"
        )


if __name__ == "__main__":
    main()
