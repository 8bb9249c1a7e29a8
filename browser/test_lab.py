"""The learner's path, in a real browser: JupyterLab started the way `./course lab` starts it (with
its own settings, home and progress file, on a copy of notebooks/), driven by Selenium in
Debian's headless chromium.

- 00_welcome and 01_contrastive_loss open with no kernel dialog and unmodified; run all; no
  error output; figures load; every check says NOT ATTEMPTED.
- A quiz: a wrong click, then the right one; the feedback shows; the quiz cell holds the id alone.
- An exercise typed into its cell: PASSED; a wrong one: FAILED with the case and a hint.
- The interview drill as a widget in a new cell: a quiz, a follow-up, the summary, the record.
- Save, close, reopen: the quizzes are there, no "Error displaying widget".
- A JupyterLab terminal runs `ssl-course progress`, which shows what was just done.

Each check is a function, shown to fail on a broken input (a quiz that leaks its answer, a
terminal without the course on its PATH). Screenshots go to build/lab/screenshots/.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from ssl_course.course.drill import Session
from ssl_course.course.env import CACHE_ENV, HOME_ENV
from ssl_course.course.quiz import chapter_quizzes
from ssl_course.course.syllabus import chapter

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "lab" / "screenshots"
WAIT = 180  # seconds: a notebook's run, or a kernel's start, on a slow 2-core machine
CORRECT = "def normalize_rows(x, eps=1e-12): return x / x.norm(dim=1, keepdim=True).clamp_min(eps)"
WRONG = "def normalize_rows(x, eps=1e-12): return x / x.norm(dim=0, keepdim=True).clamp_min(eps)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`./course lab` on a copy of notebooks/, its own home, settings and progress file; the
    PATH it starts with does not hold the course (./course lab must put it there)."""
    tmp = tmp_path_factory.mktemp("lab")
    notebooks = tmp / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks)
    port, token = _free_port(), secrets.token_hex(12)
    venv_bin = str(ROOT / ".venv" / "bin")
    env = {**os.environ, "HOME": str(tmp / "home"), HOME_ENV: str(tmp / "course-home"),
           "JUPYTER_CONFIG_DIR": str(tmp / "jupyter-config"), "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
           CACHE_ENV: os.environ.get(CACHE_ENV) or str(Path.home() / ".cache" / "ssl_course"),
           "PATH": os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != venv_bin)}
    env.pop("VIRTUAL_ENV", None)
    env.pop("MPLBACKEND", None)  # the test session's Agg would keep the figures out of the notebooks
    (tmp / "home").mkdir()
    # Render every cell (JupyterLab 4 otherwise draws only the cells in view), so the page can be read.
    tracker = tmp / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    log = open(tmp / "lab.log", "w")
    proc = subprocess.Popen(
        [str(ROOT / "course"), "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebooks}",
         f"--LabApp.user_settings_dir={tmp / 'settings'}", f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
         "--LabApp.expose_app_in_browser=True"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + WAIT
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail(f"JupyterLab did not start:\n{(tmp / 'lab.log').read_text()[-3000:]}", pytrace=False)
            time.sleep(0.5)
    yield dict(url=url, token=token, notebooks=notebooks, course_home=tmp / "course-home", log=tmp / "lab.log")
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
    log.close()


# ----------------------------------------------------------------------------- driving JupyterLab
def _wait(driver, script: str, what: str, *args, timeout: float = WAIT):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.25).until(
            lambda d: d.execute_script(f"return {script}", *args))
    except TimeoutException:
        _screenshot(driver, "timeout")
        pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}", pytrace=False)


def _command(driver, command: str, args: dict | None = None):
    """Run a JupyterLab command (the app is exposed as window.jupyterapp) and wait for it."""
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.jupyterapp.commands.execute(arguments[0], arguments[1]).then(() => done('ok'), e => done(String(e)));",
        command, args or {})
    assert result == "ok", f"{command} failed: {result}"


