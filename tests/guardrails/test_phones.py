"""Phone numbers: positives, disguises, and the numbers that must not be phones."""

from __future__ import annotations

import pytest

from guardrails import normalize
from guardrails.detectors.phones import PhoneDetector

DETECTOR = PhoneDetector()


def found(text: str) -> list[tuple[str, str, str]]:
    return [(f.rule, text[f.start : f.end], f.evidence) for f in DETECTOR.detect(normalize(text))]


@pytest.mark.parametrize(
    ("text", "number", "rule"),
    [
        ("有问题打13800138000", "13800138000", "phone.mobile"),
        ("电话：138 0013 8000", "138 0013 8000", "phone.mobile"),
        ("手机 138-0013-8000 随时打", "138-0013-8000", "phone.mobile"),
        ("打１５８-２２３３-４４５５说一下", "１５８-２２３３-４４５５", "phone.mobile"),
        ("①③⑧⓪⓪①③⑧⓪⓪⓪", "①③⑧⓪⓪①③⑧⓪⓪⓪", "phone.mobile"),
        ("幺三八零零一三八零零零，备注快手", "幺三八零零一三八零零零", "phone.mobile"),
        ("一五九 零零一二 七七三三 也是我", "一五九 零零一二 七七三三", "phone.mobile"),
        ("壹叁捌零零壹叁捌零零零", "壹叁捌零零壹叁捌零零零", "phone.mobile"),
        ("138❤0013❤8000", "138❤0013❤8000", "phone.mobile"),
        (
            "1\u200b3\u200b8\u200b0\u200b0\u200b1\u200b3\u200b8\u200b0\u200b0\u200b0",
            None,
            "phone.mobile",
        ),
        ("+86 138 0013 8000", "+86 138 0013 8000", "phone.mobile"),
        ("008613800138000", "008613800138000", "phone.mobile"),
        ("电话13800138000 2号楼", "13800138000", "phone.mobile"),
        ("座机021-5888 1234", "021-5888 1234", "phone.landline"),
        ("总部 010-62345678", "010-62345678", "phone.landline"),
        ("0755 8888 1234找王经理", "0755 8888 1234", "phone.landline"),
        ("400-820-8820", "400-820-8820", "phone.hotline"),
        ("800 810 1234", "800 810 1234", "phone.hotline"),
        ("妖散捌 期舞流酒 爸思而灵", None, "phone.mobile"),  # homophones, phone-long run
        ("拨 l37-OO9l-2468 我给您补", "l37-OO9l-2468", "phone.mobile"),  # letters for digits
        ("WhatsApp：+852 6123 4578", "+852 6123 4578", "phone.international"),
        ("手机号倒着写：57830165931，反过来打", "57830165931", "phone.reversed"),
        ("电话 yao san ba, qi liu wu er, ling jiu si yi", None, "phone.pinyin"),
        ("前三位136，中间4582，尾号0917", None, "phone.split"),
    ],
)
def test_phones_are_found(text: str, number: str | None, rule: str) -> None:
    [(found_rule, span, evidence)] = found(text)
    assert found_rule == rule
    if number is not None:
        assert span == number
    assert "****" in evidence and evidence.count("*") == 4


@pytest.mark.parametrize(
    "text",
    [
        "订单6912345098765432101已经备注加急",  # 19-digit order id
        "订单号2208 1934 5561 2291 我记下了",  # order number typed in groups
        "中通快递7734567890123，今天刚揽收",  # tracking number
        "京东快递单号JDVA12345678901",  # tracking number glued to letters
        "SF1402345678901已签收",
        "价格13800元，分12期",
        "原价1380现价980",
        "充电宝20000mAh",
        "这款手机是12GB+256GB版本",
        "型号RTX4090",
        "生产日期20240312",
        "2024-11-11 20:00开始",
        "尺码175/92A",
        "账号 6229 0876 5432 1123 456 开户行中国银行",  # a card, not a phone inside it
        "六二二六 零九一二 三四五六 七八九三",
        "请保持手机畅通以便快递员联系",
        "星期一到星期五发货",
        "13800138000000",  # too long
        "1380013800",  # too short
        "12800138000",  # 12x is not a mobile prefix
        "第1380号",
        "要不要思考一下而已",  # homophone digits, but no phone-long run
        "hello world, look 1234",
        "852 件库存",  # a country code without "+" is just a number
        "a b c yi er san",  # pinyin, too short for a phone
    ],
)
def test_numbers_that_are_not_phones(text: str) -> None:
    assert found(text) == []


def test_evidence_never_holds_the_whole_number() -> None:
    [(_, _, evidence)] = found("+86 13800138000")
    assert evidence == "138****8000"
