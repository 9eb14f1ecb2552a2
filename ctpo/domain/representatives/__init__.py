"""Representatives: the public list of patent attorneys, powers of attorney, and who acts for whom."""
