"""Services: the API's logic. They raise domain errors (api/errors.py), never HTTP exceptions."""
