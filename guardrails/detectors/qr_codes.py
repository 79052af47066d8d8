"""QR-code invitations: ``扫码加…``, ``识别图中二维码``, ``长按识别``, ``二维码见主图``.

A QR code described as a product feature passes (``二维码识别速度快``, ``支持扫码``, a scan gun).
"""

from __future__ import annotations

import re

from ..normalize import NormalizedText
from ..types import Finding
from .base import compact_matches, finding_from_compact

# Words for a QR code; a bare 码 counts only where a place or "scan me" makes it one.
_QR = (
    r"(?:二维码|二维吗|二微码|二维马|qr码|qrcode|qr|方块码|方块|黑白格子|格子码|erweima|"
    r"收款码|收钱码)"
)
_CODE = rf"(?:{_QR}|码|马)"
_SCAN = r"(?:扫一扫|扫一下|扫描|扫|长按识别|长按扫描|长按|识别|保存)"
_WHERE = (
    r"(?:图中|图片中?|图片里|图里|主图|详情页|下图|上图|下方|上方|下面|上面|这个|我的|店铺的|"
    r"包裹里的|卡片上的|主页|头像|相册|背景图)"
)
_FOR = (
    r"(?:加|添加|关注|进群|入群|进|领|联系|咨询|好友|客服|下单|购买|付款|支付|转账|返现|红包|"
    r"抽奖|福利|优惠|券|有礼|送|私聊|获取|报名)"
)
_CLAUSE = r"[^;!?。]"  # within a sentence (a comma may stand between the code and its purpose)
_PATTERNS = (
    # scan (something) … QR code … for something: 扫我主页背景图上的二维码，领取…
    re.compile(rf"{_SCAN}[^,;!?。、]{{0,12}}?{_QR}{_CLAUSE}{{0,10}}?{_FOR}"),
    # scan to get something: 扫码领券, 扫马领红包, 扫码加群
    re.compile(rf"扫(?:码|马|吗|嘛)(?:就能|即可|可以|马上)?{_FOR}"),
    # the code is somewhere: 二维码见主图 / erweima在包装背面
    re.compile(rf"{_QR}(?:见|在|看|放在|已发|发你|发给你)"),
    re.compile(r"码(?:见|在|放在)(?:图|主图|图片|头像|相册|详情页|评论区)"),
    # 识别图中二维码 / 扫下方二维码 / 扫一扫详情页那张图里的码
    re.compile(rf"(?:识别|扫描?){_WHERE}的?{_CODE}"),
    re.compile(
        rf"{_SCAN}[^,;!?。、]{{0,12}}?(?:图|卡|片|盒|瓶身|瓶|包装|页|袋)[^,;!?。、]{{0,4}}?的?{_CODE}"
    ),
    # scan a picture to add someone: 用微信扫一扫下面这张图就能加我好友
    re.compile(
        rf"(?:扫一扫|扫一下|扫描)[^,;!?。、]{{0,10}}?(?:图|图片|照片)[^,;!?。、]{{0,8}}?{_FOR}"
    ),
    # 截图扫一下 / 截图保存后扫: a picture saved to be scanned
    re.compile(r"(?:截图|截屏|保存图片)[^。!?]{0,12}?(?:扫一扫|扫一下|扫描|扫)"),
    # the code is in the avatar / on the page: 我头像就是码
    re.compile(
        r"(?:头像|主页|相册|背景图|图片|图)[^,;!?。、]{0,4}?(?:就是|是|有|里的?|上的?)[^,;!?。、]{0,3}?码"
    ),
    re.compile(rf"扫(?:我|我们)(?:的|家)?[^,;!?。、]{{0,6}}?{_CODE}"),
    # the code, then scan it: 图片里那个黑白格子扫一扫
    re.compile(rf"{_QR}{_CLAUSE}{{0,8}}?(?:扫一扫|扫一下|扫描一下|扫完|扫好|扫扫|扫下)"),
    re.compile(r"长按[^,;!?。、]{0,6}?(?:识别|扫描|保存)"),
    re.compile(r"scan[^.!?。]{0,24}?(?:qr|code)"),
)
# Product features: a scanner that reads QR codes, a lock that opens by scan, a scan gun.
_FEATURE = re.compile(
    r"(?:识别速度|识别率|扫描速度|扫码速度|扫描距离|解码|扫码枪|扫描枪|扫码器|扫码头|扫码模组|一维码|"
    r"条码|条形码|支持扫码|扫码开门|扫码解锁|扫码连接|扫码配对|扫码支付功能|配网|绑定设备|防伪码|"
    r"溯源码|快递面单|取件码|防伪|验证真伪|验真|能扫码付款|能扫码支付|可扫码支付|扫码付款功能|扫码支付功能|"
    r"收银台|支付方式|付款方式|生成二维码|手表扫码|手环扫码|支持[^,;!?。]{0,8}扫码)"
)