PANEL = "window.jupyterapp.shell.currentWidget"


def _screenshot(driver, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def _open(driver, lab, name: str):
    """Open notebooks/<name>.ipynb; wait for its kernel to be idle."""
    _command(driver, "docmanager:open", {"path": f"{name}.ipynb"})
    _wait(driver, f"{PANEL} && {PANEL}.context && {PANEL}.context.path === arguments[0]", f"{name} to open",
          f"{name}.ipynb")
    _wait(driver, f"{PANEL}.sessionContext.session && {PANEL}.sessionContext.session.kernel && "
                  f"{PANEL}.sessionContext.session.kernel.status === 'idle'", f"{name}'s kernel to start")


def _run_all(driver, name: str):
    _command(driver, "notebook:run-all-cells")
    _wait(driver, f"{PANEL}.content.widgets.filter(c => c.model.type === 'code')"
                  f".every(c => c.model.executionCount !== null && c.promptNode.textContent.indexOf('*') < 0)"
                  f" && {PANEL}.sessionContext.session.kernel.status === 'idle'", f"{name} to run to the end")


def _outputs(driver) -> list[dict]:
    """Every output of the open notebook, as nbformat JSON."""
    return driver.execute_script(
        f"return {PANEL}.content.widgets.filter(c => c.model.type === 'code')"
        ".flatMap(c => c.model.outputs.toJSON())")


def _cell_index(driver, pattern: str) -> int:
    index = driver.execute_script(
        f"return {PANEL}.content.widgets.findIndex(c => c.model.type === 'code' && "
        "c.model.sharedModel.getSource().includes(arguments[0]))",
        pattern)
    assert index >= 0, f"no cell holds {pattern!r}"
    return index


def _cell_text(driver, index: int) -> str:
    return driver.execute_script(f"return {PANEL}.content.widgets[arguments[0]].outputArea.node.innerText", index)


# ----------------------------------------------------------------------------- the checks, one function each
def check_opened_cleanly(driver) -> None:
    assert not driver.find_elements("css selector", ".jp-Dialog"), "a dialog (kernel choice?) on opening"
    assert driver.execute_script(f"return {PANEL}.context.model.dirty") is False, \
        "the notebook is marked modified before anything ran"


def check_ran_cleanly(outputs: list[dict], images: list[int], checks: list[str], exercises: tuple) -> None:
    errors = [o for o in outputs if o["output_type"] == "error"]
    assert not errors, f"error output: {errors[0]['ename']}: {errors[0]['evalue']}"
    stderr = [o["text"] for o in outputs if o.get("name") == "stderr" and re.search(r"Error|Traceback", "".join(o["text"]))]
    assert not stderr, f"an error on stderr: {stderr[0]!r}"
    assert images and all(w > 0 for w in images), f"figures that did not load: widths {images}"
    assert len(checks) == len(exercises) and all("NOT ATTEMPTED" in c for c in checks), \
        f"checks of an unsolved notebook: {checks}"


def check_progress_bars(bars: list[str]) -> None:
    """Every progress bar stays, finished, with its rate (none flashes empty and vanishes)."""
    assert bars, "no progress bar shown"
    unfinished = [b for b in bars if "100%" not in b or not re.search(r"(it/s|s/it)", b)]
    assert not unfinished, f"progress bars not shown finished with a rate: {unfinished[:2]}"


def check_quiz_hides_its_answer(notebook: dict, quiz_id: str) -> None:
    """The learner notebook holds the quiz's id alone: no answer, no explanation."""
    q = chapter_quizzes(quiz_id[:2])[quiz_id]
    text = json.dumps(notebook)
    leaks = [why for _, why in q.choices.values() if json.dumps(why)[1:-1] in text]
    assert not leaks and f'answer=\\"{q.correct}\\"' not in text, f"{quiz_id} leaks its answer: {leaks[:1]}"
    sources = ["".join(c["source"]) for c in notebook["cells"]
               if c["cell_type"] == "code" and f'"{quiz_id}"' in "".join(c["source"])]
    assert sources == [f'quiz("{quiz_id}")'], f"the cell of {quiz_id} holds more than its id: {sources}"


def check_progress_output(text: str) -> None:
    assert "exercises" in text and re.search(r"^00\s+1/1\s", text, re.M), \
        f"`ssl-course progress` in the terminal did not show 00.hello passed: {text[-400:]!r}"
    assert re.search(r"^01\s+0/2\s+1/3\s+0\s", text, re.M), f"the quiz answered in 01 is missing: {text[-400:]!r}"


# ----------------------------------------------------------------------------- the learner's path
def test_the_learners_path(lab, browser):
    driver = browser
    driver.get(f"{lab['url']}/lab?token={lab['token']}&reset")
    _wait(driver, "window.jupyterapp && window.jupyterapp.shell && document.querySelector('.jp-Launcher')",
          "JupyterLab and its Launcher")
    kernels = driver.execute_script(
        "return [...document.querySelectorAll('.jp-Launcher-section')].filter(s => /Notebook/.test(s.innerText))"
        ".flatMap(s => [...s.querySelectorAll('.jp-LauncherCard')].map(c => c.innerText))")
    _screenshot(driver, "launcher")
    assert len(kernels) == 1, f"the Launcher offers {len(kernels)} notebook kernels: {kernels}"

    for name in ("00_welcome", "01_contrastive_loss"):
        original = json.loads((lab["notebooks"] / f"{name}.ipynb").read_text())
        for qid in chapter_quizzes(name[:2]):
            check_quiz_hides_its_answer(original, qid)
        _open(driver, lab, name)
        check_opened_cleanly(driver)
        _run_all(driver, name)
        images = driver.execute_script(f"return [...{PANEL}.node.querySelectorAll('.jp-OutputArea-output img')]"
                                       ".map(i => i.naturalWidth)")
        checks = driver.execute_script(f"return [...{PANEL}.node.querySelectorAll('.ssl-check')].map(c => c.innerText)")
        _screenshot(driver, f"{name}-run-all")
        check_ran_cleanly(_outputs(driver), images, [c.upper() for c in checks], chapter(name[:2]).exercises)
        if name == "01_contrastive_loss":  # the critic's training loops
            check_progress_bars(driver.execute_script(
                f"return [...{PANEL}.node.querySelectorAll('.widget-hbox')].map(b => b.innerText)"
                ".filter(t => t.includes('critic'))"))

        # A quiz: a wrong click, then the right one.
        qid = f"{name[:2]}.q1"
        q = chapter_quizzes(name[:2])[qid]
        index = _cell_index(driver, f'quiz("{qid}")')
        wrong = next(k for k in q.choices if k != q.correct)
        for key, verdict in ((wrong, "Not quite"), (q.correct, "Correct")):
            _click_in_cell(driver, index, key, verdict, qid)
        _screenshot(driver, f"{name}-quiz")

    # An exercise, typed into its cell: right, then wrong. (00_welcome, reopened.)
    _open(driver, lab, "00_welcome")
    index = _cell_index(driver, "def normalize_rows")
    for code, verdict in ((CORRECT, "PASSED"), (WRONG, "FAILED")):
        _type_into_cell(driver, index, f'{code}\ncheck("00.hello", normalize_rows)')
        _wait(driver, f"{PANEL}.content.widgets[arguments[0]].outputArea.node.innerText.toUpperCase().includes(arguments[1])",
              f"the check to say {verdict}", index, f"[{verdict}]")
        text = _cell_text(driver, index)
        if verdict == "FAILED":
            assert "case:" in text and "hint:" in text, f"a failed check without its case and hint: {text!r}"
        _screenshot(driver, f"exercise-{verdict.lower()}")
    _type_into_cell(driver, index, f'{CORRECT}\ncheck("00.hello", normalize_rows)')
    _wait(driver, f"{PANEL}.content.widgets[arguments[0]].outputArea.node.innerText.includes('[PASSED]')",
          "the check to pass again", index)

    # The interview drill as a widget, in a new cell below: a quiz answered right, then a
    # follow-up revealed and rated "good"; the summary; both answers in the lab's progress file.
    driver.execute_script(f"{PANEL}.content.activeCellIndex = arguments[0]", index)
    _command(driver, "notebook:insert-cell-below")
    drill_cell, items = index + 1, Session.start("00", n=2, seed=1, record=False).items
    assert [i.kind for i in items] == ["quiz", "follow-up"], "pick another seed: the drill should show both kinds"
    _type_into_cell(driver, drill_cell, 'from ssl_course import drill\ndrill(chapters="00", n=2, seed=1)')
    for k, item in enumerate(items, 1):
        _wait(driver, f"{PANEL}.content.widgets[arguments[0]].outputArea.node.innerText.includes(arguments[1])",
              f"the drill's question {k}", drill_cell, f"[{k}/2] chapter 00")
        if item.kind == "quiz":
            _click_in_cell(driver, drill_cell, item.quiz.correct, "Correct.", "the drill's quiz")
        else:
            _click_in_cell(driver, drill_cell, "Show the answer", "Model answer", "the drill's follow-up")
            assert item.answer.split()[0] in _cell_text(driver, drill_cell), "the model answer is not shown"
            _click_in_cell(driver, drill_cell, "good", "Rated good", "the drill's follow-up")
        assert "Box 2 of 5: due again in 1 day." in _cell_text(driver, drill_cell)
        _screenshot(driver, f"drill-{k}")
        _click_in_cell(driver, drill_cell, "Next question" if k < len(items) else "Show the summary",
                       "Asked 2, right 2" if k == len(items) else f"[{k + 1}/2]", "the drill")
    _screenshot(driver, "drill-summary")
    record = json.loads((lab["course_home"] / "progress.json").read_text()).get("drill", {})
    assert {i.id: record.get(i.id, {}).get("box") for i in items} == {i.id: 2 for i in items}, \
        f"the drill's answers are not in the progress file: {record}"

    # Save, close, reopen: the widgets come back from the saved state.
    _command(driver, "docmanager:save")
    saved = json.loads((lab["notebooks"] / "00_welcome.ipynb").read_text())
    assert "application/vnd.jupyter.widget-state+json" in saved["metadata"].get("widgets", {}), \
        "the saved notebook holds no widget state"
    _command(driver, "docmanager:save-all")
    _command(driver, "application:close-all")
    _wait(driver, "![...window.jupyterapp.shell.widgets('main')].some(w => w.context)", "every notebook to close")
    _command(driver, "docmanager:open", {"path": "00_welcome.ipynb"})
    _wait(driver, f"{PANEL} && {PANEL}.context && {PANEL}.context.isReady", "00_welcome to reopen")
    _wait(driver, f"{PANEL}.node.querySelectorAll('.widget-toggle-buttons').length >= arguments[0]",
          "the quizzes to come back", len(chapter_quizzes("00")))
    time.sleep(2)  # let every widget view render (or fail to)
    _screenshot(driver, "reopened")
    page = driver.find_element("css selector", "body").text
    assert "Error displaying widget" not in page and "model not found" not in page, "a widget error on reopening"

    # A JupyterLab terminal knows the course.
    from selenium.webdriver.common.action_chains import ActionChains

    _command(driver, "terminal:create-new")
    _wait(driver, "document.querySelector('.jp-Terminal .xterm-screen')", "a terminal")
    time.sleep(2)  # the shell's prompt
    driver.find_element("css selector", ".jp-Terminal .xterm-screen").click()
    out, without = lab["notebooks"].parent / "progress.txt", lab["notebooks"].parent / "without-course.txt"
    ActionChains(driver).send_keys(f"ssl-course progress > {out} 2>&1; env PATH=/usr/bin:/bin ssl-course "
                                   f"progress > {without} 2>&1\n").perform()
    deadline = time.time() + 60
    while not (without.exists() and without.read_text() or time.time() > deadline):  # the second command ran
        time.sleep(0.5)
    _screenshot(driver, "terminal")
    check_progress_output(out.read_text() if out.exists() else "")
    assert str(lab["course_home"]) in out.read_text(), "the terminal's progress is not the lab's own"
    # The same check fails on a terminal without the course on its PATH.
    with pytest.raises(AssertionError, match="did not show"):
        check_progress_output(without.read_text())


def _click_in_cell(driver, index: int, label: str, then: str, what: str) -> None:
    """Click the button labelled `label` in the output of cell `index`, then wait for the
    output to show the text `then`."""
    button = driver.execute_script(
        f"return [...{PANEL}.content.widgets[arguments[0]].outputArea.node.querySelectorAll('button')]"
        ".find(b => b.innerText.trim() === arguments[1])", index, label)
    assert button is not None, f"{what} shows no button {label!r}"
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    _wait(driver, f"{PANEL}.content.widgets[arguments[0]].outputArea.node.innerText.includes(arguments[1])",
          f"{what}: {then!r} after clicking {label!r}", index, then)


def _type_into_cell(driver, index: int, code: str) -> None:
    """Click into the cell's editor, select all, type `code` with the keyboard, run it (Shift+Enter)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    editor = driver.execute_script(f"const c = {PANEL}.content.widgets[arguments[0]]; "
                                   "c.node.scrollIntoView({block: 'center'}); return c.node.querySelector('.cm-content')", index)
    editor.click()
    ActionChains(driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys(Keys.DELETE).perform()
    for i, line in enumerate(code.split("\n")):
        if i:
            editor.send_keys(Keys.ENTER)  # after a one-line def, the editor does not indent
        editor.send_keys(line)
    typed = driver.execute_script(f"return {PANEL}.content.widgets[arguments[0]].model.sharedModel.getSource()", index)
    assert typed == code, f"typing gave {typed!r}"
    ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()


# ----------------------------------------------------------------------------- the checks can fail
def test_the_quiz_check_catches_a_leaked_answer():
    nb = json.loads((ROOT / "notebooks" / "00_welcome.ipynb").read_text())
    q = chapter_quizzes("00")["00.q1"]
    for cell in nb["cells"]:
        if "".join(cell["source"]) == 'quiz("00.q1")':
            cell["source"] = (f'quiz("00.q1", {q.question!r}, {dict(q.choices)!r}, answer="{q.correct}")')
    with pytest.raises(AssertionError, match="leaks its answer"):
        check_quiz_hides_its_answer(nb, "00.q1")


def test_the_run_check_catches_errors_and_solved_checks():
    ok = dict(output_type="stream", name="stdout", text="fine")
    with pytest.raises(AssertionError, match="error output"):
        check_ran_cleanly([ok, dict(output_type="error", ename="ValueError", evalue="x", traceback=[])], [10],
                          ["[NOT ATTEMPTED]"], ("00.hello",))
    with pytest.raises(AssertionError, match="unsolved"):
        check_ran_cleanly([ok], [10], ["[PASSED] 00.HELLO"], ("00.hello",))
    with pytest.raises(AssertionError, match="figures"):
        check_ran_cleanly([ok], [0], ["[NOT ATTEMPTED]"], ("00.hello",))


def test_the_progress_bar_check_catches_a_bar_left_empty():
    check_progress_bars(["critic, rho=0.50: 100%\n400/400 [00:01<00:00, 350.2it/s]"])
    with pytest.raises(AssertionError, match="finished"):
        check_progress_bars(["critic, rho=0.50:   0%\n0/400 [00:00<?, ?it/s]"])
