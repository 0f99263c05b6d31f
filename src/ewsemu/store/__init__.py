"""Persistence: SQLAlchemy Core tables generated from the field registry, and the repository over them."""
