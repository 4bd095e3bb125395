"""docs/operations.md keeps in step with the code: every metric and every Slack scope."""

from pathlib import Path

import yaml
from prometheus_client.metrics import MetricWrapperBase

from bot import metrics

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")


def test_the_guide_explains_every_metric() -> None:
    instruments = [v for v in vars(metrics).values() if isinstance(v, MetricWrapperBase)]
    assert len(instruments) >= 11
    for instrument in instruments:
        family = instrument.describe()[0]
        shown = f"{family.name}_total" if family.type == "counter" else family.name
        assert f"`{shown}" in GUIDE, f"{shown} is not in docs/operations.md"


def test_the_guide_explains_every_scope_of_the_manifest() -> None:
    manifest = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    table = GUIDE[GUIDE.index("| Scope | Why leadloop needs it |") :]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    explained = {scope.strip("` ") for row in rows for scope in row.split("|")[1].split(",")}
    assert explained == set(manifest["oauth_config"]["scopes"]["bot"])
