"""No detector, and no shop's guardrails, raises on any string."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from guardrails import Action, Guardrails, normalize

TRICKY = st.text(
    alphabet=st.sampled_from(
        list("0123456789一二三四五六七八九零幺@#.:/-_ +❤*微信vxqQ扣wwwcom点at淘宝搜扫码二维店路号")
        + ["\u200b", "①", "１", "😀", "，", "。", "\n"]
    ),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), TRICKY))
def test_detectors_never_raise(shops: dict[str, Guardrails], text: str) -> None:
    guardrails = shops["jd"]
    normalized = normalize(text)
    for detector in guardrails.detectors:
        for finding in detector.detect(normalized):
            assert 0 <= finding.start <= finding.end <= len(text)
    verdict = guardrails.check(text)
    # A verdict is never the fail-closed error on ordinary input.
    assert not any(r.finding.rule == "guardrails.error" for r in verdict.findings)
    assert verdict.action in Action
