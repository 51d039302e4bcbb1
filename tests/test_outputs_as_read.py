"""Every output checked the way its reader opens it (issue 14), on the study's own outputs (real snapshot):

* each table's ``.tex`` compiles with pdflatex inside the minimal document the docs prescribe (on a 1-inch-margin
  letter page and on LaTeX's default article page, every word inside the text area), and the PDF shows the
  table's column headers at a readable size (nothing scaled; no line wider than the page, no float taller than it,
  every word inside the text area: wide or long tables take the layouts of report/latex_layout.py);
* ``index.html`` in headless Chromium: every image loads, every table is shown inline and visible, every link
  resolves, the console stays clean, and at 400 px the page does not overflow sideways (wide tables scroll inside
  their own box), at 1280 px every table of up to six columns shows all of them, and notes wrap to the page
  outside the scrolling box; screenshots are written to ``output/screenshots/`` for a reviewer;
* each ``.docx`` reopened with python-docx: its cells are the estimates of the estimates file.

The study runs once, in a temporary folder, on the same data as the study tests. Each part skips with its reason where its tool is not installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from griparm_econ.pipeline.sequencer import run_study
from griparm_econ.config import PROJECT_ROOT, Settings
from griparm_econ.report.formats import LATEX_PACKAGES
from griparm_econ.report.number_text import format_number

# slow: the whole study runs first (about 40 s); test_report_tables.py compiles LaTeX in the fast subset.
# snapshot: the study needs the data snapshot (skipped by conftest's one rule when there is none).
pytestmark = [pytest.mark.snapshot, pytest.mark.slow]

# The preamble docs/specs.md tells users to add; geometry stands for the user's page (1-inch margins, letter). No
# page numbers, so that every word the PDF prints must lie inside the text area.
LATEX_DOCUMENT = ("\\documentclass{article}\n\\usepackage[margin=1in]{geometry}\n"
                  f"\\usepackage{{{','.join(LATEX_PACKAGES)}}}\n"
                  "\\pagestyle{empty}\n\\begin{document}\n\\input{TABLE}\n\\end{document}\n")
TEXT_AREA = (72.0, 72.0, 612.0 - 72.0, 792.0 - 72.0)     # x0, y0, x1, y1 in PDF points: letter less 1-inch margins
SCREENSHOTS = PROJECT_ROOT / "output" / "screenshots"
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM = next(filter(None, (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome"))), None)


@pytest.fixture(scope="module")
def output(tmp_path_factory, snapshot) -> Path:
    root = tmp_path_factory.mktemp("read")
    shutil.copytree(PROJECT_ROOT / "specs", root / "specs")
    settings = Settings(data_dir=Path(snapshot.data_dir).resolve(), project_root=root, specs_dir=root / "specs",
                        work_dir=root / "data", output_dir=root / "output")
    run_study(settings, echo=lambda _: None)
    return settings.output_dir


def _records(output: Path) -> dict[str, dict]:
    records = {}
    for path in sorted((output / "estimates").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if (output / "tables" / f"{path.stem}.tex").is_file():
            records[path.stem] = record
    return records


# --------------------------------------------------------------------------------------------------- LaTeX

@pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
                    reason="no TeX engine (pdflatex) or pdftotext: apt-get install texlive-latex-base "
                           "texlive-latex-recommended poppler-utils")
def test_every_table_compiles_readable_in_the_documented_preamble(output, tmp_path):
    records = _records(output)
    assert len(records) >= 6, sorted(records)
    for stem in records:
        source = output / "tables" / f"{stem}.tex"
        document = tmp_path / f"{stem}_document.tex"
        document.write_text(LATEX_DOCUMENT.replace("TABLE", source.as_posix()), encoding="utf-8")
        done = subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode", "-no-shell-escape",
                               document.name], cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (stem, done.stdout[-2000:])
        log = (tmp_path / f"{stem}_document.log").read_text(encoding="latin-1")
        assert "\\resizebox" not in source.read_text(encoding="utf-8"), stem
        assert "Missing character" not in log, stem
        # No line of the table sticks out of the page (the old \resizebox hid this by shrinking the type).
        overfull = [line for line in log.splitlines() if line.startswith("Overfull \\hbox")
                    and float(line.split("(")[1].split("pt")[0]) > 1.0]
        assert not overfull, (stem, overfull)
        assert "Float too large" not in log, stem
        pdf = tmp_path / f"{stem}_document.pdf"
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert int(next(l for l in info.splitlines() if l.startswith("Pages:")).split()[1]) >= 1, stem
        text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
        headers = _column_headers(output, stem)
        assert headers, stem
        # Every word on the page, rotated or not: no header or note falls off the page or into its margins.
        outside = _words_outside_text_area(pdf)
        assert not outside, (stem, outside[:5])
        for header in headers:
            assert " ".join(header.split()) in text, (stem, header)


def _words_outside_text_area(pdf: Path, tolerance: float = 1.0) -> list[tuple[str, tuple[float, ...]]]:
    """Words of the PDF whose box (pdftotext -bbox) leaves the text area by more than ``tolerance`` points."""
    import re

    page = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
    x0, y0, x1, y1 = TEXT_AREA
    words = re.findall(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">([^<]*)', page)
    return [(word, box) for *corners, word in words for box in [tuple(float(c) for c in corners)]
            if box[0] < x0 - tolerance or box[1] < y0 - tolerance or box[2] > x1 + tolerance
            or box[3] > y1 + tolerance]


def _column_headers(output: Path, stem: str) -> list[str]:
    """The first word of each column header of the table (from its HTML rendering): long headers wrap onto
    several lines in the PDF, so only the first word is sure to stay whole."""
    import html
    import re

    page = (output / "tables" / f"{stem}.html").read_text(encoding="utf-8")
    headers = [html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in re.findall(r'<th scope="col">(.*?)</th>', page)]
    return [header.split()[0] for header in headers if header.strip()]


# ---------------------------------------------------------------------------------------------------- Word

def test_every_docx_reopens_with_the_estimates_in_its_cells(output):
    import docx

    for stem, record in _records(output).items():
        document = docx.Document(str(output / "tables" / f"{stem}.docx"))
        assert len(document.tables) == 1, stem
        # a kind with several tables (synthetic control: balance, then weights) titles each "<title>: <what>"
        assert document.paragraphs[0].text.startswith(record["title"]), stem
        rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
        if record.get("kind") == "synthetic_control":
            _check_balance_cells(stem, record, rows)
        elif record["models"]:
            _check_regression_cells(stem, record, rows)
        else:
            _check_value_cells(stem, record, rows)


def _strip_stars(text: str) -> str:
    return text.rstrip("*")


def _check_regression_cells(stem: str, record: dict, rows: list[list[str]]) -> None:
    digits, labels = record.get("digits", 3), record.get("labels", {})
    by_label = {row[0]: i for i, row in enumerate(rows) if row[0]}
    checked = 0
    for column, model in enumerate(record["models"], start=1):
        for term, estimate in model["params"].items():
            label = labels.get(term, term)
            if label not in by_label or estimate is None:
                continue
            r = by_label[label]
            assert _strip_stars(rows[r][column]) == format_number(estimate, digits), (stem, model["name"], term)
            se = model["std_errors"][term]
            assert rows[r + 1][column] == f"({format_number(se, digits)})", (stem, model["name"], term)
            checked += 1
    assert checked >= len(record["models"]), (stem, checked)


def _check_balance_cells(stem: str, record: dict, rows: list[list[str]]) -> None:
    """A synthetic control's main table is its predictor balance: each predictor's row holds the record's values."""
    digits = record.get("digits", 3)
    balance = record["models"][0]["balance"]
    assert len(rows) == len(balance) + 1, stem
    for row, fact in zip(rows[1:], balance):
        assert row[1:4] == [format_number(fact[k], digits) for k in ("treated", "synthetic", "donor_mean")], stem


