"""`ssl-course new NN`: a new chapter's files, made from its syllabus entry.

It writes, and never overwrites:
- `chapters/NN_slug.py`                  the chapter source (one exercise section per syllabus id)
- `ssl_course/course/exercises/chNN.py`  the exercises' checks, loaded by id
- `ssl_course/course/quizzes/chNN.py`    the interview drill's quizzes, loaded by id
- `tests/mutants/chNN.py`                known-wrong implementations the checks must reject
- `ssl_course/<topic>/<module>.py`       each reference module the syllabus names that does not exist yet

Every placeholder says `TODO(scaffold)`: the scaffold builds, runs and passes as it is, and
`tests/test_layout.py` fails while a written chapter still holds one.
"""
from __future__ import annotations

from pathlib import Path

from .build import SOURCES_DIR, repo_root
from .syllabus import Chapter, chapter

TODO = "TODO(scaffold)"


def _name(exercise_id: str) -> str:
    return exercise_id.split(".", 1)[1]


def chapter_source(ch: Chapter) -> str:
    parts = [f'''# %% [markdown]
# # {ch.number} · {ch.title}
#
# > **问题：** {TODO}: the question, in Chinese, as the seed asks it
# >
# > **Question:** {TODO}: the question in English
#
# **Model answer.** {TODO}: the short answer an interviewer wants to hear.

# %%
import torch

from ssl_course import bar, check, device, quiz, scaled, seed_everything, use_reference_if_unsolved

seed_everything(0)
print("device:", device())

# %% [markdown]
# ## Theory
#
# {TODO}: the idea, with its equations.
#
# ## The common wrong answer
#
# {TODO}: what the usual answer gets wrong, shown running.
''']
    for ex in ch.exercises:
        name = _name(ex)
        parts.append(f'''
# %% [markdown]
# ## Exercise {ex}
#
# {TODO}: what to write, the shapes in and out, the edge cases that matter.

# %%
def {name}(x: torch.Tensor) -> torch.Tensor:
    """{TODO}: x: (N, D) -> (N, D)."""
    ### BEGIN SOLUTION
    return x.clone()
    ### END SOLUTION


check("{ex}", {name})

# %%
{name} = use_reference_if_unsolved("{ex}", {name})
''')
    parts.append(f'''
# %% [markdown]
# ## The headline experiment
#
# {ch.bar}
#
# {TODO}: the experiment, a known truth to compare with, and its bar.

# %%
value = scaled(1, 1)  # {TODO}: the measured number
bar("{ch.number}.headline", value, ">=", 1)  # {TODO}: the syllabus bar

# %% [markdown]
# ## Interview drill

# %%
quiz("{ch.number}.q1")

# %% [markdown]
# ## Summary
#
# {TODO}
#
# ## References
#
# - {ch.anchor}
''')
    return "".join(parts)


def exercises_module(ch: Chapter) -> str:
    regs = "".join(f'''

def _{_name(ex)}(x: torch.Tensor) -> torch.Tensor:
    """{TODO}: the reference lives in ssl_course/<topic>/<module>.py; import it here."""
    return x.clone()


reference_exercise(
    "{ex}",
    "{_name(ex)}: {TODO} (one line: what it computes)",
    _{_name(ex)}, _cases, _random_matrices(),
    hint="{TODO}: a hint about the idea, not the solution",
)
''' for ex in ch.exercises)
    return f'''"""Chapter {ch.number}: {ch.title}. {TODO}: cases past any chunk size, ties, labels >= 10,
degenerate rows, float64, the meta device - every kind of hole in CONTRIBUTING.md."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ..checks import Case, reference_exercise
from ._common import randn


def _cases():
    yield Case("a 3x4 matrix", (randn(3, 4, seed=1),))
    yield Case("float64 input", (randn(4, 3, seed=2, dtype=torch.float64),))


@st.composite
def _random_matrices(draw):
    n, d, seed = draw(st.integers(1, 300)), draw(st.integers(1, 8)), draw(st.integers(0, 9999))
    return Case(f"random ({{n}}, {{d}}) matrix, seed={{seed}}", (randn(n, d, seed=seed),))
{regs}'''


def mutants_module(ch: Chapter) -> str:
    body = "".join(f'''

# --------------------------------------------------------------------------- {ex}
@mutant("{ex}", "common wrong answer: {TODO} ({ex})")
def _{_name(ex)}_common(x):
    return x.flip(0)


@mutant("{ex}", "{TODO}: a plausible slip ({ex})")
def _{_name(ex)}_scaled(x):
    return 2 * x


@mutant("{ex}", "{TODO}: another one ({ex})")
def _{_name(ex)}_shifted(x):
    return x + 1
''' for ex in ch.exercises)
    return f'''"""Known-wrong implementations for chapter {ch.number}."""
from __future__ import annotations

from . import mutant
{body}'''


def quizzes_module(ch: Chapter) -> str:
    return f'''"""Chapter {ch.number}'s quizzes ({ch.title}): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "{ch.number}.q1",
        "{TODO}: a question with one right answer?",
        {{
            "a": ("{TODO}: the right choice", "Right: {TODO}: why."),
            "b": ("{TODO}: a tempting wrong choice", "No: {TODO}: why not."),
        }},
        correct="a",
    ),
]
'''


def reference_module(path: str, ch: Chapter) -> str:
    return f'''"""{TODO}: one idea, for chapter {ch.number} ({ch.title}); shapes in every docstring, checked
against an independent formulation or a trusted peer in tests/."""
'''


def scaffold(number: str, root: Path | None = None) -> list[Path]:
    """Write the new chapter's files under `root`; return what was written. Refuses a chapter
    whose source exists already, and never overwrites a file."""
    ch = chapter(number)
    root = root or repo_root()
    source = root / SOURCES_DIR / f"{ch.name}.py"
    if source.exists():
        raise FileExistsError(f"chapter {number} exists already: {source}")
    files = {
        source: chapter_source(ch),
        root / "ssl_course" / "course" / "exercises" / f"ch{number}.py": exercises_module(ch),
        root / "ssl_course" / "course" / "quizzes" / f"ch{number}.py": quizzes_module(ch),
        root / "tests" / "mutants" / f"ch{number}.py": mutants_module(ch),
    }
    for path in ch.code:
        target = root / "ssl_course" / path
        for package in target.parents:
            if package == root / "ssl_course":
                break
            if not (package / "__init__.py").exists():
                files.setdefault(package / "__init__.py", f'"""{TODO}: what this topic holds, a line per module."""\n')
        files.setdefault(target, reference_module(path, ch))
    written = []
    for path, text in files.items():
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
