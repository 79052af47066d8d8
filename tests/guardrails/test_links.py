"""Links outside the shop's platform, and redirects to other platforms."""

from __future__ import annotations

import pytest

from guardrails import normalize
from guardrails.detectors.links import LinkDetector, RedirectDetector

JD = LinkDetector(["jd.com", "3.cn", "jd.hk"])
DOUYIN = LinkDetector(["douyin.com", "jinritemai.com"])


def links(detector: LinkDetector, text: str) -> list[str]:
    return [f.evidence for f in detector.detect(normalize(text))]


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("复制到浏览器打开：https://t.cn/R2xK9p", "t.cn"),
        ("复制这个：h\u200bttps://t.cn/R2\u200bxK9p", "t.cn"),
        ("教学视频在 b23.tv/AbC123", "b23.tv"),
        ("对照表在 www.xiezi⑧⑧.com 上有", "xiezi88.com"),
        ("去我们官网 abc点com 看看", "abc.com"),
        ("官网 shop dot lemon dot cn", "lemon.cn"),
        ("同款 https://item.taobao.com/item.htm?id=1", "taobao.com"),
        ("旗舰店 https://xyz.tmall.com", "tmall.com"),
        ("Ｗｗｗ．ｍｅｉｚｈｕａｎｇ．ｃｏｍ", "meizhuang.com"),
    ],
)
def test_off_platform_links(text: str, domain: str) -> None:
    assert links(JD, text) == [domain]


@pytest.mark.parametrize(
    "text",
    [
        "w w w . m e i z h u a n g 6 6 . c o m 打开就能看到",
        "官网 👉 shop🔸lemon🔸com 👈",
        "h t t p s : / / abc.top",
        "固件下载：http://47.104.21.88/firmware/v3.2.bin",
        "网址是 lujiao 后面加上 点 net，自己拼一下",
        "去 yangsheng-tang 点 com 看配方",
        "教程在 beautyxx[.]top",
    ],
)
def test_broken_up_links(text: str) -> None:
    assert links(JD, text)


@pytest.mark.parametrize(
    "text",
    [
        "配件链接：item.jd.com/100012345678.html",
        "点这个 3.cn/1xYz-9Ab 直接跳转",
        "https://www.jd.com/",
        "版本1.2.3",
        "3.5mm耳机孔",
        "执行标准GB/T 18401-2010",
        "尺寸1.5x2.0m",
        "发票请发 service@163.com",  # an e-mail: the e-mail rule reports it
        "路由器后台地址是 192.168.3.1",  # a private address
        "版本号 10.2.3.4",
    ],
)
def test_allowed_or_not_links(text: str) -> None:
    assert links(JD, text) == []


def test_a_platforms_own_domain_is_a_link_elsewhere() -> None:
    assert links(DOUYIN, "配件链接：item.jd.com/100012345678.html") == ["jd.com"]
    assert links(DOUYIN, "v.douyin.com/Ab3x 点进去") == []


@pytest.mark.parametrize(
    "text",
    [
        "拼多多搜'老王五金店'，同款便宜十块",
        "天猫搜索'安然母婴旗舰店'有赠品",
        "某多多搜'快乐猫粮批发'",
        "去某宝搜我们店名",
        "去🍑宝搜'甜心家'",
        "淘寶搜尋店鋪名就能找到",
        "小红书搜我们店有教程",
    ],
)
def test_redirects(text: str) -> None:
    assert RedirectDetector("jd").detect(normalize(text))


@pytest.mark.parametrize(
    ("platform", "text"),
    [
        ("jd", "京东搜索本店就能找到"),  # the shop's own platform
        ("jd", "比淘宝的质量好"),
        ("douyin", "抖音搜索我们的店铺"),
        ("jd", "tbc 款式"),
    ],
)
def test_not_redirects(platform: str, text: str) -> None:
    assert RedirectDetector(platform).detect(normalize(text)) == []


def test_spaced_platform_domain_is_still_allowed() -> None:
    assert links(JD, "w w w . j d . c o m") == []
    assert links(DOUYIN, "w w w . j d . c o m") == ["jd"]