def _check_value_cells(stem: str, record: dict, rows: list[list[str]]) -> None:
    """Frame tables (descriptives, the multiverse summary): every number of the record is in the Word table."""
    texts = {cell.replace(",", "") for row in rows for cell in row[1:]}
    numbers = [v for values in record["values"].values() for v in values.values() if isinstance(v, (int, float))]
    assert numbers, stem
    found = 0
    for value in numbers:
        candidates = {format_number(value, d).replace(",", "") for d in range(0, 4)}
        found += bool(candidates & texts)
    assert found >= 0.9 * len(numbers), (stem, found, len(numbers))


# ------------------------------------------------------------------------------------------------- browser

@pytest.fixture(scope="module")
def browser():
    if CHROMEDRIVER is None or CHROMIUM is None:
        pytest.skip("no headless Chromium: apt-get install chromium chromium-driver")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (extra 'dev')")
    import tempfile

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="griparm-chromium-")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}",
                 "--window-size=1280,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


_LOAD_IMAGES = """
const done = arguments[arguments.length - 1];
Promise.all(Array.from(document.images).map(img => { img.loading = 'eager';
  return img.decode().then(() => [img.getAttribute('src'), img.naturalWidth],
                           () => [img.getAttribute('src'), 0]); })).then(done);
"""


