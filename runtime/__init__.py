"""Turns a minimomen definition into a running app: database, GraphQL, actionflows, pages."""
