"""docs/aws.md lists exactly the operations the operation tables serve."""

from __future__ import annotations

import botocore.session

from simulator.aws import operation_docs


def test_the_documented_operation_list_is_the_tables() -> None:
    text = operation_docs.DOC.read_text("utf-8")
    assert operation_docs.markdown() in text, (
        "docs/aws.md is out of date: run python -m simulator.aws.operation_docs"
    )
    assert operation_docs.replaced(text) == text


def test_every_served_operation_is_one_of_the_service_model() -> None:
    session = botocore.session.get_session()
    for service, table in operation_docs.tables().items():
        names = set(session.get_service_model(service).operation_names)
        assert set(table) <= names, (service, sorted(set(table) - names))
        assert table, service


def test_a_stale_list_is_rewritten() -> None:
    stale = f"intro\n{operation_docs.BEGIN}\n| ec2 | RunInstances |\n{operation_docs.END}\nrest\n"
    fixed = operation_docs.replaced(stale)
    assert fixed.startswith("intro\n") and fixed.endswith("\nrest\n")
    assert "DescribeInstanceTypes" in fixed and "| ec2 | RunInstances |" not in fixed
