"""Pretext tasks: labels made from the data itself (chapter 09).

rotation.py  every image at 0, 90, 180 and 270 degrees, labelled by its rotation (RotNet)
jigsaw.py    a set of tile permutations and images cut into shuffled tiles (Noroozi & Favaro)
"""
