"""Links and domains outside the shop's platform, and redirects to other platforms by search
instruction (``淘宝搜…``, ``某宝``, ``拼多多搜…``).

A link is allowed only when its registered domain is on the platform's allowlist (a JD shop may
link to jd.com or 3.cn; nobody may link to taobao.com). Domains are also found when written as
``xx点com``, ``xx dot com`` or with a Chinese full stop.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..normalize import MAX_GAP, NormalizedText
from ..types import Finding
from .base import (
    Triggers,
    compact_matches,
    finding_from_compact,
    finding_from_shadow,
    is_latin_boundary,
)

_TLDS = (
    "c0m|com|cn|net|org|cc|top|vip|shop|store|xyz|io|me|co|info|biz|tv|link|site|online|club|ltd|"
    "wang|ink|life|live|fun|art|tech|hk|tw|app|dev|ly|gl|gd|im|in|us|uk|jp|kr|so|to|la|ws|mobi|"
    "pro|asia|work|red|fit|pub|run|cool|plus|icu|cyou|vin|beer|love|tk|ml|ga|cf"
)
_SECOND_LEVEL = frozenset({"com.cn", "net.cn", "org.cn", "gov.cn", "com.hk", "com.tw", "co.uk"})
_DOT = (
    r"(?:\s?\.\s?|\s?点\s?|。| dot |\(dot\)|\[dot\]|\[\.\]|\(\.\)|\{\.\}|"
    r"\(点\)|\[点\]|【点】|【\.】)"
)
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_URL = re.compile(
    rf"(?:(?:https?|ftp)\s*:\s*//\s*)?(?:www{_DOT})?(?P<host>(?:{_LABEL}{_DOT})+(?:{_TLDS}))"
    rf"(?![a-z0-9])(?P<path>(?::\d+)?(?:/[\w\-./?%&=#~+]*)?)"
)
_SCHEME_ONLY = re.compile(r"(?:https?|ftp)\s*:\s*//\s*[a-z0-9]")
# On the compact view (separators gone): "w w w . s h o p 6 6 . c o m", "shop🔸lemon🔸com".
_SPACED = re.compile(
    r"(?:https?(?:www)?|www)(?P<name>[a-z0-9]{2,40}?)(?P<tld>com|cn|net|org|top|vip|xyz|cc|shop)"
    r"(?![a-z0-9])"
)
_SYMBOL_DOTS = re.compile(
    r"(?<![a-z0-9])(?P<name>[a-z][a-z0-9-]{1,30})(?:[^\w\s,;!?。、@]\s?[a-z][a-z0-9-]{1,30})*"
    r"[^\w\s,;!?。、@.]\s?(?:com|cn|net|top|vip|xyz|shop)(?![a-z0-9])"
)
# A server named by address: http://47.104.21.88/… (private addresses, a router's 192.168.1.1,
# are not links off the platform).
_IP_URL = re.compile(
    r"(?:(?:https?|ftp)\s*:\s*//\s*)?(?P<ip>\d{1,3}(?:\.\d{1,3}){3})(?::\d{2,5})?(?P<path>/[\w\-./?%&=#~+]*)?"
)
_PRIVATE_IP = re.compile(r"^(?:10\.|127\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|0\.)")
# A domain the shopper is told to assemble: "lujiao 后面加上 点 net".
_ASSEMBLED = re.compile(
    rf"(?P<name>[a-z][a-z0-9-]{{2,30}})\s*(?:后面|后边|后头)?(?:加上|加|接上|接|再加)\s*(?:点|\.|dot)\s*(?P<tld>{_TLDS})(?![a-z0-9])"
)
# Text before a host that makes it the domain of an e-mail address (the e-mail rule reports it).
_EMAIL_BEFORE = re.compile(r"(?:@|#|\(at\)|\[at\]| at |圈a|艾特)\s*$")
# A dotted name is a file, a version or a decimal, not a domain, when it looks like one of these.
_NOT_A_HOST = re.compile(r"^\d+(?:\.\d+)+$|^v?\d+\.\d+")

_OTHER_PLATFORMS = {
    "jd": ("京东", "某东", "狗东", "jd", "jingdong"),
    "taobao": ("淘宝", "桃宝", "掏宝", "淘bao", "tao宝", "某宝", "tb", "天猫", "某猫", "猫超",
               "闲鱼", "咸鱼", "1688", "阿里巴巴"),
    "pinduoduo": ("拼多多", "拼夕夕", "某多多", "某夕夕", "pdd", "多多"),
    "douyin": ("抖音", "某音", "抖店", "dy", "抖抖"),
    "kuaishou": ("快手", "某手", "ks"),
    "other": ("小红书", "红薯", "唯品会", "微店", "有赞", "得物", "苏宁", "亚马逊", "当当",
              "蘑菇街", "微商城", "独立站", "官网"),
}  # fmt: skip
# Places off the platform that are not shops of another platform: social media, the brand's own
# app, site or mini program, another shop or account of ours. Each with something to do there
# in the same sentence is a redirect: "去B站搜我们的号", "微信小程序搜‘会员中心’".
_DESTINATIONS = (
    "小红本|某书|小红书|红薯|微博|围脖|视频号|b站|哔哩哔哩|bilibili|油管|youtube|instagram|facebook|"
    "tiktok|小程序|官方商城|官网|官方网站|官方app|品牌app|自己的app|自家app|应用商店|公众号|服务号|百度搜|"
    "百度一下|小黄鱼|咸鱼|闲鱼|另一个平台|别的平台|其他平台|另一家店|另外一家店|另一个店|二号店|备用号|"
    "另一个号|小号|自己的网站|自己的商城|自己的站"
)
_ACT = re.compile(
    "搜|关注|下单|购买|买|领|兑换|预约|报修|私信|开播|直播|蹲|逛|留言|抽|找我|找我们|便宜|优惠|更全|更快|"
    "打[一二三四五六七八九\\d]折|减"
)
_SHORT = frozenset({"多多", "tb", "dy", "ks", "jd", "抖抖"})
_OWN_PREFIX = re.compile("(?:京东|抖音|快手|平台|小店)(?:的|里的|上的|app)?$")
_SEARCH = (
    "搜索|搜一下|搜一搜|搜|查找|找|店铺|旗舰店|同款|下单|购买|买|拍|链接|有卖|上架|便宜|价格更低|"
    "更便宜|优惠更多|领券|官方店|直播间|店|也有店|有店|开了店|开店"
)


# An address the shopper is told to type or open, however it is then spelled out: 浏览器输入 …,
# 复制到浏览器打开, 网址我拆开写. The platform's own app and pages are not a browser address.
_INSTRUCTION = re.compile(
    r"(?:浏览器|网址|域名|网页版|网站)[^。!?]{0,8}?(?:输入|打开|搜|访问|登录|上|进|是|拆开|:)"
    r"|(?:复制|粘贴|输入)[^。!?]{0,10}?(?:到|去|进|在)?浏览器"
)
_OWN_APP = re.compile(r"京东|抖音|快手|jd|douyin|kuaishou|小店|商城|app里|客户端|路由器|管理地址")
_LOCAL_ADDRESS = re.compile(r"(?<![\d.])(?:192\.168|10\.\d{1,3}|127\.0)\.\d{1,3}\.\d{1,3}")
# A netdisk share: its link or the extraction code that only such a link has.
_NETDISK = re.compile(
    r"(?:百度网盘|百度云盘?|网盘|云盘|夸克|阿里云盘|115盘|蓝奏云?|pan\.?baidu)[^。!?]{0,20}?"
    r"(?:链接|提取码|密码|分享|地址|搜|下载|里|上)|提取码\s*[:：]?\s*[a-z0-9]{4}"
)


# Cheap test first: a scheme, "www", a dot-like sign right before a top-level domain, a common
# domain ending on its own (symbol-dotted hosts), a dotted number (IP addresses).
_MAYBE = Triggers(
    ["http", "www", "ftp", "//", "c0m", "com", "net", "cn", "top", "vip", "xyz", "shop"]
    + [dot + tld for dot in (".", "点", "dot", "。", "].", ".]") for tld in _TLDS.split("|")]
)
_DOTTED_NUMBER = re.compile(r"\d\.\d{1,3}\.\d{1,3}\.\d")


class LinkDetector:
    name = "links"

    def __init__(self, allowed_domains: Iterable[str]) -> None:
        self._allowed = frozenset(domain.lower().strip(".") for domain in allowed_domains)

    def allowed(self, host: str) -> bool:
        labels = host.split(".")
        for index in range(len(labels) - 1):
            if ".".join(labels[index:]) in self._allowed:
                return True
        return False

    def detect(self, text: NormalizedText) -> list[Finding]:
        # An address itself is the finding; an instruction to type one only when none is found.
        return self._addresses(text) or self._instructed(text)

    @staticmethod
    def _instructed(text: NormalizedText) -> list[Finding]:
        compact = text.compact
        if (
            "浏览" not in compact
            and "网" not in compact
            and "盘" not in compact
            and "提取码" not in compact
        ):
            return []
        found = []
        for rule, pattern in (("link.instruction", _INSTRUCTION), ("link.netdisk", _NETDISK)):
            for match in pattern.finditer(compact):
                if rule == "link.instruction" and (
                    _OWN_APP.search(compact, match.start(), match.end() + 12)
                    or _LOCAL_ADDRESS.search(text.shadow)
                ):
                    continue
                found.append(finding_from_compact(text, rule, "link", *match.span(), rule))
        return found

    def _addresses(self, text: NormalizedText) -> list[Finding]:
        if not (
            _MAYBE.found_in(text.shadow)
            or _MAYBE.found_in(text.compact)
            or _DOTTED_NUMBER.search(text.shadow)
        ):
            return []
        findings: list[Finding] = []
        shadow = text.shadow
        covered: list[tuple[int, int]] = []  # shadow spans already read as hosts, allowed or not
        for match in _URL.finditer(shadow):
            covered.append(match.span())
            host = re.sub(_DOT, ".", match.group("host"))
            if _NOT_A_HOST.match(host) or self.allowed(host):
                continue
            if _EMAIL_BEFORE.search(shadow, max(0, match.start() - 5), match.start()):
                continue
            if not any(c.isalpha() for c in host.rsplit(".", 1)[0]) and not match.group("path"):
                continue  # "3.5.cn"-like numbers with no path are not links
            start, end = match.span()
            findings.append(
                finding_from_shadow(text, "link.domain", "link", start, end, registered(host))
            )
        # Hosts broken up to escape the pattern above: spaced letters, symbols for dots, a
        # scheme split by separators.
        # Letters typed apart ("h t t p s : / /") leave wider gaps than a disguised word.
        for rule, match in (
            *(("link.spaced", m) for m in _SPACED.finditer(text.compact)),
            *(("link.url", m) for m in compact_matches(_SCHEME_ONLY, text)),
        ):
            start, end = match.span()
            shadow_start = text.shadow_index(start)
            if rule == "link.spaced" and not text.gaps_ok(start, end, 3 * MAX_GAP):
                continue
            shadow_end = text.shadow_index(end - 1) + 1
            if any(s < shadow_end and shadow_start < e for s, e in covered):
                continue
            covered.append((shadow_start, shadow_end))
            name = match.groupdict().get("name") or "url"
            if rule == "link.spaced" and self.allowed(f"{name}.{match.group('tld')}"):
                continue
            findings.append(finding_from_compact(text, rule, "link", start, end, name))
        for match in _IP_URL.finditer(shadow):
            has_path = bool(match.group("path")) or "//" in match.group()
            if not has_path or _PRIVATE_IP.match(match.group("ip")):
                continue
            if any(s < match.end() and match.start() < e for s, e in covered):
                continue
            covered.append(match.span())
            start, end = match.span()
            findings.append(finding_from_shadow(text, "link.ip", "link", start, end, "ip"))
        for match in _ASSEMBLED.finditer(shadow):
            if any(s < match.end() and match.start() < e for s, e in covered):
                continue
            host = f"{match.group('name')}.{match.group('tld')}"
            if self.allowed(host):
                continue
            covered.append(match.span())
            start, end = match.span()
            findings.append(finding_from_shadow(text, "link.assembled", "link", start, end, host))
        for match in _SYMBOL_DOTS.finditer(shadow):
            if any(s < match.end() and match.start() < e for s, e in covered):
                continue
            start, end = match.span()
            findings.append(
                finding_from_shadow(text, "link.disguised", "link", start, end, match.group("name"))
            )
        return findings


def registered(host: str) -> str:
    labels = host.split(".")
    if len(labels) >= 3 and ".".join(labels[-2:]) in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


class RedirectDetector:
    """Steering to another platform or shop by telling the shopper what to search there."""

    name = "redirects"

    def __init__(self, own_platform: str) -> None:
        names = [
            name
            for platform, names in _OTHER_PLATFORMS.items()
            if platform != own_platform
            for name in names
        ]
        alternatives = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
        self._names = re.compile(alternatives)
        # Two-letter and doubled short names (多多, tb, dy) are too common to stand alone here.
        long_names = "|".join(
            sorted((re.escape(n) for n in names if len(n) >= 2 and n not in _SHORT), key=len)[::-1]
        )
        self._destination = re.compile(f"{long_names}|{_DESTINATIONS}")
        self._pattern = re.compile(
            rf"(?:去|到|在|上|来)?(?P<platform>{alternatives})(?:上|里|app|平台)?"
            rf"(?:(?:也)?有(?:我们|我们的|我家)?)?(?:{_SEARCH})"
            # …or a few words later in the same sentence: 小红书，搜『…』 / 某宝（橙色那个app）搜
            rf"|(?P<later>{alternatives})(?:这边|那边|上|里)?[^。!?]{{0,12}}?(?:搜|满减|优惠|福利|赠品)"
        )

    def detect(self, text: NormalizedText) -> list[Finding]:
        findings = self._searched(text)
        return findings or self._destinations(text)

    def _destinations(self, text: NormalizedText) -> list[Finding]:
        compact = text.compact
        findings = []
        for match in self._destination.finditer(compact):
            name = match.group()
            if name.isascii() and not (
                is_latin_boundary(text.shadow_before(match.start()))
                and is_latin_boundary(text.shadow_after(match.end()))
            ):
                continue
            if _OWN_PREFIX.search(compact, max(0, match.start() - 6), match.start()):
                continue
            sentence_end = next(
                (i for i in range(match.end(), len(compact)) if compact[i] in "。!?;"),
                len(compact),
            )
            act = _ACT.search(compact, match.end(), min(sentence_end, match.end() + 24))
            if act is None:
                continue
            findings.append(
                finding_from_compact(
                    text, "redirect.destination", "redirect", match.start(), act.end(), name
                )
            )
        return findings

    def _searched(self, text: NormalizedText) -> list[Finding]:
        if self._names.search(text.compact) is None:
            return []
        findings: list[Finding] = []
        for match in self._pattern.finditer(text.compact):
            group = "platform" if match.group("platform") else "later"
            platform = match.group(group)
            start, end = match.span()
            if group == "platform" and not text.gaps_ok(start, end):
                continue
            if platform.isascii():
                before = text.shadow_before(match.start(group))
                after = text.shadow_after(match.end(group))
                if (before.isascii() and before.isalnum()) or (after.isascii() and after.isalnum()):
                    continue
            findings.append(
                finding_from_compact(text, "redirect.search", "redirect", start, end, platform)
            )
        return findings