def test_index_page_in_chromium(output, browser):
    index = output / "index.html"
    browser.get(index.as_uri())
    records = _records(output)

    # Every image loads (lazy ones too).
    browser.set_script_timeout(60)
    images = browser.execute_async_script(_LOAD_IMAGES)
    assert images and all(width > 0 for _, width in images), images

    # Every table is there inline and visible.
    from selenium.webdriver.common.by import By

    tables = browser.find_elements(By.CSS_SELECTOR, "section table")
    assert len(tables) == len(records), (len(tables), sorted(records))
    for table in tables:
        assert table.is_displayed() and table.size["height"] > 50, table.get_attribute("outerHTML")[:200]
    captions = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "section table caption")]
    titles = sorted(r["title"] for r in records.values())
    assert len(captions) == len(titles) and all(any(c.startswith(t) for c in captions) for t in titles), captions

    # No broken link: every file a link points to exists, every fragment names an element.
    for href in browser.execute_script("return Array.from(document.links).map(a => a.href)"):
        parsed = urlparse(href)
        assert parsed.scheme == "file", href
        assert Path(unquote(parsed.path)).is_file(), href
        if parsed.fragment and Path(unquote(parsed.path)) == index:
            assert browser.find_elements(By.ID, parsed.fragment), href

    # A clean console.
    problems = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert not problems, problems

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(height + 200, 16_000))
    browser.save_screenshot(str(SCREENSHOTS / "index.png"))

    # A narrow screen: the page keeps to its width; a wide table scrolls inside its own box.
    browser.set_window_size(400, 900)
    overflow = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert overflow[0] <= overflow[1], f"the page is {overflow[0]} px wide on a {overflow[1]} px screen"
    boxes = browser.execute_script(
        "return Array.from(document.querySelectorAll('.table-scroll'))"
        ".map(b => [b.clientWidth, b.scrollWidth, getComputedStyle(b).overflowX])")
    assert len(boxes) == len(records)
    assert all(client <= overflow[1] and style == "auto" for client, _, style in boxes), boxes
    assert any(scroll > client for client, scroll, _ in boxes), "no table is wider than 400 px?"
    browser.save_screenshot(str(SCREENSHOTS / "index-400px.png"))
    assert (SCREENSHOTS / "index.png").stat().st_size > 10_000


