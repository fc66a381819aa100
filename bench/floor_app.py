"""The floor: the least a Streamlit page can cost on this machine, for the benchmark to compare against.

One text box (Intake's number boxes are text boxes) and one radio, served with the same config and working directory as the app.
"""

import streamlit as st

st.text_input("Value", key="v", max_chars=8)
st.radio("Choice", ["First", "Second"], key="c")
