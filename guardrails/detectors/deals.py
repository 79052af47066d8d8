"""Private deals: what the shop offers the shopper outside the platform's process.

Four shapes, each a co-occurrence in one sentence rather than a fixed phrase:

- a review bought: a review (好评 / 差评 / 追评 / 五星 …), something done to it (写 / 改 / 删 / 撤 /
  晒 …) and a reward (返 / 补 / 送 / 红包 / 券 / 京豆 / 十块 …): "差评先撤，撤完我给你包个大红包";
- a complaint or refund bought off: withdrawing it (撤 / 别申请 / 不在平台申请 …) with something
  in return, or settling "ourselves": "投诉撤了吧亲，我私下退您20";
- fake orders: 刷单, 拍单不发货, 冲销量, 不用收货, 本金返还, 佣金 …;
- money or goods settled privately: 私下退 / 私下补 / 通过别的方式补 / 货也不用退 / 不走订单.

Refusals and warnings ("我们不搞好评返现", "凡是让您刷单的都是骗子") are the frames' business
(``frames.py``): every finding here names a deal without giving an identifier, so a frame that
governs it clears it.
"""

from __future__ import annotations

import re

from ..normalize import NormalizedText
from ..types import Finding
from .base import finding_from_compact

_REVIEW = r"(?:好评|差评|中评|追评|评价|评论|一星|二星|三星|五星|5星|晒图|晒单|买家秀|⭐)"
_DONE_TO_IT = r"(?:写|改|删|撤|追|晒|给|打|留|发|修改|加|带图|带视频|配图|\+)"
_REWARD = (
    r"(?:返|退|补|送|寄|赠|红包|🧧|券|京豆|金币|积分|现金|钱|块|元|礼|小心意|福利|免费|包邮|全包|延保|"
    r"清洗|试用装|白送|报销|结算|佣金)"
)
_SENTENCE = re.compile(r"[^!?。;\n]+")
_REVIEW_BOUGHT = re.compile(
    rf"{_REVIEW}[^!?。;]{{0,24}}?{_DONE_TO_IT}[^!?。;]{{0,24}}?{_REWARD}"
    rf"|{_DONE_TO_IT}[^!?。;]{{0,6}}?{_REVIEW}[^!?。;]{{0,24}}?{_REWARD}"
    rf"|{_REWARD}[^!?。;]{{0,16}}?(?:条件|只要|前提)[^!?。;]{{0,16}}?{_REVIEW}"
)
# The platform's own review rewards (JD's 晒单得京豆) are not the shop's offer.
_PLATFORM_REWARD = re.compile(r"平台|(?:京东|抖音|快手)(?:官方)?(?:会|将)?(?:奖励|赠送|发放)")
_COMPLAINT = r"(?:投诉|退款|仅退款|退货|申请|平台介入|介入|举报|差评|售后单|纠纷)"
_WITHDRAW = (
    r"(?:撤|撤回|撤销|撤掉|删|取消|关掉|关闭|别申请|不要申请|先别|不在(?:平台|京东|抖音|快手)|别在平台|"
    r"别走平台|改成)"
)
_OURSELVES = (
    r"(?:私下|自己商量|咱们自己|我们自己|我自己|我这边|单独|补您|补你|退您|退你|给您|给你|赔您|赔你|"
    r"送您|送你|再补|再退|换掉|出钱)"
)
_COMPLAINT_BOUGHT = re.compile(
    rf"{_WITHDRAW}[^!?。;]{{0,12}}?{_COMPLAINT}[^!?。;]{{0,30}}?{_OURSELVES}"
    rf"|{_COMPLAINT}[^!?。;]{{0,6}}?{_WITHDRAW}[^!?。;]{{0,30}}?{_OURSELVES}"
)
_FAKE_ORDER = re.compile(
    r"刷单|拍单(?:不用|不发|不收)|补单|做单|冲销量|冲单|体验单|不用(?:真的)?收货|我们不发货|不发货的|"
    r"地址随便填|发空包|空包裹|本金(?:秒)?返|连本带|返(?:还)?本金|一单佣金|佣金[\d一二三四五六七八九十几]|拍一单"
    r"[^!?。;]{0,12}?(?:不发货|不用收货|返你|返您)"
)
# Refunds without a return are a platform flow (仅退款): only a settlement outside it counts.
_PRIVATE_SETTLEMENT = re.compile(
    r"私下(?:退|补|给|寄|返|赔|再退|再补|打)|(?:别的|其他|另外的)(?:方式|办法|渠道)(?:补|退|给|赔)|"
    r"不走订单|直接(?:线下)?找我拿|线下找我"
)


class DealDetector:
    name = "deals"

    def detect(self, text: NormalizedText) -> list[Finding]:
        compact = text.compact
        findings: list[Finding] = []
        for rule, pattern in (
            ("private_deal.review", _REVIEW_BOUGHT),
            ("private_deal.complaint", _COMPLAINT_BOUGHT),
            ("private_deal.fake_order", _FAKE_ORDER),
            ("private_deal.settlement", _PRIVATE_SETTLEMENT),
        ):
            for match in pattern.finditer(compact):
                if rule == "private_deal.review" and _PLATFORM_REWARD.search(
                    compact, max(0, match.start() - 8), match.end()
                ):
                    continue
                if any(f.rule == rule for f in findings):
                    break  # one finding of a shape is enough to stop the answer
                findings.append(
                    finding_from_compact(text, rule, "private_deal", *match.span(), rule)
                )
        return findings
