"""Home page: what each page teaches, in a few lines."""

import streamlit as st

from pages.streamlit_internals import through_app_navigation

through_app_navigation()

st.title("ConvLab")
st.markdown(
    "See how a convolution layer learns, and why convolutional networks cope with shifted images "
    "better than fully connected ones."
)

left, right = st.columns(2, gap="large")
with left, st.container(border=True):
    st.subheader("✍️ Convolution by hand")
    st.markdown(
        "The classic exercise, solved live: a 1-D convolution's outputs, the squared-error loss, the "
        "gradients of the weights, the bias and the input, and one step of gradient descent, every number "
        "written out and exact. Change any number and watch the solution follow; practise with your own "
        "answers; run hundreds of steps and watch a learning rate converge or explode."
    )
    st.page_link("pages/convolution.py", label="Open the exercise", icon="➡️")
    # Short labels: a page link is one line, cut short in a half-width column on a projector's 1024 pixels.
    st.page_link(
        "pages/worksheets.py",
        label="Worksheets with answer keys",
        icon="🖨️",
        help="For teachers: exercise sheets to print or share, each with its answer key.",
    )
with right, st.container(border=True):
    st.subheader("🔀 Equivariance lab")
    st.markdown(
        "Train an MLP and a CNN on handwritten digits, then shift the test images a few pixels. At the default "
        "settings, shifted by 2 pixels, the MLP loses far more accuracy than the CNN, whose feature maps move with "
        "the input. Change the settings and drag the sliders to see where that stops being true: at the borders, "
        "after pooling, with another head."
    )
    st.page_link("pages/equivariance.py", label="Open the lab", icon="➡️")
    st.page_link(
        "pages/compare.py",
        label="Compare every fix",
        icon="⚖️",
        help="The CNN with each fix for shifts, one at a time and side by side, with the MLP beside them.",
    )
