"""Bank cards and off-platform payment versus paying on the platform."""

from __future__ import annotations

import pytest

from guardrails import normalize
from guardrails.detectors.payment import PaymentDetector, luhn_valid

DETECTOR = PaymentDetector()


def rules(text: str) -> list[str]:
    return [f.rule for f in DETECTOR.detect(normalize(text))]


@pytest.mark.parametrize(
    ("number", "valid"),
    [("6225881234567898", True), ("4111111111111111", True), ("4111111111111112", False)],
)
def test_luhn(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


@pytest.mark.parametrize(
    "text",
    [
        "差价请转入招商银行卡 ６２２５ ８８１２ ３４５６ ７８９８，收款人王芳",
        "直接打款到卡号 六二二五 八八一二 三四五六 七八九八，户名张丽",
        "对公账户 4111 1111 1111 1111",
    ],
)
def test_bank_cards(text: str) -> None:
    assert "payment.bank_card" in rules(text), text


@pytest.mark.parametrize(
    "text",
    [
        "定制款要先付定金，扫我收款码付就行，不用走抖音",
        "这单咱们私下走，你付我现金",
        "直接转我zfb就行，别在平台拍",
        "退款走微信转账给您",
        "支付宝账号 13800138000",
        "好评返现5元",
        "不走平台可以便宜50",
        "线下交易更划算",
        "转账给我就行",
        "也可以用USDT付款，钱包地址我单独发你",
        "晒单返现8元，加我微信发红包",
        "差价我转你支付宝",
    ],
)
def test_off_platform_payment(text: str) -> None:
    assert rules(text), text


@pytest.mark.parametrize(
    "text",
    [
        "下单时可以选择微信支付或京东白条",
        "付款不成功的话，可以换一张银行卡或者换成微信支付试试",
        "用支付宝付款的话，在收银台选一下就行",
        "结算时可以选支付宝或者微信付款，都在抖音里完成",
        "退款会原路退回到您的支付宝",
        "订单6912345098765432101已经备注加急",
        "订单号 6225 8812 3456 7898 已发货",  # Luhn-valid, but an order number
        "帮您转我们的售后同事处理",
        "白条可以分3期、6期、12期",
        "平台不允许好评返现，感谢理解",
    ],
)
def test_paying_on_the_platform(text: str) -> None:
    assert rules(text) == [], text


@pytest.mark.parametrize(
    "text",
    [
        "加我私聊下单，价格比链接上低",
        "私信报价",
        "不用在抖音拍，直接找我",
        "五星好评截图发客服，返5元",
        "红包走支付宝",
        "拍下不发货，差价另算",
        "直接打钱就行",
        "先付定金给我",
        "补差价联系我",
    ],
)
def test_each_trigger_family_still_reaches_its_pattern(text: str) -> None:
    """The cheap pre-test must not hide a pattern: one example per trigger family."""
    assert rules(text), text
