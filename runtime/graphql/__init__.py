"""runtime/graphql."""
