"""The built website in a real browser: Debian's chromium, headless, driven by Selenium through
Debian's chromedriver (nothing is downloaded), the site served from build/site on localhost.

Run after `./course site` (`./course test` does both). Where chromium is not installed the
tests are skipped with a message, except under CI or SSL_COURSE_REQUIRE_BROWSER=1, where a
missing browser fails.

Every chapter page: its title, at least one figure loaded, no error output or traceback,
equations typeset, a folded solution hidden until clicked, quizzes and check results as HTML,
the learner notebook offered for download, no launch button. Search finds "InfoNCE" and
"MAML". A screenshot of each page goes to build/site/screenshots/.
"""
from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
import urllib.request
from pathlib import Path

import pytest

from ssl_course.course import syllabus
from ssl_course.course.build import SOURCES_DIR, sources

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "build" / "site" / "_build" / "html"
SHOTS = ROOT / "build" / "site" / "screenshots"
CHAPTERS = [p.stem for p in sources(ROOT)]
WAIT = 30  # seconds: a page, its images and MathJax on a slow machine


def _title(chapter: str) -> str:
    """The chapter's title: the first '# ' heading of its source."""
    for line in (ROOT / SOURCES_DIR / f"{chapter}.py").read_text().splitlines():
        if line.startswith("# # "):
            return line[4:].strip()
    raise AssertionError(f"{chapter} has no title heading")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(directory: Path):
    """An HTTP server for `directory` on a free localhost port, in a thread: (url, server)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}", httpd


@pytest.fixture(scope="session")
def server():
    if not (HTML / "index.html").exists():
        pytest.fail(f"no site in {HTML}: build it first with `./course site`", pytrace=False)
    url, httpd = _serve(HTML)
    yield url
    httpd.shutdown()


def _wait(driver, script: str, what: str, *args):
    """Wait until the JavaScript expression `script` (which may use `arguments[i]` for
    `args[i]`) is truthy; fail naming `what`."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(f"return {script}", *args))
    except TimeoutException:
        pytest.fail(f"timed out after {WAIT} s waiting for {what}", pytrace=False)


def _open(driver, url: str):
    driver.get(url)
    _wait(driver, "document.readyState === 'complete'", f"{url} to load")
    # Typesetting is finished when MathJax has drawn the page's math (or there is none).
    _wait(driver, "!document.querySelector('.math') || document.querySelector('mjx-container')",
          "MathJax to typeset the equations")


def _visible_text(driver, selector: str) -> str:
    """The rendered text of the first element matching `selector` (innerText: what CSS shows,
    folded <details> left out), as WebElement.text gives it but in milliseconds, not seconds,
    on a long page."""
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.innerText : ''",
                                 selector)


def _heading(driver) -> str:
    """The page's visible h1 (the theme also keeps a hidden copy for printing)."""
    return driver.execute_script(
        "const h = [...document.querySelectorAll('main h1')].find(h => h.offsetParent !== null); return h ? h.innerText : ''")


def _screenshot(driver, name: str) -> None:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(height, 800), 12000))
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))
    driver.set_window_size(1280, 1600)


def test_every_chapter_has_a_page():
    pages = sorted(p.stem for p in (HTML / "notebooks").glob("*.html"))
    assert pages == CHAPTERS, f"pages {pages} vs chapters {CHAPTERS}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page(chapter, server, browser):
    check_chapter_page(browser, server, chapter)
    _screenshot(browser, chapter)


