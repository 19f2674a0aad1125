"""builder/api."""
