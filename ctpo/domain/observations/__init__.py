"""Third-party observations on published applications (EPC Art. 115)."""
