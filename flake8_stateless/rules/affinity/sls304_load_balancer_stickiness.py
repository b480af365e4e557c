"""SLS304 load-balancer-stickiness: sticky sessions switched on in Python infrastructure code.

A pattern rule: AWS CDK, Pulumi, boto3 and the Kubernetes client spell stickiness with
keywords and strings specific enough that the shape alone decides.
"""

from __future__ import annotations

from flake8_stateless.patterns import Pattern
from flake8_stateless.registry import Rule, no_ast_check

_QUOTE = r"""^[rRuU]?["']"""
_TRUE_STRING = r"""[rRuU]?["']true["']"""
_NOT_NONE = {"not": {"regex": r"=\s*None$"}}

PATTERNS = (
    # AWS CDK: ApplicationTargetGroup(..., stickiness_cookie_duration=Duration.hours(1))
    Pattern(
        rule={
            "kind": "keyword_argument",
            "regex": r"^stickiness_cookie_(duration|name)\s*=",
            "has": {"field": "name", "pattern": "$KEYWORD"},
            **_NOT_NONE,
        },
        triggers=("stickiness_cookie_",),
        values={"what": "$KEYWORD"},
    ),
    # AWS CDK: target_group.enable_cookie_stickiness(Duration.hours(1))
    Pattern(
        rule={"pattern": "$GROUP.enable_cookie_stickiness($$$)"},
        triggers=("enable_cookie_stickiness",),
        values={"what": "$GROUP.enable_cookie_stickiness()"},
    ),
    # Pulumi / CDKTF: TargetGroup(..., stickiness=TargetGroupStickinessArgs(type="lb_cookie"))
    # or stickiness={"type": "lb_cookie"}: "enabled" defaults to true there
    Pattern(
        rule={
            "kind": "keyword_argument",
            "regex": r"^stickiness\s*=",
            "has": {"field": "value", "any": [{"kind": "call"}, {"kind": "dictionary"}]},
            "not": {
                "has": {
                    "stopBy": "end",
                    "any": [
                        {
                            "kind": "keyword_argument",
                            "regex": r"^enabled\s*=",
                            "not": {"regex": r"=\s*True$"},
                        },
                        {
                            "kind": "pair",
                            "regex": r"""^[rRuU]?["']enabled["']\s*:""",
                            "not": {"regex": r":\s*True$"},
                        },
                    ],
                }
            },
        },
        triggers=("stickiness",),
        values={"what": "target group stickiness"},
    ),
    # CDK L1 / CloudFormation: TargetGroupAttributeProperty(key="stickiness.enabled", value="true")
    Pattern(
        rule={
            "kind": "call",
            "has": {
                "field": "arguments",
                "all": [
                    {
                        "has": {
                            "kind": "keyword_argument",
                            "regex": r"^key\s*=\s*[rRuU]?[\"']stickiness\.enabled[\"']$",
                        }
                    },
                    {
                        "has": {
                            "kind": "keyword_argument",
                            "regex": r"^value\s*=\s*" + _TRUE_STRING + "$",
                        }
                    },
                ],
            },
        },
        triggers=("stickiness.enabled",),
        values={"what": "stickiness.enabled=true"},
    ),
    # boto3: modify_target_group_attributes(
    #     Attributes=[{"Key": "stickiness.enabled", "Value": "true"}])
    Pattern(
        rule={
            "kind": "dictionary",
            "all": [
                {
                    "has": {
                        "kind": "pair",
                        "regex": _QUOTE + r"""Key["']\s*:\s*[rRuU]?["']stickiness\.enabled["']$""",
                    }
                },
                {
                    "has": {
                        "kind": "pair",
                        "regex": r"""^[rRuU]?["']Value["']\s*:\s*""" + _TRUE_STRING + "$",
                    }
                },
            ],
        },
        triggers=("stickiness.enabled",),
        values={"what": "stickiness.enabled=true"},
    ),
    # CDK: target_group.set_attribute("stickiness.enabled", "true")
    Pattern(
        rule={
            "kind": "call",
            "all": [
                {"has": {"field": "function", "regex": r"\.set_attribute$"}},
                {
                    "has": {
                        "field": "arguments",
                        "regex": r"""^\(\s*[rRuU]?["']stickiness\.enabled["']\s*,\s*"""
                        + _TRUE_STRING,
                    }
                },
            ],
        },
        triggers=("stickiness.enabled",),
        values={"what": "stickiness.enabled=true"},
    ),
    # Classic ELB cookie policies: boto3 create_lb_cookie_stickiness_policy(...),
    # Pulumi aws.elb.LoadBalancerCookieStickinessPolicy(...), aws.lb.CookieStickinessPolicy(...)
    Pattern(
        rule={
            "kind": "call",
            "has": {
                "field": "function",
                "pattern": "$POLICY",
                "regex": r"(?i)(^|[._])(app_|lb_|load_?balancer_?)?cookie_?stickiness_?policy$",
            },
        },
        triggers=("StickinessPolicy", "stickiness_policy"),
        values={"what": "$POLICY()"},
    ),
    # Kubernetes Service: V1ServiceSpec(session_affinity="ClientIP") or a manifest dict
    Pattern(
        rule={
            "any": [
                {
                    "kind": "keyword_argument",
                    "regex": r"""^session_affinity\s*=\s*[rRuU]?["']ClientIP["']$""",
                },
                {
                    "kind": "pair",
                    "regex": r"""^[rRuU]?["']sessionAffinity["']\s*:\s*[rRuU]?["']ClientIP["']$""",
                },
            ]
        },
        triggers=("ClientIP",),
        values={"what": "Kubernetes session affinity 'ClientIP'"},
    ),
)

RULE = Rule(
    code="SLS304",
    name="load-balancer-stickiness",
    message="{what} turns on sticky sessions; keep state in shared services and turn it off",
    summary="Infrastructure code written in Python turns on load-balancer stickiness.",
    rationale=(
        "Sticky sessions hide state kept in one process instead of removing it: the load "
        "balancer pins each user to the process that holds their data, so scaling in, a "
        "deploy or a crash logs users out or loses their work, load spreads unevenly, and "
        "new replicas take no existing users. Once state lives in a backing service, any "
        "process can serve any request and stickiness is not needed."
    ),
    bad_example="""\
from aws_cdk import Duration
from aws_cdk import aws_elasticloadbalancingv2 as elbv2

target_group = elbv2.ApplicationTargetGroup(
    stack,
    "Web",
    port=8000,
    vpc=vpc,
    stickiness_cookie_duration=Duration.hours(1),
)
""",
    good_example="""\
from aws_cdk import aws_elasticloadbalancingv2 as elbv2

target_group = elbv2.ApplicationTargetGroup(stack, "Web", port=8000, vpc=vpc)
""",
    node_types=(),
    check=no_ast_check,
    scope="config",
    references=(
        "https://12factor.net/processes",
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/sticky-sessions.html",
        "https://kubernetes.io/docs/reference/networking/virtual-ips/#session-affinity",
    ),
    notes=(
        'Leaves alone stickiness that is disabled (`enabled=False`, `"false"`, '
        '`session_affinity="None"`), test code and anything under `if DEBUG:`.',
    ),
    example_filename="infra/stack.py",
    patterns=PATTERNS,
)
