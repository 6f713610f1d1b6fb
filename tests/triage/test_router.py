from __future__ import annotations

import os
from pathlib import Path

import pytest

from escapevelocity.triage import Post, RouterError, Triager, train_router
from escapevelocity.triage.router import load_router

BILLING = [
    "why was I charged twice on my invoice",
    "my bill is wrong this month",
    "refund the double payment on my card",
    "the invoice shows a fee I never agreed to",
    "billing took money after I cancelled",
    "my direct debit amount is wrong",
]
TECH = [
    "the router keeps rebooting every hour",
    "wifi drops when I turn on the microwave",
    "no signal in the kitchen since the upgrade",
    "my modem lights are blinking red",
    "internet speed is a tenth of what I pay for",
    "the box won't connect to the network",
]


def examples() -> list[tuple[str, str]]:
    return [(t, "billing") for t in BILLING] + [(t, "tech-support") for t in TECH]


def test_it_trains_saves_and_loads_a_router(tmp_path: Path) -> None:
    path = tmp_path / "models" / "router.joblib"
    report = train_router([*examples(), ("", "billing"), ("text", "")], path=path)
    assert report.n == 12
    assert report.skipped == 2
    assert report.routes == {"billing": 6, "tech-support": 6}
    assert report.train_accuracy == 1.0
    router = load_router(path)
    assert sorted(router.routes) == ["billing", "tech-support"]


def test_it_refuses_to_train_on_one_route(tmp_path: Path) -> None:
    with pytest.raises(RouterError, match="at least two routes"):
        train_router([("a", "x"), ("b", "x")], path=tmp_path / "r.joblib")


def test_it_refuses_a_file_that_is_not_a_router(tmp_path: Path) -> None:
    bad = tmp_path / "r.joblib"
    bad.write_bytes(b"not a pickle")
    with pytest.raises(RouterError, match="cannot read"):
        load_router(bad)


def test_it_falls_back_to_the_learned_router_when_no_rule_fires(
    tmp_path: Path, model_cache: Path
) -> None:
    rules = tmp_path / "routing.yaml"
    rules.write_text(
        "default: hub\n"
        "rules:\n"
        "  - {name: crisis, when: {intent: crisis}, route: communications}\n"
        "  - {name: complaints, when: {intent: complaint}, route: care, "
        "learned_may_override: true}\n",
        encoding="utf-8",
    )
    router = tmp_path / "router.joblib"
    train_router(examples(), path=router)
    triager = Triager.default(rules_path=rules, router_path=router, cache_dir=model_cache)
    billing, crisis, _unsure = triager.triage(
        [
            Post(external_id="1", channel="x", text="my invoice has a double charge on it"),
            Post(external_id="2", channel="x", text="your modem caught fire, my lawyer will call"),
            Post(external_id="3", channel="x", text="hello"),
        ]
    )
    assert billing.route == "billing"
    assert billing.route_source == "learned"
    assert billing.route_rule is None
    assert "learned router" in billing.reasons["route"][0]
    # a rule that does not allow overriding keeps its route
    assert (crisis.route, crisis.route_source) == ("communications", "rule")


def test_it_uses_the_default_when_the_learned_router_is_unsure(
    tmp_path: Path, model_cache: Path
) -> None:
    rules = tmp_path / "routing.yaml"
    rules.write_text("default: hub\nrules: []\n", encoding="utf-8")
    router = tmp_path / "router.joblib"
    train_router(examples(), path=router, min_confidence=0.99)
    triager = Triager.default(rules_path=rules, router_path=router, cache_dir=model_cache)
    (decision,) = triager.triage([Post(external_id="1", channel="x", text="hello there")])
    assert (decision.route, decision.route_source) == ("hub", "default")
    assert "learned router unsure" in decision.reasons["route"][0]


def test_it_finds_the_router_and_rules_under_ev_data_dir(
    tmp_path: Path, model_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "routing.yaml").write_text("default: from-data-dir\nrules: []\n", encoding="utf-8")
    monkeypatch.setenv("EV_DATA_DIR", str(tmp_path))
    triager = Triager.default(cache_dir=model_cache)
    assert triager.rules.default == "from-data-dir"
    assert triager.router is None
    train_router(examples(), path=tmp_path / "models" / "router.joblib")
    reloaded = Triager.default(cache_dir=model_cache)
    assert reloaded is not triager
    assert reloaded.router is not None


def test_it_reloads_a_retrained_router_and_forgets_the_old_one(
    tmp_path: Path, model_cache: Path
) -> None:
    path = tmp_path / "router.joblib"
    train_router(examples(), path=path)
    first = Triager.default(router_path=path, cache_dir=model_cache)
    train_router([*examples(), ("my bill doubled", "billing")], path=path)
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 10))
    second = Triager.default(router_path=path, cache_dir=model_cache)
    assert second is not first
    assert Triager.default(router_path=path, cache_dir=model_cache) is second
    assert sum(1 for key in Triager._cache if key[2] == str(path)) == 1
