"""E-mail addresses, plain and disguised."""

from __future__ import annotations

import pytest

from guardrails import normalize
from guardrails.detectors.emails import EmailDetector

DETECTOR = EmailDetector()


def found(text: str) -> list[str]:
    return [f.evidence for f in DETECTOR.detect(normalize(text))]


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("发票请发 service_kf@163.com", "163.com"),
        ("發郵件至 fapiao_jd@126.com", "126.com"),
        ("发到 ３３８８６６７７＠ｑｑ．ｃｏｍ", "qq.com"),
        ("邮箱 abc#qq.com", "qq.com"),
        ("mail me: bob at gmail dot com", "gmail.com"),
        ("design.team(at)outlook(dot)com", "outlook.com"),
        ("pifa 圈a 163 点 com", "163.com"),
        ("aftersale📧163.com", "163.com"),
        ("kefu★foxmail.com", "foxmail.com"),
        ("work@my-company.com.cn", "my-company.com.cn"),
        ("设计稿请发 design#xiuxian.com（#换成@）", "xiuxian.com"),
        ("q u a n l i a n g @ y e a h . n e t", "yeah.net"),
        ("reading_club 后面加@outlook.com", "outlook.com"),
        ("service(at)hzkitchen(dot)cn", "hzkitchen.cn"),
    ],
)
def test_addresses_are_found(text: str, domain: str) -> None:
    [evidence] = found(text)
    assert evidence.endswith("@" + domain)
    assert "****" in evidence or evidence == "@" + domain  # the local part is masked


@pytest.mark.parametrize(
    "text",
    ["请在订单备注里写明", "版本1.2.3", "尺寸1.5x2.0m", "数据线#2号款", "单价@5元"],
)
def test_not_addresses(text: str) -> None:
    assert found(text) == []
