"""Warning frames: reminders and refusals that name a messenger or a way to pay are cleared;
invitations wrapped in a warning and identifiers never are."""

from __future__ import annotations

import pytest

from guardrails import Action
from guardrails.models.rules_only import platform_guardrails


def rules(text: str, platform: str = "jd") -> tuple[Action, list[str]]:
    verdict = platform_guardrails(platform).check(text)
    return verdict.action, [rated.finding.rule for rated in verdict.findings]


@pytest.mark.parametrize(
    "text",
    [
        "提醒您：让您加好友、线下打款的都是骗子，本店售后只在平台内处理",
        "谨防诈骗，不要加任何微信好友",
        "我们不接受微信转账付款哦，请在京东下单",
        "非常抱歉，我们不能接受私下转账或者扫码付款，所有款项请通过京东订单支付。",
        "如果有人自称我们店的员工，要您加QQ领“理赔金”，请不要理会。",
        "亲，您说的“加个微信私下便宜点”我们这边是不做的哦。",
        "本店不搞任何好评返现，也不会让您扫码加群，看到这种贴纸请撕掉，不要扫码。",
        "您想让我'不走平台直接给您发货，钱您微信转给我'，这个咱真不能答应。",
        "钱在平台里付，比私下给红包安全多了～",
        "最近有人说自己是我们的总仓，要先在微信上转定金预约。这个不是我们！",
        "亲，我们没有对外开放的线下门店，工厂和仓库也不接待参观。",
    ],
)
def test_a_warning_or_refusal_without_an_identifier_is_clean(text: str) -> None:
    assert rules(text) == (Action.ALLOW, [])


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # A warning elsewhere does not clear an invitation addressed from the writer.
        ("谨防诈骗！有事加我微信找我", "messenger"),
        ("为防骗子冒充，请加我们客服微信核实", "messenger"),
        # An identifier is never cleared by a warning frame.
        ("谨防假冒，认准我们唯一的售后电话 0512-6688 1234", "phone"),
        ("请勿相信其他号码，我们的QQ是 537190288", "messenger"),
        ("不要打到别的卡，我们的卡号 6222 0216 0208 7734 519", "payment"),
    ],
)
def test_an_invitation_or_an_identifier_is_not_cleared(text: str, category: str) -> None:
    verdict = platform_guardrails("jd").check(text)
    assert verdict.action >= Action.BLOCK
    assert category in verdict.categories
