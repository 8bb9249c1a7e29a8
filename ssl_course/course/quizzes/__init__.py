"""Each chapter's quizzes, one module per chapter (`chNN.py`, a list `QUIZZES`), loaded by id:
`quiz("01.q1")` imports `ch01.py` only. The learner notebook holds the id alone, never the
answer or an explanation."""
