"""The app's pages (listed in app.py's st.navigation) and the Streamlit helpers they share."""
