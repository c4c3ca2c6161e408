"""ConvLab core: the maths, data, models, training, metrics and charts, with no Streamlit import."""
