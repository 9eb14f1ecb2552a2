"""Prior-art search in the service: the corpus in the database, the search engine beside it, the API."""