# A picture or code the shopper is told to decode, in one sentence, however it is described:
# "黑白相间的小格子图案，用手机相机对准它停两秒", "那张图存相册，然后用付钱那个软件识别一下".
_PICTURE = re.compile(
    r"图(?!标)|(?<![号尺密编条证验色扫])码(?!数|字)|海报|卡片|小卡|标签|方块|方格|格子|图案|截图|截屏|头像|名片|qr|背景板|背景墙|白板|贴纸"
)
_DECODE = re.compile(
    r"扫一扫|扫一下|扫描|扫码|扫我|扫完|扫了|一扫|扫扫|长按|识别|对准|相机|相册|识图|拍一下|一拍|一照|"
    r"滴一下|从相册|对着[^,;!?。]{0,6}?(?:拍|照|扫|滴)"
)
_SENTENCE = re.compile(r"[^!?。;\n]+")
# The platform's own flows: its app's scanner, a courier scanning a parcel, a scanner for sale.
_OWN_FLOW = re.compile(
    r"(?:京东|抖音|快手)(?:app)?[^,;!?。]{0,3}扫|快递员|师傅扫|收银|扫码枪|扫描枪|扫地|扫货|扫风|绑定|"
    r"开锁|解锁|按键|键|配对|连接|扫描件|激活|配网|聊天框|聊天窗口|对话框|功能|识物|发图给我|发图片|生成|"
    r"收银台|支付方式|支付流程|付款方式"
)


# Paying by scanning at the platform's own checkout (微信扫码支付 in 抖音收银台) is no invitation.
_CHECKOUT = re.compile(r"收银台|支付方式|付款方式|支付流程|选择(?:微信|支付宝)")


def _sentence_around(compact: str, start: int, end: int) -> str:
    first = max((compact.rfind(c, 0, start) for c in "。!?;"), default=-1) + 1
    ends = [i for c in "。!?;" if (i := compact.find(c, end)) != -1]
    return compact[first : min(ends, default=len(compact))]


# Cheap test first: every pattern scans, holds a code, or is in English.
_MAYBE = re.compile(
    rf"扫|识别|长按|保存|{_QR}|scan|码(?:见|在|放在)|对准|对着|相机|相册|识图|一拍|一照"
)


class QrCodeDetector:
    name = "qr_codes"

    def detect(self, text: NormalizedText) -> list[Finding]:
        if _MAYBE.search(text.compact) is None:
            return []
        features = [m.span() for m in _FEATURE.finditer(text.compact)]
        found = self._patterns(text, features)
        return found or self._decode(text, features)

    @staticmethod
    def _decode(text: NormalizedText, features: list[tuple[int, int]]) -> list[Finding]:
        compact = text.compact
        findings = []
        for sentence in _SENTENCE.finditer(compact):
            start, end = sentence.span()
            decode = _DECODE.search(compact, start, end)
            if decode is None:
                continue
            picture = next(
                (
                    m
                    for m in _PICTURE.finditer(compact, start, end)
                    if m.end() <= decode.start() or m.start() >= decode.end()
                ),
                None,
            )
            if picture is None:
                continue
            if _OWN_FLOW.search(compact, start, end) or any(start <= s < end for s, _ in features):
                continue
            first = min(picture.start(), decode.start())
            last = max(picture.end(), decode.end())
            findings.append(
                finding_from_compact(text, "qr_code.decode", "qr_code", first, last, "qr")
            )
        return findings

    @staticmethod
    def _patterns(text: NormalizedText, features: list[tuple[int, int]]) -> list[Finding]:
        """The fixed shapes, unless their sentence is about the platform's own checkout or a
        device's feature."""
        findings: list[Finding] = []
        taken: list[tuple[int, int]] = []
        for pattern in _PATTERNS:
            for match in compact_matches(pattern, text):
                start, end = match.span()
                # A feature word just before the match describes it (防伪二维码，刮开涂层扫一下).
                if any(s < end and start < e + 6 for s, e in taken + features):
                    continue
                taken.append((start, end))
                if _CHECKOUT.search(_sentence_around(text.compact, start, end)):
                    continue
                findings.append(
                    finding_from_compact(text, "qr_code.invitation", "qr_code", start, end, "qr")
                )
        return findings
