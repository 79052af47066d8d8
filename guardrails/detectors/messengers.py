"""Messenger contacts: WeChat, QQ and other chat apps, with their disguises, given with an ID or
as an invitation to add or talk there (``加我V信 abc123``, ``扣扣：九八七…``, ``vx聊``).

Mentions of a messenger that are not contacts pass: a watch that receives WeChat messages, paying
with WeChat Pay, logging in with WeChat.
"""

from __future__ import annotations

import re

from ahocorasick_rs import AhoCorasick, MatchKind

from ..normalize import NormalizedText
from ..types import Finding
from .base import finding_from_compact, is_latin_boundary, mask

# Names and disguises, as they read in the compact (lower-case, simplified, separators skipped).
_WECHAT = (
    "企业微信|企微|微信|威信|薇信|危信|徽信|维信|围信|溦信|嶶信|徾信|wei信|v信|vx|wx|weixin|"
    "wechat|卫星号|卫星|绿泡泡|绿色泡泡|加v|\\+v|v我|v号|加信|v"
)
_QQ = "qq|扣扣|扣扣号|抠抠|叩叩|企鹅|企鹅号|q群|qq群|扣群|球球"
_OTHER = (
    "钉钉|飞书|旺旺|阿里旺旺|陌陌|telegram|tg群|tg|电报|飞机号|whatsapp|line号|skype|"
    "公众号|视频号|小红书号"
)
_NAMES = f"(?:{_WECHAT}|{_QQ}|{_OTHER})"
# Short Latin names that are also bits of ordinary words; they need a word boundary.
_LATIN_NAMES = frozenset(
    {"vx", "wx", "qq", "tg", "tg群", "line号", "v信", "加v", "+v", "v我", "v号", "v", "skype"}
)
# Names that are ordinary words unless something was put between their characters (加❤信).
_NEEDS_GAP = frozenset({"加信"})
# 卫星 (satellite) stands for WeChat only when an ID follows.
_ID_ONLY = frozenset({"卫星", "tg"})

_ID = r"(?P<id>[a-z][a-z0-9_-]{4,19}|\d{5,12})"
_FILLER = r"(?:号码?|帐号|账号|群号|id|是|为|:|@|,|搜索?|添加|加|一下|就是|号就是)*"
_WITH_ID = re.compile(f"(?P<name>{_NAMES}){_FILLER}{_ID}")
_INVITE_BEFORE = re.compile(
    f"(?:加|添加|加个|加一下|加下|联系|私聊|私信|找|戳|关注|进|入|扫|发我|留个?|(?<![原后出起回本将未过])来)"
    f"(?:我|我们|本店|小编|客服|店主|老板|一下)?(?:的)?(?:客服|小编|店主|老板|售后|官方|专属)?(?:的)?"
    f"(?:个)?(?P<name>{_NAMES})"
)
_INVITE_AFTER = re.compile(
    f"(?P<name>{_NAMES})(?:上|里)?(?:联系|聊|详聊|私聊|沟通|咨询|交流|发你|发给你|加我|找我|"
    f"好友|下单|转账|付款|领|私信|同号|同步|我(?!们))"
    # …or the same sentence ends with the invitation: 用微信扫一扫下面这张图就能加我好友
    f"|(?P<later>{_NAMES})[^,;!?。]{{0,14}}?(?:加我好友|加好友|加我)"
)
# A messenger named as a feature or a way to pay is not a contact.
_FEATURE_AFTER = re.compile(
    "支付|付款|付|钱包|零钱|红包|登录|登陆|消息|提醒|通知|语音|视频通话|运动|扫码支付|小程序码?|绑定|"
    "授权|分享|读书|提现|朋友圈|聊天记录|表情|聊天里|聊天中|里收到|中收到|聊天收到|文件"
)
_FEATURE_BEFORE = re.compile("(?:接收|收到|同步|支持|兼容|显示|查看|分享给|分享到|转发给|转发到)$")


# Cheap test first: every pattern contains one of the names, standing alone where it is Latin
# (the "v" of a tracking number JDVA… must not send every answer down the slow path).
_NAME_LIST = [name.replace("\\+", "+") for name in f"{_WECHAT}|{_QQ}|{_OTHER}".split("|")]
_NAME_FINDER = AhoCorasick(_NAME_LIST, matchkind=MatchKind.Standard)


class MessengerDetector:
    name = "messengers"

    def detect(self, text: NormalizedText) -> list[Finding]:
        compact = text.compact
        names = [
            (start, end)
            for index, start, end in _NAME_FINDER.find_matches_as_indexes(compact, overlapping=True)
            if self._stands_alone(text, _NAME_LIST[index], start, end)
            and not self._a_feature(compact, start, end)
        ]
        findings: list[Finding] = []
        taken: list[tuple[int, int]] = []
        # Each pattern is tried only where a name stands, not over the whole text.
        for name_start, name_end in names:
            window = max(0, name_start - 10)
            for rule, match in (
                ("messenger.id", _WITH_ID.match(compact, name_start)),
                ("messenger.invitation", _INVITE_BEFORE.search(compact, window, name_end)),
                ("messenger.invitation", _INVITE_AFTER.match(compact, name_start)),
            ):
                if match is None or not self._accept(text, rule, match, taken):
                    continue
                start, end = match.span()
                taken.append((start, end))
                contact = match.groupdict().get("id") or ""
                name = match.groupdict().get("name") or match.group("later")
                evidence = name + (":" + mask(contact) if contact else "")
                findings.append(finding_from_compact(text, rule, "messenger", start, end, evidence))
                break
        return findings

    @staticmethod
    def _a_feature(compact: str, start: int, end: int) -> bool:
        """微信支付, 接收微信消息: the name of a feature, not a contact."""
        return (
            _FEATURE_AFTER.match(compact, end) is not None
            or _FEATURE_BEFORE.search(compact, max(0, start - 3), start) is not None
        )

    def _accept(
        self,
        text: NormalizedText,
        rule: str,
        match: re.Match[str],
        taken: list[tuple[int, int]],
    ) -> bool:
        start, end = match.span()
        group = "name" if match.groupdict().get("name") else "later"
        name = match.group(group)
        name_start, name_end = match.span(group)
        if not text.gaps_ok(start, end):
            return False
        if not self._stands_alone(text, name, name_start, name_end):
            return False
        if name in _ID_ONLY and rule != "messenger.id":
            return False
        if name == "v" and text.shadow_after(name_end) not in ("", ",", ":", " ", "!", "?"):
            return False  # a lone V is WeChat in "加我V，" but not in "V领" or "v.douyin.com"
        if (
            name in _NEEDS_GAP
            and text.shadow_index(name_end - 1) - text.shadow_index(name_start) < 2
        ):
            return False
        if self._a_feature(text.compact, name_start, name_end):
            return False
        return not any(s < end and start < e for s, e in taken)

    @staticmethod
    def _stands_alone(text: NormalizedText, name: str, start: int, end: int) -> bool:
        """``vx`` inside ``vxe9`` or ``qq`` inside ``qqmusic.com`` is not a messenger."""
        if name not in _LATIN_NAMES and not name.isascii():
            return True
        before_ok = not name[0].isascii() or is_latin_boundary(text.shadow_before(start))
        after_ok = not name[-1].isascii() or is_latin_boundary(text.shadow_after(end))
        return before_ok and after_ok
