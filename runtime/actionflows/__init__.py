"""runtime/actionflows."""
