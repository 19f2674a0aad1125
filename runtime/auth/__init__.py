"""runtime/auth."""
