"""The graded exercises, one module per chapter; each module registers its exercises."""
