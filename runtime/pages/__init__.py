"""runtime/pages."""
