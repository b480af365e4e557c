"""A rule pack as an organisation would ship one: rules declared like the built-in ones.

Installed into the test environment with ``pip install -e tests/rulepack``; its entry
point ``testpack`` in the group ``flake8_stateless.rules`` names ``RULES``. The rules
only look at the made-up ``acme_cluster`` library, so they stay silent everywhere else.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_stateless.context import Context, FunctionNode
from flake8_stateless.patterns import Pattern
from flake8_stateless.registry import Finding, Rule, no_ast_check


def check_pinned_node(
    node: ast.AST, function: FunctionNode | None, context: Context
) -> Iterator[Finding]:
    if (
        isinstance(node, ast.Call)
        and context.qualified_name(node.func) == "acme_cluster.pin_to_node"
    ):
        yield PINNED_NODE.finding(node, call=ast.unparse(node.func))


PINNED_NODE = Rule(
    code="SLS950",
    name="acme-pinned-node",
    message="{call}() pins this user to one node; route through acme_cluster.any_node()",
    summary="Code pins a user to one node of the Acme cluster.",
    rationale="A pinned user loses their session when the node is replaced.",
    bad_example="import acme_cluster\n\nacme_cluster.pin_to_node('web-1')\n",
    good_example="import acme_cluster\n\nacme_cluster.any_node()\n",
    node_types=(ast.Call,),
    check=check_pinned_node,
    scope="module",
)

LOCAL_REGISTRY = Rule(
    code="SLS951",
    name="acme-local-registry",
    message="{what} keeps the service registry in this process; use acme_cluster.SharedRegistry",
    summary="The Acme service registry is created in process memory.",
    rationale="Each process would see its own registry.",
    bad_example="registry = acme_cluster.LocalRegistry()\n",
    good_example="registry = acme_cluster.SharedRegistry()\n",
    node_types=(),
    check=no_ast_check,
    scope="config",
    patterns=(
        Pattern(
            rule={
                "kind": "call",
                "has": {"field": "function", "pattern": "$CLASS", "regex": r"LocalRegistry$"},
            },
            triggers=("LocalRegistry",),
            values={"what": "$CLASS()"},
        ),
    ),
)

RULES = (PINNED_NODE, LOCAL_REGISTRY)