def check_chapter_page(browser, server: str, chapter: str) -> None:
    """Every assertion about one chapter's page, served at `server`."""
    from selenium.webdriver.common.by import By

    _open(browser, f"{server}/notebooks/{chapter}.html")
    title = _title(chapter)
    h1 = _heading(browser)
    assert title in h1, f"page heading {h1!r}, expected {title!r}"
    assert title.split(":")[0] in browser.title

    figures = browser.execute_script(
        "return [...document.querySelectorAll('.cell_output img')].map(i => [i.complete, i.naturalWidth])")
    assert figures, "no figure on the page"
    assert all(done and width > 0 for done, width in figures), f"figures not loaded: {figures}"

    text = _visible_text(browser, "main")
    assert "Traceback (most recent call last)" not in text, "a traceback on the page"
    assert not browser.find_elements(By.CSS_SELECTOR, ".output.error, .output.traceback, .output.stderr"), \
        "error or stderr output on the page"
    assert browser.find_elements(By.CSS_SELECTOR, "mjx-container"), "no typeset equation"
    assert "\\frac" not in text and "$$" not in text, "raw TeX left on the page"

    # A folded solution: hidden, then shown by a click.
    folded = browser.find_elements(By.CSS_SELECTOR, ".tag_solution details.hide")
    if chapter != "00_welcome" or folded:
        assert folded, "no folded solution"
        code = folded[0].find_element(By.CSS_SELECTOR, ".cell_input, .highlight")
        assert not code.is_displayed(), "the solution shows before any click"
        summary = folded[0].find_element(By.TAG_NAME, "summary")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", summary)
        summary.click()
        # The theme fades the code in: wait until it is shown (opaque), not just in the DOM.
        _wait(browser, "arguments[0].open && getComputedStyle(arguments[1]).opacity > 0.9", "the solution to show",
              folded[0], code)
        assert code.is_displayed(), "the solution is still hidden after the click"

    # Quizzes and checks read as HTML, without a kernel; no widget placeholder.
    quizzes = browser.find_elements(By.CSS_SELECTOR, ".ssl-quiz")
    assert len(quizzes) >= (1 if chapter == "00_welcome" else 3), f"{len(quizzes)} quizzes"
    answer = quizzes[0].find_element(By.TAG_NAME, "details")
    assert answer.get_attribute("open") is None, "a quiz answer shows unfolded"
    checks = browser.find_elements(By.CSS_SELECTOR, ".ssl-check")
    assert checks and all("PASSED" in browser.execute_script("return arguments[0].innerText", c).upper()
                          for c in checks), "a check result that is not passed"
    assert not browser.find_elements(By.CSS_SELECTOR, ".jupyter-widgets, script[type*='widget']"), "a widget on the page"
    assert "Loading widget" not in text and "widget-view" not in text, "a widget placeholder on the page"

    # The learner notebook, offered for download: exercises unsolved, no outputs.
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a.download")]
    learner = [h for h in links if h and h.endswith(f"/{chapter}.ipynb")]
    assert learner, f"no learner notebook download among {links}"
    nb = json.loads(urllib.request.urlopen(learner[0], timeout=WAIT).read())
    assert not any(c.get("outputs") for c in nb["cells"]), "the download has outputs"
    assert "NotImplementedError" in json.dumps(nb), "the download is not the learner version"

    # Launch buttons are absent unless configured (Binder and Colab could not import ssl_course).
    launch = browser.execute_script(
        "return [...document.querySelectorAll('a')].map(a => a.href).filter(h => /mybinder|colab|hub\\/user-redirect/.test(h))")
    assert not launch, f"launch links that cannot work: {launch}"


# Each breaks one thing in a copy of a built page (old -> new) and names the complaint the
# checks above must make about it.
BREAKAGES = {
    "solution shown unfolded": ('<details class="admonition hide above-input">',
                                '<details class="admonition hide above-input" open>', "shows before any click"),
    "a traceback in the output": ('<div class="cell_output docutils container">',
                                  '<div class="cell_output docutils container"><div class="output stderr"><pre>'
                                  'Traceback (most recent call last):</pre></div>', "a traceback on the page"),
    "a figure that does not load": ('src="../_images/', 'src="../_images/missing-', "figures not loaded"),
    "a check that failed": ("[PASSED]", "[FAILED]", "a check result that is not passed"),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_the_checks_catch_a_broken_page(breakage, browser, tmp_path):
    chapter = "01_contrastive_loss"
    copy = tmp_path / "html"
    shutil.copytree(HTML, copy)
    page = copy / "notebooks" / f"{chapter}.html"
    old, new, complaint = BREAKAGES[breakage]
    assert old in page.read_text(), f"the page no longer holds {old!r}: update this test"
    page.write_text(page.read_text().replace(old, new))
    url, httpd = _serve(copy)
    try:
        with pytest.raises(AssertionError, match=complaint):
            check_chapter_page(browser, url, chapter)
    finally:
        httpd.shutdown()


def test_landing_page(server, browser):
    from selenium.webdriver.common.by import By

    _open(browser, f"{server}/intro.html")
    assert "Self-supervised learning in thirty questions" in _heading(browser)
    figure = browser.execute_script(
        "const i = document.querySelector('main img[src*=chapter_map]'); return i && [i.complete, i.naturalWidth]")
    assert figure and figure[0] and figure[1] > 0, "the chapter map did not load"
    table = browser.find_element(By.CSS_SELECTOR, "main table").text
    assert "✓" in table and "MAML" in table
    unwritten = len(syllabus.CHAPTERS) - len(CHAPTERS)  # every chapter of the syllabus has a row
    assert table.count("not yet written") == unwritten, f"{unwritten} chapters should read 'not yet written'"
    # A bar may land short only as a declared shortfall ("✗ NOT MET: why"), never silently missed.
    assert table.count("✗") == table.count("✗ NOT MET"), "a bar missed in the last run without a declared shortfall"
    fits = browser.execute_script(
        "const t = document.querySelector('#results-of-the-last-run table'); "
        "return t.scrollWidth <= t.parentElement.clientWidth + 1")
    assert fits, "the results table is wider than the page"
    assert "./course start" in _visible_text(browser, "main")
    _screenshot(browser, "landing")


@pytest.mark.parametrize("term, page", [("InfoNCE", "01_contrastive_loss"), ("MAML", "intro")])
def test_search_finds(term, page, server, browser):
    _open(browser, f"{server}/search.html?q={term}")
    _wait(browser, "document.querySelectorAll('#search-results li, ul.search li').length > 0",
          f"search results for {term!r}")
    hrefs = browser.execute_script(
        "return [...document.querySelectorAll('#search-results li a, ul.search li a')].map(a => a.href)")
    assert any(page in h for h in hrefs), f"search for {term!r} did not list {page}: {hrefs}"
    _screenshot(browser, f"search-{term}")
