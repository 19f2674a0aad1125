"""GraphQL root fields of the auth package: log in / sign up, and role management.

- ``authenticateWithUsername(username, password, register)`` (every role) →
  ``FZ_Account_Auth { account { id username roles } jwt { token } }``;
- ``logout`` (a logged-in account) → ``Boolean``: every token issued to the account so far
  stops working, on every worker (this one at once, others within the role cache's seconds);
- ``changePassword(currentPassword, newPassword)`` (a logged-in account) → ``FZ_Account_Auth``:
  the current password is checked like a login, every earlier token is revoked, a fresh one
  is returned;
- ``fz_assign_role`` / ``fz_remove_role(account_id, role)`` (admin only) → ``FZ_Account``;
- ``fz_account_roles(role, account_id)`` (admin only, read-only) → ``[FZ_Account]``: the
  accounts that hold custom roles, for the designer's role assignment panel.

These fields manage their own connections (``transactional=False``): a failed
login must be counted even though the request ends in an error, and a role
change must be committed before the role cache forgets the account.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
)

from runtime.auth.accounts import authenticate, change_password
from runtime.auth.roles import assign_role, remove_role, revoke_tokens, role_holders
from runtime.graphql.extensions import ExtensionField, TypeRegistry
from runtime.permissions import Grants
from runtime.project import PublishedState
from runtime.types import CLIENT_ADDRESS, BadUserInput, RequestContext


def _types(types: TypeRegistry) -> tuple[Any, Any]:
    bigint, string = types.scalar("bigint"), types.scalar("String")
    account = types.add(
        GraphQLObjectType(
            "FZ_Account",
            lambda: {
                "id": GraphQLField(GraphQLNonNull(bigint)),  # type: ignore[arg-type]
                "username": GraphQLField(string),  # type: ignore[arg-type]
                "roles": GraphQLField(GraphQLNonNull(GraphQLList(GraphQLNonNull(string)))),  # type: ignore[arg-type]
            },
            description="A logged-in account and its roles (`user` plus custom roles).",
        )
    )
    jwt = types.add(GraphQLObjectType("FZ_JWT", lambda: {"token": GraphQLField(GraphQLNonNull(string))}))  # type: ignore[arg-type]
    auth = types.add(
        GraphQLObjectType(
            "FZ_Account_Auth",
            lambda: {"account": GraphQLField(GraphQLNonNull(account)), "jwt": GraphQLField(GraphQLNonNull(jwt))},  # type: ignore[arg-type]
        )
    )
    return account, auth


async def _authenticate(ctx: RequestContext, args: dict[str, Any]) -> dict[str, Any]:
    account, token = await authenticate(ctx.project, args["username"], args["password"], bool(args.get("register")),
                                        address=ctx.headers.get(CLIENT_ADDRESS) or None)
    return {"account": account, "jwt": {"token": token}}


async def _logout(ctx: RequestContext, args: dict[str, Any]) -> bool:
    assert ctx.session.account_id is not None  # the field exists only in a logged-in account's schema
    await revoke_tokens(ctx.project, ctx.session.account_id)
    return True


async def _change_password(ctx: RequestContext, args: dict[str, Any]) -> dict[str, Any]:
    assert ctx.session.account_id is not None
    account, token = await change_password(ctx.project, ctx.session.account_id, args["currentPassword"], args["newPassword"],
                                           address=ctx.headers.get(CLIENT_ADDRESS) or None)
    return {"account": account, "jwt": {"token": token}}


def _account_id(args: dict[str, Any]) -> int:
    try:
        return int(args["account_id"])
    except (TypeError, ValueError) as exc:
        raise BadUserInput("account_id must be an account id (a whole number)") from exc


async def _assign(ctx: RequestContext, args: dict[str, Any]) -> dict[str, Any]:
    return await assign_role(ctx.project, _account_id(args), args["role"])


async def _remove(ctx: RequestContext, args: dict[str, Any]) -> dict[str, Any]:
    return await remove_role(ctx.project, _account_id(args), args["role"])


async def _holders(ctx: RequestContext, args: dict[str, Any]) -> list[dict[str, Any]]:
    account_id = None if args.get("account_id") is None else _account_id(args)
    limit = int(args.get("limit") or 1000)
    if not 1 <= limit <= 10_000:
        raise BadUserInput("limit must be between 1 and 10000")
    return await role_holders(ctx.project, role=args.get("role"), account_id=account_id, limit=limit)


def build_fields(state: PublishedState, grants: Grants, types: TypeRegistry) -> list[ExtensionField]:
    account, auth = _types(types)
    string = types.scalar("String")
    fields = [
        ExtensionField(
            name="authenticateWithUsername",
            operation="mutation",
            field=GraphQLField(
                GraphQLNonNull(auth),
                args={
                    "username": GraphQLArgument(GraphQLNonNull(string)),  # type: ignore[arg-type]
                    "password": GraphQLArgument(GraphQLNonNull(string)),  # type: ignore[arg-type]
                    "register": GraphQLArgument(types.scalar("Boolean"), default_value=False),  # type: ignore[arg-type]
                },
                description="Log in with a username and password; with register: true, sign up first.",
            ),
            resolve=_authenticate,
            transactional=False,
        )
    ]
    if not grants.is_admin and grants.session.account_id is not None:
        fields.append(ExtensionField(
            name="logout",
            operation="mutation",
            field=GraphQLField(GraphQLNonNull(types.scalar("Boolean")),  # type: ignore[arg-type]
                               description="Log out everywhere: every token issued to this account so far stops working."),
            resolve=_logout,
            transactional=False,
        ))
        fields.append(ExtensionField(
            name="changePassword",
            operation="mutation",
            field=GraphQLField(
                GraphQLNonNull(auth),
                args={"currentPassword": GraphQLArgument(GraphQLNonNull(string)),  # type: ignore[arg-type]
                      "newPassword": GraphQLArgument(GraphQLNonNull(string))},  # type: ignore[arg-type]
                description="Change this account's password; earlier tokens stop working and a fresh one is returned.",
            ),
            resolve=_change_password,
            transactional=False,
        ))
    if grants.is_admin:
        role_args = {
            "account_id": GraphQLArgument(GraphQLNonNull(types.scalar("bigint"))),  # type: ignore[arg-type]
            "role": GraphQLArgument(GraphQLNonNull(string)),  # type: ignore[arg-type]
        }
        for name, resolve, verb in (("fz_assign_role", _assign, "Grant"), ("fz_remove_role", _remove, "Revoke")):
            fields.append(
                ExtensionField(
                    name=name,
                    operation="mutation",
                    field=GraphQLField(GraphQLNonNull(account), args=role_args, description=f"{verb} a custom role (admin only)."),
                    resolve=resolve,
                    transactional=False,
                )
            )
        fields.append(
            ExtensionField(
                name="fz_account_roles",
                operation="query",
                field=GraphQLField(
                    GraphQLNonNull(GraphQLList(GraphQLNonNull(account))),
                    args={
                        "role": GraphQLArgument(string),  # type: ignore[arg-type]
                        "account_id": GraphQLArgument(types.scalar("bigint")),  # type: ignore[arg-type]
                        "limit": GraphQLArgument(types.scalar("Int"), default_value=1000),  # type: ignore[arg-type]
                    },
                    description="Accounts that hold custom roles, with their roles; only those holding `role` when given (admin only).",
                ),
                resolve=_holders,
                transactional=False,
            )
        )
    return fields
