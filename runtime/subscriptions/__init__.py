"""runtime/subscriptions."""
