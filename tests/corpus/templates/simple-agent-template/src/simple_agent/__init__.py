"""Simple agent template package."""
