"""Who may open a page (``builder.pages.PageAccess``): anyone, logged-in visitors, or some roles."""

from __future__ import annotations

from builder.pages import Page
from runtime.types import Session


def may_open(page: Page, session: Session) -> bool:
    """Whether the visitor may open ``page``; admin always may."""
    access = page.access
    if access.allow == "anyone" or session.is_admin:
        return True
    if session.account_id is None:
        return False
    return access.allow == "logged_in" or any(role in session.roles or role == session.role for role in access.roles)
