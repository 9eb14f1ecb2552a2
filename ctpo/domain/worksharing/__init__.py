"""Work sharing across the member offices: examiners' profiles, assignment to an examiner of any office, the view."""
