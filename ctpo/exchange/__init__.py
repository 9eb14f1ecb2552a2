"""Data exchange in WIPO XML: ST.96 export of publications and the patent XML formats the corpus loader reads."""
