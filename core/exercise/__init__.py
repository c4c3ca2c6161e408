"""Convolution by hand: a 1-D convolution layer read from typed numbers, solved exactly, practised and charted."""
