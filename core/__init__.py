"""ConvLab's logic, with no Streamlit: the 1-D exercise, the equivariance lab, and what serves a class."""
