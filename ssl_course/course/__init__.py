"""The course machinery, apart from the reference code a learner reads.

- `env.py`          every SSL_COURSE_* environment variable, in one place
- `syllabus.py`     the 31 chapters: titles, parts, exercise ids, bars, where the code lives
- `checks.py`       the grading engine behind `check(...)`
- `loader.py`       chapters loaded one at a time, by the id's prefix
- `exercises/`      one module per chapter: its exercises, loaded by id (`chNN.py`)
- `quizzes/`        one module per chapter: its quizzes, loaded by id (`chNN.py`)
- `quiz.py`         the quiz: a widget in JupyterLab, HTML on the site, text in a terminal
- `kernel.py`       the course's Jupyter kernel (reports no Python version: notebooks open unmodified)
- `progress.py`     the learner's progress file
- `build.py`        one chapter source -> the learner and solution notebooks
- `execute.py`      the one notebook runner (tests, grading, determinism, site)
- `grade.py`        `ssl-course grade`: a notebook graded headless
- `determinism.py`  same seed, same numbers
- `site.py`         the Jupyter Book website
- `scaffold.py`     `ssl-course new NN`: a new chapter's files from its syllabus entry
- `offline/`        refuse every network connection
- `cli.py`          the `ssl-course` command

Nothing here is imported when this package is: each module is loaded when it is needed.
"""
