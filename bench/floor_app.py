"""The floor: the least a Streamlit page can cost on this machine, for the benchmark to compare against.

One number input and one radio, served with the same config and working directory as the app.
"""

import streamlit as st

st.number_input("Value", key="v", value=None)
st.radio("Choice", ["First", "Second"], key="c")
