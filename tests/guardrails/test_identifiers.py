"""Identifiers decided by the words around them: table-driven positives, look-alikes that must
stay harmless, and disguised variants."""

from __future__ import annotations

import pytest

from guardrails import normalize
from guardrails.detectors.identifiers import IdentifierDetector

DETECTOR = IdentifierDetector()


def found(text: str) -> list[tuple[str, str]]:
    return [(f.rule, text[f.start : f.end]) for f in DETECTOR.detect(normalize(text))]


@pytest.mark.parametrize(
    ("text", "rule", "span"),
    [
        # A phone handed over in parts, across punctuation and words.
        (
            "打我电话哈～幺三八，零五七一，二六四九，记不住就截个图",
            "phone.parts",
            "幺三八，零五七一，二六四九",
        ),
        ("前面是一八六，中间是五七一二，最后四位是三零八八", "phone.parts", None),
        (
            "one three five，然后是 zero five seven one，最后 eight two six three",
            "phone.parts",
            None,
        ),
        ("号码一五八／七七三九／零二六四", "phone.parts", "一五八／七七三九／零二六四"),
        # Messenger ids: the app named, nicknamed or an emoji, a cue before or after.
        ("群号七八六三三二零九五，进群后备注订单号", "messenger.id", "七八六三三二零九五"),
        ("我发您 🐧 吧，号是 5️⃣3️⃣7️⃣1️⃣9️⃣0️⃣2️⃣8️⃣8️⃣", "messenger.id", None),
        ("图片发不了，Q上传给我 6618 2309 4", "messenger.id", "6618 2309 4"),
        ("薇：fsdq_xiaozhou88，备注柜机", "messenger.id", "fsdq_xiaozhou88"),
        ("5371902是我扣扣", "messenger.id", "5371902"),
        # Payment accounts whether or not they pass Luhn.
        ("工行 6222 0216 0208 7734 519，户名陈*婷", "payment.account", "6222 0216 0208 7734 519"),
        ("定金您走这个卡就行：陆贰贰捌 肆捌零零 叁叁壹贰 柒柒伍玖 零陆壹", "payment.account", None),
        ("对公账户 5719 0888 1630 202，转完截图", "payment.account", "5719 0888 1630 202"),
        # A phone named by a cue but written without its area code.
        ("座机号是 八二七三五一六零", "phone.cued", "八二七三五一六零"),
        # Another app's paste token.
        ("复制这段话 ¥AbC123xyz¥ 打开淘宝", "redirect.token", "¥AbC123xyz¥"),
    ],
)
def test_identifiers_with_their_context(text: str, rule: str, span: str | None) -> None:
    results = found(text)
    assert [r for r, _ in results] == [rule]
    if span is not None:
        assert results[0][1] == span


@pytest.mark.parametrize(
    "text",
    [
        "订单号 2208 1934 5561 2291 我记下了",
        "快递单号SF1234567890123",
        "我的订单是12345678901，请查",
        "型号A3092 5000mAh",
        "轮胎规格 205/55 R16 91V，适配大部分紧凑型轿车",
        "收货电话显示为 138****5621，请确认是否是您本人号码",
        "客服在线时间 8:00-24:00",
        "商品链接 haohuo.jinritemai.com/views/product/item2?id=3612345678",
        "鱼丸一袋500g大概25-28颗，够一家三口吃两顿",
        "长按两秒可以切换45℃/55℃/65℃三档",
        "一三五下午发货，二四六不发",
        "二零一九年十月一号开业",
        "工号1038为您服务",
        "这款Switch续航版在店铺里搜就能看到",
    ],
)
def test_harmless_numbers_and_codes_stay_harmless(text: str) -> None:
    assert found(text) == []
