"""Cross-lingual prior-art search: embedders, indexes, lexical channel, fusion. No web code."""
