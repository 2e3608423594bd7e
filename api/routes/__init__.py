"""One router per resource, aggregated once in `api.app`."""
