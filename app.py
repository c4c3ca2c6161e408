"""ConvLab's entry point: page setup and navigation. Run with `streamlit run app.py`."""

import streamlit as st

st.set_page_config(page_title="ConvLab", page_icon="🧮", layout="wide")

pages = [
    st.Page("pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("pages/convolution.py", title="Convolution by hand", icon="✍️", url_path="convolution"),
    st.Page("pages/equivariance.py", title="Equivariance lab", icon="🔀", url_path="equivariance"),
]
st.navigation(pages).run()
