"""Streamlit's own floor on this machine: a text field and a slider, each redrawing one line.

The benchmark measures its redraws in the same run as ConvLab's, so that each figure reads against what
Streamlit itself takes here (the websocket round trip, React's render, Chromium's paint).
"""

import time

import streamlit as st

started = time.perf_counter()
text = st.text_input("Text")
st.write(f"You typed: {text}")
value = st.slider("Value", 0, 40, 20)
st.write(f"The slider is at {value}.")
print(f"script floor {1000 * (time.perf_counter() - started):.2f} ms", flush=True)  # read by bench/browser.py
