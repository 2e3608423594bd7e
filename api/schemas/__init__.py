"""Wire schemas, named after the OpenAPI components of the official server."""