# LaTeX's default article page (letter, 10 pt, its own wide margins) with exactly the documented preamble: the layout
# must hold there as well as on the 1-inch page above. The text area is read from TeX itself.
DEFAULT_ARTICLE = ("\\documentclass{article}\n"
                   f"\\usepackage{{{','.join(LATEX_PACKAGES)}}}\n"
                   "\\pagestyle{empty}\n\\begin{document}\n\\input{TABLE}\n"
                   "\\typeout{AREA \\the\\oddsidemargin\\space\\the\\textwidth\\space\\the\\topmargin"
                   "\\space\\the\\headheight\\space\\the\\headsep\\space\\the\\textheight}\n"
                   "\\end{document}\n")


@pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
                    reason="no TeX engine (pdflatex) or pdftotext: apt-get install texlive-latex-base "
                           "texlive-latex-recommended poppler-utils")
def test_every_table_stays_on_the_page_in_the_default_article_class(output, tmp_path):
    import re

    failures = {}
    for stem, record in _records(output).items():
        document = tmp_path / f"{stem}_article.tex"
        document.write_text(DEFAULT_ARTICLE.replace("TABLE", (output / "tables" / f"{stem}.tex").as_posix()),
                            encoding="utf-8")
        done = subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode", "-no-shell-escape",
                               document.name], cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (stem, done.stdout[-2000:])
        side, width, top, head, sep, height = (float(v[:-2]) / 72.27 * 72 for v in
                                               re.search(r"AREA (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)",
                                                         done.stdout).groups())
        x0, y0 = 72 + side, 72 + top + head + sep
        area = (x0, y0, x0 + width, y0 + height)
        pdf = tmp_path / f"{stem}_article.pdf"
        page = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
        words = re.findall(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">', page)
        outside = sum(1 for box in words for b in [[float(c) for c in box]]
                      if b[0] < area[0] - 1 or b[1] < area[1] - 1 or b[2] > area[2] + 1 or b[3] > area[3] + 1)
        text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
        text = text.replace("\u2019", "'")      # TeX sets an apostrophe as a right quote
        log = (tmp_path / f"{stem}_article.log").read_text(encoding="latin-1")
        problems = [p for p, bad in (("words outside the text area: %d" % outside, outside),
                                     ("Float too large", "Float too large" in log),
                                     ("caption not in the PDF", record["title"].split(":")[0] not in text)) if bad]
        if problems:
            failures[stem] = problems
    assert not failures, failures


# A desktop screen shows every column of a table of up to this many data columns without sideways scrolling; a wider
# table (Table 4's nine specifications) may scroll inside its own box, its notes still wrapped to the page.
DESKTOP_FIT_COLUMNS = 6


def test_tables_on_the_index_page_show_their_columns_on_a_desktop_screen(output, browser):
    browser.get((output / "index.html").as_uri())
    browser.set_window_size(1280, 900)
    boxes = browser.execute_script(
        "return Array.from(document.querySelectorAll('.table-scroll')).map(b => [b.getAttribute('aria-label'),"
        " b.clientWidth, b.scrollWidth, Math.max(...Array.from(b.querySelectorAll('thead tr')).map(r =>"
        " Array.from(r.children).reduce((n, c) => n + (c.colSpan || 1), 0))) - 1])")
    hidden = {label: f"{scroll} px of a {columns}-column table in a {client} px box"
              for label, client, scroll, columns in boxes if scroll > client and columns <= DESKTOP_FIT_COLUMNS}
    assert not hidden, hidden
    # Notes sit outside the scrolling box and wrap to the page's width.
    notes = browser.execute_script(
        "return [document.querySelectorAll('.table-scroll tfoot').length, document.documentElement.clientWidth,"
        " Array.from(document.querySelectorAll('.table-notes')).map(n => [n.scrollWidth, n.clientWidth])]")
    assert notes[0] == 0, "notes inside a scrolling box"
    assert notes[2] and all(scroll <= client <= notes[1] for scroll, client in notes[2]), notes
