"""Publication of patent documents: numbers, ST.16 kinds, rendering, corrections, and the public register's reads."""
